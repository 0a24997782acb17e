package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"convene/store"
)

// Handler does the work of a job. A run interrupted by a crash is run again,
// so a handler must be idempotent for a given job.Key (the outbox
// de-duplicates sends by batch key). The context ends at the run's timeout,
// or a while after the Runner is stopped.
type Handler func(ctx context.Context, job Job) error

// RunnerOptions configures a Runner; the zero value means the defaults.
type RunnerOptions struct {
	Logger *slog.Logger
	// OnMissed is called (from Run's goroutine) for each logged job found
	// past its grace period, which is recorded missed and not run.
	OnMissed func(Job)
	// Timeout bounds one run of a handler; default 10 minutes.
	Timeout time.Duration
	// ShutdownTimeout is how long a run under way may go on once Run's
	// context is done before its own context is cancelled; default 30s.
	ShutdownTimeout time.Duration
	// MaxAttempts bounds the runs of a failing job; default 4. A retry is
	// made only while the job is within its grace period.
	MaxAttempts int
	// Backoff is the wait before the first retry, doubled for each next
	// one; default 1 minute (on the Runner's clock).
	Backoff time.Duration
	// ExitWhenDone makes Run return once no job is left to run.
	ExitWhenDone bool
}

// States of a job as reported by States.
const (
	StatePending = "pending"
	StateRunning = store.RunRunning
	StateDone    = store.RunDone
	StateFailed  = store.RunFailed
	StateMissed  = store.RunMissed
)

// JobState is a job with its state in the run log.
type JobState struct {
	Job
	State      string // StatePending, StateRunning, StateDone, StateFailed or StateMissed
	Attempts   int
	StartedAt  time.Time
	FinishedAt time.Time // done, failed or missed at
	RetryAt    time.Time // failed: the next attempt; zero when given up
	Error      string
}

// Runner runs a timeline: each job once, in due order, on its clock,
// recording each run in the store before its effects start and after they
// end. Use one Runner per store at a time; the daemon takes store's Lock.
// Replace and States are safe to call while Run runs.
type Runner struct {
	db       *store.DB
	clock    Clock
	handlers map[Kind]Handler
	opt      RunnerOptions
	log      *slog.Logger

	mu       sync.Mutex
	jobs     []Job
	pos      int                     // jobs before pos are finished
	runs     map[string]store.JobRun // the run log, read at Run's start and kept up to date
	replaced chan struct{}
}

// NewRunner returns a runner of jobs. It does no I/O.
func NewRunner(db *store.DB, clock Clock, jobs []Job, handlers map[Kind]Handler, opt RunnerOptions) *Runner {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Minute
	}
	if opt.ShutdownTimeout <= 0 {
		opt.ShutdownTimeout = 30 * time.Second
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 4
	}
	if opt.Backoff <= 0 {
		opt.Backoff = time.Minute
	}
	if clock == nil {
		clock = RealClock()
	}
	r := &Runner{db: db, clock: clock, handlers: handlers, opt: opt,
		log: opt.Logger.With("component", "schedule"), replaced: make(chan struct{}, 1)}
	r.jobs = sortedCopy(jobs)
	return r
}

func sortedCopy(jobs []Job) []Job {
	js := append([]Job(nil), jobs...)
	sortJobs(js)
	return js
}

// Replace swaps in a new timeline (after meeting.yaml changed). Jobs whose
// key was done, missed or given up stay so; jobs no longer in the timeline
// are dropped.
func (r *Runner) Replace(jobs []Job) {
	js := sortedCopy(jobs)
	r.mu.Lock()
	r.jobs, r.pos = js, 0
	r.mu.Unlock()
	select {
	case r.replaced <- struct{}{}:
	default:
	}
}

