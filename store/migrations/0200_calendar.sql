-- Calendar invitations: the last iCalendar object sent per (delegate, event),
-- and each delegate's answer per event read from iMIP REPLYs.
CREATE TABLE invites (
	email     TEXT NOT NULL,             -- delegate address, lower case
	event_id  TEXT NOT NULL,             -- session id or "rehearsal"
	contact   TEXT NOT NULL DEFAULT '',  -- the contact that registered the delegate
	uid       TEXT NOT NULL,             -- iCalendar UID
	sequence  INTEGER NOT NULL,          -- SEQUENCE of the last object sent
	hash      TEXT NOT NULL DEFAULT '',  -- digest of the significant properties sent
	method    TEXT NOT NULL,             -- REQUEST | CANCEL
	cancelled INTEGER NOT NULL DEFAULT 0,
	sent_at   INTEGER NOT NULL,
	PRIMARY KEY (email, event_id)
);

CREATE TABLE attendance (
	email    TEXT NOT NULL,
	event_id TEXT NOT NULL,
	partstat TEXT NOT NULL,              -- ACCEPTED | DECLINED | TENTATIVE | ...
	sequence INTEGER NOT NULL,           -- SEQUENCE of the REPLY
	comment  TEXT NOT NULL DEFAULT '',
	at       INTEGER NOT NULL,           -- when the REPLY was made (DTSTAMP) or read
	PRIMARY KEY (email, event_id)
);
