package store_test

import (
	"fmt"
	"iter"
	"testing"
	"time"

	"convene/store"
	"convene/store/storetest"
)

func msgs(batch string, n int) iter.Seq2[store.OutboxMessage, error] {
	return func(yield func(store.OutboxMessage, error) bool) {
		for i := range n {
			r := fmt.Sprintf("r%d@D%d.example", i, i%3)
			if !yield(store.OutboxMessage{Key: batch + "/" + r, Contact: fmt.Sprint("c", i), From: "isu@isu.example",
				Recipients: []string{r}, MessageID: fmt.Sprintf("%s.%d@isu.example", batch, i), Raw: []byte("Subject: x\r\n\r\nbody " + r)}, nil) {
				return
			}
		}
	}
}

func testOutboxLifecycle(t *testing.T, eng store.Engine) {
	ctx := t.Context()
	db, err := store.OpenConfig(ctx, storetest.Config(t, eng))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2020, 4, 15, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }

	b := store.OutboxBatch{ID: "inv", Template: "invitation"}
	if n, err := db.EnqueueOutbox(ctx, b, msgs("inv", 10)); err != nil || n != 10 {
		t.Fatalf("EnqueueOutbox = %d, %v", n, err)
	}
	if n, err := db.EnqueueOutbox(ctx, b, msgs("inv", 12)); err != nil || n != 2 {
		t.Fatalf("EnqueueOutbox again (12) = %d, %v; want 2 new", n, err)
	}
	// An error from the sequence rolls the whole batch back.
	bad := func(yield func(store.OutboxMessage, error) bool) {
		for m := range msgs("other", 3) {
			if !yield(m, nil) {
				return
			}
		}
		yield(store.OutboxMessage{}, fmt.Errorf("render failed"))
	}
	if _, err := db.EnqueueOutbox(ctx, store.OutboxBatch{ID: "other"}, bad); err == nil {
		t.Fatal("EnqueueOutbox ignored the sequence's error")
	}
	if es, _ := db.OutboxEntries(ctx, "other"); len(es) != 0 {
		t.Fatalf("rolled-back batch left %d messages", len(es))
	}

	claims, err := db.ClaimOutbox(ctx, "inv", 5, now)
	if err != nil || len(claims) != 5 {
		t.Fatalf("ClaimOutbox = %d, %v", len(claims), err)
	}
	for i, c := range claims {
		if raw, _ := db.OutboxBody(ctx, c.ID, nil); c.Attempts != 1 || len(raw) == 0 || c.Domain != fmt.Sprintf("d%d.example", i%3) || (i > 0 && c.ID <= claims[i-1].ID) {
			t.Fatalf("claim %d: %+v", i, c)
		}
	}
	res := []store.OutboxResult{
		{ID: claims[0].ID, State: store.OutboxSent},
		{ID: claims[1].ID, State: store.OutboxFailed, Error: "550 5.1.1 no such user"},
		{ID: claims[2].ID, State: store.OutboxRetry, Error: "451 4.3.0 try later", NextAttempt: now.Add(time.Minute)},
		{ID: claims[3].ID, State: store.OutboxQueued, NextAttempt: now},
		// claims[4] stays in sending: a crash
	}
	if err := db.CompleteOutbox(ctx, res); err != nil {
		t.Fatal(err)
	}
	n, next, err := db.OutboxPending(ctx, "inv")
	if err != nil || n != 10 || !next.Equal(now) {
		t.Fatalf("OutboxPending = %d, %v, %v; want 10, now", n, next, err)
	}
	st, err := db.OutboxBatches(ctx, "")
	if err != nil || len(st) != 1 || st[0].Total != 12 {
		t.Fatalf("OutboxBatches = %+v, %v", st, err)
	}
	want := map[string]int{store.OutboxSent: 1, store.OutboxFailed: 1, store.OutboxRetry: 1, store.OutboxSending: 1, store.OutboxQueued: 8}
	for k, v := range want {
		if st[0].Counts[k] != v {
			t.Errorf("count %s = %d, want %d (%v)", k, st[0].Counts[k], v, st[0].Counts)
		}
	}
	if n, err := db.RequeueSending(ctx); err != nil || n != 1 {
		t.Fatalf("RequeueSending = %d, %v", n, err)
	}
	// The retry is not due yet; everything else is.
	rest, err := db.ClaimOutbox(ctx, "", 100, now)
	if err != nil || len(rest) != 9 {
		t.Fatalf("claim rest = %d, %v; want 9", len(rest), err)
	}
	for _, c := range rest {
		if c.ID == claims[3].ID && c.Attempts != 1 {
			t.Errorf("handed-back claim counts %d attempts, want 1", c.Attempts)
		}
		if c.ID == claims[4].ID && c.Attempts != 2 {
			t.Errorf("requeued claim counts %d attempts, want 2", c.Attempts)
		}
	}
	later, err := db.ClaimOutbox(ctx, "", 100, now.Add(time.Minute))
	if err != nil || len(later) != 1 || later[0].ID != claims[2].ID || later[0].Attempts != 2 {
		t.Fatalf("claim at retry time = %+v, %v", later, err)
	}
	failed, err := db.OutboxEntries(ctx, "inv", store.OutboxFailed)
	if err != nil || len(failed) != 1 || failed[0].LastError != "550 5.1.1 no such user" {
		t.Fatalf("failed entries = %+v, %v", failed, err)
	}
	// A result for a message no longer in sending changes nothing.
	if err := db.CompleteOutbox(ctx, []store.OutboxResult{{ID: claims[0].ID, State: store.OutboxFailed}}); err != nil {
		t.Fatal(err)
	}
	if sent, _ := db.OutboxEntries(ctx, "inv", store.OutboxSent); len(sent) != 1 {
		t.Fatalf("sent message overwritten")
	}
}

func TestOutboxLifecycle(t *testing.T) { storetest.Each(t, testOutboxLifecycle) }
