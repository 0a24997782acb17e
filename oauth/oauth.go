// Package oauth signs convene in to Microsoft 365, Google Workspace or any
// OAuth 2.0 server for SMTP and IMAP (auth: oauth2), with
// golang.org/x/oauth2: the device authorization grant (RFC 8628) for a
// person signing in as the shared mailbox, refresh tokens, and app-only
// client credentials (Microsoft).
//
// A Source gives the access token to the mail clients. It refreshes the
// token ahead of its expiry, and once more when a server refuses it
// (Refused). Tokens are kept in a cache file created 0600 next to the
// store, shared by the daemon and `convene auth login`: a daemon whose
// refresh token was revoked picks up the new sign-in from the file by
// itself. Tokens are never logged, nor put in an error.
package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"convene/meeting"
)

// DefaultMargin is how long before its expiry a token is refreshed.
const DefaultMargin = 5 * time.Minute

// Options configure a Source. Zero fields take the defaults noted.
type Options struct {
	Now func() time.Time // default time.Now
	// Wait waits d between two polls of the device flow, or until ctx
	// ends; default a timer.
	Wait       func(ctx context.Context, d time.Duration) error
	HTTPClient *http.Client // default: a client with a 30 s timeout
	Logger     *slog.Logger // default: discard
	Margin     time.Duration
	// OnState is called when the sign-in state changes (OK to failing
	// and back), outside the Source's lock, one call at a time, in order.
	OnState func(State)
}

// State is whether convene can obtain a token.
type State struct {
	OK      bool
	Problem string    // "" when OK: what is wrong and what to do
	Since   time.Time // when it became so
}

// SignInError says that a person must sign in again (`convene auth login`):
// there is no refresh token, or the server refused it (revoked, expired,
// or the password changed).
type SignInError struct {
	Reason string
	Err    error // the server's answer, if any
	App    bool  // flow app: the app registration or its secret is refused
}

func (e *SignInError) Error() string {
	if e.App {
		return "oauth2: the identity provider refuses convene's app: " + e.Reason + "; check oauth2.client_id, oauth2.client_secret and the app's permissions"
	}
	return "oauth2: sign-in needed: " + e.Reason + "; run: convene auth login -c meeting.yaml"
}
func (e *SignInError) Unwrap() error { return e.Err }

// IsSignIn reports whether err (from Token, or wrapped by a mail client)
// asks for a new sign-in.
func IsSignIn(err error) bool {
	var se *SignInError
	return errors.As(err, &se)
}

// cache is the token file's content.
type cache struct {
	Provider     string    `json:"provider"`
	ClientID     string    `json:"client_id"`
	Account      string    `json:"account"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	AccessToken  string    `json:"access_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	Scopes       string    `json:"scope,omitempty"` // as granted
	SignedInAt   time.Time `json:"signed_in_at,omitzero"`
	RefreshedAt  time.Time `json:"refreshed_at,omitzero"`
}

// Source gives the access token for one account. Its methods are safe for
// concurrent use; concurrent callers share one refresh.
type Source struct {
	cfg     *meeting.OAuth2
	account string
	opts    Options
	log     *slog.Logger

	mu    sync.Mutex
	seq   uint64 // state changes so far
	c     cache
	stamp fileStamp // of the cache file when last read or written
	stale bool      // a server refused c.AccessToken
	state State

	notifyMu  sync.Mutex // OnState is called with it held, in order
	delivered uint64     // the last state change given to OnState
}

var _ meeting.TokenSource = (*Source)(nil)

// fileStamp tells a cache file from the next: each save renames a new
// file into place, so its inode changes even when the clock's grain
// hides the modification.
type fileStamp struct {
	mod  time.Time
	size int64
	ino  uint64
	ok   bool
}

func stampOf(fi fs.FileInfo) fileStamp {
	st := fileStamp{mod: fi.ModTime(), size: fi.Size(), ok: true}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.ino = uint64(sys.Ino)
	}
	return st
}

// New returns a Source for cfg, signing in as account (the mailbox). It
// reads the cache file if there is one; no network I/O.
func New(cfg *meeting.OAuth2, account string, opts Options) (*Source, error) {
	if !cfg.Configured() {
		return nil, errors.New("oauth2: no oauth2 block")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Wait == nil {
		opts.Wait = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				return nil
			}
		}
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Margin == 0 {
		opts.Margin = DefaultMargin
	}
	s := &Source{cfg: cfg, account: account, opts: opts, log: opts.Logger.With("component", "oauth2", "account", account)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Cache returns the path of the token file.
func (s *Source) Cache() string { return s.cfg.Cache }

// ctx carries the HTTP client to x/oauth2.
func (s *Source) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, s.opts.HTTPClient)
}

