package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"convene/meeting"
)

func init() {
	register(&command{
		name:    "init",
		summary: "write an example meeting.yaml and contacts.csv into a folder",
		usage:   "DIR",
		help: `Writes DIR/meeting.yaml and DIR/contacts.csv: the 2020 Intersessional Meetings
(virtual, 30 June - 2 July 2020, Geneva time) with twenty fictional missions and
organisations on .example domains, in English, French and Spanish. Edit them,
then check them with 'convene check'. Existing files are never overwritten.`,
		example: "convene init ./ism2020 && convene check -c ./ism2020/meeting.yaml",
		flags: func(fs *flag.FlagSet, a *app) func(context.Context, []string) error {
			return func(ctx context.Context, args []string) error {
				if len(args) != 1 {
					return usagef("want one folder, got %d arguments", len(args))
				}
				if err := meeting.WriteExample(args[0]); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "wrote %s/meeting.yaml and %s/contacts.csv\nnext: convene check -c %s/meeting.yaml\n", args[0], args[0], args[0])
				return nil
			}
		},
	})
	register(&command{
		name:    "check",
		summary: "validate meeting.yaml and contacts.csv, printing every problem",
		usage:   "-c meeting.yaml [--connect]",
		help: `Reads meeting.yaml and the contacts file it names and prints every problem at
once, one per line, as FILE:LINE: field: what is wrong. Unknown fields are
errors, so a misspelt field never passes silently. Exits 1 when there is a
problem; otherwise prints a summary and exits 0. A secret that cannot be read
here (an environment variable that is not set, a missing file) is named as a
warning: convene run would fail to log in with it.

With --connect it then obtains an OAuth2 token (auth oauth2), logs in to the
SMTP and IMAP servers with the configured secrets, as convene run does, and checks that the watched mailbox and the review
and processed folders exist; each step is printed as ok or FAIL with the
server's answer (a missing folder is a note: convene creates it on first use).
Nothing is sent, read or moved. Exits 1 when a step fails.`,
		example: "convene check -c meeting.yaml --connect",
		flags: func(fs *flag.FlagSet, a *app) func(context.Context, []string) error {
			cfg := fs.String("c", "meeting.yaml", "the meeting file")
			connect := fs.Bool("connect", false, "also connect: OAuth2 token, SMTP and IMAP login, folders (nothing is sent or moved)")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected arguments %q", args)
				}
				m, cs, err := loadConfig(a, *cfg)
				if err != nil {
					return err
				}
				printSummary(a.stdout, m, cs)
				if !*connect {
					return nil
				}
				return checkConnect(ctx, a, m)
			}
		},
	})
}

// loadConfig loads the meeting and contacts; problems are printed one per
// line on stderr and turned into exit code 1.
func loadConfig(a *app, path string) (*meeting.Meeting, *meeting.Contacts, error) {
	m, cs, err := meeting.Load(path)
	if err != nil {
		return nil, nil, reportProblems(a, err)
	}
	return m, cs, nil
}

// loadMeeting is loadConfig for the commands that need meeting.yaml only.
func loadMeeting(a *app, path string) (*meeting.Meeting, error) {
	m, err := meeting.LoadMeeting(path)
	if err != nil {
		return nil, reportProblems(a, err)
	}
	return m, nil
}

// reportProblems prints each problem of a configuration error, one per
// line (FILE:LINE: field: message), and turns it into exit status 1; other
// errors are returned as they are.
func reportProblems(a *app, err error) error {
	var ps meeting.Problems
	if !errors.As(err, &ps) {
		return err
	}
	for _, p := range ps {
		fmt.Fprintln(a.stderr, p.String())
	}
	fmt.Fprintf(a.stderr, "%d problem(s)\n", len(ps))
	return silentError{exitFail}
}

func printSummary(w io.Writer, m *meeting.Meeting, cs *meeting.Contacts) {
	loc := m.Location
	f := func(t time.Time) string {
		return fmt.Sprintf("%s (%s UTC)", t.In(loc).Format("Mon 2 Jan 2006 15:04 MST"), t.UTC().Format("15:04"))
	}
	fmt.Fprintf(w, "%s: %s\n", m.ID, m.Title.In(meeting.EN))
	fmt.Fprintf(w, "  time zone      %s\n", m.TimeZone)
	fmt.Fprintf(w, "  registration   opens %s\n                 deadline %s\n", f(m.Registration.Opens), f(m.Registration.Deadline))
	for _, d := range m.Registration.Reminders {
		fmt.Fprintf(w, "  reminder       %s before: %s\n", meeting.FormatDuration(d), f(m.Registration.Deadline.Add(-d)))
	}
	for _, s := range m.Events() {
		status := ""
		if s.Status == meeting.StatusCancelled {
			status = " [cancelled]"
		}
		fmt.Fprintf(w, "  %-20s %s - %s%s\n", s.ID, f(s.Start), s.End.In(loc).Format("15:04"), status)
	}
	perCat := map[meeting.Category]int{}
	perLang := map[meeting.Lang]int{}
	for _, c := range cs.List {
		perCat[c.Category]++
		perLang[c.Language]++
	}
	fmt.Fprintf(w, "  contacts       %d:", len(cs.List))
	for _, c := range meeting.Categories {
		inv := ""
		if !m.Invites(c) {
			inv = " (not invited)"
		}
		fmt.Fprintf(w, " %s %d%s,", c, perCat[c], inv)
	}
	fmt.Fprintf(w, " en %d, fr %d, es %d\n", perLang[meeting.EN], perLang[meeting.FR], perLang[meeting.ES])
	if !m.SMTP.Configured() {
		fmt.Fprintln(w, "  smtp           not configured: nothing can be sent")
	}
	if !m.IMAP.Configured() {
		fmt.Fprintln(w, "  imap           not configured: replies are not read")
	}
	if w2 := dashboardUnserved(m); w2 != "" {
		fmt.Fprintf(w, "warning: %s\n", w2)
	}
	if unread := unreadableSecrets(m); len(unread) > 0 {
		for _, u := range unread {
			fmt.Fprintf(w, "warning: %s\n", u)
		}
		fmt.Fprintf(w, "ok, but %d secret(s) cannot be read here: convene run needs them\n", len(unread))
		return
	}
	fmt.Fprintln(w, "ok")
}

// dashboardUnserved says why convene run would refuse to serve the
// dashboard (off loopback with nobody to sign in and no token), or "".
func dashboardUnserved(m *meeting.Meeting) string {
	do := m.DashboardOptions
	if len(do.Staff) > 0 || do.TrustedUserHeader != "" || os.Getenv("CONVENE_DASHBOARD_TOKEN") != "" {
		return ""
	}
	host, _, err := net.SplitHostPort(m.Dashboard)
	if err != nil || host == "localhost" {
		return ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return ""
	}
	return fmt.Sprintf("dashboard: %s is not a loopback address and neither dashboard.staff, trusted_user_header nor CONVENE_DASHBOARD_TOKEN is set: convene run refuses to serve it", m.Dashboard)
}
