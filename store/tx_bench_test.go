package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"convene/store"
)

// BenchmarkInboundChunk records what the inbox records for a chunk of 500
// messages from unknown senders (a review item and an inbound log entry
// each) in one transaction. One op is one chunk; µs/msg is per message.
func BenchmarkInboundChunk(b *testing.B) {
	db, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const chunk = 500
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		err := db.Update(b.Context(), func(tx *store.Tx) error {
			for range chunk {
				n++
				id := fmt.Sprintf("%d@bench.example", n)
				if _, err := tx.AddReview(store.ReviewItem{Kind: "other", Reason: "unknown sender", Summary: "Test message",
					From: "sender@example.net", MessageID: id, Mailbox: "Review", Detail: `{"body":"..."}`}); err != nil {
					return err
				}
				if err := tx.LogInbound(store.Inbound{MessageID: id, Kind: "other", From: "sender@example.net",
					Summary: "unknown sender", Disposition: "review"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*chunk), "µs/msg")
}
