package inbox_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/inbox"
	"convene/internal/testmail"
	"convene/meeting"
)

// dovecot returns the address, instance folder and scripts folder of the
// Dovecot started by ../shared/scripts/dovecot-up, or skips the test.
func dovecot(tb testing.TB) (addr, dir, scripts string) {
	tb.Helper()
	addr = os.Getenv("TEST_DOVECOT_ADDR")
	if addr == "" {
		tb.Skip("TEST_DOVECOT_ADDR not set (see ../shared/scripts/dovecot-up)")
	}
	return addr, os.Getenv("TEST_DOVECOT_DIR"), os.Getenv("TEST_DOVECOT_SCRIPTS")
}

const (
	dovecotUser = "registrations@example.org"
	dovecotPass = "secret"
)

// dovecotOptions watches a mailbox of its own, so tests do not meet.
func dovecotOptions(t testing.TB, addr, name string) inbox.Options {
	o := serverOptions(t, addr, dovecotUser, dovecotPass)
	mbox := fmt.Sprintf("%s-%d", name, time.Now().UnixNano())
	o.Mailbox, o.Processed, o.Review = mbox, mbox+"-done", mbox+"-review"
	return o
}

func TestDovecot(t *testing.T) {
	addr, dir, _ := dovecot(t)
	host, port, _ := splitHostPort(addr)
	tests := []struct {
		name     string
		security string
		port     int
	}{
		{"plain", meeting.SecurityNone, port},
		{"STARTTLS", meeting.SecurityStartTLS, port},
		{"TLS", meeting.SecurityTLS, port + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := dovecotOptions(t, addr, "happy")
			o.Server.Host, o.Server.Port, o.Server.Security = host, tt.port, tt.security
			if tt.security != meeting.SecurityNone {
				o.Server.CAFile = filepath.Join(dir, "tls", "cert.pem")
			}
			const n = 50
			var msgs [][]byte
			for i := range n {
				msgs = append(msgs, testMessage(i, 3000))
			}
			testmail.AppendMessages(t, addr, dovecotUser, dovecotPass, o.Mailbox, msgs...)
			db := openDB(t)
			rec := newRecorder()
			rec.review = func(m inbox.Fetched) bool { return strings.HasSuffix(m.MessageID, "0@test.example") }
			w, err := inbox.NewWatcher(db, o, rec.handle)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			st, err := w.Once(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			want := inbox.Stats{Seen: n, Fetched: n, Processed: 45, Review: 5, Moved: n}
			if st != want {
				t.Errorf("Once = %+v, want %+v", st, want)
			}
			counts := testmail.CountMailboxes(t, addr, dovecotUser, dovecotPass)
			if counts[o.Mailbox] != 0 || counts[o.Processed] != 45 || counts[o.Review] != 5 {
				t.Errorf("after: %s=%d %s=%d %s=%d, want 0, 45, 5", o.Mailbox, counts[o.Mailbox],
					o.Processed, counts[o.Processed], o.Review, counts[o.Review])
			}
			for _, m := range testmail.ListMessages(t, addr, dovecotUser, dovecotPass, o.Processed) {
				if m.Seen() {
					t.Errorf("UID %d is \\Seen", m.UID)
				}
			}
			if st, err := w.Once(t.Context()); err != nil || st.Fetched+st.Moved != 0 {
				t.Errorf("second Once = %+v, %v", st, err)
			}
		})
	}
}

func TestDovecotIdle(t *testing.T) {
	addr, _, _ := dovecot(t)
	o := dovecotOptions(t, addr, "idle")
	o.Poll, o.IdleRestart = time.Hour, time.Hour
	testmail.AppendMessages(t, addr, dovecotUser, dovecotPass, o.Mailbox, testMessage(1, 500))
	db := openDB(t)
	rec := newRecorder()
	w, err := inbox.NewWatcher(db, o, rec.handle)
	if err != nil {
		t.Fatal(err)
	}
	moved := watchMoves(w)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	}()
	waitMoved(t, moved, 1, 30*time.Second)
	for i := 2; i <= 3; i++ {
		testmail.AppendMessages(t, addr, dovecotUser, dovecotPass, o.Mailbox, testMessage(i, 500))
		waitMoved(t, moved, 1, 30*time.Second)
	}
}
