package inbox_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"convene/inbox"
	"convene/internal/testmail"
	"convene/store"
)

// ingestHandler makes the handler BenchmarkIngest runs: by default one
// trivial store write per message. To measure the real classify/parse/apply
// handler, assign this variable from an init function in another _test.go
// file of this package (the factory may prepare db, e.g. sync contacts).
var ingestHandler = func(tb testing.TB, db *store.DB) inbox.Handler {
	return func(ctx context.Context, tx *store.Tx, m inbox.Fetched) (inbox.Disposition, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO test_effects (message_id) VALUES ($1)`, m.MessageID)
		return inbox.Processed, err
	}
}

// BenchmarkIngest fills a Dovecot mailbox with BENCH_INBOX_N (default 10,000)
// messages of about 20 KB, then times (a) a bare client's UID FETCH 1:*
// BODY.PEEK[] of it and (b) Watcher.Once over the same mailbox: fetch, handle,
// checkpoint, move. It reports both, their ratio and the peak RSS. Needs
// TEST_DOVECOT_ADDR, TEST_DOVECOT_DIR and TEST_DOVECOT_SCRIPTS (see
// scripts/bench-inbox).
func BenchmarkIngest(b *testing.B) {
	addr, dir, scripts := dovecot(b)
	if dir == "" || scripts == "" {
		b.Skip("TEST_DOVECOT_DIR and TEST_DOVECOT_SCRIPTS are needed to fill the mailbox")
	}
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("BENCH_INBOX_N")); err == nil && v > 0 {
		n = v
	}
	msgDir := b.TempDir()
	run(b, filepath.Join(scripts, "mail-gen"), msgDir, strconv.Itoa(n), "20000")
	files, err := filepath.Glob(filepath.Join(msgDir, "*"))
	if err != nil || len(files) != n {
		b.Fatalf("mail-gen wrote %d files (%v), want %d", len(files), err, n)
	}
	var raw, ingest time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		o := dovecotOptions(b, addr, "bench")
		run(b, filepath.Join(scripts, "imap-load"), append([]string{dir, dovecotUser, o.Mailbox}, files...)...)

		rawFetch(b, addr, o.Mailbox) // warm Dovecot's caches, so both timed reads find them warm
		start := time.Now()
		if got := rawFetch(b, addr, o.Mailbox); got != n {
			b.Fatalf("raw fetch read %d messages, want %d", got, n)
		}
		raw += time.Since(start)

		db := openDB(b)
		if v, err := strconv.Atoi(os.Getenv("BENCH_INBOX_CHUNK")); err == nil && v > 0 {
			o.Chunk = v
		}
		if os.Getenv("BENCH_INBOX_DEBUG") != "" {
			o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
		w, err := inbox.NewWatcher(db, o, ingestHandler(b, db))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start = time.Now()
		st, err := w.Once(context.Background())
		ingest += time.Since(start)
		b.StopTimer()
		w.Close()
		if err != nil {
			b.Fatal(err)
		}
		if st.Fetched != n || st.Moved != n {
			b.Fatalf("Once = %+v, want %d fetched and moved", st, n)
		}
	}
	per := func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(b.N) }
	b.ReportMetric(per(raw), "raw-ms")
	b.ReportMetric(per(ingest), "ingest-ms")
	b.ReportMetric(float64(ingest)/float64(raw), "ratio")
	b.ReportMetric(float64(n)*float64(b.N)/ingest.Seconds(), "msgs/s")
	b.ReportMetric(peakRSSMB(), "peak-rss-MB")
}

func run(tb testing.TB, name string, args ...string) {
	tb.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s: %v\n%s", filepath.Base(name), err, out)
	}
}

// rawFetch reads every message of mailbox with one UID FETCH 1:* BODY.PEEK[],
// as a bare client would, and returns how many it read.
func rawFetch(tb testing.TB, addr, mailbox string) int {
	c := testmail.Dial(tb, addr, dovecotUser, dovecotPass)
	defer c.Close()
	if _, err := c.Select(mailbox, nil).Wait(); err != nil {
		tb.Fatal(err)
	}
	body := &imap.FetchItemBodySection{Peek: true}
	cmd := c.Fetch(imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{body}})
	got := 0
	for {
		m := cmd.Next()
		if m == nil {
			break
		}
		buf, err := m.Collect()
		if err != nil {
			tb.Fatal(err)
		}
		if len(buf.FindBodySection(body)) > 0 {
			got++
		}
	}
	if err := cmd.Close(); err != nil {
		tb.Fatal(err)
	}
	return got
}

// peakRSSMB returns the process's peak resident set size (VmHWM) in MB.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(rest), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}
