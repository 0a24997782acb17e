package schedule_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"convene/schedule"
	"convene/store"
)

func openStore(tb testing.TB, path string) *store.DB {
	tb.Helper()
	if path == "" {
		path = filepath.Join(tb.TempDir(), "convene.db")
	}
	db, err := store.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// recorder is a set of handlers that record each call with the clock's time.
type recorder struct {
	mu    sync.Mutex
	clock schedule.Clock
	calls []call
	// hook, if set, runs inside the handler after the call is recorded.
	hook func(ctx context.Context, j schedule.Job) error
}

type call struct {
	key string
	at  time.Time
}

func (r *recorder) handlers() map[schedule.Kind]schedule.Handler {
	h := map[schedule.Kind]schedule.Handler{}
	for _, k := range schedule.Kinds {
		h[k] = func(ctx context.Context, j schedule.Job) error {
			r.mu.Lock()
			r.calls = append(r.calls, call{j.Key, r.clock.Now()})
			hook := r.hook
			r.mu.Unlock()
			if hook != nil {
				return hook(ctx, j)
			}
			return nil
		}
	}
	return h
}

func (r *recorder) keys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ks []string
	for _, c := range r.calls {
		ks = append(ks, c.key)
	}
	return ks
}

// drive runs r on clock, moving the clock to each timer's deadline as soon as
// the runner waits on it, until Run returns.
func drive(tb testing.TB, ctx context.Context, r *schedule.Runner, clock *schedule.ManualClock) error {
	tb.Helper()
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	guard := time.NewTimer(60 * time.Second)
	defer guard.Stop()
	for {
		n, next, changed := clock.Waiting()
		if n > 0 {
			clock.Set(next)
			continue
		}
		select {
		case err := <-done:
			return err
		case <-changed:
		case <-guard.C:
			tb.Fatal("runner still running after 60s")
		}
	}
}

func keysOf(jobs []schedule.Job) []string {
	var ks []string
	for _, j := range jobs {
		ks = append(ks, j.Key)
	}
	return ks
}

func testLogger(tb testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(tb.Output(), nil))
	}
	return slog.New(slog.DiscardHandler)
}

func TestRunnerWholeTimeline(t *testing.T) {
	m, jobs := exampleTimeline(t, schedule.TimelineOptions{})
	db := openStore(t, "")
	clock := schedule.NewManualClock(m.Registration.Opens.Add(-time.Minute))
	rec := &recorder{clock: clock}
	r := schedule.NewRunner(db, clock, jobs, rec.handlers(), schedule.RunnerOptions{ExitWhenDone: true, Logger: testLogger(t)})
	if err := drive(t, t.Context(), r, clock); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if got, want := rec.keys(), keysOf(jobs); !slices.Equal(got, want) {
		t.Fatalf("calls =\n%v\nwant each job once in due order:\n%v", got, want)
	}
	for i, c := range rec.calls {
		if !c.at.Equal(jobs[i].Due) {
			t.Errorf("%s called at %v, want its due time %v", c.key, c.at, jobs[i].Due)
		}
	}
	states, err := r.States(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if s.State != schedule.StateDone || s.Attempts != 1 || s.StartedAt.IsZero() || s.FinishedAt.IsZero() {
			t.Errorf("state of %s = %+v, want done after 1 attempt", s.Key, s)
		}
	}
	// A new runner on the same store repeats nothing.
	rec2 := &recorder{clock: clock}
	r2 := schedule.NewRunner(db, clock, jobs, rec2.handlers(), schedule.RunnerOptions{ExitWhenDone: true})
	if err := drive(t, t.Context(), r2, clock); err != nil {
		t.Fatal(err)
	}
	if ks := rec2.keys(); len(ks) != 0 {
		t.Errorf("second runner called %v", ks)
	}
}

// stopAt returns a hook that cancels the run after the job key has been
// called (the job itself completes).
func stopAt(key string, cancel context.CancelFunc) func(context.Context, schedule.Job) error {
	return func(_ context.Context, j schedule.Job) error {
		if j.Key == key {
			cancel()
		}
		return nil
	}
}

