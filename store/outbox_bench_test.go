package store_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
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

// BenchmarkOutboxStoreDrain is the store's share of a drain, without SMTP:
// 2,000 messages of 20 KB are claimed, read and recorded as sent the way
// mailer's coordinator and workers do it (groups of 8, one commit each),
// one op being the whole queue. cpu-µs/msg is the process's CPU time per
// message, which the machine's other load disturbs less than the wall time.
func BenchmarkOutboxStoreDrain(b *testing.B) {
	const n, group = 2000, 8
	body := []byte(strings.Repeat("The Implementation Support Unit has the honour to invite you.\r\n", 320))
	var cpu time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		ctx := b.Context()
		db, err := store.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprint(i, ".db")))
		if err != nil {
			b.Fatal(err)
		}
		seq := func(yield func(store.OutboxMessage, error) bool) {
			for j := range n {
				r := fmt.Sprintf("r%d@d%d.example", j, j%97)
				if !yield(store.OutboxMessage{Key: "x/" + r, From: "isu@isu.example", Recipients: []string{r},
					MessageID: fmt.Sprintf("x.%d@isu.example", j), Raw: body}, nil) {
					return
				}
			}
		}
		if _, err := db.EnqueueOutbox(ctx, store.OutboxBatch{ID: "x"}, seq); err != nil {
			b.Fatal(err)
		}
		now := time.Now()
		b.StartTimer()
		c0 := cpuTime()
		var buf []byte
		claims, err := db.ClaimOutbox(ctx, "", group, now)
		for done := 0; len(claims) > 0; done += len(claims) {
			rs := make([]store.OutboxResult, len(claims))
			for k, c := range claims {
				if buf, err = db.OutboxBody(ctx, c.ID, buf); err != nil {
					b.Fatal(err)
				}
				rs[k] = store.OutboxResult{ID: c.ID, State: store.OutboxSent}
			}
			if claims, err = db.SettleOutbox(ctx, rs, "", group, now); err != nil {
				b.Fatal(err)
			}
		}
		cpu += cpuTime() - c0
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n*b.N), "µs/msg")
	b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "cpu-µs/msg")
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