// Run fires due jobs in order until ctx is done, then returns nil once the
// run under way has finished. With ExitWhenDone it returns as soon as no job
// is left. It returns an error if a job's kind has no handler or the store
// fails.
func (r *Runner) Run(ctx context.Context) error {
	runs, err := r.db.JobRuns(ctx)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.runs, r.pos = runs, 0
	for _, j := range r.jobs {
		if r.handlers[j.Kind] == nil {
			r.mu.Unlock()
			return fmt.Errorf("schedule: no handler for %s jobs (%s)", j.Kind, j.Key)
		}
	}
	r.mu.Unlock()
	for {
		if ctx.Err() != nil {
			return nil
		}
		now := r.clock.Now()
		job, at, ok := r.next()
		if !ok {
			if r.opt.ExitWhenDone {
				return nil
			}
			select {
			case <-ctx.Done():
			case <-r.replaced:
			}
			continue
		}
		if at.After(now) {
			t := r.clock.NewTimer(at.Sub(now))
			select {
			case <-ctx.Done():
			case <-r.replaced:
			case <-t.C():
			}
			t.Stop()
			continue
		}
		if err := r.step(ctx, job, now); err != nil {
			return err
		}
	}
}

// finished reports whether a run log entry needs no more runs.
func finished(run store.JobRun, ok bool) bool {
	if !ok {
		return false
	}
	switch run.State {
	case store.RunDone, store.RunMissed:
		return true
	case store.RunFailed:
		return run.RetryAt.IsZero()
	}
	return false
}

// next returns the job to act on next and when: its due time, or its retry
// time after a failure.
func (r *Runner) next() (job Job, at time.Time, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.pos < len(r.jobs) {
		run, has := r.runs[r.jobs[r.pos].Key]
		if !finished(run, has) {
			break
		}
		r.pos++
	}
	for _, j := range r.jobs[r.pos:] {
		if ok && j.Due.After(at) {
			break // sorted by due: nothing later can come sooner
		}
		run, has := r.runs[j.Key]
		if finished(run, has) {
			continue
		}
		t := j.Due
		if has && run.State == store.RunFailed && run.RetryAt.After(t) {
			t = run.RetryAt
		}
		if !ok || t.Before(at) {
			job, at, ok = j, t, true
		}
	}
	return job, at, ok
}

func (r *Runner) setRun(run store.JobRun) {
	r.mu.Lock()
	r.runs[run.Key] = run
	r.mu.Unlock()
}

func (r *Runner) getRun(key string) (store.JobRun, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	run, ok := r.runs[key]
	return run, ok
}

