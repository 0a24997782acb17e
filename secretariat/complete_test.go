package secretariat

import (
	"strings"
	"testing"

	"convene/inbox"
	"convene/meeting"
	"convene/store"
)

// TestCompleteListReplacesDelegation: the confirmation says that a reply
// giving "the complete list" replaces the delegation and that a plain reply
// adds. Through Handle: the complete list withdraws the delegate it does not
// name and sends that delegate a CANCEL for each session; a plain reply
// naming one delegate withdraws no one.
func TestCompleteListReplacesDelegation(t *testing.T) {
	const arcadia = "Permanent Mission of Arcadia"
	jane := meeting.Delegate{Name: "Jane Roe", Title: "First Secretary", Email: "jane.roe@arcadia-mfa.example"}
	john := meeting.Delegate{Name: "John Doe", Title: "Counsellor", Email: "john.doe@arcadia-mfa.example"}
	tests := []struct {
		name, text  string
		active      []string // addresses active after
		johnCancels bool
	}{
		{"complete list, en", "Dear colleagues,\r\n\r\nPlease find below the complete list of our delegation:\r\n\r\nMs. Jane Roe, First Secretary, jane.roe@arcadia-mfa.example\r\n",
			[]string{jane.Email}, true},
		{"liste complète, fr", "Madame, Monsieur,\r\n\r\nVoici la liste complète de notre délégation :\r\n\r\nMme Jane Roe, Première Secrétaire, jane.roe@arcadia-mfa.example\r\nM. Paul Martin, Conseiller, paul.martin@arcadia-mfa.example\r\n",
			[]string{jane.Email, "paul.martin@arcadia-mfa.example"}, true},
		{"lista completa, es", "Estimados señores:\r\n\r\nLes remitimos la lista actualizada de la delegación:\r\n\r\nSr. John Doe, Consejero, john.doe@arcadia-mfa.example\r\n",
			[]string{john.Email}, false},
		{"a complete list with a delegate without an address goes to review", "Please find below the complete list of our delegation:\r\n\r\nName: Ms. Jane Roe\r\nEmail: jane.roe@arcadia-mfa.example\r\n\r\nName: Mr. Paul Martin\r\nTitle: Adviser\r\n",
			nil, false},
		{"a plain reply adds", "Dear colleagues,\r\n\r\nPlease also register Mr. Paul Martin, Adviser, paul.martin@arcadia-mfa.example\r\n",
			[]string{jane.Email, john.Email, "paul.martin@arcadia-mfa.example"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			_, m, _ := exampleMeeting(t, "")
			svc, _, db := exampleService(t, m.Registration.Opens.AddDate(0, 0, 1))
			c := svc.config()
			var invited int
			if err := db.Update(ctx, func(tx *store.Tx) (err error) {
				if _, err = tx.RegisterDelegates(arcadia, []meeting.Delegate{jane, john}, store.Source{Actor: "test"}); err != nil {
					return err
				}
				invited, err = svc.planInvites(tx, c, arcadia)
				return err
			}); err != nil || invited == 0 {
				t.Fatalf("setup: %d invitations, %v", invited, err)
			}
			before, queuedBefore := cancels(t, db, john.Email)
			raw := "From: mission@arcadia-mfa.example\r\nTo: registrations+" + c.tokens[arcadia] + "@isu.example\r\nSubject: RE: Registration confirmed\r\nMessage-ID: <complete@arcadia-mfa.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + tt.text
			var got inbox.Disposition
			if err := db.Update(ctx, func(tx *store.Tx) (err error) {
				got, err = svc.Handle(ctx, tx, inbox.Fetched{Mailbox: "INBOX", UID: 1, Raw: []byte(raw)})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if tt.active == nil { // review: nothing changes
				items, _ := db.ReviewItems(ctx, false)
				if got != inbox.Review || len(items) != 1 || !strings.Contains(items[0].Reason, "complete list naming delegates without an address") {
					t.Errorf("disposition %v, review %+v: want review naming the delegate without an address", got, items)
				}
				tt.active = []string{jane.Email, john.Email}
			} else if got != inbox.Processed {
				items, _ := db.ReviewItems(ctx, false)
				t.Fatalf("disposition %v, want processed (review %+v)", got, items)
			}
			ds, _ := db.Delegates(ctx, arcadia, false)
			var active []string
			for _, d := range ds {
				active = append(active, d.Email)
			}
			if strings.Join(active, ",") != strings.Join(tt.active, ",") {
				t.Errorf("active delegates %q, want %q", active, tt.active)
			}
			after, queuedAfter := cancels(t, db, john.Email)
			n := after - before
			if queuedAfter-queuedBefore != n {
				t.Errorf("%d CANCEL records but %d calendar messages queued to the delegate", n, queuedAfter-queuedBefore)
			}
			if tt.johnCancels && n != len(m.Events()) {
				t.Errorf("%d CANCEL messages to the withdrawn delegate, want one per session (%d)", n, len(m.Events()))
			}
			if !tt.johnCancels && n != 0 {
				t.Errorf("%d CANCEL messages to a delegate who stays", n)
			}
		})
	}
}

// cancels counts the CANCEL records of addr's invitations and the
// calendar messages queued to addr.
func cancels(t *testing.T, db *store.DB, addr string) (records, queued int) {
	t.Helper()
	entries, err := db.OutboxEntries(t.Context(), "calendar")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if len(e.Recipients) == 1 && e.Recipients[0] == addr {
			queued++
		}
	}
	invites, err := db.SentInvites(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range invites {
		if inv.Email == addr && inv.Method == "CANCEL" {
			records++
		}
	}
	return records, queued
}
