package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"convene/meeting"
	"convene/schedule"
	"convene/secretariat"
	"convene/store"
)

func init() {
	register(&command{
		name:    "plan",
		summary: "print the meeting's timeline: each job, when it is due, to how many, and its state",
		usage:   "-c meeting.yaml [--poll]",
		help: `Prints the timeline convene derives from meeting.yaml: the invitation wave, the
reminders, the deadline, the rehearsal notice, the session-invite catch-up
waves, the day-before note and the staff digests. Each job is shown with its
due time in the meeting's time zone and in UTC, the size of its audience as the
store stands now (invited contacts; for reminders, those who have neither
registered nor declined and have an address that has not bounced
permanently; active delegates for rehearsal, session invites and the
day-before note; for a job that ran, what it actually recorded in the outbox
instead: "14 sent", "12 sent, 1 failed") and its state from the store's run
log: done at TIME,
running, failed, missed (past its grace period: reported, never sent) or
pending. Then the calendar messages owed now: each invitation, update
(SEQUENCE+1) or cancellation that would go to a delegate. The store is only
read (after its pending migrations); when it does not exist yet, it is not
created and every job is pending.`,
		example: "convene plan -c meeting.yaml",
		flags: func(fs *flag.FlagSet, a *app) func(context.Context, []string) error {
			cfg := fs.String("c", "meeting.yaml", "the meeting file")
			poll := fs.Bool("poll", false, "include the inbox poll (used when the IMAP server has no IDLE)")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected arguments %q", args)
				}
				m, cs, err := loadConfig(a, *cfg)
				if err != nil {
					return err
				}
				opt := timelineOptions(m)
				opt.Poll = *poll
				jobs, err := schedule.Timeline(m, opt)
				if err != nil {
					return err
				}
				var db *store.DB
				if db, err = openExistingMeeting(ctx, m); err != nil {
					return err
				} else if db != nil {
					defer db.Close()
				}
				return printPlan(ctx, a.stdout, m, cs, db, jobs)
			}
		},
	})
}

// timelineOptions maps the meeting's configuration onto the scheduler's
// timeline options; `convene run` must use the same, so that plan shows
// what run does.
func timelineOptions(m *meeting.Meeting) schedule.TimelineOptions {
	return schedule.TimelineOptions{}
}

// audience counts who a job would reach if it ran now; -1 when it has no audience.
type audience struct {
	invited, unanswered, delegates int
}

func countAudience(ctx context.Context, m *meeting.Meeting, cs *meeting.Contacts, db *store.DB) (audience, error) {
	invited := cs.InCategories(m.Invite...)
	au := audience{invited: len(invited), unanswered: len(invited)}
	if db == nil {
		return au, nil
	}
	// As the reminder job counts them: no answer, and an address that has not bounced.
	unanswered, err := secretariat.Unanswered(ctx, db, m, cs)
	if err != nil {
		return au, err
	}
	au.unanswered = unanswered
	ds, err := db.Delegates(ctx, "", false)
	if err != nil {
		return au, err
	}
	au.delegates = len(ds)
	return au, nil
}

func (au audience) of(k schedule.Kind) string {
	switch k {
	case schedule.Invitation:
		return strconv.Itoa(au.invited)
	case schedule.Reminder:
		return strconv.Itoa(au.unanswered)
	case schedule.Rehearsal, schedule.SessionInvites, schedule.DayBefore:
		return strconv.Itoa(au.delegates)
	case schedule.Digest:
		return "staff"
	}
	return "-"
}

