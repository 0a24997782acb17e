package secretariat

import (
	"errors"
	"strings"

	"convene/meeting"
	"convene/store"
)

// replacedUnreachable returns the addresses of contact's active delegates
// that a reply corrects: it names a delegate of the same name with another
// address, and the registered address bounced permanently (the mission was
// asked for the correct one, bounce_delegate.go). Those are withdrawn as the
// new address is registered, so that the delegate is not registered twice.
func replacedUnreachable(tx *store.Tx, contact string, named []meeting.Delegate) ([]string, error) {
	active, err := tx.Delegates(contact)
	if err != nil {
		return nil, err
	}
	norm := func(x string) string { return strings.ToLower(strings.Join(strings.Fields(x), " ")) }
	var gone []string
	for _, a := range active {
		for _, n := range named {
			if norm(n.Name) == "" || !sameName(norm(n.Name), norm(a.Name)) || meeting.NormalizeEmail(n.Email) == a.Email {
				continue
			}
			_, err := tx.KnownUnreachable(a.Email)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			gone = append(gone, a.Email)
			break
		}
	}
	return gone, nil
}

// sameName reports whether two normalised names are the same person's, one
// perhaps with an honorific or a first name the other lacks.
func sameName(a, b string) bool {
	return a == b || strings.HasSuffix(a, " "+b) || strings.HasSuffix(b, " "+a)
}
