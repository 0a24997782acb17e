-- The inbox watcher's state: ok, auth-failed or unreachable, since when, and
-- the server's last answer (never a secret).
ALTER TABLE inbox_state ADD COLUMN status TEXT NOT NULL DEFAULT '';
ALTER TABLE inbox_state ADD COLUMN status_since INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbox_state ADD COLUMN status_detail TEXT NOT NULL DEFAULT '';
