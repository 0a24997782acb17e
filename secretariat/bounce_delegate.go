package secretariat

import (
	"fmt"
	"strings"

	"convene/inbox"
	"convene/mailer"
	"convene/meeting"
	"convene/store"
	"convene/templates"
)

// DelegateAddressBatch is the outbox batch of the requests for a delegate's
// correct address; its keys name the mission and the address, so that a
// mission is asked once per address however many messages bounced.
const DelegateAddressBatch = "answer-" + templates.DelegateAddress

// delegateBounce handles a hard bounce of delegates' addresses, tied to a
// message convene sent them (bounce checked that): no person is needed.
// Each address is recorded as bounced permanently (the dashboard shows the
// delegate unreachable), and the mission is asked, in its language and once
// per address, for the delegate's correct address (templates.DelegateAddress);
// the registration is kept. handled is false, and nothing is done, unless
// every failed address is an active delegate's of a contact of
// contacts.csv; an address that is also a mission's own goes the mission's
// way (a review item).
func (s *Service) delegateBounce(tx *store.Tx, c *config, msg *inbox.Message) (d inbox.Disposition, handled bool, err error) {
	b := msg.Bounce
	type owner struct {
		ct  *meeting.Contact
		del meeting.Delegate
	}
	var owners []owner
	for _, rcpt := range b.Recipients {
		if _, ok := c.cs.ByEmail(rcpt); ok {
			return 0, false, nil
		}
		name, err := tx.DelegateContact(rcpt)
		if err != nil {
			// not an active delegate: a delegate whose address was already
			// known unreachable and since replaced (the cancellations sent to
			// the old address bounce too) needs no one either
			if name, err = tx.KnownUnreachable(rcpt); err != nil {
				return 0, false, nil
			}
		}
		ct, ok := c.cs.ByName(name)
		if !ok {
			return 0, false, nil
		}
		ds, err := tx.Delegates(name)
		if err != nil {
			return 0, false, err
		}
		del := meeting.Delegate{Email: meeting.NormalizeEmail(rcpt)}
		for _, x := range ds {
			if x.Email == del.Email {
				del = x.Delegate
			}
		}
		owners = append(owners, owner{ct, del})
	}
	var summary []string
	for _, o := range owners {
		if err := tx.RecordBounce(store.Bounce{Email: o.del.Email, Contact: o.ct.Name, Permanent: true, Status: b.Status, Diagnostic: b.Diagnostic, MessageID: msg.MessageID}); err != nil {
			return 0, true, err
		}
		asked, err := s.askDelegateAddress(tx, c, o.ct, o.del)
		if err != nil {
			return 0, true, err
		}
		what := "already asked " + o.ct.Name + " for the correct address"
		if asked {
			what = "asked " + o.ct.Name + " for the correct address"
		}
		summary = append(summary, fmt.Sprintf("delegate %s <%s> unreachable (%s): %s", o.del.Name, o.del.Email, b.Status, what))
	}
	s.notify()
	d, err = s.done(tx, msg, owners[0].ct, strings.Join(summary, "; "))
	return d, true, err
}

// askDelegateAddress queues the request for del's correct address to its
// mission, once per address (the outbox's dedupe key). It reports whether
// this call queued it.
func (s *Service) askDelegateAddress(tx *store.Tx, c *config, ct *meeting.Contact, del meeting.Delegate) (bool, error) {
	out, err := s.missionMessage(c, templates.DelegateAddress, ct, nil, templates.Data{Delegate: &del})
	if err != nil {
		return false, err
	}
	n, err := mailer.EnqueueTx(tx, mailer.Batch{ID: DelegateAddressBatch, Template: templates.DelegateAddress},
		[]mailer.Outgoing{{Key: ct.Name + "/" + del.Email, Contact: ct.Name, Message: out}})
	return n > 0, err
}
