package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"convene/meeting"
	"convene/store"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb strings.Builder
	code := run(t.Context(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestPlan(t *testing.T) {
	t.Parallel()
	cfg := exampleConfig(t, "")
	dir := filepath.Dir(cfg)

	code, out, stderr := runCmd(t, "plan", "-c", cfg)
	if code != 0 {
		t.Fatalf("plan = %d, stderr %s", code, stderr)
	}
	for _, want := range []string{
		"does not exist yet: every job is pending",
		`Tue 26 May 2020 09:00 CEST\s+2020-05-26 07:00Z\s+invitation wave\s+20\s+pending`,
		`Fri 5 Jun 2020 18:00 CEST\s+2020-06-05 16:00Z\s+reminder, 7d before the deadline\s+20\s+pending`,
		`Sat 13 Jun 2020 14:00 CEST\s+2020-06-13 12:00Z\s+rehearsal notice\s+0\s+pending`,
		`Mon 29 Jun 2020 13:00 CEST\s+2020-06-29 11:00Z\s+day-before note for 2020-06-30\s+0\s+pending`,
		`45 jobs: 0 done, 45 pending`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "convene.db*")); len(m) != 0 {
		t.Errorf("plan created the store: %v", m)
	}

	// A store with two answers, two delegates, the invitation done and the
	// first reminder missed.
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "convene.db"))
	if err != nil {
		t.Fatal(err)
	}
	sent := time.Date(2020, 5, 26, 7, 3, 0, 0, time.UTC)
	err = db.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.RegisterDelegates("Permanent Mission of Arcadia", []meeting.Delegate{
			{Name: "A. One", Email: "one@arcadia-mfa.example"}, {Name: "B. Two", Email: "two@arcadia-mfa.example"}}, store.Source{Actor: "test"}); err != nil {
			return err
		}
		if err := tx.Decline("Permanent Mission of Borduria", store.Source{Actor: "test"}); err != nil {
			return err
		}
		inv := store.JobRun{Key: "invitation", Kind: "invitation", Due: time.Date(2020, 5, 26, 7, 0, 0, 0, time.UTC)}
		if err := tx.StartJobRun(inv, sent.Add(-time.Minute)); err != nil {
			return err
		}
		if err := tx.FinishJobRun("invitation", sent); err != nil {
			return err
		}
		rem := store.JobRun{Key: "reminder@2020-06-05T16:00Z", Kind: "reminder", Due: time.Date(2020, 6, 5, 16, 0, 0, 0, time.UTC)}
		return tx.MissJobRun(rem, rem.Due.Add(13*time.Hour), "missed: down")
	})
	if err != nil {
		t.Fatal(err)
	}
	// The invitation job sent 14 messages (13 delivered, 1 refused), though
	// 20 contacts are invited today: plan tells what the job did.
	db.Now = func() time.Time { return sent.Add(-30 * time.Second) }
	if _, err := db.EnqueueOutbox(ctx, store.OutboxBatch{ID: "invitation", Template: "invitation"}, func(yield func(store.OutboxMessage, error) bool) {
		for i := range 14 {
			r := fmt.Sprintf("m%d@mission.example", i)
			if !yield(store.OutboxMessage{Key: "invitation/" + r, From: "isu@isu.example", Recipients: []string{r}, MessageID: fmt.Sprintf("inv.%d@isu.example", i), Raw: []byte("Subject: x\r\n\r\nx")}, nil) {
				return
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	// The catch-up wave after the deadline recorded 3 calendar messages
	// while it ran; the calendar batch holds another, recorded before.
	wave := time.Date(2020, 6, 12, 16, 0, 0, 0, time.UTC)
	calendarMsgs := func(at time.Time, names ...string) {
		t.Helper()
		db.Now = func() time.Time { return at }
		if _, err := db.EnqueueOutbox(ctx, store.OutboxBatch{ID: "calendar", Template: "invite"}, func(yield func(store.OutboxMessage, error) bool) {
			for _, n := range names {
				r := n + "@mission.example"
				if !yield(store.OutboxMessage{Key: "calendar/" + r, From: "isu@isu.example", Recipients: []string{r}, MessageID: "cal." + n + "@isu.example", Raw: []byte("Subject: x\r\n\r\nx")}, nil) {
					return
				}
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	calendarMsgs(wave.Add(-48*time.Hour), "before")
	err = db.Update(ctx, func(tx *store.Tx) error {
		run := store.JobRun{Key: "session-invites@2020-06-12T16:00Z", Kind: "session-invites", Due: wave}
		if err := tx.StartJobRun(run, wave.Add(time.Second)); err != nil {
			return err
		}
		return tx.FinishJobRun(run.Key, wave.Add(time.Minute))
	})
	if err != nil {
		t.Fatal(err)
	}
	calendarMsgs(wave.Add(30*time.Second), "w1", "w2", "w3")

	claims, err := db.ClaimOutbox(ctx, "invitation", 100, sent)
	if err != nil || len(claims) != 14 {
		t.Fatalf("claim = %d, %v", len(claims), err)
	}
	var results []store.OutboxResult
	for i, c := range claims {
		st := store.OutboxSent
		if i == 0 {
			st = store.OutboxFailed
		}
		results = append(results, store.OutboxResult{ID: c.ID, State: st})
	}
	if err := db.CompleteOutbox(ctx, results); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, out, stderr = runCmd(t, "plan", "-c", cfg)
	if code != 0 {
		t.Fatalf("plan = %d, stderr %s", code, stderr)
	}
	for _, want := range []string{
		`invitation wave\s+13 sent, 1 failed\s+done at 26 May 09:03 CEST`,
		`reminder, 7d before the deadline\s+18\s+missed \(missed: down\)`,
		`reminder, 2d before the deadline\s+18\s+pending`,
		`rehearsal notice\s+2\s+pending`,
		`session invites, catch-up after the deadline\s+0 sent, 3 queued\s+done at 12 Jun 18:01 CEST`,
		`45 jobs: 2 done, 42 pending, 0 running, 0 failed, 1 missed`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
}
