package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"convene/mailer"
	"convene/meeting"
	"convene/oauth"
	"convene/store"
)

func init() {
	register(&command{
		name:    "auth",
		summary: "sign in to Microsoft 365, Google Workspace or another OAuth2 server (auth: oauth2)",
		usage:   "login|status|logout -c meeting.yaml",
		help: `For smtp and imap with auth: oauth2 (see the oauth2 block of meeting.yaml).

  login   device sign-in: prints an address and a code; a person opens the
          address on any device, enters the code and signs in as the mailbox
          (smtp.username). convene waits, then keeps the refresh token in a
          file created 0600 next to the store. A running daemon picks it up
          by itself: no restart. Not needed with flow: app.
  status  which account, which scopes, when the access token expires, and
          whether a refresh works now (it tries one). Exits 1 when it does not.
  logout  revokes the refresh token (when the provider has a revocation
          endpoint) and removes the token file.`,
		example: "convene auth login -c meeting.yaml",
		flags: func(fs *flag.FlagSet, a *app) func(context.Context, []string) error {
			cfg := fs.String("c", "meeting.yaml", "the meeting file")
			return func(ctx context.Context, args []string) error {
				if len(args) == 0 {
					return usagef("want one of login, status or logout")
				}
				// -c may follow the subcommand: convene auth login -c meeting.yaml
				sub := args[0]
				if err := fs.Parse(args[1:]); err != nil {
					return usagef("%v", err)
				}
				if fs.NArg() > 0 {
					return usagef("unexpected arguments %q", fs.Args())
				}
				m, err := loadMeeting(a, *cfg)
				if err != nil {
					return err
				}
				return authCommand(ctx, a, m, sub)
			}
		},
	})
}

func authCommand(ctx context.Context, a *app, m *meeting.Meeting, sub string) error {
	if !m.OAuth2.Configured() {
		return fmt.Errorf("%s: no oauth2 block: convene auth is for smtp or imap with auth: oauth2", m.Path)
	}
	src, err := newTokenSource(a.log, m, nil)
	if err != nil {
		return err
	}
	switch sub {
	case "login":
		if err := src.Login(ctx, a.stdout); err != nil {
			return err
		}
		return printAuthStatus(a, src.Status(ctx))
	case "status":
		return printAuthStatus(a, src.Status(ctx))
	case "logout":
		revoked, err := src.Logout(ctx)
		if err != nil {
			return err
		}
		if revoked {
			fmt.Fprintln(a.stdout, "The refresh token was revoked.")
		}
		fmt.Fprintf(a.stdout, "Removed %s. Sign in again with: convene auth login -c %s\n", src.Cache(), m.Path)
		return nil
	}
	return usagef("unknown %q: want login, status or logout", sub)
}

func printAuthStatus(a *app, st oauth.Status) error {
	w := a.stdout
	when := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.Local().Format("2006-01-02 15:04 MST")
	}
	fmt.Fprintf(w, "provider:   %s (flow %s)\naccount:    %s\n", st.Provider, st.Flow, st.Account)
	if st.Flow == meeting.FlowDevice {
		fmt.Fprintf(w, "token file: %s\nsigned in:  %s\n", st.Cache, when(st.SignedInAt))
	}
	fmt.Fprintf(w, "scopes:     %s\n", orDash(st.Scopes))
	if st.RefreshOK {
		fmt.Fprintf(w, "refresh:    works (a new access token was obtained)\nexpires:    %s\n", when(st.Expiry))
		return nil
	}
	fmt.Fprintf(w, "refresh:    FAILS: %s\n", st.RefreshErr)
	return silentError{exitFail}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// oauthAccount is the mailbox signed in to: smtp's username, or imap's.
func oauthAccount(m *meeting.Meeting) string {
	if m.SMTP.Auth == meeting.AuthOAuth2 {
		return m.SMTP.Username
	}
	return m.IMAP.Username
}

// newTokenSource builds the meeting's token source; onState, when set,
// hears of sign-in changes.
func newTokenSource(log *slog.Logger, m *meeting.Meeting, onState func(oauth.State)) (*oauth.Source, error) {
	return oauth.New(m.OAuth2, oauthAccount(m), oauth.Options{Logger: log, OnState: onState, Wait: deviceWait})
}