func TestRunnerRestart(t *testing.T) {
	m, jobs := exampleTimeline(t, schedule.TimelineOptions{})
	start := m.Registration.Opens.Add(-time.Minute)

	t.Run("stop and start: nothing repeated or skipped", func(t *testing.T) {
		db := openStore(t, "")
		clock := schedule.NewManualClock(start)
		rec := &recorder{clock: clock}
		var all []string
		for _, stop := range []string{"invitation", "reminder@2020-06-05T16:00Z", "deadline@2020-06-12T16:00Z", "day-before@2020-06-30", ""} {
			ctx, cancel := context.WithCancel(t.Context())
			rec.hook = stopAt(stop, cancel)
			r := schedule.NewRunner(db, clock, jobs, rec.handlers(), schedule.RunnerOptions{ExitWhenDone: true})
			if err := drive(t, ctx, r, clock); err != nil {
				t.Fatal(err)
			}
			cancel()
			all = rec.keys()
		}
		if want := keysOf(jobs); !slices.Equal(all, want) {
			t.Errorf("calls over five runners =\n%v\nwant\n%v", all, want)
		}
	})

	t.Run("a job left running is run again", func(t *testing.T) {
		db := openStore(t, "")
		clock := schedule.NewManualClock(start)
		rec := &recorder{clock: clock}
		ctx, cancel := context.WithCancel(t.Context())
		rec.hook = stopAt("reminder@2020-06-05T16:00Z", cancel)
		r := schedule.NewRunner(db, clock, jobs, rec.handlers(), schedule.RunnerOptions{ExitWhenDone: true})
		if err := drive(t, ctx, r, clock); err != nil {
			t.Fatal(err)
		}
		// A crash in the middle of the next reminder: its row says running.
		var rem schedule.Job
		for _, j := range jobs {
			if j.Key == "reminder@2020-06-10T16:00Z" {
				rem = j
			}
		}
		clock.Set(rem.Due.Add(time.Minute))
		err := db.Update(t.Context(), func(tx *store.Tx) error {
			return tx.StartJobRun(store.JobRun{Key: rem.Key, Kind: string(rem.Kind), Due: rem.Due}, clock.Now())
		})
		if err != nil {
			t.Fatal(err)
		}
		clock.Set(rem.Due.Add(2 * time.Hour)) // restarted two hours later: within the reminder's grace
		n := len(rec.keys())
		rec.hook = nil
		r = schedule.NewRunner(db, clock, jobs, rec.handlers(), schedule.RunnerOptions{ExitWhenDone: true})
		if err := drive(t, t.Context(), r, clock); err != nil {
			t.Fatal(err)
		}
		after := rec.keys()[n:]
		if len(after) == 0 || after[0] != rem.Key {
			t.Fatalf("after the restart the first call is %v, want the interrupted %s", after, rem.Key)
		}
		if slices.Contains(after[1:], rem.Key) {
			t.Errorf("%s called twice after the restart", rem.Key)
		}
		states, _ := r.States(t.Context())
		for _, s := range states {
			if s.Key == rem.Key && (s.State != schedule.StateDone || s.Attempts != 2) {
				t.Errorf("state of %s = %+v, want done in attempt 2", s.Key, s)
			}
		}
	})

	t.Run("a crash inside the handler", func(t *testing.T) {
		db := openStore(t, "")
		clock := schedule.NewManualClock(start)
		rec := &recorder{clock: clock}
		ctx, cancel := context.WithCancel(t.Context())
		rec.hook = func(hctx context.Context, j schedule.Job) error {
			if j.Kind == schedule.Rehearsal {
				cancel()                                    // the daemon is told to stop while this run is under way...
				return errors.New("smtp: connection reset") // ...and the run fails
			}
			return nil
		}
		r := schedule.NewRunner(db, clock, jobs, rec.handlers(), schedule.RunnerOptions{ExitWhenDone: true})
		if err := drive(t, ctx, r, clock); err != nil {
			t.Fatal(err)
		}
		states, _ := schedule.States(t.Context(), db, jobs)
		var reh schedule.JobState
		for _, s := range states {
			if s.Kind == schedule.Rehearsal {
				reh = s
			}
		}
		if reh.State != schedule.StateFailed || reh.RetryAt.IsZero() || reh.Error != "smtp: connection reset" {
			t.Fatalf("rehearsal after the failed run = %+v, want failed with a retry time", reh)
		}
		rec.hook = nil
		r = schedule.NewRunner(db, clock, jobs, rec.handlers(), schedule.RunnerOptions{ExitWhenDone: true})
		if err := drive(t, t.Context(), r, clock); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, k := range rec.keys() {
			if k == reh.Key {
				n++
			}
		}
		if n != 2 {
			t.Errorf("rehearsal called %d times, want 2 (failed, then retried)", n)
		}
		var keys []string
		for _, k := range rec.keys() {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
		if want := keysOf(jobs); len(keys) != len(want) {
			t.Errorf("jobs called = %d, want %d", len(keys), len(want))
		}
	})

	t.Run("downtime longer than the grace", func(t *testing.T) {
		db := openStore(t, "")
		clock := schedule.NewManualClock(start)
		rec := &recorder{clock: clock}
		ctx, cancel := context.WithCancel(t.Context())
		rec.hook = stopAt("reminder@2020-06-05T16:00Z", cancel)
		r := schedule.NewRunner(db, clock, jobs, rec.handlers(), schedule.RunnerOptions{ExitWhenDone: true})
		if err := drive(t, ctx, r, clock); err != nil {
			t.Fatal(err)
		}
		// Down until 13h after the second reminder (grace 12h), 11 June 05:00Z.
		clock.Set(utc("2020-06-11T05:00Z"))
		var missed []string
		n := len(rec.keys())
		rec.hook = nil
		r = schedule.NewRunner(db, clock, jobs, rec.handlers(), schedule.RunnerOptions{
			ExitWhenDone: true, Logger: testLogger(t),
			OnMissed: func(j schedule.Job) { missed = append(missed, j.Key) },
		})
		if err := drive(t, t.Context(), r, clock); err != nil {
			t.Fatal(err)
		}
		want := []string{"digest@2020-06-06", "digest@2020-06-07", "digest@2020-06-08", "digest@2020-06-09", "digest@2020-06-10", "reminder@2020-06-10T16:00Z"}
		if !slices.Equal(missed, want) {
			t.Errorf("OnMissed got %v, want %v", missed, want)
		}
		for _, k := range rec.keys()[n:] {
			if slices.Contains(want, k) {
				t.Errorf("missed job %s was run", k)
			}
		}
		if got, wantRun := len(rec.keys()), len(jobs)-len(want); got != wantRun {
			t.Errorf("calls = %d, want %d", got, wantRun)
		}
		states, _ := r.States(t.Context())
		for _, s := range states {
			if slices.Contains(want, s.Key) != (s.State == schedule.StateMissed) {
				t.Errorf("state of %s = %s", s.Key, s.State)
			}
		}
	})

	t.Run("a reminder is never sent after the deadline", func(t *testing.T) {
		_, jobs := exampleTimeline(t, schedule.TimelineOptions{Grace: map[schedule.Kind]time.Duration{schedule.Reminder: 30 * 24 * time.Hour}})
		db := openStore(t, "")
		clock := schedule.NewManualClock(utc("2020-06-12T16:01Z")) // first start one minute after the deadline
		rec := &recorder{clock: clock}
		var missed []string
		r := schedule.NewRunner(db, clock, jobs, rec.handlers(), schedule.RunnerOptions{
			ExitWhenDone: true, OnMissed: func(j schedule.Job) { missed = append(missed, j.Key) }})
		if err := drive(t, t.Context(), r, clock); err != nil {
			t.Fatal(err)
		}
		for _, k := range rec.keys() {
			if k == "reminder@2020-06-05T16:00Z" || k == "reminder@2020-06-10T16:00Z" {
				t.Errorf("%s sent after the deadline", k)
			}
		}
		// The invitation's grace ends at the deadline too.
		if !slices.Contains(missed, "reminder@2020-06-10T16:00Z") || !slices.Contains(missed, "invitation") || !slices.Contains(rec.keys(), "deadline@2020-06-12T16:00Z") {
			t.Errorf("missed %v; calls %v", missed, rec.keys())
		}
	})
}

func TestRunnerRetry(t *testing.T) {
	due := utc("2020-06-01T06:00Z")
	for _, tc := range []struct {
		name      string
		grace     time.Duration
		fails     int // the first fails calls fail
		calls     int
		state     string
		backoffAt []time.Duration // call times after due
	}{
		{"recovers", 12 * time.Hour, 2, 3, schedule.StateDone, []time.Duration{0, time.Minute, 3 * time.Minute}},
		{"gives up after MaxAttempts", 12 * time.Hour, 99, 4, schedule.StateFailed, []time.Duration{0, time.Minute, 3 * time.Minute, 7 * time.Minute}},
		{"no retry beyond the grace", 2 * time.Minute, 99, 2, schedule.StateFailed, []time.Duration{0, time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job := schedule.Job{Key: "digest@2020-06-01", Kind: schedule.Digest, Due: due, Grace: tc.grace}
			db := openStore(t, "")
			clock := schedule.NewManualClock(due.Add(-time.Hour))
			var at []time.Duration
			h := map[schedule.Kind]schedule.Handler{schedule.Digest: func(ctx context.Context, j schedule.Job) error {
				at = append(at, clock.Now().Sub(due))
				if len(at) <= tc.fails {
					return fmt.Errorf("attempt %d failed", len(at))
				}
				return nil
			}}
			r := schedule.NewRunner(db, clock, []schedule.Job{job}, h, schedule.RunnerOptions{ExitWhenDone: true, Backoff: time.Minute})
			if err := drive(t, t.Context(), r, clock); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(at, tc.backoffAt) {
				t.Errorf("calls at %v after due, want %v", at, tc.backoffAt)
			}
			st, _ := r.States(t.Context())
			if st[0].State != tc.state || st[0].Attempts != tc.calls || !st[0].RetryAt.IsZero() {
				t.Errorf("state = %+v, want %s after %d attempts", st[0], tc.state, tc.calls)
			}
		})
	}
}

func TestRunnerPanicAndMissingHandler(t *testing.T) {
	due := utc("2020-06-01T06:00Z")
	job := schedule.Job{Key: "k", Kind: schedule.Digest, Due: due, Grace: time.Hour}
	db := openStore(t, "")
	clock := schedule.NewManualClock(due)
	r := schedule.NewRunner(db, clock, []schedule.Job{job}, nil, schedule.RunnerOptions{ExitWhenDone: true})
	if err := r.Run(t.Context()); err == nil {
		t.Error("Run without a handler for digest jobs = nil, want an error")
	}
	h := map[schedule.Kind]schedule.Handler{schedule.Digest: func(context.Context, schedule.Job) error { panic("boom") }}
	r = schedule.NewRunner(db, clock, []schedule.Job{job}, h, schedule.RunnerOptions{ExitWhenDone: true, MaxAttempts: 1})
	if err := drive(t, t.Context(), r, clock); err != nil {
		t.Fatal(err)
	}
	st, _ := r.States(t.Context())
	if st[0].State != schedule.StateFailed || st[0].Error == "" {
		t.Errorf("state after a panic = %+v", st[0])
	}
}

func TestRunnerReplace(t *testing.T) {
	m, jobs := exampleTimeline(t, schedule.TimelineOptions{})
	db := openStore(t, "")
	clock := schedule.NewManualClock(m.Registration.Opens.Add(-time.Minute))
	rec := &recorder{clock: clock}
	var r *schedule.Runner
	// After the first reminder, the deadline moves a week later.
	m2 := *m
	m2.Registration.Deadline = m.Registration.Deadline.AddDate(0, 0, 7)
	jobs2, err := schedule.Timeline(&m2, schedule.TimelineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec.hook = func(_ context.Context, j schedule.Job) error {
		if j.Key == "reminder@2020-06-05T16:00Z" {
			r.Replace(jobs2)
		}
		return nil
	}
	r = schedule.NewRunner(db, clock, jobs, rec.handlers(), schedule.RunnerOptions{ExitWhenDone: true})
	if err := drive(t, t.Context(), r, clock); err != nil {
		t.Fatal(err)
	}
	got := rec.keys()
	for _, k := range []string{"invitation", "reminder@2020-06-05T16:00Z", "reminder@2020-06-12T16:00Z", "reminder@2020-06-17T16:00Z", "deadline@2020-06-19T16:00Z"} {
		if n := countOf(got, k); n != 1 {
			t.Errorf("%s called %d times, want once", k, n)
		}
	}
	for _, k := range []string{"reminder@2020-06-10T16:00Z", "deadline@2020-06-12T16:00Z"} {
		if n := countOf(got, k); n != 0 {
			t.Errorf("%s of the old timeline called %d times", k, n)
		}
	}
}

func countOf(ks []string, k string) int {
	n := 0
	for _, x := range ks {
		if x == k {
			n++
		}
	}
	return n
}

func TestManualClock(t *testing.T) {
	c := schedule.NewManualClock(utc("2020-06-01T00:00Z"))
	a, b := c.NewTimer(time.Hour), c.NewTimer(2*time.Hour)
	if n, next, _ := c.Waiting(); n != 2 || !next.Equal(utc("2020-06-01T01:00Z")) {
		t.Fatalf("Waiting = %d, %v", n, next)
	}
	c.Advance(90 * time.Minute)
	select {
	case got := <-a.C():
		if !got.Equal(utc("2020-06-01T01:30Z")) {
			t.Errorf("timer a fired with %v", got)
		}
	default:
		t.Fatal("timer a did not fire")
	}
	select {
	case <-b.C():
		t.Fatal("timer b fired early")
	default:
	}
	if !b.Stop() || a.Stop() {
		t.Error("Stop: want true for the pending timer, false for the fired one")
	}
	if n, _, _ := c.Waiting(); n != 0 {
		t.Errorf("Waiting after Stop = %d", n)
	}
}

func TestSimClock(t *testing.T) {
	start := utc("2020-06-01T00:00Z")
	c := schedule.SimClock(start, 3600*1000) // a simulated hour per real millisecond
	tm := c.NewTimer(24 * time.Hour)
	select {
	case got := <-tm.C():
		if got.Before(start.Add(24 * time.Hour)) {
			t.Errorf("timer fired at simulated %v, before its deadline", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a simulated day did not pass in 10 real seconds")
	}
	if now := c.Now(); now.Before(start.Add(24 * time.Hour)) {
		t.Errorf("Now = %v", now)
	}
}

// A held simulated clock stands still and fires no timer; released, it
// goes on from where it stood and fires what became due.
func TestSimClockHold(t *testing.T) {
	start := utc("2020-06-01T00:00Z")
	c := schedule.SimClock(start, 3600*1000)
	h, ok := c.(schedule.Holder)
	if !ok {
		t.Fatal("SimClock is not a Holder")
	}
	release := h.Hold()
	held := c.Now()
	tm := c.NewTimer(time.Nanosecond)
	for range 1000 {
		if now := c.Now(); !now.Equal(held) {
			t.Fatalf("held clock moved from %v to %v", held, now)
		}
	}
	inner := h.Hold() // holds nest
	inner()
	select {
	case got := <-tm.C():
		t.Fatalf("a timer fired at %v on a held clock", got)
	default:
	}
	if !c.Now().Equal(held) {
		t.Fatal("releasing an inner hold moved the clock")
	}
	release()
	release() // a second call does nothing
	select {
	case got := <-tm.C():
		if got.Before(held.Add(time.Nanosecond)) {
			t.Errorf("timer fired at %v, before its deadline", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the timer did not fire after the release")
	}
	if c.Now().Before(held) {
		t.Errorf("the released clock went back")
	}
}

// BenchmarkTimeline runs the example's full timeline (26 May - 2 July 2020,
// 45 jobs) on a ManualClock and a fresh store each time, and reports the
// real time per simulated week.
func BenchmarkTimeline(b *testing.B) {
	m, jobs := exampleTimeline(b, schedule.TimelineOptions{})
	start := m.Registration.Opens.Add(-time.Minute)
	weeks := float64(m.End().Sub(start)) / float64(7*24*time.Hour)
	dir := b.TempDir()
	i := 0
	for b.Loop() {
		i++
		db, err := store.Open(context.Background(), filepath.Join(dir, fmt.Sprintf("%d.db", i)))
		if err != nil {
			b.Fatal(err)
		}
		clock := schedule.NewManualClock(start)
		rec := &recorder{clock: clock}
		r := schedule.NewRunner(db, clock, jobs, rec.handlers(), schedule.RunnerOptions{ExitWhenDone: true})
		if err := drive(b, context.Background(), r, clock); err != nil {
			b.Fatal(err)
		}
		if len(rec.calls) != len(jobs) {
			b.Fatalf("calls = %d", len(rec.calls))
		}
		db.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/weeks, "ms/simweek")
}

func TestRunnerPollSkipsLate(t *testing.T) {
	_, jobs := exampleTimeline(t, schedule.TimelineOptions{Poll: true, DigestSpec: "-"})
	db := openStore(t, "")
	clock := schedule.NewManualClock(utc("2020-05-27T10:02Z")) // started a day late
	rec := &recorder{clock: clock}
	var missed []string
	r := schedule.NewRunner(db, clock, jobs, rec.handlers(), schedule.RunnerOptions{
		ExitWhenDone: true, OnMissed: func(j schedule.Job) { missed = append(missed, j.Key) }})
	if err := drive(t, t.Context(), r, clock); err != nil {
		t.Fatal(err)
	}
	var polls []string
	for _, k := range rec.keys() {
		if strings.HasPrefix(k, "inbox-poll@") {
			polls = append(polls, k)
		}
	}
	if len(polls) == 0 || polls[0] != "inbox-poll@2020-05-27T10:00Z" || polls[1] != "inbox-poll@2020-05-27T10:05Z" {
		t.Fatalf("first polls = %v, want the 10:00Z one (within half an interval), then on time", polls[:min(3, len(polls))])
	}
	want := int(utc("2020-07-02T12:30Z").Sub(utc("2020-05-27T10:00Z"))/(5*time.Minute)) + 1
	if len(polls) != want {
		t.Errorf("polls run = %d, want %d", len(polls), want)
	}
	for _, k := range missed {
		if strings.HasPrefix(k, "inbox-poll@") {
			t.Errorf("a skipped poll was reported missed: %s", k)
			break
		}
	}
	runs, err := db.JobRuns(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for k := range runs {
		if strings.HasPrefix(k, "inbox-poll@") {
			t.Errorf("poll %s in the run log", k)
			break
		}
	}
}

// A simulated clock with LimitGaps counts at most the gap of real time
// between two readings: a process that did not run for seconds does not
// find simulated hours gone.
func TestSimClockLimitGaps(t *testing.T) {
	t.Parallel()
	start := time.Date(2020, 6, 1, 9, 0, 0, 0, time.UTC)
	for _, limit := range []bool{false, true} {
		wall := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		c, run := schedule.PausedSimClock(start, 1000)
		schedule.SetWall(c, func() time.Time { return wall })
		if limit {
			schedule.LimitGaps(c, 10*time.Millisecond)
		}
		run()
		wall = wall.Add(5 * time.Millisecond)
		if got := c.Now(); !got.Equal(start.Add(5 * time.Second)) {
			t.Fatalf("limit %v: after 5 ms: %v, want 5 s on", limit, got)
		}
		wall = wall.Add(2 * time.Second) // the process did not run
		want := start.Add(2005 * time.Second)
		if limit {
			want = start.Add(15 * time.Second)
		}
		if got := c.Now(); !got.Equal(want) {
			t.Fatalf("limit %v: after a 2 s gap: %v, want %v", limit, got, want)
		}
		wall = wall.Add(3 * time.Millisecond)
		if got := c.Now(); !got.Equal(want.Add(3 * time.Second)) {
			t.Fatalf("limit %v: 3 ms later: %v, want %v", limit, got, want.Add(3*time.Second))
		}
	}
}
