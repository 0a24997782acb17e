package inbox_test

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"convene/inbox"
	"convene/internal/testmail"
	"convene/store"
)

// recLog is a slog.Handler that keeps the records and wakes a waiter.
type recLog struct {
	mu   sync.Mutex
	recs []slog.Record
	ch   chan struct{}
}

func (h *recLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *recLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recLog) WithGroup(string) slog.Handler            { return h }
func (h *recLog) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.recs = append(h.recs, r)
	h.mu.Unlock()
	select {
	case h.ch <- struct{}{}:
	default:
	}
	return nil
}

// count returns how many records have level l and message msg.
func (h *recLog) count(l slog.Level, msg string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, r := range h.recs {
		if r.Level == l && r.Message == msg {
			n++
		}
	}
	return n
}

// waitFor waits until cond holds after a record, or the test's context ends.
func (h *recLog) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-h.ch:
		case <-t.Context().Done():
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// TestAuthFailureHealth: a wrong password is recorded as auth-failed and
// logged at ERROR once, however many retries; once the secret is right the
// state is ok again.
func TestAuthFailureHealth(t *testing.T) {
	srv := testmail.StartIMAP(t, nil)
	db := openDB(t)
	o := serverOptions(t, srv.Addr, srv.Username, "wrong")
	lg := &recLog{ch: make(chan struct{}, 1)}
	o.Logger = slog.New(lg)
	w, err := inbox.NewWatcher(db, o, func(context.Context, *store.Tx, inbox.Fetched) (inbox.Disposition, error) {
		return inbox.Processed, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()

	const (
		refused = "IMAP server refuses the credentials; replies are not being read"
		again   = "IMAP still failing; reconnecting"
		reached = "IMAP server reached"
	)
	lg.waitFor(t, "three retries after the refusal", func() bool { return lg.count(slog.LevelDebug, again) >= 3 })
	if n := lg.count(slog.LevelError, refused); n != 1 {
		t.Errorf("logged the refusal %d times at ERROR, want once", n)
	}
	h, err := db.InboxHealth(t.Context())
	if err != nil || h.Status != store.InboxAuthFailed || h.StatusSince.IsZero() || h.StatusDetail == "" {
		t.Errorf("InboxHealth = %+v, %v; want auth-failed", h, err)
	}
	if !h.LastContact.IsZero() {
		t.Errorf("a refused login counted as contact: %v", h.LastContact)
	}

	// The secret is corrected (it is read at each connection).
	if err := os.WriteFile(o.Server.Secret.File, []byte(srv.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	lg.waitFor(t, "the server reached", func() bool { return lg.count(slog.LevelInfo, reached) > 0 })
	h, _ = db.InboxHealth(t.Context())
	if h.Status != store.InboxOK {
		t.Errorf("after the fix: status %q, want ok", h.Status)
	}
}

// TestIdleRecordsContact: a watcher that only IDLEs (no mail comes) keeps
// the inbox's last contact current: an hour later on the store's clock, the
// last contact is that hour.
func TestIdleRecordsContact(t *testing.T) {
	srv := testmail.StartIMAP(t, &testmail.IMAPOptions{Caps: []imap.Cap{imap.CapMove, imap.CapUIDPlus, imap.CapIdle}})
	db := openDB(t)
	t0 := time.Date(2020, 6, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := t0
	read := make(chan time.Time, 1)
	db.Now = func() time.Time {
		mu.Lock()
		c := clock
		mu.Unlock()
		select {
		case read <- c:
		default:
		}
		return c
	}
	o := serverOptions(t, srv.Addr, srv.Username, srv.Password)
	o.IdleRestart = 20 * time.Millisecond
	w, err := inbox.NewWatcher(db, o, func(context.Context, *store.Tx, inbox.Fetched) (inbox.Disposition, error) {
		return inbox.Processed, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()

	later := t0.Add(time.Hour)
	mu.Lock()
	clock = later
	mu.Unlock()
	for {
		h, err := db.InboxHealth(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if h.LastContact.Equal(later) {
			break
		}
		select { // the next read of the clock, by the watcher
		case <-read:
		case <-t.Context().Done():
			t.Fatalf("last contact stays %v, want %v", h.LastContact, later)
		}
	}
	if h, _ := db.InboxHealth(t.Context()); !h.LastMessage.IsZero() || h.Status != store.InboxOK {
		t.Errorf("InboxHealth = %+v; want no message, status ok", h)
	}
}
