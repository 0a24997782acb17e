package secretariat

import (
	"context"
	"strings"

	"convene/calendar"
	"convene/meeting"
	"convene/store"
)

// The store does not import calendar; these convert between the two for
// the commands that plan and send invitations (convene plan, the daemon).

// sentInvites converts the store's record of sent invitations for calendar.Plan.
func sentInvites(rows []store.SentInvite) []calendar.Sent { return sentInvitesIn(rows, nil) }

// sentInvitesIn is sentInvites, giving rows recorded without a language (before
// it was recorded) that of the contact in cs that registered the delegate.
func sentInvitesIn(rows []store.SentInvite, cs *meeting.Contacts) []calendar.Sent {
	out := make([]calendar.Sent, 0, len(rows))
	for _, r := range rows {
		lang := meeting.Lang(r.Lang)
		if !lang.Valid() && cs != nil {
			if c, ok := cs.ByName(r.Contact); ok && c.Language.Valid() {
				lang = c.Language
			}
		}
		out = append(out, calendar.Sent{
			Email: r.Email, EventID: r.EventID, UID: r.UID, Sequence: r.Sequence, Hash: r.Hash, Cancelled: r.Cancelled,
			Shown: calendar.Shown{Lang: lang, Start: r.Start, End: r.End, Summary: r.Summary, Location: r.Location},
		})
	}
	return out
}

// namedSent gives each of sent the name of its delegate in ds (withdrawn
// delegates too), so that a cancel's ATTENDEE carries the CN the invitation
// did.
func namedSent(sent []calendar.Sent, ds []store.Delegate) []calendar.Sent {
	names := make(map[string]string, len(ds))
	for _, d := range ds {
		if d.Name != "" {
			names[meeting.NormalizeEmail(d.Email)] = d.Name
		}
	}
	for i := range sent {
		if sent[i].Name == "" {
			sent[i].Name = names[meeting.NormalizeEmail(sent[i].Email)]
		}
	}
	return sent
}

// wantedInvites lists, for every active delegate, the events that should be
// in the delegate's calendar, in the language of the contact that registered
// the delegate (English when the contact is no longer in the list); events
// over before the delegate registered are left out by calendar.Plan.
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
		out = append(out, calendar.Wanted(m, d.Delegate, lang, d.CreatedAt)...)
	}
	return out
}

// sentInvite is what to record once the object for a has been sent.
func sentInvite(a calendar.Action, contact string) store.SentInvite {
	return store.SentInvite{
		Email: a.Delegate.Email, EventID: a.EventID, Contact: contact, UID: a.UID, Sequence: a.Sequence,
		Hash: a.Hash, Method: a.Method(), Cancelled: a.Kind == calendar.KindCancel,
		Lang: string(a.Shown.Lang), Start: a.Shown.Start, End: a.Shown.End, Summary: a.Shown.Summary, Location: a.Shown.Location,
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
	all, err := db.Delegates(ctx, "", true)
	if err != nil {
		return nil, err
	}
	var active []store.Delegate
	for _, d := range all {
		if d.Status == "" || d.Status == store.DelegateActive {
			active = append(active, d)
		}
	}
	return calendar.Plan(m, namedSent(sentInvitesIn(sent, cs), all), wantedInvites(m, cs, active)), nil
}

// shownSession is the session as the object of a shows it, for the cover
// note: for a cancel the version last sent (the session may have left
// meeting.yaml), for a request or an update the session now.
func shownSession(m *meeting.Meeting, a calendar.Action) meeting.Session {
	ev, ok := m.Session(a.EventID)
	if ok && a.Kind != calendar.KindCancel {
		return ev
	}
	if !ok {
		ev = meeting.Session{ID: a.EventID, Status: meeting.StatusCancelled}
	}
	if a.Kind == calendar.KindCancel && !a.Withdrawn {
		ev.Status = meeting.StatusCancelled
	}
	sh := a.Shown
	if !sh.Start.IsZero() {
		ev.Start, ev.End = sh.Start, sh.End
	}
	if sh.Summary != "" {
		ev.Title = meeting.Text{meeting.EN: sh.Summary, meeting.FR: sh.Summary, meeting.ES: sh.Summary}
	}
	if ev.Title.In(meeting.EN) == "" {
		ev.Title = meeting.Text{meeting.EN: a.EventID} // recorded before titles were: nothing better
	}
	return ev
}

// previousSession is, for an update, the version it replaces (nil when not
// recorded or nothing the cover note shows changed).
func previousSession(a calendar.Action) *meeting.Session {
	p := a.Previous
	if a.Kind != calendar.KindUpdate || p.Start.IsZero() {
		return nil
	}
	if p.Start.Equal(a.Shown.Start) && p.End.Equal(a.Shown.End) && p.Summary == a.Shown.Summary && p.Location == a.Shown.Location {
		return nil
	}
	return &meeting.Session{Start: p.Start, End: p.End, Title: meeting.Text{meeting.EN: p.Summary, meeting.FR: p.Summary, meeting.ES: p.Summary}}
}

// previousLink is, for an update, the joining link it replaces: the URL
// in the LOCATION last sent ("" when not recorded or unchanged).
func previousLink(a calendar.Action) string {
	p := a.Previous.Location
	if a.Kind != calendar.KindUpdate || p == "" || p == a.Shown.Location {
		return ""
	}
	for _, f := range strings.Fields(p) {
		if strings.HasPrefix(f, "https://") || strings.HasPrefix(f, "http://") {
			return f
		}
	}
	return p
}

// EventSequences is the current SEQUENCE of each event of m, for the
// PUBLISH feed: the highest REQUEST sent to any delegate, or, for an event
// cancelled or gone from m, the highest object of any kind (its CANCEL).
// An un-invitation does not count: the event did not change. db may be nil
// (nothing sent: none).
func EventSequences(ctx context.Context, db *store.DB, m *meeting.Meeting) (map[string]int, error) {
	out := map[string]int{}
	if db == nil {
		return out, nil
	}
	rows, err := db.SentInvites(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		ev, ok := m.Session(r.EventID)
		live := ok && ev.Status != meeting.StatusCancelled
		if (r.Method == calendar.MethodRequest || !live) && r.Sequence > out[r.EventID] {
			out[r.EventID] = r.Sequence
		}
	}
	return out, nil
}
