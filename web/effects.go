package web

import (
	"fmt"
	"strings"
)

// The effects each review action announces before it is taken: what will
// be sent, and to whom. The page has no script, so they are counted from
// the reader's pre-filled reading; the register form says how an edit
// changes them.
func init() {
	funcs["registerEffects"] = registerEffects
	funcs["assignEffects"] = assignEffects
	funcs["addressEffects"] = addressEffects
	funcs["dismissEffects"] = dismissEffects
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// confirmationTo names where a confirmation to the item's mission goes.
func confirmationTo(it ReviewItem) string {
	if len(it.ContactEmails) == 0 {
		return "the mission's addresses"
	}
	return strings.Join(it.ContactEmails, ", ")
}

func registerEffects(it ReviewItem, sessions int) string {
	verb := "Registering"
	if it.Late {
		verb = "Accepting the late registration"
	}
	n := len(it.Delegates)
	if n == 0 {
		return fmt.Sprintf("%s will send a confirmation to %s and %s for each delegate listed.", verb, confirmationTo(it), plural(sessions, "calendar invitation", "calendar invitations"))
	}
	return fmt.Sprintf("%s will send a confirmation to %s and %s (%s × %s; each row added or removed changes it by %d).",
		verb, confirmationTo(it), plural(n*sessions, "calendar invitation", "calendar invitations"),
		plural(n, "delegate", "delegates"), plural(sessions, "session", "sessions"), sessions)
}

func assignEffects(it ReviewItem, sessions int) string {
	var ds int
	for _, d := range it.Delegates {
		if d.Email != "" {
			ds++
		}
	}
	if ds == 0 {
		return "Assigning attaches the message to the mission; nothing is sent."
	}
	return fmt.Sprintf("Assigning registers the %s the message carries, and will send the mission a confirmation and %s.",
		plural(ds, "delegate", "delegates"), plural(ds*sessions, "calendar invitation", "calendar invitations"))
}

func addressEffects(it ReviewItem) string {
	who := "the mission"
	if it.Contact != "" {
		who = it.Contact
	}
	to := "the address above"
	if len(it.Suggested) > 0 {
		to = it.Suggested[0]
	}
	if len(it.Suggested) == 0 && it.Kind == "bounce" {
		return fmt.Sprintf("The reminders to %s will go to the new address (not to the one that bounced). Nothing is sent now.", who)
	}
	return fmt.Sprintf("The reminders to %s will also go to %s. Nothing is sent now.", who, to)
}

func dismissEffects(it ReviewItem) string {
	if it.Kind == "bounce" {
		return "Nothing is sent, and the bounce is not counted against the address."
	}
	return "Nothing is sent."
}
