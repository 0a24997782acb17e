package mailer_test

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"convene/internal/testmail"
	"convene/mailer"
	"convene/meeting"
	"convene/store"
	"convene/store/storetest"
)

// BenchmarkOutboxPostgres is BenchmarkOutbox's drain on PostgreSQL
// (TEST_POSTGRES_DSN) with one and with two instances, each a store handle
// of its own with a sender at concurrency 8, claiming from one outbox with
// FOR UPDATE SKIP LOCKED. Use -benchtime 1x: one op is the whole batch.
func BenchmarkOutboxPostgres(b *testing.B) {
	if os.Getenv("TEST_POSTGRES_DSN") == "" {
		b.Skip("TEST_POSTGRES_DSN not set")
	}
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("BENCH_OUTBOX_N")); err == nil && v > 0 {
		n = v
	}
	host, port := "", 0
	if addr := os.Getenv("TEST_SMTP_SINK_ADDR"); addr != "" {
		h, p, err := net.SplitHostPort(addr)
		if err != nil {
			b.Fatal(err)
		}
		host = h
		port, _ = strconv.Atoi(p)
	} else {
		srv := testmail.NewSMTP(b, testmail.Options{Discard: true})
		host, port = srv.Host, srv.Port
	}
	for _, k := range []int{1, 2} {
		b.Run(fmt.Sprintf("instances=%d", k), func(b *testing.B) {
			var enq, drain time.Duration
			for i := 0; b.Loop(); i++ {
				cfg := storetest.Config(b, store.Postgres)
				var senders []*mailer.Sender
				var dbs []*store.DB
				for range k {
					db := storetest.OpenConfig(b, cfg)
					// An instance beats before it claims, as convene run does: a
					// sender starting spares only live instances' claims.
					if err := db.Heartbeat(b.Context(), time.Now()); err != nil {
						b.Fatal(err)
					}
					s, err := mailer.New(db, mailer.Options{
						Server:      meeting.Server{Host: host, Port: port, Security: meeting.SecurityNone},
						Concurrency: 8, Logger: slog.New(slog.DiscardHandler),
					})
					if err != nil {
						b.Fatal(err)
					}
					senders, dbs = append(senders, s), append(dbs, db)
				}
				t0 := time.Now()
				if added, err := senders[0].Enqueue(b.Context(), mailer.Batch{ID: fmt.Sprint("bench", i)}, benchMessages(n)); err != nil || added != n {
					b.Fatalf("Enqueue = %d, %v", added, err)
				}
				t1 := time.Now()
				var wg sync.WaitGroup
				sent := make([]int, k)
				for j, s := range senders {
					wg.Add(1)
					go func() {
						defer wg.Done()
						rep, err := s.Drain(b.Context(), "")
						if err != nil {
							b.Error(err)
						}
						sent[j] = rep.Sent
						for _, o := range senders { // one idle on the other's last messages looks again now
							o.Wake()
						}
					}()
				}
				wg.Wait()
				enq += t1.Sub(t0)
				drain += time.Since(t1)
				total := 0
				for _, v := range sent {
					total += v
				}
				if total != n {
					b.Fatalf("sent %v, want %d in all", sent, n)
				}
				if es, _ := dbs[0].OutboxEntries(b.Context(), "", "sent"); len(es) != n {
					b.Fatalf("%d sent in the outbox", len(es))
				}
				b.Logf("instances=%d: sent %v", k, sent)
			}
			loops := float64(b.N)
			b.ReportMetric(float64(n)*loops/drain.Seconds(), "send-msgs/s")
			b.ReportMetric(float64(n)*loops/enq.Seconds(), "enqueue-msgs/s")
		})
	}
}
