package inbox_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"convene/inbox"
	"convene/internal/testmail"
	"convene/meeting"
	"convene/store"
)

func TestNewWatcherValidates(t *testing.T) {
	db := openDB(t)
	h := newRecorder().handle
	base := meeting.Server{Host: "127.0.0.1", Port: 143, Security: meeting.SecurityNone, Username: "u", Auth: meeting.AuthPassword}
	tests := []struct {
		name   string
		change func(*inbox.Options)
		want   string // substring of the error; "" for none
	}{
		{"loopback cleartext", func(*inbox.Options) {}, ""},
		{"cleartext to a remote host", func(o *inbox.Options) { o.Server.Host = "imap.example.org" }, "loopback"},
		{"unknown security", func(o *inbox.Options) { o.Server.Security = "ssl" }, "security"},
		{"no host", func(o *inbox.Options) { o.Server.Host = "" }, "host"},
		{"bad port", func(o *inbox.Options) { o.Server.Port = 0 }, "port"},
		{"password without user", func(o *inbox.Options) { o.Server.Username = "" }, "username"},
		{"unknown auth", func(o *inbox.Options) { o.Server.Auth = "kerberos" }, "auth"},
		{"processed is the mailbox", func(o *inbox.Options) { o.Processed = "INBOX" }, "differ"},
		{"missing CA file", func(o *inbox.Options) {
			o.Server.Security = meeting.SecurityTLS
			o.Server.CAFile = "/nonexistent/ca.pem"
		}, "ca_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := inbox.Options{Server: base}
			tt.change(&o)
			_, err := inbox.NewWatcher(db, o, h)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("NewWatcher = %v, want error containing %q", err, tt.want)
			}
		})
	}
}

func TestXOAUTH2InitialResponse(t *testing.T) {
	mech, ir := inbox.XOAUTH2Initial("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg")
	want := "user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01"
	if mech != "XOAUTH2" || string(ir) != want {
		t.Errorf("Start() = %q, %q; want XOAUTH2, %q", mech, ir, want)
	}
}

