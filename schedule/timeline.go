// Package schedule derives a meeting's timeline of jobs from meeting.yaml and
// runs it once and in order across restarts, recording every run in the
// store. Recurring jobs are cron specs parsed and stepped with
// github.com/robfig/cron/v3; the runner and its clock are this package's own.
//
// What a job does is the caller's: the Runner calls a Handler per Kind.
package schedule

import (
	"fmt"
	"sort"
	"time"

	"convene/meeting"
)

// Kind is what a job is for; the Runner calls the handler of its kind.
type Kind string

// The kinds of the timeline.
const (
	Invitation     Kind = "invitation"      // the invitation wave, at registration opens
	Reminder       Kind = "reminder"        // a reminder before the deadline, to contacts who have not answered
	Deadline       Kind = "deadline"        // the registration deadline: later replies are late
	Rehearsal      Kind = "rehearsal"       // the rehearsal notice and invite to registered delegates
	SessionInvites Kind = "session-invites" // catch-up wave of session invites to registered delegates
	DayBefore      Kind = "day-before"      // the day-before note with the joining link
	Digest         Kind = "digest"          // the staff digest each morning
	InboxPoll      Kind = "inbox-poll"      // poll the inbox when the server has no IDLE
)

// Kinds lists the kinds in the order jobs due at the same instant run.
var Kinds = []Kind{Invitation, Reminder, Deadline, Rehearsal, SessionInvites, DayBefore, Digest, InboxPoll}

func (k Kind) rank() int {
	for i, x := range Kinds {
		if x == k {
			return i
		}
	}
	return len(Kinds)
}

// Job is one run of the timeline.
type Job struct {
	Key   string        // unique in a timeline and stable across re-planning, e.g. "reminder@2020-06-05T16:00Z"
	Kind  Kind          // selects the handler
	Due   time.Time     // when it should run
	Grace time.Duration // how late it may still run; later it is missed, not run
	Label string        // for people
	Data  map[string]string
	// Unlogged jobs (the inbox poll) are not recorded in the run log: a
	// missed one is skipped without a report, as the next one does its work.
	Unlogged bool
}

// LatestStart returns the last instant at which j may start: Due+Grace.
func (j Job) LatestStart() time.Time { return j.Due.Add(j.Grace) }

// Data keys set by Timeline.
const (
	DataOffset   = "offset"   // reminder: the offset before the deadline, e.g. "7d"
	DataEvent    = "event"    // rehearsal: the event id
	DataDate     = "date"     // day-before: the meeting day it announces, YYYY-MM-DD in the meeting's zone
	DataSessions = "sessions" // day-before: the ids of that day's sessions, comma-separated
	DataWave     = "wave"     // session-invites: "after-deadline" or "rehearsal-notice"
)

// TimelineOptions adjusts Timeline; the zero value means the defaults.
type TimelineOptions struct {
	// DigestSpec is the staff digest's cron spec in the meeting's time zone;
	// default "0 8 * * *". "-" means no digest.
	DigestSpec string
	// Poll adds the inbox poll; set it when the IMAP server has no IDLE.
	Poll bool
	// PollSpec is the poll's cron spec; default "*/5 * * * *".
	PollSpec string
	// DayBeforeEachDay sends a day-before note before each meeting day,
	// not only before the first.
	DayBeforeEachDay bool
	// Grace overrides the grace period of a kind. Whatever it says, a
	// reminder is never run after the deadline, a rehearsal notice after the
	// rehearsal starts, nor a day-before note after its first session starts.
	Grace map[Kind]time.Duration
	// MinGrace raises every grace period (defaults and Grace alike) to at
	// least this, within the same hard limits. A simulated clock running N
	// times faster than real time magnifies every real delay N times: give
	// it a floor of a few real seconds' worth of simulated time.
	MinGrace time.Duration
}

// Default grace periods of the kinds whose grace is not derived from the meeting.
const (
	DefaultReminderGrace = 12 * time.Hour
	DefaultDigestGrace   = 2 * time.Hour
	DefaultDigestSpec    = "0 8 * * *"
	DefaultPollSpec      = "*/5 * * * *"
)

const keyTime = "2006-01-02T15:04Z"

func keyAt(k Kind, t time.Time) string { return string(k) + "@" + t.UTC().Format(keyTime) }

