package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"convene/store"
)

// BenchmarkSettleOutbox measures one coordinator round: record 8 results
// and claim 8 messages in one transaction.
func BenchmarkSettleOutbox(b *testing.B) {
	ctx := b.Context()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "s.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	n := b.N*8 + 8
	if _, err := db.EnqueueOutbox(ctx, store.OutboxBatch{ID: "x"}, msgs("x", n)); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	claims, _ := db.ClaimOutbox(ctx, "", 8, now)
	b.ResetTimer()
	for b.Loop() {
		rs := make([]store.OutboxResult, len(claims))
		for i, c := range claims {
			rs[i] = store.OutboxResult{ID: c.ID, State: store.OutboxSent}
		}
		claims, err = db.SettleOutbox(ctx, rs, "", 8, now)
		if err != nil {
			b.Fatal(err)
		}
	}
}