// step runs job now, or records it missed when it is past its grace period.
func (r *Runner) step(ctx context.Context, job Job, now time.Time) error {
	log := r.log.With("job", job.Key, "kind", string(job.Kind), "due", job.Due.UTC().Format(time.RFC3339))
	prev, hadPrev := r.getRun(job.Key)
	run := store.JobRun{Key: job.Key, Kind: string(job.Kind), Due: job.Due, Label: job.Label, Attempts: prev.Attempts}
	wctx := context.WithoutCancel(ctx) // the run log is written even while stopping

	if now.After(job.LatestStart()) {
		run.State, run.FinishedAt = store.RunMissed, now
		if job.Unlogged {
			r.setRun(run)
			log.Debug("skipped a late run", "late", now.Sub(job.Due).String())
			return nil
		}
		why := fmt.Sprintf("missed: found %s after its due time, grace %s", now.Sub(job.Due).Round(time.Second), job.Grace)
		if hadPrev && prev.State == store.RunRunning {
			why = "interrupted and " + why
		}
		run.Error = why
		if err := r.db.Update(wctx, func(tx *store.Tx) error { return tx.MissJobRun(run, now, why) }); err != nil {
			return err
		}
		r.setRun(run)
		log.Warn("job missed: not run", "late", now.Sub(job.Due).Round(time.Second).String(), "grace", job.Grace.String())
		if r.opt.OnMissed != nil {
			r.opt.OnMissed(job)
		}
		return nil
	}

	if hadPrev && prev.State == store.RunRunning {
		log.Info("running again a job interrupted while running", "attempts", prev.Attempts)
	}
	run.State, run.StartedAt, run.Attempts = store.RunRunning, now, prev.Attempts+1
	if !job.Unlogged {
		if err := r.db.Update(wctx, func(tx *store.Tx) error { return tx.StartJobRun(run, now) }); err != nil {
			return err
		}
	}
	r.setRun(run)

	err := r.call(ctx, job)
	end := r.clock.Now()
	if err == nil {
		run.State, run.FinishedAt, run.Error, run.RetryAt = store.RunDone, end, "", time.Time{}
		if !job.Unlogged {
			if err := r.db.Update(wctx, func(tx *store.Tx) error { return tx.FinishJobRun(job.Key, end) }); err != nil {
				return err
			}
		}
		r.setRun(run)
		log.Debug("job done", "attempt", run.Attempts)
		return nil
	}
	run.State, run.FinishedAt, run.Error, run.RetryAt = store.RunFailed, end, err.Error(), time.Time{}
	if retry := end.Add(r.opt.Backoff << min(run.Attempts-1, 20)); run.Attempts < r.opt.MaxAttempts && !retry.After(job.LatestStart()) {
		run.RetryAt = retry
	}
	if !job.Unlogged {
		if err := r.db.Update(wctx, func(tx *store.Tx) error { return tx.FailJobRun(job.Key, end, run.Error, run.RetryAt) }); err != nil {
			return err
		}
	}
	r.setRun(run)
	if run.RetryAt.IsZero() {
		log.Error("job failed: giving up", "attempt", run.Attempts, "err", err)
	} else {
		log.Warn("job failed: will retry", "attempt", run.Attempts, "retry_at", run.RetryAt.UTC().Format(time.RFC3339), "err", err)
	}
	return nil
}

// call runs the job's handler, recovering a panic. Its context outlives ctx
// by ShutdownTimeout so that a run under way can finish.
func (r *Runner) call(ctx context.Context, job Job) (err error) {
	h := r.handlers[job.Kind]
	if h == nil {
		return fmt.Errorf("schedule: no handler for %s jobs", job.Kind)
	}
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opt.Timeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(r.opt.ShutdownTimeout, cancel)
		context.AfterFunc(hctx, func() { t.Stop() })
	})
	defer stop()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("schedule: handler of %s panicked: %v", job.Key, p)
		}
	}()
	return h(hctx, job)
}

// States returns each job of the current timeline with its state. The
// unlogged jobs (the inbox poll) are reported from memory.
func (r *Runner) States(ctx context.Context) ([]JobState, error) {
	r.mu.Lock()
	jobs := append([]Job(nil), r.jobs...)
	mem := map[string]store.JobRun{}
	for _, j := range jobs {
		if run, ok := r.runs[j.Key]; ok && j.Unlogged {
			mem[j.Key] = run
		}
	}
	r.mu.Unlock()
	st, err := States(ctx, r.db, jobs)
	if err != nil {
		return nil, err
	}
	for i := range st {
		if run, ok := mem[st[i].Key]; ok {
			st[i] = jobState(st[i].Job, run, true)
		}
	}
	return st, nil
}

// States returns each of jobs with its state in the run log of db, in due
// order. With a nil db every job is pending.
func States(ctx context.Context, db *store.DB, jobs []Job) ([]JobState, error) {
	runs := map[string]store.JobRun{}
	if db != nil {
		var err error
		if runs, err = db.JobRuns(ctx); err != nil {
			return nil, err
		}
	}
	js := sortedCopy(jobs)
	out := make([]JobState, 0, len(js))
	for _, j := range js {
		run, ok := runs[j.Key]
		out = append(out, jobState(j, run, ok))
	}
	return out, nil
}

func jobState(j Job, run store.JobRun, ok bool) JobState {
	if !ok {
		return JobState{Job: j, State: StatePending}
	}
	return JobState{Job: j, State: run.State, Attempts: run.Attempts, StartedAt: run.StartedAt,
		FinishedAt: run.FinishedAt, RetryAt: run.RetryAt, Error: run.Error}
}
