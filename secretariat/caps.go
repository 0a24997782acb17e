package secretariat

import (
	"context"
	"fmt"

	"convene/inbox"
	"convene/meeting"
	"convene/store"
)

// Caps on effects. One message from the internet may register a handful of
// delegates and send them their calendar invitations; it must never turn the
// secretariat's account into a mass mailer. A reply beyond a cap is not
// applied at all: it goes to review, and the reason names the cap.

// limits is meeting.yaml's limits: section with its defaults.
func (c *config) limits() meeting.Limits {
	return c.m.Limits.WithDefaults(len(c.m.Events()))
}

// replyCap says why msg is beyond the caps that can be judged before
// anything is applied ("" when it is within them).
func replyCap(c *config, msg *inbox.Message) string {
	l := c.limits()
	if n := len(msg.Delegates) + len(msg.Replaced); n > l.DelegatesPerReply {
		return fmt.Sprintf("cap: %d delegates in one reply, more than limits.delegates_per_reply (%d); nothing applied", n, l.DelegatesPerReply)
	}
	return ""
}

// registrationWithinCaps applies a registration reply as registration does,
// inside a savepoint of tx, and takes it back when its effects exceed the
// caps that only the effects show: the mission's delegates
// (limits.delegates_per_mission) and the calendar messages it would send
// (limits.calendar_per_reply). The message then goes to review, and nothing
// of it stays.
func (s *Service) registrationWithinCaps(ctx context.Context, tx *store.Tx, c *config, f inbox.Fetched, msg *inbox.Message) (inbox.Disposition, error) {
	ct, reason := identify(c, msg)
	if reason != "" || ct == nil {
		return s.registration(ctx, tx, c, f, msg) // reviews it, with the reason
	}
	before, err := tx.Delegates(ct.Name)
	if err != nil {
		return 0, err
	}
	last, err := tx.LastOutboxID()
	if err != nil {
		return 0, err
	}
	rollback, release, err := tx.Savepoint("secretariat_reply")
	if err != nil {
		return 0, err
	}
	d, err := s.registration(ctx, tx, c, f, msg)
	if err != nil {
		return 0, err // the whole transaction is rolled back
	}
	over, err := effectsCap(tx, c, ct, len(before), last)
	if err != nil {
		return 0, err
	}
	if over == "" {
		return d, release()
	}
	if err := rollback(); err != nil {
		return 0, err
	}
	return s.review(tx, c, f, msg, ct, over)
}

// effectsCap says which cap the effects applied since the outbox held
// message last exceed ("" for none); had is the mission's delegates before.
func effectsCap(tx *store.Tx, c *config, ct *meeting.Contact, had int, last int64) (string, error) {
	l := c.limits()
	now, err := tx.Delegates(ct.Name)
	if err != nil {
		return "", err
	}
	if len(now) > l.DelegatesPerMission && len(now) > had {
		return fmt.Sprintf("cap: the mission would have %d delegates, more than limits.delegates_per_mission (%d); nothing applied", len(now), l.DelegatesPerMission), nil
	}
	all, cal, err := tx.OutboxSince(last, CalendarBatch)
	if err != nil {
		return "", err
	}
	if cal > l.CalendarPerReply {
		return fmt.Sprintf("cap: the reply would send %d calendar messages, more than limits.calendar_per_reply (%d); nothing applied", cal, l.CalendarPerReply), nil
	}
	if other := all - cal; other > 2 { // a confirmation, or a clarification
		return fmt.Sprintf("cap: the reply would send %d messages to the mission; nothing applied", other), nil
	}
	return "", nil
}