func (s *Source) clientSecret(ctx context.Context) (string, error) {
	if s.cfg.ClientSecret.IsZero() {
		return "", nil
	}
	v, err := s.cfg.ClientSecret.Resolve(ctx)
	if err != nil {
		return "", fmt.Errorf("oauth2.client_secret: %w", err)
	}
	return v, nil
}

func (s *Source) config(secret string) *oauth2.Config {
	return &oauth2.Config{ClientID: s.cfg.ClientID, ClientSecret: secret, Scopes: s.cfg.Scopes,
		Endpoint: oauth2.Endpoint{TokenURL: s.cfg.TokenURL, DeviceAuthURL: s.cfg.DeviceAuthURL, AuthStyle: oauth2.AuthStyleInParams}}
}

// Token returns a current access token: the cached one unless it expires
// within the margin or a server refused it; otherwise a new one (a refresh,
// or client credentials). A refresh that fails for a reason other than a
// refused refresh token (the server unreachable) keeps the old token while
// it is still good.
func (s *Source) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	tok, err := s.token(ctx, false, false)
	st, seq := s.noteState(err)
	s.mu.Unlock()
	s.notify(st, seq)
	return tok, err
}

// Refused tells the Source that a server refused token at AUTHENTICATE:
// the next Token gets a new one. A token already replaced is ignored.
func (s *Source) Refused(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if token != "" && token == s.c.AccessToken {
		s.stale = true
		s.log.Info("a server refused the access token: it is refreshed before the next connection")
	}
}

func (s *Source) token(ctx context.Context, force, retried bool) (string, error) {
	if err := s.reload(); err != nil {
		return "", err
	}
	now := s.opts.Now()
	good := s.c.AccessToken != "" && !s.stale && (s.c.Expiry.IsZero() || now.Before(s.c.Expiry))
	if good && !force && (s.c.Expiry.IsZero() || now.Before(s.c.Expiry.Add(-s.opts.Margin))) {
		return s.c.AccessToken, nil
	}
	secret, err := s.clientSecret(ctx)
	if err != nil {
		return "", err
	}
	var t *oauth2.Token
	if s.cfg.Flow == meeting.FlowApp && s.cfg.Provider == meeting.ProviderGoogle {
		if t, err = s.serviceAccountToken(ctx, secret); err != nil {
			return "", err
		}
	} else if s.cfg.Flow == meeting.FlowApp {
		cc := &clientcredentials.Config{ClientID: s.cfg.ClientID, ClientSecret: secret, TokenURL: s.cfg.TokenURL,
			Scopes: s.cfg.Scopes, AuthStyle: oauth2.AuthStyleInParams}
		if !s.cfg.ClientCertificate.IsZero() {
			pemData, err := s.cfg.ClientCertificate.Resolve(ctx)
			if err != nil {
				return "", fmt.Errorf("oauth2.client_certificate: %w", err)
			}
			as, err := clientAssertion(pemData, s.cfg.ClientID, s.cfg.TokenURL, now)
			if err != nil {
				return "", &SignInError{App: true, Reason: err.Error()}
			}
			cc.EndpointParams = map[string][]string{"client_assertion_type": {ClientAssertionType}, "client_assertion": {as}}
		}
		t, err = cc.Token(s.ctx(ctx))
		if err != nil {
			err = describe("client credentials", err)
			var re *oauth2.RetrieveError
			if errors.As(err, &re) {
				switch re.ErrorCode {
				case "invalid_client", "unauthorized_client", "invalid_scope", "invalid_grant":
					return "", &SignInError{Reason: re.ErrorCode, Err: err, App: true}
				}
			}
			return "", err
		}
	} else {
		if s.c.RefreshToken == "" {
			return "", &SignInError{Reason: "no one has signed in yet (no refresh token in " + s.cfg.Cache + ")"}
		}
		t, err = s.config(secret).TokenSource(s.ctx(ctx), &oauth2.Token{RefreshToken: s.c.RefreshToken}).Token()
		if err != nil {
			var re *oauth2.RetrieveError
			if errors.As(err, &re) && (re.ErrorCode == "invalid_grant" || re.ErrorCode == "interaction_required") {
				// Another process (convene auth status, or login) may have
				// rotated the refresh token meanwhile: use its new one, once.
				old := s.c.RefreshToken
				if !retried && s.reload() == nil && s.c.RefreshToken != "" && s.c.RefreshToken != old {
					return s.token(ctx, force, true)
				}
				return "", &SignInError{Reason: "the refresh token was refused (" + re.ErrorCode + ": revoked, expired, or the password changed)", Err: describe("refresh", err)}
			}
			err = describe("refresh", err)
			if good && !force { // (force: Status asks whether a refresh works)
				s.log.Warn("token refresh failed; the current token is used until it expires", "expiry", s.c.Expiry, "err", err)
				return s.c.AccessToken, nil
			}
			return "", err
		}
	}
	s.set(t, now)
	s.stale = false
	if s.cfg.Flow != meeting.FlowApp {
		if err := s.save(); err != nil {
			return "", err
		}
	}
	s.log.Info("access token obtained", "flow", s.cfg.Flow, "expiry", s.c.Expiry, "scope", s.c.Scopes)
	return s.c.AccessToken, nil
}

