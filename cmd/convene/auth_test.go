package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"convene/internal/testmail"
	"convene/mailer"
	"convene/schedule"
	"convene/secretariat"
)

const oauthUser = "registrations@example.org"

type oauthEnv struct {
	auth *testmail.AuthServer
	smtp *testmail.SMTP
	imap *testmail.IMAPServer
	cfg  string
}

// newOAuthEnv starts an authorization server and SMTP and IMAP servers
// that accept only its current tokens, and writes the example meeting with
// auth oauth2 against them. The device sign-in does not wait.
func newOAuthEnv(t *testing.T) *oauthEnv {
	t.Helper()
	e := &oauthEnv{auth: testmail.NewAuthServer(t, testmail.AuthOptions{Account: oauthUser, DeviceAnswers: []string{"authorization_pending"}})}
	e.smtp = testmail.NewSMTP(t, testmail.Options{RequireAuth: true, CheckToken: e.auth.Valid})
	e.imap = testmail.StartIMAP(t, &testmail.IMAPOptions{CheckToken: e.auth.Valid})
	ih, ip, _ := strings.Cut(e.imap.Addr, ":")
	e.cfg = exampleConfig(t, fmt.Sprintf(`smtp:
  host: %s
  port: %d
  security: none
  username: %s
  auth: oauth2
imap:
  host: %s
  port: %s
  security: none
  username: %s
  auth: oauth2
oauth2:
  provider: issuer
  token_url: %s
  device_authorization_url: %s
  revocation_url: %s
  client_id: convene-test
  scopes: [offline_access, mail]
`, e.smtp.Host, e.smtp.Port, oauthUser, ih, ip, oauthUser, e.auth.TokenURL, e.auth.DeviceURL, e.auth.RevokeURL))
	old := deviceWait
	deviceWait = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	t.Cleanup(func() { deviceWait = old })
	return e
}

func (e *oauthEnv) noToken(t *testing.T, what, text string) {
	t.Helper()
	for _, tok := range e.auth.Issued() {
		if strings.Contains(text, tok) {
			t.Errorf("%s shows a token", what)
		}
	}
}

func TestAuthLoginStatusCheckLogout(t *testing.T) {
	e := newOAuthEnv(t)
	code, out, _ := runIn(t, "", "auth", "status", "-c", e.cfg)
	if code != 1 || !strings.Contains(out, "refresh:    FAILS") || !strings.Contains(out, "no one has signed in") {
		t.Fatalf("status before login: exit %d\n%s", code, out)
	}
	code, out, _ = runIn(t, "", "check", "--connect", "-c", e.cfg)
	if code != 1 || !strings.Contains(out, "FAIL  oauth2 token") || !strings.Contains(out, "FAIL  SMTP") {
		t.Fatalf("check --connect before login: exit %d\n%s", code, out)
	}

	code, out, errb := runIn(t, "", "auth", "login", "-c", e.cfg)
	if code != 0 || !strings.Contains(out, "enter the code WDJB-MJHT") || !strings.Contains(out, "Signed in.") ||
		!strings.Contains(out, "account:    "+oauthUser) || !strings.Contains(out, "refresh:    works") {
		t.Fatalf("auth login: exit %d\n%s\n%s", code, out, errb)
	}
	e.noToken(t, "auth login", out+errb)
	m, _ := loadExample(t, e.cfg)
	fi, err := os.Stat(m.OAuth2.Cache)
	if err != nil || fi.Mode().Perm() != 0o600 || m.OAuth2.Cache != m.Store+".oauth2.json" {
		t.Fatalf("token file %s: %v, %v", m.OAuth2.Cache, fi, err)
	}

	code, out, errb = runIn(t, "", "check", "--connect", "-c", e.cfg)
	for _, want := range []string{"ok    oauth2 token: issuer (flow device) for " + oauthUser + "; scopes offline_access mail",
		"ok    SMTP login as", "ok    IMAP connect to " + e.imap.Addr, "ok    IMAP login as", "ok    IMAP mailbox INBOX", "note  IMAP processed folder Processed"} {
		if !strings.Contains(out, want) {
			t.Errorf("check --connect: no %q in\n%s", want, out)
		}
	}
	if code != 0 {
		t.Fatalf("check --connect after login: exit %d\n%s\n%s", code, out, errb)
	}
	e.noToken(t, "check --connect", out+errb)
	if e.smtp.Count() != 0 {
		t.Error("check --connect sent a message")
	}

	code, out, _ = runIn(t, "", "auth", "logout", "-c", e.cfg)
	if code != 0 || !strings.Contains(out, "revoked") || e.auth.Requests("revoke") != 1 {
		t.Fatalf("auth logout: exit %d, %d revocations\n%s", code, e.auth.Requests("revoke"), out)
	}
	if _, err := os.Stat(m.OAuth2.Cache); !os.IsNotExist(err) {
		t.Error("logout left the token file")
	}
	if code, _, _ := runIn(t, "", "auth", "bogus", "-c", e.cfg); code != 2 {
		t.Errorf("auth bogus: exit %d, want 2", code)
	}
}

