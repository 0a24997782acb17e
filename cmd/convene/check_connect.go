package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"convene/inbox"
	"convene/mailer"
	"convene/meeting"
)

// unreadableSecrets names each configured secret that cannot be read here
// without running anything: an environment variable not set (or empty), a
// file missing. Secret commands are not run by a plain check.
func unreadableSecrets(m *meeting.Meeting) []string {
	var out []string
	look := func(field string, s meeting.Secret) {
		switch {
		case s.Env != "":
			if v, ok := os.LookupEnv(s.Env); !ok {
				out = append(out, fmt.Sprintf("%s: environment variable %s is not set", field, s.Env))
			} else if v == "" {
				out = append(out, fmt.Sprintf("%s: environment variable %s is empty", field, s.Env))
			}
		case s.File != "":
			if _, err := os.Stat(s.File); err != nil {
				out = append(out, fmt.Sprintf("%s: file %s cannot be read", field, s.File))
			}
		}
	}
	if m.SMTP.Configured() && m.SMTP.Auth != meeting.AuthNone {
		look("smtp.secret", m.SMTP.Secret)
	}
	if m.IMAP.Configured() && m.IMAP.Auth != meeting.AuthNone {
		look("imap.secret", m.IMAP.Secret)
	}
	for _, st := range m.DashboardOptions.Staff {
		look("dashboard.staff "+st.Name+" password", st.Password)
	}
	return out
}

// checkConnect logs in to the servers as convene run does and prints each
// step; it fails when one does.
func checkConnect(ctx context.Context, a *app, m *meeting.Meeting) error {
	failed := 0
	step := func(what string, err error) {
		switch {
		case err == nil:
			fmt.Fprintf(a.stdout, "  ok    %s\n", what)
		case errors.Is(err, inbox.ErrFolderMissing):
			fmt.Fprintf(a.stdout, "  note  %s: %v\n", what, err)
		default:
			failed++
			fmt.Fprintf(a.stdout, "  FAIL  %s: %v\n", what, err)
		}
	}
	fmt.Fprintln(a.stdout, "connecting:")
	if err := tokenStep(ctx, a, m, func(what string, err error, ok string) {
		if err == nil {
			what += ": " + ok
		}
		step(what, err)
	}); err != nil {
		return err
	}
	if m.SMTP.Configured() {
		mailer.Check(ctx, mailer.Options{Server: m.SMTP.Server}, step)
	} else {
		fmt.Fprintln(a.stdout, "  skip  SMTP: not configured")
	}
	if m.IMAP.Configured() {
		inbox.Check(ctx, inbox.Options{Server: m.IMAP.Server, Mailbox: m.IMAP.Mailbox, Processed: m.IMAP.Processed, Review: m.IMAP.Review}, step)
	} else {
		fmt.Fprintln(a.stdout, "  skip  IMAP: not configured")
	}
	if failed > 0 {
		fmt.Fprintf(a.stderr, "%d step(s) failed\n", failed)
		return silentError{exitFail}
	}
	fmt.Fprintln(a.stdout, "connected: ok")
	return nil
}
