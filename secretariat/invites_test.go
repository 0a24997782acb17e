package secretariat

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/calendar"
	"convene/mailer"
	"convene/meeting"
	"convene/schedule"
	"convene/store"
)

// TestInvitePlanThroughStore runs the plan, records what would be sent in a
// real store, and plans again: nothing is left; a withdrawal gives cancels.
func TestInvitePlanThroughStore(t *testing.T) {
	cfg, m, cs := exampleMeeting(t, "")
	ctx := t.Context()
	db, err := store.Open(ctx, filepath.Join(filepath.Dir(cfg), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Now = func() time.Time { return time.Date(2020, 6, 1, 9, 0, 0, 0, time.UTC) } // registered before the rehearsal
	contact := cs.List[1]                                                            // a French-speaking mission
	d := meeting.Delegate{Name: "Jeanne Dupont", Email: "jeanne@borduria.example"}
	err = db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.RegisterDelegates(contact.Name, []meeting.Delegate{d}, store.Source{Actor: "test"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	plan := func() []calendar.Action {
		t.Helper()
		ds, err := db.Delegates(ctx, "", false)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.SentInvites(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return calendar.Plan(m, sentInvites(rows), wantedInvites(m, cs, ds))
	}
	send := func(acts []calendar.Action) {
		t.Helper()
		err := db.Update(ctx, func(tx *store.Tx) error {
			for _, a := range acts {
				if _, err := calendar.Render(m, a, time.Now()); err != nil {
					return err
				}
				if err := tx.RecordInvite(sentInvite(a, contact.Name)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	acts := plan()
	if len(acts) != len(m.Events()) {
		t.Fatalf("first plan: %d actions, want %d", len(acts), len(m.Events()))
	}
	for _, a := range acts {
		if a.Kind != calendar.KindRequest || a.Lang != meeting.FR {
			t.Errorf("first plan: %v lang %s", a, a.Lang)
		}
	}
	send(acts)
	if acts := plan(); len(acts) != 0 {
		t.Fatalf("after sending: %v", acts)
	}
	err = db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.WithdrawDelegates(contact.Name, []string{d.Email}, store.Source{Actor: "test"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	acts = plan()
	if len(acts) != len(m.Events()) {
		t.Fatalf("after withdrawal: %v", acts)
	}
	for _, a := range acts {
		if a.Kind != calendar.KindCancel || a.Sequence != 1 || !a.Withdrawn || a.Lang != meeting.FR || a.Shown.Start.IsZero() {
			t.Errorf("after withdrawal: %v (withdrawn %v, lang %s, shown %+v)", a, a.Withdrawn, a.Lang, a.Shown)
		}
	}
	send(acts)
	if acts := plan(); len(acts) != 0 {
		t.Fatalf("after the cancels: %v", acts)
	}
}

// TestInviteMessages follows one Spanish delegate through the service:
// invited, a session moved (the update says what changed), a session
// removed from meeting.yaml (a CANCEL with STATUS:CANCELLED, the last time
// and title sent, and the title in the subject), then withdrawn (an
// un-invitation without STATUS, in Spanish); and a delegate registered
// after the rehearsal, who is not invited to it.
func TestInviteMessages(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2020, 6, 5, 9, 0, 0, 0, time.UTC)
	svc, m, db := exampleService(t, now)
	cs := svc.Contacts()
	freedonia := "Permanent Mission of Freedonia" // writes in Spanish
	pedro := meeting.Delegate{Name: `Pedro "Perico" Gómez`, Email: "pedro@freedonia.example"}
	register := func(contact string, d meeting.Delegate) {
		t.Helper()
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RegisterDelegates(contact, []meeting.Delegate{d}, store.Source{Actor: "test"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	// send renders what is owed to email, records it, and returns the messages by event.
	send := func(email string) map[string]mailer.Message {
		t.Helper()
		acts, err := PendingInvites(ctx, db, svc.Meeting(), cs)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]mailer.Message{}
		err = db.Update(ctx, func(tx *store.Tx) error {
			for _, a := range acts {
				if a.Delegate.Email != email {
					continue
				}
				o, err := svc.inviteOutgoing(svc.config(), a, freedonia)
				if err != nil {
					return err
				}
				out[a.EventID] = o.Message
				if err := tx.RecordInvite(sentInvite(a, freedonia)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	has := func(what string, b []byte, lines ...string) {
		t.Helper()
		unfolded := strings.ReplaceAll(string(b), "\r\n ", "")
		for _, l := range lines {
			if !strings.Contains(unfolded, "\r\n"+l+"\r\n") {
				t.Errorf("%s: no line %q in\n%s", what, l, b)
			}
		}
	}
	register(freedonia, pedro)
	first := send(pedro.Email)
	if len(first) != len(m.Events()) {
		t.Fatalf("first wave: %d messages, want %d", len(first), len(m.Events()))
	}
	a5, _ := m.Session("article-5")
	req := first["article-5"]
	if req.From.Email != calendar.Organizer(m) || req.ReplyTo.Email != m.Sender.Address {
		t.Errorf("REQUEST from %v reply-to %v: want From the ORGANIZER %s", req.From, req.ReplyTo, calendar.Organizer(m))
	}
	has("request", req.Calendar.Data, `ATTENDEE;CN=Pedro 'Perico' Gómez;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:pedro@freedonia.example`)

	// The ISU moves article-5 by an hour, then removes oap-panels-2.
	moved := *m
	moved.Sessions = nil
	for _, s := range m.Sessions {
		switch s.ID {
		case "article-5":
			s.Start, s.End = s.Start.Add(time.Hour), s.End.Add(time.Hour)
		case "oap-panels-2":
			continue
		}
		moved.Sessions = append(moved.Sessions, s)
	}
	if err := svc.SetConfig(ctx, &moved, cs); err != nil {
		t.Fatal(err)
	}
	second := send(pedro.Email)
	if len(second) != 2 {
		t.Fatalf("after the changes: %d messages, want 2", len(second))
	}
	upd := second["article-5"]
	if !strings.Contains(upd.Text, "15:30–17:00") || !strings.Contains(upd.Text, "16:30–18:00") {
		t.Errorf("update does not show the old and the new time:\n%s", upd.Text)
	}
	gone := second["oap-panels-2"]
	p2, _ := m.Session("oap-panels-2")
	if gone.Calendar.Method != calendar.MethodCancel || !strings.Contains(gone.Subject, p2.Title.In(meeting.ES)) || strings.Contains(gone.Subject, "oap-panels-2") {
		t.Errorf("removed session: %s %q", gone.Calendar.Method, gone.Subject)
	}
	has("removed session", gone.Calendar.Data, "STATUS:CANCELLED", "DTSTART;TZID=Europe/Zurich:20200701T130000", "SUMMARY:"+p2.Title.In(meeting.ES), "BEGIN:VTIMEZONE")

	// Pedro withdraws: un-invitations, in Spanish, with the times last sent.
	if err := db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.WithdrawDelegates(freedonia, []string{pedro.Email}, store.Source{Actor: "test"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	third := send(pedro.Email)
	if len(third) != len(moved.Events()) {
		t.Fatalf("after the withdrawal: %d messages, want %d", len(third), len(moved.Events()))
	}
	un := third["article-5"]
	has("un-invitation", un.Calendar.Data, "METHOD:CANCEL", "DTSTART;TZID=Europe/Zurich:20200701T163000", "SUMMARY:"+a5.Title.In(meeting.ES),
		`ATTENDEE;CN=Pedro 'Perico' Gómez;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT:mailto:pedro@freedonia.example`) // the CN the invitation had
	if strings.Contains(string(un.Calendar.Data), "STATUS:") {
		t.Errorf("un-invitation carries a STATUS: it would cancel the session for everyone\n%s", un.Calendar.Data)
	}
	if !strings.HasPrefix(un.Subject, "Eliminada de su calendario: "+a5.Title.In(meeting.ES)) {
		t.Errorf("un-invitation subject %q", un.Subject)
	}

	// Registered on 19 June, after the rehearsal of 16 June: not invited to it.
	db.Now = func() time.Time { return time.Date(2020, 6, 19, 9, 0, 0, 0, time.UTC) }
	late := meeting.Delegate{Name: "Lucía Late", Email: "lucia@freedonia.example"}
	register(freedonia, late)
	got := send(late.Email)
	if _, ok := got[meeting.RehearsalID]; ok || len(got) != len(moved.Sessions) {
		t.Errorf("late delegate sent %d messages (rehearsal %v), want the %d sessions only", len(got), ok, len(moved.Sessions))
	}
}

// TestUpdateSaysWhatChanged: the cover note of an update names what changed
// (the old time, the old title, the old link), in the delegate's language,
// and only that.
func TestUpdateSaysWhatChanged(t *testing.T) {
	svc, m, _ := exampleService(t, time.Date(2020, 6, 5, 9, 0, 0, 0, time.UTC))
	freedonia := "Permanent Mission of Freedonia" // writes in Spanish
	a5, _ := m.Session("article-5")
	now := calendar.ShownOf(m, a5, meeting.ES)
	oldLink := "Interprefy: https://meet.isu.example/old-room"
	tests := []struct {
		name      string
		prev      calendar.Shown
		want, not []string
	}{
		{"time", calendar.Shown{Lang: meeting.ES, Start: now.Start.Add(-time.Hour), End: now.End.Add(-time.Hour), Summary: now.Summary, Location: now.Location},
			[]string{"Antes: miércoles 1 de julio de 2020, 14:30–16:00 CEST"}, []string{"Título anterior", "Enlace anterior"}},
		{"title", calendar.Shown{Lang: meeting.ES, Start: now.Start, End: now.End, Summary: "Artículo 5 (antiguo)", Location: now.Location},
			[]string{"Título anterior: Artículo 5 (antiguo)"}, []string{"Antes:", "Enlace anterior"}},
		{"link", calendar.Shown{Lang: meeting.ES, Start: now.Start, End: now.End, Summary: now.Summary, Location: oldLink},
			[]string{"Enlace anterior: https://meet.isu.example/old-room", "https://meet.isu.example/ism-2020"}, []string{"Antes:", "Título anterior"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := calendar.Action{Kind: calendar.KindUpdate, Delegate: meeting.Delegate{Name: "Pedro", Email: "pedro@freedonia.example"},
				Lang: meeting.ES, EventID: a5.ID, UID: calendar.UID(m, a5.ID), Sequence: 1, Shown: now, Previous: tc.prev}
			o, err := svc.inviteOutgoing(svc.config(), a, freedonia)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(o.Message.Text, w) || !strings.Contains(o.Message.HTML, w) {
					t.Errorf("no %q in the update's text and HTML:\n%s", w, o.Message.Text)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(o.Message.Text, w) {
					t.Errorf("%q in the update, which did not change it:\n%s", w, o.Message.Text)
				}
			}
		})
	}
}

// TestRehearsalTextsOnlyToInvited: the rehearsal notice goes only to those
// invited to the rehearsal, and only they are told, the day before, to use
// what they used there.
func TestRehearsalTextsOnlyToInvited(t *testing.T) {
	ctx := t.Context()
	svc, m, db := exampleService(t, time.Date(2020, 6, 5, 9, 0, 0, 0, time.UTC))
	register := func(at time.Time, contact string, d meeting.Delegate) {
		t.Helper()
		db.Now = func() time.Time { return at }
		if err := db.Update(ctx, func(tx *store.Tx) error {
			if _, err := tx.RegisterDelegates(contact, []meeting.Delegate{d}, store.Source{Actor: "test"}); err != nil {
				return err
			}
			_, err := svc.PlanInvites(tx, contact)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	early := meeting.Delegate{Name: "Early", Email: "early@arcadia-mfa.example"}
	late := meeting.Delegate{Name: "Late", Email: "late@arcadia-mfa.example"}
	reh, _ := m.Session(meeting.RehearsalID)
	register(reh.Start.Add(-72*time.Hour), "Permanent Mission of Arcadia", early)
	register(reh.End.Add(72*time.Hour), "Permanent Mission of Arcadia", late)

	recipients := func(batch string) map[string]bool {
		t.Helper()
		es, err := db.OutboxEntries(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, e := range es {
			for _, r := range e.Recipients {
				out[r] = true
			}
		}
		return out
	}
	if err := svc.rehearsalJob(ctx, schedule.Job{Key: "rehearsal-test", Kind: schedule.Rehearsal}); err != nil {
		t.Fatal(err)
	}
	if got := recipients("rehearsal-test"); !got[early.Email] || got[late.Email] {
		t.Errorf("rehearsal notice to %v: want %s and not %s", got, early.Email, late.Email)
	}
	if got := recipients(CalendarBatch); len(got) != 2 {
		t.Errorf("calendar mail to %v", got)
	}
	invited, err := svc.invitedTo(ctx, meeting.RehearsalID)
	if err != nil || !invited[early.Email] || invited[late.Email] {
		t.Errorf("invitedTo(rehearsal) = %v, %v", invited, err)
	}
}

func TestEventSequences(t *testing.T) {
	ctx := t.Context()
	_, m, db := exampleService(t, time.Date(2020, 6, 5, 9, 0, 0, 0, time.UTC))
	rows := []store.SentInvite{
		{Email: "a@x.example", EventID: "article-5", UID: "u1", Sequence: 2, Method: "REQUEST"},                 // updated twice
		{Email: "b@x.example", EventID: "article-5", UID: "u1", Sequence: 3, Method: "CANCEL", Cancelled: true}, // b withdrawn: not a change of the event
		{Email: "a@x.example", EventID: "gone", UID: "u2", Sequence: 1, Method: "CANCEL", Cancelled: true},      // removed from the meeting
		{Email: "a@x.example", EventID: "rehearsal", UID: "u3", Sequence: 0, Method: "REQUEST"},
	}
	if err := db.Update(ctx, func(tx *store.Tx) error {
		for _, r := range rows {
			if err := tx.RecordInvite(r); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := EventSequences(ctx, db, m)
	if err != nil {
		t.Fatal(err)
	}
	// Missing ids are 0.
	if want := map[string]int{"article-5": 2, "gone": 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("EventSequences = %v, want %v", got, want)
	}
	feed, err := calendar.Publish(m, meeting.EN, time.Date(2020, 6, 5, 9, 0, 0, 0, time.UTC), got)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n", "X-PUBLISHED-TTL:PT1H\r\n", "UID:ism-2020-article-5@isu.example\r\nDTSTAMP:20200605T090000Z\r\nSEQUENCE:2\r\n"} {
		if !strings.Contains(string(feed), want) {
			t.Errorf("feed lacks %q", want)
		}
	}
}
