package store

import (
	"context"
	"fmt"
	"time"
)

// Run states of the scheduler's run log.
const (
	RunRunning = "running" // started; its effects may be partly done
	RunDone    = "done"
	RunFailed  = "failed" // see JobRun.RetryAt
	RunMissed  = "missed" // its grace period passed before it could run
)

// JobRun is the run log entry of one scheduled job.
type JobRun struct {
	Key        string
	Kind       string
	Due        time.Time
	State      string
	Attempts   int
	StartedAt  time.Time
	FinishedAt time.Time
	RetryAt    time.Time // a failed run is tried again from then; zero: given up
	Error      string
	Label      string
}

// StartJobRun records that a run of r.Key starts at at: state running, one
// more attempt. Commit it before the run's effects start.
func (tx *Tx) StartJobRun(r JobRun, at time.Time) error {
	_, err := tx.ExecContext(tx.ctx, `INSERT INTO schedule_runs (key, kind, due_at, state, attempts, started_at, label)
		VALUES ($1, $2, $3, 'running', 1, $4, $5)
		ON CONFLICT (key) DO UPDATE SET state = 'running', attempts = schedule_runs.attempts + 1,
			started_at = $4, finished_at = 0, retry_at = 0, error = '', due_at = $3, label = $5`,
		r.Key, r.Kind, ms(r.Due), ms(at), r.Label)
	if err != nil {
		return fmt.Errorf("store: start job %s: %w", r.Key, err)
	}
	return nil
}

// FinishJobRun records that the run of key completed at at.
func (tx *Tx) FinishJobRun(key string, at time.Time) error {
	return tx.endJobRun(key, RunDone, at, "", time.Time{})
}

// FailJobRun records that the run of key failed at at with msg; a non-zero
// retryAt says when it will be tried again.
func (tx *Tx) FailJobRun(key string, at time.Time, msg string, retryAt time.Time) error {
	return tx.endJobRun(key, RunFailed, at, msg, retryAt)
}

func (tx *Tx) endJobRun(key, state string, at time.Time, msg string, retryAt time.Time) error {
	res, err := tx.ExecContext(tx.ctx, `UPDATE schedule_runs SET state = $2, finished_at = $3, error = $4, retry_at = $5 WHERE key = $1`,
		key, state, ms(at), msg, ms(retryAt))
	if err != nil {
		return fmt.Errorf("store: %s job %s: %w", state, key, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("store: %s job %s: %w", state, key, ErrNotFound)
	}
	return nil
}

// MissJobRun records that r was missed (not run) as found at at, with why.
// It keeps the attempt count of an earlier interrupted or failed run.
func (tx *Tx) MissJobRun(r JobRun, at time.Time, why string) error {
	_, err := tx.ExecContext(tx.ctx, `INSERT INTO schedule_runs (key, kind, due_at, state, finished_at, error, label)
		VALUES ($1, $2, $3, 'missed', $4, $5, $6)
		ON CONFLICT (key) DO UPDATE SET state = 'missed', finished_at = $4, retry_at = 0, error = $5`,
		r.Key, r.Kind, ms(r.Due), ms(at), why, r.Label)
	if err != nil {
		return fmt.Errorf("store: missed job %s: %w", r.Key, err)
	}
	return nil
}

// JobRuns returns the run log by job key.
func (db *DB) JobRuns(ctx context.Context) (map[string]JobRun, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT key, kind, due_at, state, attempts, started_at, finished_at, retry_at, error, label FROM schedule_runs`)
	if err != nil {
		return nil, fmt.Errorf("store: job runs: %w", err)
	}
	defer rows.Close()
	out := map[string]JobRun{}
	for rows.Next() {
		var r JobRun
		var due, st, fin, retry int64
		if err := rows.Scan(&r.Key, &r.Kind, &due, &r.State, &r.Attempts, &st, &fin, &retry, &r.Error, &r.Label); err != nil {
			return nil, fmt.Errorf("store: job runs: %w", err)
		}
		r.Due, r.StartedAt, r.FinishedAt, r.RetryAt = fromMS(due), fromMS(st), fromMS(fin), fromMS(retry)
		out[r.Key] = r
	}
	return out, rows.Err()
}
