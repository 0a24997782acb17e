package inbox_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"convene/inbox"
	"convene/internal/testmail"
	"convene/meeting"
	"convene/store"
)

func openDB(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "convene.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.SQL().Exec(`CREATE TABLE test_effects (message_id TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return db
}

func secretFile(t testing.TB, secret string) meeting.Secret {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return meeting.Secret{File: p}
}

func serverOptions(t testing.TB, addr, user, pass string) inbox.Options {
	t.Helper()
	host, port, err := splitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var logger *slog.Logger
	if tt, ok := t.(*testing.T); ok {
		logger = slog.New(slog.NewTextHandler(tt.Output(), nil))
	} else {
		logger = slog.New(slog.DiscardHandler)
	}
	return inbox.Options{
		Server: meeting.Server{Host: host, Port: port, Security: meeting.SecurityNone, Username: user,
			Auth: meeting.AuthPassword, Secret: secretFile(t, pass)},
		Backoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		Logger: logger,
	}
}

func splitHostPort(addr string) (string, int, error) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return "", 0, fmt.Errorf("no port in %q", addr)
	}
	p, err := strconv.Atoi(addr[i+1:])
	return addr[:i], p, err
}

func testMessage(i int, size int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "Message-ID: <msg-%d@test.example>\r\nFrom: Mission %d <m%d@example.org>\r\nTo: registrations@example.org\r\nSubject: Registration %d\r\nDate: Mon, 02 Nov 2026 10:00:00 +0000\r\n\r\n", i, i, i, i)
	for b.Len() < size {
		b.WriteString("Please register H.E. Mr. X, Ambassador, x@example.org.\r\n")
	}
	return []byte(b.String())
}

// recorder is a handler that writes one effect row per message and counts
// its calls; it sends each handled Message-ID on a channel.
type recorder struct {
	mu      sync.Mutex
	calls   map[string]int
	fail    func(m inbox.Fetched) error
	review  func(m inbox.Fetched) bool
	handled chan string
}

func newRecorder() *recorder {
	return &recorder{calls: map[string]int{}, handled: make(chan string, 100000)}
}

func (r *recorder) handle(ctx context.Context, tx *store.Tx, m inbox.Fetched) (inbox.Disposition, error) {
	r.mu.Lock()
	r.calls[m.MessageID]++
	r.mu.Unlock()
	if _, err := tx.ExecContext(ctx, `INSERT INTO test_effects (message_id) VALUES ($1)`, m.MessageID); err != nil {
		return 0, err
	}
	if r.fail != nil {
		if err := r.fail(m); err != nil {
			return 0, err
		}
	}
	r.handled <- m.MessageID
	if r.review != nil && r.review(m) {
		return inbox.Review, nil
	}
	return inbox.Processed, nil
}

func (r *recorder) callCount(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[id]
}

// effects returns the committed effect rows per Message-ID.
func effects(t testing.TB, db *store.DB) map[string]int {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT message_id, count(*) FROM test_effects GROUP BY message_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		out[id] = n
	}
	return out
}

// waitHandled waits until the handler has seen n messages, or fails.
func waitHandled(t testing.TB, r *recorder, n int, d time.Duration) {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for i := 0; i < n; i++ {
		select {
		case <-r.handled:
		case <-deadline.C:
			t.Fatalf("handled %d messages within %v, want %d", i, d, n)
		}
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

var _ = testmail.StartIMAP

// watchMoves returns a channel that receives the number of messages moved by
// each pass of Run.
func watchMoves(w *inbox.Watcher) <-chan int {
	ch := make(chan int, 1000)
	inbox.SetAfterPass(w, func(st inbox.Stats) {
		if st.Moved > 0 {
			ch <- st.Moved
		}
	})
	return ch
}

// waitMoved waits until Run's passes have moved n messages, or fails.
func waitMoved(t testing.TB, ch <-chan int, n int, d time.Duration) {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for got := 0; got < n; {
		select {
		case m := <-ch:
			got += m
		case <-deadline.C:
			t.Fatalf("moved %d messages within %v, want %d", got, d, n)
		}
	}
}
