package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"convene/inbox"
	"convene/mailer"
	"convene/meeting"
	"convene/store"
)

// checkConnectChain is convene check --connect: it exercises the chain the
// daemon uses, step by step, printing one line per step: the OAuth2 token
// (auth oauth2: a refresh is tried), SMTP AUTH, IMAP AUTHENTICATE and the
// folders. Nothing is sent, read or moved, and the meeting's store is not
// touched (the clients are given a throwaway one). It returns exit code 1
// when a step fails.
//
// (A minimal hook: h-desk's check --connect for password auth may replace
// the SMTP and IMAP steps; tokenStep is the OAuth2 part.)
func checkConnectChain(ctx context.Context, a *app, m *meeting.Meeting) error {
	w := a.stdout
	failed := false
	step := func(name string, err error, ok string) {
		if err != nil {
			failed = true
			fmt.Fprintf(w, "FAIL  %s: %v\n", name, err)
			return
		}
		fmt.Fprintf(w, "ok    %s: %s\n", name, ok)
	}
	if err := tokenStep(ctx, a, m, step); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "convene-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, filepath.Join(dir, "probe.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if m.SMTP.Configured() {
		s, err := mailer.New(db, mailer.Options{Server: m.SMTP.Server, Concurrency: 1, Timeout: 30 * time.Second, Logger: a.log})
		if err == nil {
			err = s.Probe(cctx)
		}
		step("smtp", err, fmt.Sprintf("%s, %s as %s (auth %s)", m.SMTP.Addr(), m.SMTP.Security, m.SMTP.Username, m.SMTP.Auth))
	}
	if m.IMAP.Configured() {
		wt, err := inbox.NewWatcher(db, inbox.Options{Server: m.IMAP.Server, Mailbox: m.IMAP.Mailbox, Processed: m.IMAP.Processed,
			Review: m.IMAP.Review, Logger: a.log}, func(context.Context, *store.Tx, inbox.Fetched) (inbox.Disposition, error) {
			return inbox.Review, nil
		})
		var res inbox.ProbeResult
		if err == nil {
			res, err = wt.Probe(cctx)
			wt.Close()
		}
		step("imap", err, fmt.Sprintf("%s, %s as %s (auth %s); %s holds %d messages", m.IMAP.Addr(), m.IMAP.Security, m.IMAP.Username, m.IMAP.Auth, m.IMAP.Mailbox, res.Messages))
		if err == nil {
			for _, f := range []string{m.IMAP.Processed, m.IMAP.Review} {
				if res.Folders[f] {
					fmt.Fprintf(w, "ok    folder %s: exists\n", f)
				} else {
					fmt.Fprintf(w, "ok    folder %s: missing; convene creates it at the first move\n", f)
				}
			}
		}
	}
	if failed {
		return silentError{exitFail}
	}
	return nil
}

// tokenStep attaches the token source to the servers with auth oauth2 and
// tries a refresh (or a client-credentials token). Nothing to do without
// an oauth2 block.
func tokenStep(ctx context.Context, a *app, m *meeting.Meeting, step func(string, error, string)) error {
	src, err := attachOAuth(a.log, m, nil, nil)
	if err != nil || src == nil {
		return err
	}
	st := src.Status(ctx)
	if !st.RefreshOK {
		step("oauth2 token", fmt.Errorf("%s", st.RefreshErr), "")
		return nil
	}
	step("oauth2 token", nil, fmt.Sprintf("%s (flow %s) for %s; scopes %s; expires %s", st.Provider, st.Flow, st.Account,
		orDash(st.Scopes), st.Expiry.Local().Format("2006-01-02 15:04 MST")))
	return nil
}