// set records a token response got at now.
func (s *Source) set(t *oauth2.Token, now time.Time) {
	s.c.Provider, s.c.ClientID, s.c.Account = s.cfg.Provider, s.cfg.ClientID, s.account
	s.c.AccessToken = t.AccessToken
	if t.RefreshToken != "" {
		s.c.RefreshToken = t.RefreshToken // rotated
	}
	s.c.Expiry = time.Time{}
	if d := expiresIn(t); d > 0 {
		s.c.Expiry = now.Add(d)
	}
	if sc, ok := t.Extra("scope").(string); ok && sc != "" {
		s.c.Scopes = sc
	} else if s.c.Scopes == "" {
		s.c.Scopes = strings.Join(s.cfg.Scopes, " ")
	}
	s.c.RefreshedAt = now
}

// expiresIn reads the token's lifetime from the response (expires_in),
// so that its expiry is on the Source's clock.
func expiresIn(t *oauth2.Token) time.Duration {
	if t.ExpiresIn > 0 {
		return time.Duration(t.ExpiresIn) * time.Second
	}
	switch v := t.Extra("expires_in").(type) {
	case float64:
		return time.Duration(v * float64(time.Second))
	case string:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return time.Duration(n) * time.Second
		}
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return time.Duration(n) * time.Second
		}
	}
	if !t.Expiry.IsZero() {
		return time.Until(t.Expiry)
	}
	return 0
}

// describe turns an x/oauth2 error into one that names the server's error
// code, never the response body.
func describe(what string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.ErrorCode == "" {
			// x/oauth2/jwt does not parse the error: read its code, and
			// nothing else, from the body.
			var e struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			if json.Unmarshal(re.Body, &e) == nil {
				re.ErrorCode, re.ErrorDescription = e.Error, e.Description
			}
		}
		msg := re.ErrorCode
		if msg == "" && re.Response != nil {
			msg = re.Response.Status
		}
		if re.ErrorDescription != "" {
			d := re.ErrorDescription
			if i := strings.IndexAny(d, "\r\n"); i >= 0 {
				d = d[:i] // Microsoft adds trace and correlation ids
			}
			msg += ": " + d
		}
		return &serverError{what: what, msg: msg, re: re}
	}
	return fmt.Errorf("oauth2: %s: %w", what, err)
}

// serverError is an error answer of the authorization server, described by
// its code and first line of description (its body is never shown).
type serverError struct {
	what, msg string
	re        *oauth2.RetrieveError
}

func (e *serverError) Error() string { return "oauth2: " + e.what + ": the server answered " + e.msg }
func (e *serverError) Unwrap() error { return e.re }

// noteState updates the state after a Token; when it changed it returns
// the new state and the change's number for notify (else 0). Called with
// s.mu held.
func (s *Source) noteState(err error) (State, uint64) {
	st := State{OK: err == nil}
	if err != nil {
		if !IsSignIn(err) {
			return s.state, 0 // a passing failure (network): not a sign-in problem
		}
		st.Problem = err.Error()
	}
	if st.OK == s.state.OK && st.Problem == s.state.Problem && !s.state.Since.IsZero() {
		return s.state, 0
	}
	st.Since = s.opts.Now()
	s.state = st
	if !st.OK {
		s.log.Warn("sign-in failing", "problem", st.Problem)
	}
	s.seq++
	return st, s.seq
}

