-- The scheduler's run log: one row per job key, written before a run's
-- effects start (running) and after they end (done, failed) or when the job
-- was missed. Times are INTEGER Unix milliseconds (UTC).
CREATE TABLE schedule_runs (
	key         TEXT PRIMARY KEY,
	kind        TEXT NOT NULL,
	due_at      INTEGER NOT NULL,
	state       TEXT NOT NULL,               -- running | done | failed | missed
	attempts    INTEGER NOT NULL DEFAULT 0,
	started_at  INTEGER NOT NULL DEFAULT 0,  -- start of the latest attempt
	finished_at INTEGER NOT NULL DEFAULT 0,  -- done, failed or missed at
	retry_at    INTEGER NOT NULL DEFAULT 0,  -- failed: when the next attempt may start; 0: given up
	error       TEXT NOT NULL DEFAULT '',
	label       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX schedule_runs_due ON schedule_runs (due_at);
