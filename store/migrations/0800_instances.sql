-- Several instances on one PostgreSQL database (harmless on SQLite, where
-- one daemon holds the store). Times are INTEGER Unix milliseconds (UTC).
-- Who runs: each `convene run` writes its row at start and at every beat.
CREATE TABLE instances (
	id         TEXT PRIMARY KEY,          -- host/pid/random, new at each start
	host       TEXT NOT NULL DEFAULT '',
	pid        INTEGER NOT NULL DEFAULT 0,
	started_at INTEGER NOT NULL,
	seen_at    INTEGER NOT NULL           -- last heartbeat
);

-- Leases: who leads (name 'leader': the scheduler and the inbox watcher),
-- until when, and the fencing token, one more at each change of holder.
-- A leader-only write checks, in its own transaction, that the token is
-- still the one it was given (store.DB.Fenced).
CREATE TABLE leases (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	token      INTEGER NOT NULL,
	since      INTEGER NOT NULL,          -- when holder took it
	expires_at INTEGER NOT NULL
);

-- Which instance claimed a message in sending: only a dead instance's
-- claims are put back in the queue.
ALTER TABLE outbox_messages ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
