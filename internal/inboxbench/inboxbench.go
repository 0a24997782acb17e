// Package inboxbench measures the inbox's ingest against Dovecot: a bare
// client's UID FETCH 1:* BODY.PEEK[] of a mailbox, then inbox.Watcher.Once
// over the same mailbox with a given handler. It is imported only by
// _test.go files, so that the daemon's real handler can be measured from its
// own package (scripts/bench-inbox).
package inboxbench

import (
	"context"
	"fmt"
	"log/slog"
	"net"
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
	"convene/meeting"
	"convene/store"
)

// User and Password are those of the Dovecot users dovecot-up creates.
const (
	User     = "registrations@example.org"
	Password = "secret"
)

// HandlerFactory prepares db (e.g. syncs contacts) and returns the handler
// to measure.
type HandlerFactory func(tb testing.TB, db *store.DB) Handler

// Handler is what the benchmark runs per message: Handle in the
// transaction and, if the value also has a Prepare method, Prepare ahead of
// it (inbox.Options.Prepare).
type Handler interface {
	Handle(ctx context.Context, tx *store.Tx, m inbox.Fetched) (inbox.Disposition, error)
}

// HandlerFunc makes an inbox.Handler a Handler.
type HandlerFunc inbox.Handler

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, tx *store.Tx, m inbox.Fetched) (inbox.Disposition, error) {
	return f(ctx, tx, m)
}

// Trivial is a handler that makes one store write per message.
func Trivial(tb testing.TB, db *store.DB) Handler {
	if _, err := db.SQL().Exec(`CREATE TABLE IF NOT EXISTS bench_effects (message_id TEXT NOT NULL)`); err != nil {
		tb.Fatal(err)
	}
	return HandlerFunc(func(ctx context.Context, tx *store.Tx, m inbox.Fetched) (inbox.Disposition, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO bench_effects (message_id) VALUES ($1)`, m.MessageID)
		return inbox.Processed, err
	})
}

// Ingest fills a Dovecot mailbox with BENCH_INBOX_N (default 10,000)
// messages of about 20 KB (BENCH_INBOX_FILES: a folder of .eml files to use
// instead) per iteration, times the raw fetch and Watcher.Once, and reports
// raw-ms, ingest-ms, their ratio, msgs/s and the peak RSS. It skips without
// TEST_DOVECOT_ADDR, TEST_DOVECOT_DIR and TEST_DOVECOT_SCRIPTS.
// BENCH_INBOX_CHUNK sets Options.Chunk; BENCH_INBOX_DEBUG=1 logs the phases.
func Ingest(b *testing.B, newHandler HandlerFactory) {
	addr, dir, scripts := os.Getenv("TEST_DOVECOT_ADDR"), os.Getenv("TEST_DOVECOT_DIR"), os.Getenv("TEST_DOVECOT_SCRIPTS")
	if addr == "" || dir == "" || scripts == "" {
		b.Skip("TEST_DOVECOT_ADDR, TEST_DOVECOT_DIR and TEST_DOVECOT_SCRIPTS are needed (see scripts/bench-inbox)")
	}
	var files []string
	if src := os.Getenv("BENCH_INBOX_FILES"); src != "" {
		files, _ = filepath.Glob(filepath.Join(src, "*.eml"))
		if len(files) == 0 {
			b.Fatalf("no .eml files in %s", src)
		}
	} else {
		n := 10000
		if v, err := strconv.Atoi(os.Getenv("BENCH_INBOX_N")); err == nil && v > 0 {
			n = v
		}
		msgDir := b.TempDir()
		run(b, filepath.Join(scripts, "mail-gen"), msgDir, strconv.Itoa(n), "20000")
		files, _ = filepath.Glob(filepath.Join(msgDir, "*"))
		if len(files) != n {
			b.Fatalf("mail-gen wrote %d files, want %d", len(files), n)
		}
	}
	n := len(files)
	pid := masterPID(dir)
	var raw, ingest time.Duration
	var rawCPU, ingestCPU cpuSample
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		o := options(b, addr)
		run(b, filepath.Join(scripts, "imap-load"), append([]string{dir, User, o.Mailbox}, files...)...)
		RawFetch(b, addr, o.Mailbox) // warm Dovecot's caches, so both timed reads find them warm
		c0, start := sampleCPU(pid), time.Now()
		if got := RawFetch(b, addr, o.Mailbox); got != n {
			b.Fatalf("raw fetch read %d messages, want %d", got, n)
		}
		raw += time.Since(start)
		d := sampleCPU(pid).sub(c0)
		rawCPU.client += d.client
		rawCPU.server += d.server

		db, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		h := newHandler(b, db)
		if p, ok := h.(interface{ Prepare(inbox.Fetched) any }); ok {
			o.Prepare = p.Prepare
		}
		w, err := inbox.NewWatcher(db, o, h.Handle)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		c0, start = sampleCPU(pid), time.Now()
		st, err := w.Once(context.Background())
		ingest += time.Since(start)
		b.StopTimer()
		d = sampleCPU(pid).sub(c0)
		ingestCPU.client += d.client
		ingestCPU.server += d.server
		w.Close()
		db.Close()
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
	// CPU time of this process and of Dovecot's processes: on a machine
	// with few cores, their sum bounds how fast the ingest can be.
	b.ReportMetric(per(rawCPU.client), "raw-client-cpu-ms")
	b.ReportMetric(per(rawCPU.server), "raw-dovecot-cpu-ms")
	b.ReportMetric(per(ingestCPU.client), "ingest-client-cpu-ms")
	b.ReportMetric(per(ingestCPU.server), "ingest-dovecot-cpu-ms")
}

// options watches a mailbox of its own on the plain port.
func options(tb testing.TB, addr string) inbox.Options {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		tb.Fatal(err)
	}
	port, _ := strconv.Atoi(p)
	secret := filepath.Join(tb.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte(Password), 0o600); err != nil {
		tb.Fatal(err)
	}
	mbox := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	o := inbox.Options{
		Server: meeting.Server{Host: host, Port: port, Security: meeting.SecurityNone, Username: User,
			Auth: meeting.AuthPassword, Secret: meeting.Secret{File: secret}},
		Mailbox: mbox, Processed: mbox + "-done", Review: mbox + "-review",
		Logger: slog.New(slog.DiscardHandler),
	}
	if v, err := strconv.Atoi(os.Getenv("BENCH_INBOX_CHUNK")); err == nil && v > 0 {
		o.Chunk = v
	}
	if os.Getenv("BENCH_INBOX_DEBUG") != "" {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return o
}

func run(tb testing.TB, name string, args ...string) {
	tb.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s: %v\n%s", filepath.Base(name), err, out)
	}
}

// RawFetch reads every message of mailbox with one UID FETCH 1:*
// BODY.PEEK[], as a bare client would, and returns how many it read.
func RawFetch(tb testing.TB, addr, mailbox string) int {
	c := testmail.Dial(tb, addr, User, Password)
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
