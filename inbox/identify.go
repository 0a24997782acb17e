package inbox

import (
	"fmt"

	"convene/meeting"
)

// Identify decides which contact sent m. The reply token (tokens maps a
// token to a contact's name) comes first, then the sender's address in the
// contact list. A message from an unknown address, or whose token and sender
// disagree (the token names contact A and the sender is an address of
// contact B, or an unknown address), is marked NeedsReview with the reason
// and no contact is returned. A bounce is matched by its failed recipients
// instead, since it comes from a mail server. A calendar reply comes from a
// delegate rather than a contact: it is matched when its sender is a
// contact's address, and otherwise returns nil without review (the
// calendar's ATTENDEE identifies the delegate).
//
// It returns the contact, or nil and the reason the message needs review.
func Identify(m *Message, cs *meeting.Contacts, tokens map[string]string) (*meeting.Contact, string) {
	c, reason := identify(m, cs, tokens)
	if reason != "" {
		m.review("%s", reason)
	}
	return c, reason
}

func identify(m *Message, cs *meeting.Contacts, tokens map[string]string) (*meeting.Contact, string) {
	if cs == nil {
		return nil, "no contact list"
	}
	if m.Kind == KindBounce && m.Bounce != nil {
		var found *meeting.Contact
		for _, r := range m.Bounce.Recipients {
			if c, ok := cs.ByEmail(r); ok {
				if found != nil && found != c {
					return nil, fmt.Sprintf("the bounce names addresses of %s and %s", found.Name, c.Name)
				}
				found = c
			}
		}
		if found == nil {
			return nil, "the bounced address is not in the contact list"
		}
		return found, ""
	}
	if m.Kind == KindCalendarReply {
		if c, ok := cs.ByEmail(m.From); ok {
			return c, ""
		}
		return nil, ""
	}
	var byToken *meeting.Contact
	if m.Token != "" {
		name, ok := tokens[m.Token]
		switch {
		case !ok:
			// a token we did not issue (another meeting, a typo): decide by
			// the sender, but say so if that fails too
		default:
			c, ok := cs.ByName(name)
			if !ok {
				return nil, fmt.Sprintf("the reference token belongs to %q, who is no longer in the contact list", name)
			}
			byToken = c
		}
	}
	sender, known := cs.ByEmail(m.From)
	switch {
	case byToken != nil && !known:
		return nil, fmt.Sprintf("the reference token belongs to %s but the sender %s is not a known address", byToken.Name, orNone(m.From))
	case byToken != nil && sender != byToken:
		return nil, fmt.Sprintf("the reference token belongs to %s but the sender %s is an address of %s", byToken.Name, m.From, sender.Name)
	case byToken != nil:
		return byToken, ""
	case !known && m.Token != "":
		return nil, fmt.Sprintf("unknown reference token %q and unknown sender %s", m.Token, orNone(m.From))
	case !known:
		return nil, fmt.Sprintf("unknown sender %s", orNone(m.From))
	}
	return sender, ""
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
