package mailer_test

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"convene/internal/testmail"
	"convene/mailer"
	"convene/meeting"
)

// benchMessages returns n personalised messages of about 20 KB: text, HTML
// and a 10 KB attachment (13.5 KB in base64).
func benchMessages(n int) []mailer.Outgoing {
	rnd := rand.New(rand.NewPCG(1, 2))
	pdf := make([]byte, 10_000)
	for i := range pdf {
		pdf[i] = byte(rnd.UintN(256))
	}
	para := strings.Repeat("The Implementation Support Unit has the honour to invite the delegation to the meeting. ", 22)
	out := outgoing(n, 97, nil)
	for i := range out {
		m := &out[i].Message
		m.Text = fmt.Sprintf("Dear Mission %d,\r\n\r\n%s\r\n", i, para)
		m.HTML = fmt.Sprintf("<p>Dear Mission %d,</p>\r\n<p>%s</p>\r\n<p>%s</p>\r\n", i, para, para)
		m.Attachments = []mailer.Attachment{{Name: "guidance.pdf", ContentType: "application/pdf", Data: pdf}}
	}
	return out
}

// BenchmarkOutbox enqueues 10,000 personalised 20 KB messages and drains
// them at concurrency 8 into TEST_SMTP_SINK_ADDR (Postfix smtp-sink) or
// the in-process server. Use -benchtime 1x: one op is the whole batch.
func BenchmarkOutbox(b *testing.B) {
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
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() { // heap sampler
		var ms runtime.MemStats
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	defer close(stop)
	var enq, drain, drainCPU time.Duration
	var enqPeak uint64
	var size int64
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		db := openStore(b)
		s, err := mailer.New(db, mailer.Options{
			Server:      meeting.Server{Host: host, Port: port, Security: meeting.SecurityNone},
			Concurrency: 8, Logger: slog.New(slog.DiscardHandler),
		})
		if err != nil {
			b.Fatal(err)
		}
		msgs := benchMessages(n)
		t0 := time.Now()
		added, err := s.Enqueue(b.Context(), mailer.Batch{ID: fmt.Sprint("bench", i)}, msgs)
		if err != nil || added != n {
			b.Fatalf("Enqueue = %d, %v", added, err)
		}
		enqPeak = max(enqPeak, peak.Load())
		msgs = nil // measure what the drain itself holds, without the inputs
		runtime.GC()
		peak.Store(0)
		t1 := time.Now()
		c1 := cpuTime()
		rep, err := s.Drain(b.Context(), "")
		drainCPU += cpuTime() - c1
		if err != nil || rep.Sent != n {
			b.Fatalf("Drain = %+v, %v", rep, err)
		}
		enq += t1.Sub(t0)
		drain += time.Since(t1)
		if es, _ := db.OutboxEntries(b.Context(), "", "sent"); len(es) != n {
			b.Fatalf("%d sent in the outbox", len(es))
		}
		db.SQL().QueryRow(`SELECT CAST(avg(length(raw)) AS INTEGER) FROM outbox_bodies`).Scan(&size)
	}
	loops := float64(b.N)
	b.ReportMetric(float64(n)*loops/drain.Seconds(), "send-msgs/s")
	b.ReportMetric(float64(n)*loops/enq.Seconds(), "enqueue-msgs/s")
	b.ReportMetric(float64(n)*loops/(enq+drain).Seconds(), "total-msgs/s")
	b.ReportMetric(float64(size), "bytes/msg")
	b.ReportMetric(float64(drainCPU.Microseconds())/(float64(n)*loops), "send-cpu-µs/msg")
	b.ReportMetric(float64(enqPeak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peak.Load())/(1<<20), "drain-peak-heap-MiB")
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
