package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"convene/meeting"
	"convene/schedule"
	"convene/secretariat"
	"convene/store"
)

// TestReload: SIGHUP's reload keeps the running configuration when the new
// file is bad, and plans calendar updates when a session moved.
func TestReload(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cfg, m, cs := exampleMeeting(t, "smtp: {host: 127.0.0.1, port: 1, security: none, auth: none}\n")
	b, _ := os.ReadFile(cfg)
	good := string(b)
	clock := schedule.NewManualClock(time.Date(2020, 6, 1, 8, 0, 0, 0, time.UTC))
	d, err := openDaemon(ctx, slog.New(slog.DiscardHandler), m, cs, daemonOptions{clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	// One registered delegate with invitations sent for every event.
	err = d.db.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.RegisterDelegates("Permanent Mission of Arcadia", []meeting.Delegate{{Name: "A B", Email: "ab@arcadia-mfa.example"}}, store.Source{}); err != nil {
			return err
		}
		n, err := d.svc.PlanInvites(tx, "")
		if n != len(m.Events()) {
			return fmt.Errorf("first invitations = %d, want %d", n, len(m.Events()))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// A bad file: rejected with its problems, the running meeting kept.
	os.WriteFile(cfg, []byte(strings.Replace(good, "timezone: Europe/Zurich", "timezone: Europe/Nowhere", 1)), 0o644)
	var ps meeting.Problems
	if err := d.reload(ctx, cfg); !errors.As(err, &ps) || !strings.Contains(err.Error(), "timezone") {
		t.Fatalf("reload of a bad file = %v, want its problems", err)
	}
	if d.svc.Meeting() != m {
		t.Fatal("the running configuration was replaced by a bad file")
	}

	// The President's briefing moves: its delegate gets an update, nothing else goes.
	moved := strings.Replace(good, "    start: 2020-07-02 13:00\n    end: 2020-07-02 14:30", "    start: 2020-07-02 13:30\n    end: 2020-07-02 15:00", 1)
	os.WriteFile(cfg, []byte(moved), 0o644)
	if err := d.reload(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	invites, _ := d.db.SentInvites(ctx)
	for _, inv := range invites {
		want := 0
		if inv.EventID == "presidents-briefing" {
			want = 1
		}
		if inv.Sequence != want {
			t.Errorf("%s: SEQUENCE %d, want %d", inv.EventID, inv.Sequence, want)
		}
	}
	// A change that is not significant (the sender's name) sends nothing.
	os.WriteFile(cfg, []byte(strings.Replace(moved, "name: APMBC Implementation Support Unit", "name: ISU", 1)), 0o644)
	before, _ := d.db.OutboxBatches(ctx, secretariat.CalendarBatch)
	if err := d.reload(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	after, _ := d.db.OutboxBatches(ctx, secretariat.CalendarBatch)
	if len(before) != 1 || len(after) != 1 || before[0].Total != after[0].Total {
		t.Errorf("an insignificant change queued calendar messages: %+v -> %+v", before, after)
	}
}