// Timeline returns the jobs of meeting m, ordered by due time (then by the
// order of Kinds):
//   - the invitation at registration opens, key "invitation" (one per
//     meeting, so moving the opening after it went out does not send it again);
//     grace: until the deadline;
//   - a reminder at Deadline-offset for each offset; grace 12h, never after
//     the deadline;
//   - the deadline marker at the deadline; grace: until the first session;
//   - the rehearsal notice at Rehearsal.Start-Notice; grace: until the
//     rehearsal starts;
//   - a session-invites catch-up wave at the deadline and at the rehearsal
//     notice (when that is later); grace: until the first session;
//   - a day-before note 24h before the first session (before each meeting
//     day's first session with DayBeforeEachDay), key "day-before@DATE";
//     grace: until that session starts;
//   - the digest at each DigestSpec occurrence from registration opens to the
//     meeting's end, key "digest@DATE" (the local date) when it fires at most
//     once a day; grace 2h;
//   - with Poll, the inbox poll at each PollSpec occurrence over the same
//     span, unlogged; grace: halfway to the next poll, so that after a
//     pause only the latest poll runs and the others are skipped.
//
// Cancelled sessions are left out of the first session and the meeting days.
// Keys of dated jobs carry their due time in UTC, so a moved deadline or
// rehearsal yields new jobs while those already done stay done.
func Timeline(m *meeting.Meeting, opt TimelineOptions) ([]Job, error) {
	loc := m.Location
	if loc == nil {
		loc = time.UTC
	}
	grace := func(k Kind, def time.Duration) time.Duration {
		if g, ok := opt.Grace[k]; ok {
			def = g
		}
		return max(def, opt.MinGrace)
	}
	capAt := func(j *Job, limit time.Time) {
		if j.LatestStart().After(limit) {
			j.Grace = max(limit.Sub(j.Due), 0)
		}
	}
	reg := m.Registration
	var sessions []meeting.Session
	for _, s := range m.Sessions {
		if s.Status != meeting.StatusCancelled {
			sessions = append(sessions, s)
		}
	}
	sort.SliceStable(sessions, func(i, j int) bool { return sessions[i].Start.Before(sessions[j].Start) })
	var first, end time.Time
	if len(sessions) > 0 {
		first = sessions[0].Start
		for _, s := range sessions {
			if s.End.After(end) {
				end = s.End
			}
		}
	}
	if end.IsZero() {
		end = m.End()
	}
	if first.IsZero() {
		first = end
	}

	var jobs []Job
	if !reg.Opens.IsZero() {
		jobs = append(jobs, Job{Key: string(Invitation), Kind: Invitation, Due: reg.Opens,
			Grace: grace(Invitation, reg.Deadline.Sub(reg.Opens)), Label: "invitation wave"})
	}
	if !reg.Deadline.IsZero() {
		for _, off := range reg.Reminders {
			due := reg.Deadline.Add(-off)
			j := Job{Key: keyAt(Reminder, due), Kind: Reminder, Due: due, Grace: grace(Reminder, DefaultReminderGrace),
				Label: "reminder, " + meeting.FormatDuration(off) + " before the deadline",
				Data:  map[string]string{DataOffset: meeting.FormatDuration(off)}}
			capAt(&j, reg.Deadline)
			jobs = append(jobs, j)
		}
		jobs = append(jobs, Job{Key: keyAt(Deadline, reg.Deadline), Kind: Deadline, Due: reg.Deadline,
			Grace: grace(Deadline, first.Sub(reg.Deadline)), Label: "registration deadline"})
		jobs = append(jobs, Job{Key: keyAt(SessionInvites, reg.Deadline), Kind: SessionInvites, Due: reg.Deadline,
			Grace: grace(SessionInvites, first.Sub(reg.Deadline)), Label: "session invites, catch-up after the deadline",
			Data: map[string]string{DataWave: "after-deadline"}})
	}
	if r := m.Rehearsal; r != nil {
		due := r.Start.Add(-r.Notice)
		j := Job{Key: keyAt(Rehearsal, due), Kind: Rehearsal, Due: due, Grace: grace(Rehearsal, r.Notice),
			Label: "rehearsal notice", Data: map[string]string{DataEvent: meeting.RehearsalID}}
		capAt(&j, r.Start)
		jobs = append(jobs, j)
		if due.After(reg.Deadline) {
			jobs = append(jobs, Job{Key: keyAt(SessionInvites, due), Kind: SessionInvites, Due: due,
				Grace: grace(SessionInvites, first.Sub(due)), Label: "session invites, catch-up with the rehearsal notice",
				Data: map[string]string{DataWave: "rehearsal-notice"}})
		}
	}
	for i, day := range meetingDays(sessions, loc) {
		if i > 0 && !opt.DayBeforeEachDay {
			break
		}
		s0 := day.sessions[0]
		due := s0.Start.Add(-24 * time.Hour)
		j := Job{Key: string(DayBefore) + "@" + day.date, Kind: DayBefore, Due: due, Grace: grace(DayBefore, 24*time.Hour),
			Label: "day-before note for " + day.date,
			Data:  map[string]string{DataDate: day.date, DataSessions: day.ids()}}
		capAt(&j, s0.Start)
		jobs = append(jobs, j)
	}

	from := reg.Opens
	if from.IsZero() {
		from = first
	}
	if spec := opt.DigestSpec; spec != "-" {
		if spec == "" {
			spec = DefaultDigestSpec
		}
		rec, err := recurring(Digest, spec, loc, from, end, grace(Digest, DefaultDigestGrace), "staff digest")
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, rec...)
	}
	if opt.Poll {
		spec := opt.PollSpec
		if spec == "" {
			spec = DefaultPollSpec
		}
		rec, err := recurring(InboxPoll, spec, loc, from, end, 0, "inbox poll")
		if err != nil {
			return nil, err
		}
		for i := range rec {
			rec[i].Unlogged = true
			switch g, ok := opt.Grace[InboxPoll]; {
			case ok:
				rec[i].Grace = g
			case i+1 < len(rec):
				rec[i].Grace = rec[i+1].Due.Sub(rec[i].Due) / 2
			case i > 0:
				rec[i].Grace = rec[i].Due.Sub(rec[i-1].Due) / 2
			}
		}
		jobs = append(jobs, rec...)
	}
	for i := range jobs {
		jobs[i].Grace = max(jobs[i].Grace, 0)
	}
	sortJobs(jobs)
	return jobs, nil
}

