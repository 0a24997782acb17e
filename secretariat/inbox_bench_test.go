package secretariat

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"convene/inbox"
	"convene/internal/inboxbench"
	"convene/meeting"
	"convene/store"
)

// BenchmarkIngestDaemon is inbox's BenchmarkIngest with the daemon's real
// handler (parse, classify, identify, apply) and the example meeting. With
// generated mail every message is from an unknown sender (review); set
// BENCH_INBOX_FILES to a folder of real .eml replies for a realistic mix.
// Run it with scripts/bench-inbox.
func BenchmarkIngestDaemon(b *testing.B) {
	inboxbench.Ingest(b, func(tb testing.TB, db *store.DB) inboxbench.Handler {
		dir := tb.TempDir()
		if err := meeting.WriteExample(dir); err != nil {
			tb.Fatal(err)
		}
		m, cs, err := meeting.Load(filepath.Join(dir, "meeting.yaml"))
		if err != nil {
			tb.Fatal(err)
		}
		s, err := New(tb.Context(), m, cs, db, slog.New(slog.DiscardHandler), time.Now)
		if err != nil {
			tb.Fatal(err)
		}
		return benchHandler{s}
	})
}

// benchHandler gives the benchmark the daemon's handler and its Prepare.
type benchHandler struct{ s *Service }

func (h benchHandler) Handle(ctx context.Context, tx *store.Tx, m inbox.Fetched) (inbox.Disposition, error) {
	return h.s.Handle(ctx, tx, m)
}

func (h benchHandler) Prepare(m inbox.Fetched) any { return h.s.Prepare(m) }
