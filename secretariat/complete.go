package secretariat

import (
	"strings"

	"convene/meeting"
	"convene/store"
)

// The rule the confirmation states (templates/default/confirmation.*.tmpl):
// a reply that names delegates adds them to the delegation; a reply that
// says it gives the complete list of delegates (inbox.Message.Complete)
// replaces the delegation, so that each delegate registered now and not
// named in it is withdrawn, and their calendar invitations cancelled
// (planInvites). A delegate named without an address is kept when a
// registered delegate has that name.

// notInCompleteList returns the addresses of contact's active delegates
// that a complete list does not name: named are the delegates with an
// address (new or kept), names those given without one.
func notInCompleteList(tx *store.Tx, contact string, named []meeting.Delegate, names []string) ([]string, error) {
	active, err := tx.Delegates(contact)
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, d := range named {
		keep[meeting.NormalizeEmail(d.Email)] = true
	}
	norm := func(x string) string { return strings.ToLower(strings.Join(strings.Fields(x), " ")) }
	var gone []string
	for _, d := range active {
		if keep[meeting.NormalizeEmail(d.Email)] {
			continue
		}
		byName := false
		for _, n := range names {
			if n := norm(n); n != "" && (norm(d.Name) == n || strings.HasSuffix(norm(d.Name), " "+n) || strings.HasSuffix(n, " "+norm(d.Name))) {
				byName = true
			}
		}
		if !byName {
			gone = append(gone, d.Email)
		}
	}
	return gone, nil
}
