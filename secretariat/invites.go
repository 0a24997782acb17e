package secretariat

import (
	"context"

	"convene/calendar"
	"convene/meeting"
	"convene/store"
)

// The store does not import calendar; these convert between the two for
// the commands that plan and send invitations (convene plan, the daemon).

// sentInvites converts the store's record of sent invitations for calendar.Plan.
func sentInvites(rows []store.SentInvite) []calendar.Sent {
	out := make([]calendar.Sent, 0, len(rows))
	for _, r := range rows {
		out = append(out, calendar.Sent{Email: r.Email, EventID: r.EventID, UID: r.UID, Sequence: r.Sequence, Hash: r.Hash, Cancelled: r.Cancelled})
	}
	return out
}

// wantedInvites lists, for every active delegate, the events that should be
// in the delegate's calendar, in the language of the contact that registered
// the delegate (English when the contact is no longer in the list).
func wantedInvites(m *meeting.Meeting, cs *meeting.Contacts, active []store.Delegate) []calendar.Want {
	var out []calendar.Want
	for _, d := range active {
		if d.Status != "" && d.Status != store.DelegateActive {
			continue
		}
		lang := meeting.EN
		if c, ok := cs.ByName(d.Contact); ok && c.Language.Valid() {
			lang = c.Language
		}
		out = append(out, calendar.Wanted(m, d.Delegate, lang)...)
	}
	return out
}

// sentInvite is what to record once the object for a has been sent.
func sentInvite(a calendar.Action, contact string) store.SentInvite {
	return store.SentInvite{
		Email: a.Delegate.Email, EventID: a.EventID, Contact: contact, UID: a.UID, Sequence: a.Sequence,
		Hash: a.Hash, Method: a.Method(), Cancelled: a.Kind == calendar.KindCancel,
	}
}

// PendingInvites lists the calendar invitations, updates and cancellations
// the daemon owes the delegates now (what PlanInvites would enqueue), for
// meeting m and contacts cs. db may be nil (no store yet: nothing owed).
func PendingInvites(ctx context.Context, db *store.DB, m *meeting.Meeting, cs *meeting.Contacts) ([]calendar.Action, error) {
	if db == nil {
		return nil, nil
	}
	sent, err := db.SentInvites(ctx)
	if err != nil {
		return nil, err
	}
	active, err := db.Delegates(ctx, "", false)
	if err != nil {
		return nil, err
	}
	return calendar.Plan(m, sentInvites(sent), wantedInvites(m, cs, active)), nil
}