// notify gives OnState the state change number seq (0: none), unless a
// later one was given already: concurrent callers cannot leave an older
// state last.
func (s *Source) notify(st State, seq uint64) {
	if seq == 0 || s.opts.OnState == nil {
		return
	}
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	if seq <= s.delivered {
		return
	}
	s.delivered = seq
	s.opts.OnState(st)
}

// State returns the sign-in state as of the last Token.
func (s *Source) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// reload reads the cache file when it changed on disk (another process
// signed in). A cache for another client, provider or account is ignored.
// Called with s.mu held.
func (s *Source) reload() error {
	fi, err := os.Stat(s.cfg.Cache)
	if errors.Is(err, fs.ErrNotExist) {
		if s.stamp.ok {
			s.c, s.stamp = cache{}, fileStamp{} // removed (auth logout)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("oauth2: token cache: %w", err)
	}
	st := stampOf(fi)
	if st == s.stamp {
		return nil
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("oauth2: token cache %s is readable by others (mode %04o): run chmod 600 %s", s.cfg.Cache, fi.Mode().Perm(), s.cfg.Cache)
	}
	b, err := os.ReadFile(s.cfg.Cache)
	if err != nil {
		return fmt.Errorf("oauth2: token cache: %w", err)
	}
	var c cache
	if err := json.Unmarshal(b, &c); err != nil {
		return fmt.Errorf("oauth2: token cache %s is not valid JSON; remove it and sign in again", s.cfg.Cache)
	}
	s.stamp = st
	if c.Provider != s.cfg.Provider || c.ClientID != s.cfg.ClientID || !strings.EqualFold(c.Account, s.account) {
		s.log.Warn("the token cache is for another account or app registration: ignored", "cache", s.cfg.Cache, "cached_account", c.Account)
		s.c = cache{}
		return nil
	}
	if c.RefreshToken != s.c.RefreshToken || c.AccessToken != s.c.AccessToken {
		s.stale = false
	}
	s.c = c
	return nil
}

// save writes the cache file, 0600, atomically. Called with s.mu held.
func (s *Source) save() error {
	dir := filepath.Dir(s.cfg.Cache)
	b, err := json.MarshalIndent(s.c, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".convene-oauth2-*") // 0600
	if err != nil {
		return fmt.Errorf("oauth2: token cache: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), s.cfg.Cache)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("oauth2: token cache: %w", err)
	}
	if fi, err := os.Stat(s.cfg.Cache); err == nil {
		s.stamp = stampOf(fi)
	}
	return nil
}

// Login runs the device authorization grant (RFC 8628): it asks for a
// device code, prints the address and the code for the person to enter on
// any device, polls the token endpoint at the interval the server asks
// (slower after slow_down) until the person has signed in, declined, or
// the code expired, and stores the refresh token.
//
// Each poll is one x/oauth2 token request; the loop is here rather than
// in x/oauth2's DeviceAccessToken so that the wait between polls is
// Options.Wait (a test's clock) rather than a wall-clock ticker.
func (s *Source) Login(ctx context.Context, w io.Writer) error {
	if s.cfg.Flow == meeting.FlowApp {
		return errors.New("oauth2: flow app needs no sign-in: convene uses the client credentials (try convene auth status)")
	}
	secret, err := s.clientSecret(ctx)
	if err != nil {
		return err
	}
	conf := s.config(secret)
	da, err := conf.DeviceAuth(s.ctx(ctx))
	if err != nil {
		return describe("device authorization", err)
	}
	fmt.Fprintf(w, "To sign convene in as %s:\n  1. open %s\n  2. enter the code %s\n  3. sign in as %s and accept the permissions.\n",
		s.account, da.VerificationURI, da.UserCode, s.account)
	if da.VerificationURIComplete != "" {
		fmt.Fprintf(w, "(or open %s)\n", da.VerificationURIComplete)
	}
	fmt.Fprintln(w, "Waiting for the sign-in…")
	if !da.Expiry.IsZero() {
		// The server says expired_token when the code expires; this is in
		// case it does not answer at all by then (x/oauth2 set Expiry from
		// expires_in on the wall clock).
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, da.Expiry.Add(time.Minute))
		defer cancel()
	}
	interval := time.Duration(da.Interval) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second // RFC 8628 §3.2
	}
	poll := &clientcredentials.Config{ClientID: s.cfg.ClientID, ClientSecret: secret, TokenURL: s.cfg.TokenURL,
		AuthStyle: oauth2.AuthStyleInParams,
		EndpointParams: map[string][]string{
			"grant_type":  {"urn:ietf:params:oauth:grant-type:device_code"},
			"device_code": {da.DeviceCode},
		}}
	for {
		if err := s.opts.Wait(ctx, interval); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return errors.New("oauth2: the code expired before anyone signed in: run convene auth login again")
			}
			return err
		}
		t, err := poll.Token(s.ctx(ctx))
		if err != nil {
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) {
				return describe("device sign-in", err)
			}
			switch re.ErrorCode {
			case "authorization_pending":
				continue
			case "slow_down":
				interval += 5 * time.Second // RFC 8628 §3.5
				continue
			case "access_denied":
				return errors.New("oauth2: the sign-in was declined (access_denied)")
			case "expired_token":
				return errors.New("oauth2: the code expired before anyone signed in (expired_token): run convene auth login again")
			}
			return describe("device sign-in", err)
		}
		if t.RefreshToken == "" {
			return errors.New("oauth2: the server gave no refresh token: the scopes need offline_access (Microsoft) or the client must be allowed offline access")
		}
		s.mu.Lock()
		now := s.opts.Now()
		s.c = cache{}
		s.set(t, now)
		s.c.SignedInAt = now
		s.stale = false
		err = s.save()
		st, seq := s.noteState(err)
		s.mu.Unlock()
		s.notify(st, seq)
		if err != nil {
			return err
		}
		s.log.Info("signed in", "scope", s.c.Scopes, "expiry", s.c.Expiry)
		fmt.Fprintf(w, "Signed in. The refresh token is kept in %s (mode 0600).\n", s.cfg.Cache)
		return nil
	}
}