// recurring returns a job per occurrence of spec; keyed by the local date
// when no two occurrences share one, else by the UTC minute.
func recurring(k Kind, spec string, loc *time.Location, from, to time.Time, grace time.Duration, label string) ([]Job, error) {
	ts, err := Occurrences(spec, loc, from, to)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", k, err)
	}
	byDate := true
	dates := map[string]bool{}
	for _, t := range ts {
		d := t.In(loc).Format(time.DateOnly)
		if dates[d] {
			byDate = false
			break
		}
		dates[d] = true
	}
	jobs := make([]Job, 0, len(ts))
	for _, t := range ts {
		key := keyAt(k, t)
		if byDate {
			key = string(k) + "@" + t.In(loc).Format(time.DateOnly)
		}
		jobs = append(jobs, Job{Key: key, Kind: k, Due: t, Grace: grace, Label: label})
	}
	return jobs, nil
}

type meetingDay struct {
	date     string
	sessions []meeting.Session
}

func (d meetingDay) ids() string {
	s := ""
	for i, x := range d.sessions {
		if i > 0 {
			s += ","
		}
		s += x.ID
	}
	return s
}

// meetingDays groups sorted sessions by their local start date.
func meetingDays(sessions []meeting.Session, loc *time.Location) []meetingDay {
	var days []meetingDay
	for _, s := range sessions {
		d := s.Start.In(loc).Format(time.DateOnly)
		if n := len(days); n > 0 && days[n-1].date == d {
			days[n-1].sessions = append(days[n-1].sessions, s)
			continue
		}
		days = append(days, meetingDay{date: d, sessions: []meeting.Session{s}})
	}
	return days
}

// sortJobs orders jobs by due time, then kind, then key.
func sortJobs(jobs []Job) {
	sort.SliceStable(jobs, func(i, j int) bool {
		a, b := jobs[i], jobs[j]
		if !a.Due.Equal(b.Due) {
			return a.Due.Before(b.Due)
		}
		if a.Kind.rank() != b.Kind.rank() {
			return a.Kind.rank() < b.Kind.rank()
		}
		return a.Key < b.Key
	})
}