// TestDaemonSignInRevoked: the sign-in is revoked while the daemon runs.
// The outbox stops with every message kept, the dashboard and the digest
// say why; after convene auth login the daemon sends them by itself.
func TestDaemonSignInRevoked(t *testing.T) {
	e := newOAuthEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if code, out, errb := runIn(t, "", "auth", "login", "-c", e.cfg); code != 0 {
		t.Fatalf("auth login: %s %s", out, errb)
	}
	e.auth.RevokeUser(oauthUser)

	m, cs := loadExample(t, e.cfg)
	var logs bytes.Buffer
	lw := &syncWriter{w: &logs}
	clock := schedule.NewManualClock(time.Date(2020, 6, 1, 8, 0, 0, 0, time.UTC))
	d, err := openDaemon(ctx, slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelDebug})), m, cs, daemonOptions{clock: clock})
	if err != nil {
		t.Fatalf("openDaemon with a revoked sign-in: %v", err)
	}
	defer d.close()
	msgs := []mailer.Outgoing{}
	for i := range 3 {
		msgs = append(msgs, mailer.Outgoing{Key: fmt.Sprint(i), Message: mailer.Message{
			From: mailer.Address{Email: "isu@isu.example"}, To: []mailer.Address{{Email: fmt.Sprintf("m%d@x.example", i)}},
			Subject: "Invitation", Text: "Hello\r\n", Date: clock.Now()}})
	}
	if _, err := d.sender.Enqueue(ctx, mailer.Batch{ID: "invite"}, msgs); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.runSender(ctx) }()

	// Wait until the outbox has stopped and waits for the next try.
	for {
		n, _, changed := clock.Waiting()
		if _, failing, _ := d.db.SignInFailing(ctx); failing && n > 0 {
			break
		}
		select {
		case <-changed:
		case err := <-done:
			t.Fatalf("runSender returned %v", err)
		case <-time.After(time.Minute): // bounds the wait only
			t.Fatal("the outbox did not pause")
		}
	}
	if pending, _, _ := d.db.OutboxPending(ctx, "invite"); pending != 3 || e.smtp.Count() != 0 {
		t.Fatalf("paused outbox: %d pending, %d delivered; want 3 and 0", pending, e.smtp.Count())
	}
	h, err := secretariat.NewDashboard(d.svc, nil).Health(ctx)
	if err != nil || !strings.Contains(h.SignIn, "invalid_grant") {
		t.Errorf("dashboard health = %+v, %v; want the sign-in problem", h, err)
	}

	if code, out, errb := runIn(t, "", "auth", "login", "-c", e.cfg); code != 0 {
		t.Fatalf("auth login again: %s %s", out, errb)
	}
	clock.Advance(signInRetry)
	if err := e.smtp.WaitFor(ctx, 3, 10*time.Second); err != nil {
		t.Fatalf("after a new sign-in: %v (%d delivered)", err, e.smtp.Count())
	}
	if _, failing, _ := d.db.SignInFailing(ctx); failing {
		t.Error("the sign-in still shows as failing")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("runSender = %v", err)
	}
	e.noToken(t, "the daemon's log", logs.String())
	if !strings.Contains(logs.String(), "outbox paused") {
		t.Errorf("the log does not say the outbox paused:\n%s", logs.String())
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// TestDaemonNoticesRevocationWhenIdle: with nothing to send, the daemon
// still asks for a token every few minutes, so a revoked sign-in shows on
// the dashboard once the token needs refreshing.
func TestDaemonNoticesRevocationWhenIdle(t *testing.T) {
	e := newOAuthEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if code, out, errb := runIn(t, "", "auth", "login", "-c", e.cfg); code != 0 {
		t.Fatalf("auth login: %s %s", out, errb)
	}
	m, cs := loadExample(t, e.cfg)
	clock := schedule.NewManualClock(time.Now()) // the login's token expires an hour from now
	d, err := openDaemon(ctx, slog.New(slog.DiscardHandler), m, cs, daemonOptions{clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	done := make(chan struct{})
	go func() { d.keepSignedIn(ctx); close(done) }()
	e.auth.RevokeUser(oauthUser)
	for i := 0; ; i++ {
		n, _, changed := clock.Waiting()
		if _, failing, _ := d.db.SignInFailing(ctx); failing {
			break
		}
		if n > 0 && i < 20 {
			clock.Advance(signInCheck)
		}
		select {
		case <-changed:
		case <-time.After(time.Minute): // bounds the wait only
			t.Fatal("the revoked sign-in was not noticed")
		}
	}
	if r := e.auth.Requests("refresh_token"); r < 1 {
		t.Errorf("%d refreshes", r)
	}
	cancel()
	<-done
}
