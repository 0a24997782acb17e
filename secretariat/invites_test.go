package secretariat

import (
	"path/filepath"
	"testing"
	"time"

	"convene/calendar"
	"convene/meeting"
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
	contact := cs.List[1] // a French-speaking mission
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
		if a.Kind != calendar.KindCancel || a.Sequence != 1 {
			t.Errorf("after withdrawal: %v", a)
		}
	}
	send(acts)
	if acts := plan(); len(acts) != 0 {
		t.Fatalf("after the cancels: %v", acts)
	}
}
