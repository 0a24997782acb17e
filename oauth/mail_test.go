package oauth_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"convene/inbox"
	"convene/internal/testmail"
	"convene/mailer"
	"convene/meeting"
	"convene/oauth"
	"convene/store"
)

func openStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "convene.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func messages(n int) []mailer.Outgoing {
	out := make([]mailer.Outgoing, n)
	for i := range out {
		addr := fmt.Sprintf("rcpt%d@d%d.example", i, i%3)
		out[i] = mailer.Outgoing{Key: addr, Message: mailer.Message{
			From:    mailer.Address{Name: "ISU", Email: "isu@isu.example"},
			To:      []mailer.Address{{Email: addr}},
			Subject: fmt.Sprintf("Invitation %d", i), Text: "You are invited.\r\n",
			Date: time.Date(2026, 4, 15, 9, 0, 0, 0, time.UTC),
		}}
	}
	return out
}

func hostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return h, n
}

// TestTokenExpiresDuringASend: the token expires in the middle of a batch.
// The next connection refreshes it ahead of its use; later the server
// refuses a token the Source still believes good (the server's clock runs
// ahead), and the connection is retried once with a refreshed token.
// Every message is delivered exactly once.
func TestTokenExpiresDuringASend(t *testing.T) {
	var skewMu sync.Mutex
	var skew time.Duration
	f := newFixture(t, testmail.AuthOptions{Lifetime: time.Hour})
	srvNow := func() time.Time { skewMu.Lock(); defer skewMu.Unlock(); return f.clk.Now().Add(skew) }
	// the server's clock: re-create the server with it
	f.auth = testmail.NewAuthServer(t, testmail.AuthOptions{Lifetime: time.Hour, Now: srvNow})
	f.cfg.TokenURL, f.cfg.DeviceAuthURL = f.auth.TokenURL, f.auth.DeviceURL
	src := f.source(t, nil)
	f.login(t, src)

	const n = 40
	srv := testmail.NewSMTP(t, testmail.Options{RequireAuth: true, CheckToken: f.auth.Valid,
		Faults: map[string]testmail.Fault{
			"rcpt15@d0.example": {Code: 421, Times: 1},
			"rcpt30@d0.example": {Code: 421, Times: 1},
		}})
	db := openStore(t)
	var advanced [2]bool
	s, err := mailer.New(db, mailer.Options{
		Server: meeting.Server{Host: srv.Host, Port: srv.Port, Security: meeting.SecurityNone, Username: account,
			Auth: meeting.AuthOAuth2, Secret: meeting.Secret{Source: src}},
		Concurrency: 1, Timeout: 10 * time.Second, RetryDelay: time.Millisecond, MaxRetryDelay: time.Millisecond,
		Now: f.clk.Now, Logger: f.log,
		Progress: func(p mailer.Progress) {
			switch {
			case p.Sent >= 10 && !advanced[0]:
				advanced[0] = true
				f.clk.Add(2 * time.Hour) // the token expires for both
			case p.Sent >= 25 && !advanced[1]:
				advanced[1] = true
				skewMu.Lock()
				skew = 2 * time.Hour // only the server sees it expired
				skewMu.Unlock()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(t.Context(), mailer.Batch{ID: "invite"}, messages(n)); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Drain(t.Context(), "invite")
	if err != nil || rep.Sent != n {
		t.Fatalf("Drain = %+v, %v; want %d sent", rep, err, n)
	}
	ids := map[string]int{}
	for _, m := range srv.Messages() {
		ids[m.MessageID]++
	}
	if len(ids) != n || srv.Count() != n {
		t.Errorf("server got %d messages, %d distinct; want %d once each", srv.Count(), len(ids), n)
	}
	if got := f.auth.Requests("refresh_token"); got != 2 {
		t.Errorf("%d refreshes, want 2 (one ahead of expiry, one after a refusal)", got)
	}
	if got := srv.AuthFailures(); got != 1 {
		t.Errorf("%d refused AUTHs, want 1", got)
	}
	f.noTokenIn(t, "the log", f.logs.String())
}

// TestRevokedTokenKeepsTheOutbox: with the sign-in revoked, Drain stops on
// a sign-in error and every message stays queued; after a new sign-in the
// same Sender sends them all.
func TestRevokedTokenKeepsTheOutbox(t *testing.T) {
	f := newFixture(t, testmail.AuthOptions{})
	var states []oauth.State
	src := f.source(t, func(st oauth.State) { states = append(states, st) })
	f.login(t, src)
	srv := testmail.NewSMTP(t, testmail.Options{RequireAuth: true, CheckToken: f.auth.Valid})
	db := openStore(t)
	s, err := mailer.New(db, mailer.Options{
		Server: meeting.Server{Host: srv.Host, Port: srv.Port, Security: meeting.SecurityNone, Username: account,
			Auth: meeting.AuthOAuth2, Secret: meeting.Secret{Source: src}},
		Concurrency: 2, Timeout: 10 * time.Second, Now: f.clk.Now, Logger: f.log,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(t.Context(), mailer.Batch{ID: "invite"}, messages(5)); err != nil {
		t.Fatal(err)
	}
	f.auth.RevokeUser(account)
	rep, err := s.Drain(t.Context(), "invite")
	if !oauth.IsSignIn(err) {
		t.Fatalf("Drain after revocation = %+v, %v; want a sign-in error", rep, err)
	}
	if srv.Count() != 0 || rep.Pending != 5 || rep.Failed != 0 {
		t.Fatalf("after revocation: %d delivered, report %+v; want 0 delivered, 5 pending, none failed", srv.Count(), rep)
	}
	if len(states) == 0 || states[len(states)-1].OK {
		t.Errorf("states %+v: want the last one failing", states)
	}
	f.login(t, f.source(t, nil)) // convene auth login, another process
	rep, err = s.Drain(t.Context(), "invite")
	if err != nil || rep.Sent != 5 || srv.Count() != 5 {
		t.Fatalf("after a new sign-in: %+v, %v, %d delivered", rep, err, srv.Count())
	}
	if !states[len(states)-1].OK {
		t.Error("the state did not come back to ok")
	}
	f.noTokenIn(t, "the log", f.logs.String())
}

// TestIMAPWithTokens reads the inbox with a token the IMAP server checks
// against the authorization server; a refused token is refreshed once; a
// revoked sign-in is a sign-in error.
func TestIMAPWithTokens(t *testing.T) {
	f := newFixture(t, testmail.AuthOptions{})
	src := f.source(t, nil)
	f.login(t, src)
	imap := testmail.StartIMAP(t, &testmail.IMAPOptions{CheckToken: f.auth.Valid})
	imap.Append(t, "INBOX", []byte("Message-ID: <a@x.example>\r\nFrom: m@x.example\r\nSubject: hi\r\n\r\nhello\r\n"))
	host, port := hostPort(t, imap.Addr)
	var handled int
	w, err := inbox.NewWatcher(openStore(t), inbox.Options{
		Server: meeting.Server{Host: host, Port: port, Security: meeting.SecurityNone, Username: imap.Username,
			Auth: meeting.AuthOAuth2, Secret: meeting.Secret{Source: src}},
		Logger: f.log, Now: f.clk.Now,
	}, func(ctx context.Context, tx *store.Tx, m inbox.Fetched) (inbox.Disposition, error) {
		handled++
		return inbox.Processed, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Once(t.Context()); err != nil || handled != 1 {
		t.Fatalf("Once = %v, handled %d", err, handled)
	}
	w.Close()

	f.auth.RevokeUser(account)
	_, err = w.Once(t.Context())
	if !oauth.IsSignIn(err) || !strings.Contains(err.Error(), "convene auth login") {
		t.Fatalf("Once after revocation = %v, want a sign-in error", err)
	}
	if f.auth.Requests("refresh_token") != 1 {
		t.Errorf("%d refreshes, want 1 (after the refused AUTHENTICATE)", f.auth.Requests("refresh_token"))
	}
	f.noTokenIn(t, "the log", f.logs.String())
}

// TestOAUTHBEARERServers: the test IMAP server takes OAUTHBEARER (RFC 7628)
// as well as XOAUTH2, and only with a current token.
func TestOAUTHBEARERServers(t *testing.T) {
	f := newFixture(t, testmail.AuthOptions{})
	src := f.source(t, nil)
	f.login(t, src)
	tok, err := src.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	srv := testmail.StartIMAP(t, &testmail.IMAPOptions{CheckToken: f.auth.Valid})
	for _, tt := range []struct {
		token string
		ok    bool
	}{{tok, true}, {"at-forged", false}} {
		c, err := imapclient.DialInsecure(srv.Addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Authenticate(sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: srv.Username, Token: tt.token}))
		if (err == nil) != tt.ok {
			t.Errorf("OAUTHBEARER with a %v token: %v", map[bool]string{true: "current", false: "forged"}[tt.ok], err)
		}
		c.Close()
	}
	c, err := imapclient.DialInsecure(srv.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(srv.Username, srv.Password).Wait(); err == nil {
		t.Error("LOGIN with the password accepted by a token-only server")
	}
}
