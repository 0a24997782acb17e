package store_test

import (
	"context"
	"testing"
	"time"

	"convene/store"
	"convene/store/storetest"
)

// A batch recorded through one instance wakes the others' senders.
func TestListenOutbox(t *testing.T) {
	cfg := storetest.Config(t, store.Postgres)
	a, b := storetest.OpenConfig(t, cfg), storetest.OpenConfig(t, cfg)
	ctx, cancel := context.WithCancel(t.Context())
	woke := make(chan struct{}, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.ListenOutbox(ctx, time.Second, func() { woke <- struct{}{} }, t.Logf)
	}()
	defer func() { cancel(); <-done }()
	<-woke // listening
	if _, err := a.EnqueueOutbox(ctx, store.OutboxBatch{ID: "inv"}, msgs("inv", 3)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-woke:
	case <-t.Context().Done():
		t.Fatal("no wake-up after a batch was recorded")
	}
}