func printPlan(ctx context.Context, w io.Writer, m *meeting.Meeting, cs *meeting.Contacts, db *store.DB, jobs []schedule.Job) error {
	states, err := schedule.States(ctx, db, jobs)
	if err != nil {
		return err
	}
	au, err := countAudience(ctx, m, cs, db)
	if err != nil {
		return err
	}
	loc := m.Location
	local := func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 2006 15:04 MST") }
	fmt.Fprintf(w, "%s: %s\n", m.ID, m.Title.In(meeting.EN))
	if db == nil {
		fmt.Fprintf(w, "store %s does not exist yet: every job is pending\n", m.Store)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "DUE (%s)\tUTC\tJOB\tAUDIENCE\tSTATE\n", m.TimeZone)
	count := map[string]int{}
	var polls []schedule.JobState
	for _, s := range states {
		if s.Kind == schedule.InboxPoll {
			polls = append(polls, s)
			continue
		}
		count[s.State]++
		who := au.of(s.Kind)
		if s.State == schedule.StateDone || s.State == schedule.StateRunning || s.State == schedule.StateFailed {
			// For a job that ran: what it actually sent, not today's audience.
			if who, err = jobSent(ctx, db, s); err != nil {
				return err
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", local(s.Due), s.Due.UTC().Format("2006-01-02 15:04Z"), s.Label, who, describeState(s, loc))
	}
	tw.Flush()
	if n := len(polls); n > 0 {
		fmt.Fprintf(w, "\ninbox poll: %d runs from %s to %s (not logged; a late one is skipped)\n",
			n, local(polls[0].Due), local(polls[n-1].Due))
	}
	fmt.Fprintf(w, "\n%d jobs: %d done, %d pending, %d running, %d failed, %d missed\n", len(states)-len(polls),
		count[schedule.StateDone], count[schedule.StatePending], count[schedule.StateRunning], count[schedule.StateFailed], count[schedule.StateMissed])
	return printCalendarPending(ctx, w, m, cs, db)
}

// printCalendarPending lists the calendar invitations, updates and
// cancellations the daemon owes the delegates now (what planInvites would
// enqueue).
func printCalendarPending(ctx context.Context, w io.Writer, m *meeting.Meeting, cs *meeting.Contacts, db *store.DB) error {
	actions, err := secretariat.PendingInvites(ctx, db, m, cs)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nCalendar messages pending: %d\n", len(actions))
	for _, a := range actions {
		fmt.Fprintf(w, "  %s\n", a)
	}
	return nil
}

// jobSent says how many messages a job that ran recorded in the outbox,
// by state: "14 sent", "12 sent, 1 failed, 3 queued". A job's messages are
// its batch (the job's key); the calendar messages of a catch-up wave (and
// of the rehearsal job, which runs one first) are those of the shared
// calendar batch recorded while the job ran.
func jobSent(ctx context.Context, db *store.DB, s schedule.JobState) (string, error) {
	if db == nil {
		return "-", nil
	}
	total := map[string]int{}
	add := func(batch string, from, to time.Time) error {
		c, err := db.OutboxCounts(ctx, batch, from, to)
		for k, n := range c {
			total[k] += n
		}
		return err
	}
	if s.Kind != schedule.SessionInvites {
		if err := add(s.Key, time.Time{}, time.Time{}); err != nil {
			return "", err
		}
	}
	if s.Kind == schedule.SessionInvites || s.Kind == schedule.Rehearsal {
		to := s.FinishedAt
		if to.IsZero() || s.State == schedule.StateRunning {
			to = time.Now().Add(24 * time.Hour * 365 * 100)
		}
		if err := add(secretariat.CalendarBatch, s.StartedAt, to); err != nil {
			return "", err
		}
	}
	if s.Kind == schedule.Deadline {
		return "-", nil
	}
	out := fmt.Sprintf("%d sent", total[store.OutboxSent])
	if n := total[store.OutboxFailed]; n > 0 {
		out += fmt.Sprintf(", %d failed", n)
	}
	if n := total[store.OutboxQueued] + total[store.OutboxRetry] + total[store.OutboxSending]; n > 0 {
		out += fmt.Sprintf(", %d queued", n)
	}
	return out, nil
}

func describeState(s schedule.JobState, loc *time.Location) string {
	at := func(t time.Time) string { return t.In(loc).Format("2 Jan 15:04 MST") }
	switch s.State {
	case schedule.StateDone:
		return "done at " + at(s.FinishedAt)
	case schedule.StateRunning:
		return "running since " + at(s.StartedAt)
	case schedule.StateMissed:
		return "missed (" + s.Error + ")"
	case schedule.StateFailed:
		if s.RetryAt.IsZero() {
			return fmt.Sprintf("failed after %d attempts: %s", s.Attempts, s.Error)
		}
		return fmt.Sprintf("failed (attempt %d, retry at %s): %s", s.Attempts, at(s.RetryAt), s.Error)
	}
	return s.State
}
