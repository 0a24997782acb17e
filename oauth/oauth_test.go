package oauth_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"convene/internal/testmail"
	"convene/meeting"
	"convene/oauth"
)

const account = "registrations@example.org"

// clock is a test clock shared by the authorization server and the Source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// waits records the device flow's waits and advances the clock by them,
// without sleeping.
type waits struct {
	clk *clock
	mu  sync.Mutex
	got []time.Duration
}

func (w *waits) Wait(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.got = append(w.got, d)
	w.mu.Unlock()
	w.clk.Add(d)
	return ctx.Err()
}

type fixture struct {
	auth  *testmail.AuthServer
	clk   *clock
	waits *waits
	cfg   *meeting.OAuth2
	logs  *bytes.Buffer
	log   *slog.Logger
}

func newFixture(t *testing.T, ao testmail.AuthOptions) *fixture {
	t.Helper()
	f := &fixture{clk: newClock(), logs: &bytes.Buffer{}}
	f.waits = &waits{clk: f.clk}
	ao.Now = f.clk.Now
	f.auth = testmail.NewAuthServer(t, ao)
	f.cfg = &meeting.OAuth2{Provider: meeting.ProviderGeneric, TokenURL: f.auth.TokenURL, DeviceAuthURL: f.auth.DeviceURL,
		RevokeURL: f.auth.RevokeURL, ClientID: "convene-test", Flow: meeting.FlowDevice,
		Scopes: []string{"offline_access", "mail"}, Cache: filepath.Join(t.TempDir(), "convene.db.oauth2.json")}
	f.log = slog.New(slog.NewJSONHandler(&lockedWriter{w: f.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return f
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (f *fixture) source(t *testing.T, onState func(oauth.State)) *oauth.Source {
	t.Helper()
	s, err := oauth.New(f.cfg, account, oauth.Options{Now: f.clk.Now, Wait: f.waits.Wait, Logger: f.log, OnState: onState})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) login(t *testing.T, s *oauth.Source) string {
	t.Helper()
	var out bytes.Buffer
	if err := s.Login(t.Context(), &out); err != nil {
		t.Fatalf("Login: %v\n%s", err, out.String())
	}
	return out.String()
}

// noTokenIn fails if any token the server issued appears in text.
func (f *fixture) noTokenIn(t *testing.T, what, text string) {
	t.Helper()
	for _, tok := range f.auth.Issued() {
		if strings.Contains(text, tok) {
			t.Errorf("%s holds a token (%s…)", what, tok[:6])
		}
	}
}

func TestDeviceLoginPollsAsAsked(t *testing.T) {
	f := newFixture(t, testmail.AuthOptions{Interval: 2,
		DeviceAnswers: []string{"authorization_pending", "slow_down", "authorization_pending"}})
	s := f.source(t, nil)
	out := f.login(t, s)
	if !strings.Contains(out, f.auth.URL+"/activate") || !strings.Contains(out, "WDJB-MJHT") {
		t.Errorf("Login printed %q: want the verification address and the user code", out)
	}
	// 2 s, 2 s, then 7 s after slow_down (RFC 8628 §3.5), 7 s.
	want := []time.Duration{2 * time.Second, 2 * time.Second, 7 * time.Second, 7 * time.Second}
	if !slicesEqual(f.waits.got, want) {
		t.Errorf("waits = %v, want %v", f.waits.got, want)
	}
	if n := f.auth.Requests("urn:ietf:params:oauth:grant-type:device_code"); n != 4 {
		t.Errorf("%d device-code polls, want 4", n)
	}
	fi, err := os.Stat(f.cfg.Cache)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("cache mode %04o, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(f.cfg.Cache)
	if !strings.Contains(string(b), `"refresh_token": "rt-`) {
		t.Errorf("cache holds no refresh token:\n%s", b)
	}
	tok, err := s.Token(t.Context())
	if err != nil || !f.auth.Valid(account, tok) {
		t.Fatalf("Token after login = valid %v, %v", f.auth.Valid(account, tok), err)
	}
	if f.auth.Requests("refresh_token") != 0 {
		t.Error("the token from the sign-in was refreshed at once")
	}
	f.noTokenIn(t, "Login's output", out)
	f.noTokenIn(t, "the log", f.logs.String())
}

func slicesEqual(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDeviceLoginEnds(t *testing.T) {
	for _, tt := range []struct{ outcome, want string }{
		{"access_denied", "declined"},
		{"expired_token", "expired"},
		{"invalid_client", "invalid_client"},
	} {
		t.Run(tt.outcome, func(t *testing.T) {
			f := newFixture(t, testmail.AuthOptions{DeviceAnswers: []string{"authorization_pending"}, DeviceOutcome: tt.outcome})
			s := f.source(t, nil)
			err := s.Login(t.Context(), &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Login = %v, want an error saying %q", err, tt.want)
			}
			if _, err := os.Stat(f.cfg.Cache); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a failed sign-in left a cache file (%v)", err)
			}
			if _, err := s.Token(t.Context()); !oauth.IsSignIn(err) {
				t.Errorf("Token after a failed sign-in = %v, want a sign-in error", err)
			}
		})
	}
}

func TestLoginCancelled(t *testing.T) {
	f := newFixture(t, testmail.AuthOptions{DeviceAnswers: []string{"authorization_pending", "authorization_pending"}})
	ctx, cancel := context.WithCancel(t.Context())
	s, err := oauth.New(f.cfg, account, oauth.Options{Now: f.clk.Now, Wait: func(ctx context.Context, d time.Duration) error {
		cancel()
		return ctx.Err()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Login(ctx, &bytes.Buffer{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Login = %v, want context.Canceled", err)
	}
}

func TestRefreshAheadOfExpiry(t *testing.T) {
	f := newFixture(t, testmail.AuthOptions{Lifetime: time.Hour})
	s := f.source(t, nil)
	f.login(t, s)
	rt0 := refreshTokenIn(t, f.cfg.Cache)
	t1, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	f.clk.Add(time.Hour - oauth.DefaultMargin - time.Second)
	if t2, _ := s.Token(t.Context()); t2 != t1 || f.auth.Requests("refresh_token") != 0 {
		t.Fatalf("outside the margin: a new token (%v) or a refresh (%d)", t2 != t1, f.auth.Requests("refresh_token"))
	}
	f.clk.Add(2 * time.Second) // within 5 minutes of expiry: still valid, refreshed ahead
	if !f.auth.Valid(account, t1) {
		t.Fatal("test setup: t1 should still be valid")
	}
	t3, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if t3 == t1 || !f.auth.Valid(account, t3) || f.auth.Requests("refresh_token") != 1 {
		t.Fatalf("within the margin: new token %v, valid %v, refreshes %d; want a new valid token from one refresh",
			t3 != t1, f.auth.Valid(account, t3), f.auth.Requests("refresh_token"))
	}
	rt1 := refreshTokenIn(t, f.cfg.Cache)
	if rt1 == rt0 || rt1 == "" {
		t.Error("the rotated refresh token was not stored")
	}
	// Concurrent callers share the token: no further refresh.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if tok, err := s.Token(t.Context()); err != nil || tok != t3 {
				t.Errorf("concurrent Token = %v", err)
			}
		})
	}
	wg.Wait()
	if n := f.auth.Requests("refresh_token"); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	f.noTokenIn(t, "the log", f.logs.String())
}

func refreshTokenIn(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, after, _ := strings.Cut(string(b), `"refresh_token": "`)
	tok, _, _ := strings.Cut(after, `"`)
	return tok
}

func TestRefusedTokenIsRefreshedOnce(t *testing.T) {
	f := newFixture(t, testmail.AuthOptions{})
	s := f.source(t, nil)
	f.login(t, s)
	t1, _ := s.Token(t.Context())
	s.Refused("at-not-the-current-one")
	if t2, _ := s.Token(t.Context()); t2 != t1 {
		t.Fatal("refusing another token replaced the current one")
	}
	s.Refused(t1)
	t2, err := s.Token(t.Context())
	if err != nil || t2 == t1 || f.auth.Requests("refresh_token") != 1 {
		t.Fatalf("after Refused: new %v, %v, %d refreshes", t2 != t1, err, f.auth.Requests("refresh_token"))
	}
	s.Refused(t1) // a late report about the old token changes nothing
	if t3, _ := s.Token(t.Context()); t3 != t2 || f.auth.Requests("refresh_token") != 1 {
		t.Fatal("a late refusal of the old token caused another refresh")
	}
}

func TestRevokedThenSignedInAgain(t *testing.T) {
	f := newFixture(t, testmail.AuthOptions{})
	var mu sync.Mutex
	var states []oauth.State
	daemon := f.source(t, func(st oauth.State) { mu.Lock(); states = append(states, st); mu.Unlock() })
	f.login(t, daemon)
	t1, err := daemon.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	f.auth.RevokeUser(account)
	daemon.Refused(t1) // the mail server refuses the revoked token
	_, err = daemon.Token(t.Context())
	var se *oauth.SignInError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "invalid_grant") || !strings.Contains(err.Error(), "convene auth login") {
		t.Fatalf("Token after revocation = %v, want a SignInError naming invalid_grant and convene auth login", err)
	}
	if st := daemon.State(); st.OK || st.Problem == "" {
		t.Errorf("State = %+v, want failing with a problem", st)
	}
	// Still failing: no new refresh tokens appear, the state is said once.
	daemon.Token(t.Context())

	// Someone runs convene auth login: another process, the same cache file.
	cli := f.source(t, nil)
	f.login(t, cli)
	f.clk.Add(time.Second)
	tok, err := daemon.Token(t.Context())
	if err != nil || !f.auth.Valid(account, tok) {
		t.Fatalf("the daemon after a new sign-in: valid %v, %v", f.auth.Valid(account, tok), err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(states) != 3 || !states[0].OK || states[1].OK || !states[2].OK {
		t.Errorf("states = %+v, want ok, failing, ok", states)
	}
	f.noTokenIn(t, "the log", f.logs.String())
	for _, st := range states {
		f.noTokenIn(t, "a state", st.Problem)
	}
}

func TestRefreshFailureKeepsAGoodToken(t *testing.T) {
	f := newFixture(t, testmail.AuthOptions{})
	s := f.source(t, nil)
	f.login(t, s)
	t1, _ := s.Token(t.Context())
	f.clk.Add(time.Hour - time.Minute) // inside the margin, not expired
	f.cfg.TokenURL = "http://127.0.0.1:1/token"
	t2, err := s.Token(t.Context())
	if err != nil || t2 != t1 {
		t.Fatalf("refresh failing while the token is good: %v (same %v); want the current token", err, t2 == t1)
	}
	if st := s.Status(t.Context()); st.RefreshOK || !strings.Contains(st.RefreshErr, "refresh") {
		t.Errorf("Status with the server unreachable = %+v, want the refresh failing", st)
	}
	f.clk.Add(2 * time.Minute) // expired now
	if _, err := s.Token(t.Context()); err == nil || oauth.IsSignIn(err) {
		t.Fatalf("unreachable server with an expired token = %v; want an error that is not a sign-in error", err)
	}
}

func TestClientCredentials(t *testing.T) {
	f := newFixture(t, testmail.AuthOptions{ClientSecret: "s3cr3t-value"})
	t.Setenv("CONVENE_TEST_CLIENT_SECRET", "s3cr3t-value")
	f.cfg.Flow = meeting.FlowApp
	f.cfg.ClientSecret = meeting.Secret{Env: "CONVENE_TEST_CLIENT_SECRET"}
	f.cfg.Scopes = []string{"https://outlook.office365.com/.default"}
	s := f.source(t, nil)
	tok, err := s.Token(t.Context())
	if err != nil || !f.auth.Valid(account, tok) {
		t.Fatalf("client credentials: valid %v, %v", f.auth.Valid(account, tok), err)
	}
	if got := f.auth.ScopeOf(tok); got != "https://outlook.office365.com/.default" {
		t.Errorf("scope %q", got)
	}
	if _, err := os.Stat(f.cfg.Cache); !errors.Is(err, os.ErrNotExist) {
		t.Error("flow app wrote a token cache")
	}
	f.clk.Add(56 * time.Minute)
	if tok2, _ := s.Token(t.Context()); tok2 == tok || f.auth.Requests("client_credentials") != 2 {
		t.Error("no new client-credentials token ahead of expiry")
	}
	if err := s.Login(t.Context(), &bytes.Buffer{}); err == nil {
		t.Error("Login with flow app: want an error")
	}
	t.Setenv("CONVENE_TEST_CLIENT_SECRET", "wrong")
	f.clk.Add(time.Hour)
	_, err = s.Token(t.Context())
	if !oauth.IsSignIn(err) || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("wrong client secret = %v, want a sign-in error naming invalid_client", err)
	}
	if strings.Contains(err.Error(), "wrong") || strings.Contains(f.logs.String(), "s3cr3t") {
		t.Error("the client secret leaked into an error or the log")
	}
	for _, req := range f.auth.TokenRequests() {
		if !strings.Contains(req, "grant_type=client_credentials") {
			t.Errorf("unexpected token request %q", req)
		}
	}
}

func TestCacheReadableByOthersIsRefused(t *testing.T) {
	f := newFixture(t, testmail.AuthOptions{})
	s := f.source(t, nil)
	f.login(t, s)
	if err := os.Chmod(f.cfg.Cache, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := oauth.New(f.cfg, account, oauth.Options{}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("New with a 0644 cache = %v, want an error saying chmod 600", err)
	}
}

func TestCacheForAnotherAccountIsIgnored(t *testing.T) {
	f := newFixture(t, testmail.AuthOptions{})
	f.login(t, f.source(t, nil))
	s, err := oauth.New(f.cfg, "someone-else@example.org", oauth.Options{Now: f.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Token(t.Context()); !oauth.IsSignIn(err) {
		t.Fatalf("Token for another account = %v, want a sign-in error", err)
	}
}

func TestStatus(t *testing.T) {
	f := newFixture(t, testmail.AuthOptions{})
	s := f.source(t, nil)
	if st := s.Status(t.Context()); st.RefreshOK || st.HasRefreshToken || !strings.Contains(st.RefreshErr, "no one has signed in") {
		t.Errorf("Status before sign-in = %+v", st)
	}
	f.login(t, s)
	f.clk.Add(10 * time.Minute)
	st := s.Status(t.Context())
	if !st.RefreshOK || !st.HasRefreshToken || st.Account != account || st.Scopes != "offline_access mail" ||
		!st.Expiry.Equal(f.clk.Now().Add(time.Hour)) || st.SignedInAt.IsZero() {
		t.Errorf("Status = %+v", st)
	}
	f.auth.RevokeUser(account)
	if st := s.Status(t.Context()); st.RefreshOK || !strings.Contains(st.RefreshErr, "invalid_grant") {
		t.Errorf("Status after revocation = %+v", st)
	}
}

// beforeTransport runs before, once, then forwards the request.
type beforeTransport struct {
	once   sync.Once
	before func()
}

func (b *beforeTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	b.once.Do(b.before)
	return http.DefaultTransport.RoundTrip(r)
}

// TestRotationByAnotherProcess: while the daemon refreshes, convene auth
// status (another process) rotates the refresh token first; the daemon's
// refresh is refused, it reads the new token from the file and goes on.
func TestRotationByAnotherProcess(t *testing.T) {
	f := newFixture(t, testmail.AuthOptions{})
	f.login(t, f.source(t, nil))
	cli := f.source(t, nil)
	bt := &beforeTransport{before: func() {
		if st := cli.Status(context.Background()); !st.RefreshOK {
			t.Errorf("the other process's refresh: %s", st.RefreshErr)
		}
	}}
	daemon, err := oauth.New(f.cfg, account, oauth.Options{Now: f.clk.Now, Logger: f.log, HTTPClient: &http.Client{Transport: bt}})
	if err != nil {
		t.Fatal(err)
	}
	f.clk.Add(2 * time.Hour)
	tok, err := daemon.Token(t.Context())
	if err != nil || !f.auth.Valid(account, tok) {
		t.Fatalf("Token after a concurrent rotation = valid %v, %v", f.auth.Valid(account, tok), err)
	}
	if n := f.auth.Requests("refresh_token"); n != 2 {
		t.Errorf("%d refreshes, want 2 (the other process's, the refused one; then the other's access token is used)", n)
	}
}
