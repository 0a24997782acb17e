package secretariat

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"convene/meeting"
	"convene/schedule"
	"convene/store"
)

// BenchmarkInvitationMemory renders and records the invitation to 1k, 10k
// and 100k contacts through the outbox, and reports the peak Go heap, to
// show how memory grows with the contact list (it should stay flat: jobs
// enqueue in chunks). Run: go test -run XXX -bench InvitationMemory -benchtime 1x ./cmd/convene
func BenchmarkInvitationMemory(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("contacts=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			m, err := meeting.LoadMeeting(writeMeeting(b, dir))
			if err != nil {
				b.Fatal(err)
			}
			var csv strings.Builder
			csv.WriteString("name,category,emails,language\n")
			langs := []string{"en", "fr", "es"}
			for i := 0; i < n; i++ {
				fmt.Fprintf(&csv, "Mission %d,state-party,m%d@mission%d.example,%s\n", i, i, i%500, langs[i%3])
			}
			cs, err := meeting.ParseContacts("contacts.csv", []byte(csv.String()))
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < b.N; i++ {
				db, err := store.Open(b.Context(), filepath.Join(dir, fmt.Sprintf("bench%d.db", i)))
				if err != nil {
					b.Fatal(err)
				}
				svc, err := New(b.Context(), m, cs, db, slog.New(slog.DiscardHandler), time.Now)
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				stop := samplePeakHeap()
				b.ResetTimer()
				err = svc.invitationJob(b.Context(), schedule.Job{Key: "invitation", Kind: schedule.Invitation})
				b.StopTimer()
				p := stop()
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(p)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
				db.Close()
			}
		})
	}
}

func writeMeeting(tb testing.TB, dir string) string {
	if err := meeting.WriteExample(dir); err != nil {
		tb.Fatal(err)
	}
	return filepath.Join(dir, "meeting.yaml")
}

// samplePeakHeap samples the live heap every few milliseconds until stop is
// called, and returns the largest value seen.
func samplePeakHeap() func() uint64 {
	var peak uint64
	var mu sync.Mutex
	done := make(chan struct{})
	finished := make(chan struct{})
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			mu.Lock()
			peak = max(peak, sample[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}