// TestHappyPath processes 50 messages once each, moving them by disposition,
// with MOVE, with COPY + UID EXPUNGE (UIDPLUS), and with COPY + \Deleted only.
func TestHappyPath(t *testing.T) {
	tests := []struct {
		name string
		caps []imap.Cap
		// leftInInbox: without UIDPLUS the copies stay, marked \Deleted
		leftInInbox bool
	}{
		{"MOVE", []imap.Cap{imap.CapMove, imap.CapUIDPlus}, false},
		{"COPY+UIDPLUS", []imap.Cap{imap.CapUIDPlus}, false},
		{"COPY only", []imap.Cap{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := testmail.StartIMAP(t, &testmail.IMAPOptions{Caps: tt.caps})
			const n = 50
			for i := range n {
				srv.Append(t, "INBOX", testMessage(i, 2000))
			}
			before := srv.Mailboxes(t)
			db := openDB(t)
			rec := newRecorder()
			rec.review = func(m inbox.Fetched) bool { return strings.HasSuffix(m.MessageID, "0@test.example") }
			w, err := inbox.NewWatcher(db, serverOptions(t, srv.Addr, srv.Username, srv.Password), rec.handle)
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
			after := srv.Mailboxes(t)
			if _, ok := before["Processed"]; ok {
				t.Fatal("Processed existed before")
			}
			wantInbox := 0
			if tt.leftInInbox {
				wantInbox = n
			}
			if after["INBOX"] != wantInbox || after["Processed"] != 45 || after["Review"] != 5 {
				t.Errorf("mailboxes after = %v, want INBOX %d, Processed 45, Review 5", after, wantInbox)
			}
			if got, want := total(after), total(before)+wantInbox; got != want {
				t.Errorf("messages before %d, after %d: something was lost or deleted", total(before), got)
			}
			for _, m := range srv.Messages(t, "Processed") {
				if m.Seen() {
					t.Errorf("UID %d in Processed is \\Seen: fetching must not set it", m.UID)
				}
			}
			for _, m := range srv.Messages(t, "INBOX") {
				if !containsFlag(m.Flags, imap.FlagDeleted) {
					t.Errorf("UID %d left in INBOX without \\Deleted", m.UID)
				}
			}
			eff := effects(t, db)
			if len(eff) != n {
				t.Errorf("effects for %d messages, want %d", len(eff), n)
			}
			for id, c := range eff {
				if c != 1 {
					t.Errorf("%s applied %d times", id, c)
				}
			}
			// A second pass finds nothing to do.
			st, err = w.Once(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if st.Fetched+st.Moved+st.Duplicates != 0 {
				t.Errorf("second Once = %+v, want nothing done", st)
			}
			if got := srv.Mailboxes(t); got["Processed"] != 45 {
				t.Errorf("after second pass: %v", got)
			}
			h, err := db.InboxHealth(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if h.LastContact.IsZero() || h.LastMessage.IsZero() {
				t.Errorf("InboxHealth = %+v, want both times set", h)
			}
		})
	}
}

func containsFlag(fs []imap.Flag, f imap.Flag) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

// TestCrashBetweenCommitAndMove: the effects are committed, then the
// connection dies before the move. The next pass only moves the message.
func TestCrashBetweenCommitAndMove(t *testing.T) {
	srv := testmail.StartIMAP(t, nil)
	for i := range 3 {
		srv.Append(t, "INBOX", testMessage(i, 500))
	}
	db := openDB(t)
	rec := newRecorder()
	w, err := inbox.NewWatcher(db, serverOptions(t, srv.Addr, srv.Username, srv.Password), rec.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithCancel(t.Context())
	inbox.SetAfterCommit(w, cancel) // the process "dies" right after the commit
	if _, err := w.Once(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Once with a crash after commit = %v, want context.Canceled", err)
	}
	if got := srv.Mailboxes(t); got["INBOX"] != 3 || got["Processed"] != 0 {
		t.Fatalf("after the crash: %v, want all 3 still in INBOX", got)
	}
	inbox.SetAfterCommit(w, nil)
	st, err := w.Once(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Fetched != 0 || st.Moved != 3 {
		t.Errorf("Once after restart = %+v, want 3 moved, none fetched", st)
	}
	if got := srv.Mailboxes(t); got["INBOX"] != 0 || got["Processed"] != 3 {
		t.Errorf("after restart: %v, want 3 in Processed", got)
	}
	for i := range 3 {
		id := fmt.Sprintf("msg-%d@test.example", i)
		if c := rec.callCount(id); c != 1 {
			t.Errorf("handler called %d times for %s, want 1", c, id)
		}
	}
}

// TestHandlerFailures: a message whose handler fails is left in the mailbox
// with its effects rolled back; after MaxFailures it goes to review with the
// reason. The other messages of its chunk are applied.
func TestHandlerFailures(t *testing.T) {
	srv := testmail.StartIMAP(t, nil)
	for i := range 5 {
		srv.Append(t, "INBOX", testMessage(i, 500))
	}
	db := openDB(t)
	rec := newRecorder()
	const bad = "msg-2@test.example"
	rec.fail = func(m inbox.Fetched) error {
		if m.MessageID == bad {
			return errors.New("cannot parse the delegates table")
		}
		return nil
	}
	w, err := inbox.NewWatcher(db, serverOptions(t, srv.Addr, srv.Username, srv.Password), rec.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for try := 1; try <= 3; try++ {
		st, err := w.Once(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if st.Failed != 1 {
			t.Errorf("try %d: %+v, want 1 failed", try, st)
		}
		inInbox := len(srv.Messages(t, "INBOX"))
		if try < 3 && inInbox != 1 || try == 3 && inInbox != 0 {
			t.Errorf("try %d: %d messages in INBOX", try, inInbox)
		}
	}
	if got := srv.Mailboxes(t); got["Review"] != 1 || got["Processed"] != 4 {
		t.Errorf("mailboxes = %v, want Review 1, Processed 4", got)
	}
	if eff := effects(t, db); eff[bad] != 0 || len(eff) != 4 {
		t.Errorf("effects = %v: the failing message's effects must be rolled back", eff)
	}
	items, err := db.ReviewItems(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].MessageID != bad || !strings.Contains(items[0].Reason, "cannot parse the delegates table") {
		t.Errorf("review items = %+v, want one for %s with the reason", items, bad)
	}
	if st, err := w.Once(t.Context()); err != nil || st.Fetched != 0 {
		t.Errorf("Once after = %+v, %v; want nothing fetched", st, err)
	}
}

// TestUIDValidityChange: the mailbox is recreated with the same messages
// (new UIDVALIDITY, new UIDs): nothing is applied twice.
func TestUIDValidityChange(t *testing.T) {
	srv := testmail.StartIMAP(t, nil)
	const n = 10
	for i := range n {
		srv.Append(t, "INBOX", testMessage(i, 500))
	}
	db := openDB(t)
	rec := newRecorder()
	rec.review = func(m inbox.Fetched) bool { return m.MessageID == "msg-3@test.example" }
	w, err := inbox.NewWatcher(db, serverOptions(t, srv.Addr, srv.Username, srv.Password), rec.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	w.Close()
	srv.Recreate(t, "INBOX")
	for i := range n {
		srv.Append(t, "INBOX", testMessage(i, 500))
	}
	st, err := w.Once(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Duplicates != n || st.Processed+st.Review != 0 {
		t.Errorf("Once after the UIDVALIDITY change = %+v, want %d duplicates", st, n)
	}
	for id, c := range effects(t, db) {
		if c != 1 {
			t.Errorf("%s applied %d times", id, c)
		}
	}
	if got := srv.Mailboxes(t); got["INBOX"] != 0 || got["Processed"] != 2*(n-1) || got["Review"] != 2 {
		t.Errorf("mailboxes = %v, want the copies beside the first ones, by their first disposition", got)
	}
}

// TestTooLarge: a message over MaxSize is not fetched; it goes to review.
func TestTooLarge(t *testing.T) {
	srv := testmail.StartIMAP(t, nil)
	srv.Append(t, "INBOX", testMessage(1, 500))
	srv.Append(t, "INBOX", testMessage(2, 50000))
	db := openDB(t)
	rec := newRecorder()
	o := serverOptions(t, srv.Addr, srv.Username, srv.Password)
	o.MaxSize = 10000
	w, err := inbox.NewWatcher(db, o, rec.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	st, err := w.Once(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.TooLarge != 1 || st.Fetched != 1 || st.Review != 1 || st.Processed != 1 {
		t.Errorf("Once = %+v", st)
	}
	if rec.callCount("msg-2@test.example") != 0 {
		t.Error("handler called for the large message")
	}
	items, _ := db.ReviewItems(t.Context(), false)
	if len(items) != 1 || !strings.Contains(items[0].Reason, "larger than the limit") {
		t.Errorf("review items = %+v", items)
	}
	if got := srv.Mailboxes(t); got["Review"] != 1 || got["Processed"] != 1 {
		t.Errorf("mailboxes = %v", got)
	}
}

// TestReconnectAfterDropMidFetch cuts the connection in the middle of the
// body FETCH; Run reconnects and finishes, applying each message once.
func TestReconnectAfterDropMidFetch(t *testing.T) {
	srv := testmail.StartIMAP(t, nil)
	const n = 50
	for i := range n {
		srv.Append(t, "INBOX", testMessage(i, 20000))
	}
	proxy := testmail.StartProxy(t, srv.Addr)
	proxy.CutNextAfter(300 << 10) // about 15 messages into the FETCH
	db := openDB(t)
	rec := newRecorder()
	want := map[string]int{}
	for i := range n {
		want[fmt.Sprintf("msg-%d@test.example", i)] = len(testMessage(i, 20000))
	}
	rec.fail = func(m inbox.Fetched) error {
		if len(m.Raw) != want[m.MessageID] {
			t.Errorf("handler got %d bytes of %s, want %d: a truncated message was handled", len(m.Raw), m.MessageID, want[m.MessageID])
		}
		return nil
	}
	w, err := inbox.NewWatcher(db, serverOptions(t, proxy.Addr, srv.Username, srv.Password), rec.handle)
	if err != nil {
		t.Fatal(err)
	}
	moved := watchMoves(w)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	select {
	case <-proxy.Cuts():
	case <-time.After(30 * time.Second):
		t.Fatal("the proxy did not cut the connection")
	}
	waitMoved(t, moved, n, 30*time.Second)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	for id, c := range effects(t, db) {
		if c != 1 {
			t.Errorf("%s applied %d times", id, c)
		}
	}
	if got := srv.Mailboxes(t); got["INBOX"] != 0 || got["Processed"] != n {
		t.Errorf("mailboxes = %v", got)
	}
}

// TestIdle: a message appended while Run is in IDLE is processed promptly
// (Poll and IdleRestart are far longer than the deadline).
func TestIdle(t *testing.T) {
	srv := testmail.StartIMAP(t, nil)
	srv.Append(t, "INBOX", testMessage(1, 500))
	db := openDB(t)
	rec := newRecorder()
	o := serverOptions(t, srv.Addr, srv.Username, srv.Password)
	o.Poll, o.IdleRestart = time.Hour, time.Hour
	w, err := inbox.NewWatcher(db, o, rec.handle)
	if err != nil {
		t.Fatal(err)
	}
	moved := watchMoves(w)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	waitMoved(t, moved, 1, 30*time.Second)
	for i := 2; i <= 4; i++ {
		srv.Append(t, "INBOX", testMessage(i, 500))
		waitMoved(t, moved, 1, 30*time.Second)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if got := srv.Mailboxes(t); got["Processed"] != 4 {
		t.Errorf("mailboxes = %v", got)
	}
}

func TestXOAUTH2(t *testing.T) {
	srv := testmail.StartIMAP(t, &testmail.IMAPOptions{XOAUTH2: true})
	srv.Append(t, "INBOX", testMessage(1, 500))
	tests := []struct {
		name  string
		token string
		ok    bool
	}{
		{"valid token", srv.Password, true},
		{"expired token", "expired", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t)
			rec := newRecorder()
			o := serverOptions(t, srv.Addr, srv.Username, tt.token)
			o.Server.Auth = meeting.AuthXOAUTH2
			w, err := inbox.NewWatcher(db, o, rec.handle)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			_, err = w.Once(t.Context())
			if tt.ok && err != nil || !tt.ok && (err == nil || !strings.Contains(err.Error(), "XOAUTH2")) {
				t.Fatalf("Once = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), tt.token) {
				t.Errorf("error %q holds the token", err)
			}
		})
	}
}

var _ = store.InboxReview

// TestIdleRestart: IDLE is ended and the mailbox checked again every
// IdleRestart, even when the server says nothing; each check records contact.
func TestIdleRestart(t *testing.T) {
	srv := testmail.StartIMAP(t, nil)
	db := openDB(t)
	o := serverOptions(t, srv.Addr, srv.Username, srv.Password)
	o.Poll, o.IdleRestart = time.Hour, 20*time.Millisecond
	w, err := inbox.NewWatcher(db, o, newRecorder().handle)
	if err != nil {
		t.Fatal(err)
	}
	passes := make(chan struct{}, 100)
	inbox.SetAfterPass(w, func(inbox.Stats) {
		select {
		case passes <- struct{}{}:
		default:
		}
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	deadline := time.After(30 * time.Second)
	for i := 0; i < 4; i++ {
		select {
		case <-passes:
		case <-deadline:
			t.Fatalf("%d passes within 5s, want 4 (IDLE restarted every 20ms)", i)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	h, err := db.InboxHealth(t.Context())
	if err != nil || h.LastContact.IsZero() || !h.LastMessage.IsZero() {
		t.Errorf("InboxHealth = %+v, %v; want contact recorded and no message", h, err)
	}
}

// TestPollWithoutIdle: when the server does not offer IDLE, Run checks the
// mailbox every Poll.
func TestPollWithoutIdle(t *testing.T) {
	srv := testmail.StartIMAP(t, nil)
	proxy := testmail.StartProxy(t, srv.Addr)
	proxy.HideCaps("IDLE")
	db := openDB(t)
	rec := newRecorder()
	o := serverOptions(t, proxy.Addr, srv.Username, srv.Password)
	o.Poll, o.IdleRestart = 20*time.Millisecond, time.Hour
	w, err := inbox.NewWatcher(db, o, rec.handle)
	if err != nil {
		t.Fatal(err)
	}
	moved := watchMoves(w)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	for i := 1; i <= 3; i++ {
		srv.Append(t, "INBOX", testMessage(i, 500))
		waitMoved(t, moved, 1, 30*time.Second)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}

// Prepare runs on every message before the handler, and its result reaches it.
func TestPrepare(t *testing.T) {
	srv := testmail.StartIMAP(t, nil)
	const n = 30
	for i := range n {
		srv.Append(t, "INBOX", testMessage(i, 1000))
	}
	db := openDB(t)
	o := serverOptions(t, srv.Addr, srv.Username, srv.Password)
	o.Chunk = 7
	o.Prepare = func(f inbox.Fetched) any { return len(f.Raw) }
	var mismatched, handled int
	w, err := inbox.NewWatcher(db, o, func(ctx context.Context, tx *store.Tx, f inbox.Fetched) (inbox.Disposition, error) {
		handled++
		if f.Prepared != len(f.Raw) {
			mismatched++
		}
		return inbox.Processed, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	if handled != n || mismatched != 0 {
		t.Errorf("handled %d (want %d), %d without their prepared value", handled, n, mismatched)
	}
}
