package secretariat

import (
	"fmt"

	"convene/inbox"
	"convene/meeting"
)

// delegateAddressProblem returns why msg may not register its delegates as
// they are, or "": a delegate at the secretariat's own mailbox (the sender
// address or the reply mailbox, plus addresses included) would have convene
// send calendar invitations to itself, and one at another invited mission's
// address would have one mission's reply make convene mail another mission.
// Either goes to review; staff may still register it on the desk. A
// mission's own address as a delegate's is common and allowed.
func delegateAddressProblem(c *config, ct *meeting.Contact, msg *inbox.Message) string {
	check := func(addr string) string {
		if addr == "" {
			return ""
		}
		for _, own := range []string{c.m.Sender.Address, c.m.Sender.ReplyTo} {
			if own != "" && meeting.SameMailbox(addr, own) {
				return fmt.Sprintf("a delegate at the secretariat's own address (%s): convene does not invite itself", addr)
			}
		}
		if c.cs != nil {
			if other, ok := c.cs.ByEmail(addr); ok && other.Name != ct.Name {
				return fmt.Sprintf("a delegate at %s, the address of %s: one mission's reply does not make convene write to another", addr, other.Name)
			}
		}
		return ""
	}
	for _, d := range msg.Delegates {
		if r := check(d.Email); r != "" {
			return r
		}
	}
	for _, r := range msg.Replaced {
		if why := check(r.New.Email); why != "" {
			return why
		}
	}
	return ""
}
