-- What each delegate's calendar shows of an event: the times, title and
-- location (in the delegate's language) of the last REQUEST, so that a
-- CANCEL repeats them, even after the event has left meeting.yaml.
ALTER TABLE invites ADD COLUMN lang TEXT NOT NULL DEFAULT '';
ALTER TABLE invites ADD COLUMN start_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invites ADD COLUMN end_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invites ADD COLUMN summary TEXT NOT NULL DEFAULT '';
ALTER TABLE invites ADD COLUMN location TEXT NOT NULL DEFAULT '';

-- Every answer read, counted or not (stale, or to an older SEQUENCE than
-- the invitation now in the delegate's calendar): attendance holds only the
-- answer that counts.
CREATE TABLE attendance_history (
	email    TEXT NOT NULL,
	event_id TEXT NOT NULL,
	partstat TEXT NOT NULL,
	sequence INTEGER NOT NULL,           -- SEQUENCE of the REPLY
	comment  TEXT NOT NULL DEFAULT '',
	at       INTEGER NOT NULL,           -- the REPLY's DTSTAMP, or when it was read
	counted  INTEGER NOT NULL,           -- 1 when it became the answer in attendance
	read_at  INTEGER NOT NULL
);
CREATE INDEX attendance_history_by_event ON attendance_history (email, event_id);