// Status is what `convene auth status` prints.
type Status struct {
	Provider, Flow, Account string
	Cache                   string
	Scopes                  string
	SignedInAt, RefreshedAt time.Time
	Expiry                  time.Time // of the access token, after the refresh tried
	HasRefreshToken         bool
	RefreshOK               bool
	RefreshErr              string
}

// Status tries a refresh (or, with flow app, a client-credentials token)
// and reports the account, scopes, expiry and whether the refresh worked.
func (s *Source) Status(ctx context.Context) Status {
	s.mu.Lock()
	_, err := s.token(ctx, true, false)
	st, seq := s.noteState(err)
	out := Status{Provider: s.cfg.Provider, Flow: s.cfg.Flow, Account: s.account, Cache: s.cfg.Cache,
		Scopes: s.c.Scopes, SignedInAt: s.c.SignedInAt, RefreshedAt: s.c.RefreshedAt, Expiry: s.c.Expiry,
		HasRefreshToken: s.c.RefreshToken != "", RefreshOK: err == nil}
	if err != nil {
		out.RefreshErr = err.Error()
	}
	s.mu.Unlock()
	s.notify(st, seq)
	return out
}

// Logout revokes the refresh token at the provider's revocation endpoint
// (RFC 7009), when there is one, and removes the cache file. revoked
// reports whether the provider accepted the revocation. (x/oauth2 has no
// revocation: it is one form POST.)
func (s *Source) Logout(ctx context.Context) (revoked bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reload(); err != nil {
		return false, err
	}
	if s.c.RefreshToken != "" && s.cfg.RevokeURL != "" {
		form := url.Values{"token": {s.c.RefreshToken}, "token_type_hint": {"refresh_token"}, "client_id": {s.cfg.ClientID}}
		if secret, err := s.clientSecret(ctx); err == nil && secret != "" {
			form.Set("client_secret", secret)
		}
		req, err := http.NewRequestWithContext(ctx, "POST", s.cfg.RevokeURL, strings.NewReader(form.Encode()))
		if err != nil {
			return false, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := s.opts.HTTPClient.Do(req)
		if err != nil {
			s.log.Warn("token revocation failed; the token file is removed all the same", "err", err)
		} else {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			revoked = resp.StatusCode == http.StatusOK
			if !revoked {
				s.log.Warn("the provider refused the revocation; the token file is removed all the same", "status", resp.Status)
			}
		}
	}
	if err := os.Remove(s.cfg.Cache); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return revoked, fmt.Errorf("oauth2: token cache: %w", err)
	}
	s.c, s.stamp, s.stale = cache{}, fileStamp{}, false
	return revoked, nil
}