// deviceWait is the wait between two polls of the device sign-in; nil: a
// timer. Tests replace it.
var deviceWait func(ctx context.Context, d time.Duration) error

// attachOAuth gives the smtp and imap servers with auth oauth2 a token
// source, whose sign-in state is recorded in db (when not nil) for the
// dashboard's banner and the digest. It returns nil when no server uses
// oauth2.
func attachOAuth(log *slog.Logger, m *meeting.Meeting, db *store.DB, now func() time.Time) (*oauth.Source, error) {
	if !m.OAuth2.Configured() || (m.SMTP.Auth != meeting.AuthOAuth2 && m.IMAP.Auth != meeting.AuthOAuth2) {
		return nil, nil
	}
	account := oauthAccount(m)
	var onState func(oauth.State)
	if db != nil {
		onState = func(st oauth.State) {
			if err := db.SetSignIn(context.Background(), store.SignIn{Account: account, OK: st.OK, Since: st.Since, Detail: st.Problem}); err != nil {
				log.Warn("record the sign-in state", "err", err)
			}
		}
	}
	src, err := oauth.New(m.OAuth2, account, oauth.Options{Logger: log, OnState: onState, Now: now})
	if err != nil {
		return nil, err
	}
	if m.SMTP.Auth == meeting.AuthOAuth2 {
		m.SMTP.Secret.Source = src
	}
	if m.IMAP.Auth == meeting.AuthOAuth2 {
		m.IMAP.Secret.Source = src
	}
	return src, nil
}

// signIn is the daemon's OAuth2 sign-in (auth oauth2).
type signIn struct {
	src  *oauth.Source
	smtp bool // the outbox signs in with it
}

// signInRetry is how often a daemon whose sign-in fails tries again; a
// new sign-in (convene auth login) is seen at the next try.
const signInRetry = time.Minute

// runSender runs the outbox. With auth oauth2, a run that stops because
// convene cannot sign in (the refresh token revoked or expired, or the
// server refusing the token) is not the end: the messages stay queued,
// the state shows on the dashboard, and the outbox starts again every
// signInRetry, so that it resumes by itself once someone signs in again.
func (d *daemon) runSender(ctx context.Context) error {
	for {
		err := d.sender.Run(ctx)
		if err == nil || ctx.Err() != nil || d.signIn == nil || !d.signIn.smtp || !(oauth.IsSignIn(err) || mailer.AuthRefused(err)) {
			return err
		}
		d.log.Error("outbox paused: convene cannot sign in to the SMTP server; the messages stay queued", "err", err, "retry_in", signInRetry)
		t := d.opts.clock.NewTimer(signInRetry)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C():
		}
	}
}

// signInCheck is how often an idle daemon asks for a token: the token is
// refreshed ahead of its expiry even when nothing is sent, and a revoked
// sign-in shows on the dashboard within the token's lifetime.
const signInCheck = 5 * time.Minute

// keepSignedIn asks the token source for a token every signInCheck until
// ctx ends (a no-op without auth oauth2).
func (d *daemon) keepSignedIn(ctx context.Context) {
	if d.signIn == nil {
		return
	}
	for {
		t := d.opts.clock.NewTimer(signInCheck)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		}
		if _, err := d.signIn.src.Token(ctx); err != nil && !oauth.IsSignIn(err) && ctx.Err() == nil {
			d.log.Warn("oauth2: token refresh failed; tried again later", "err", err)
		}
	}
}

// startSignIn attaches the token source for the daemon and tries a token
// now: a failing sign-in is recorded (banner) and logged, but the daemon
// starts anyway and keeps its outbox.
func (d *daemon) startSignIn(ctx context.Context, m *meeting.Meeting) error {
	src, err := attachOAuth(d.log, m, d.db, d.opts.clock.Now)
	if err != nil || src == nil {
		return err
	}
	d.signIn = &signIn{src: src, smtp: m.SMTP.Auth == meeting.AuthOAuth2}
	if _, err := src.Token(ctx); err != nil {
		if !oauth.IsSignIn(err) {
			d.log.Warn("oauth2: no token yet; tried again at each connection", "err", err)
			return nil
		}
		d.log.Error("oauth2: convene cannot sign in; nothing is sent or read until then", "err", err)
	}
	return nil
}
