-- The inbox: one row per message seen in a watched mailbox, keyed by
-- (mailbox, uidvalidity, uid), with its Message-ID for dedupe across a
-- UIDVALIDITY change or a re-delivery. processed_at > 0 means the message's
-- effects are committed; moved_at > 0 means it has left the mailbox.
CREATE TABLE inbox_messages (
	mailbox      TEXT NOT NULL,
	uidvalidity  INTEGER NOT NULL,
	uid          INTEGER NOT NULL,
	message_id   TEXT NOT NULL DEFAULT '',
	disposition  TEXT NOT NULL DEFAULT '',  -- processed | review ('' while failing)
	reason       TEXT NOT NULL DEFAULT '',  -- why it went to review
	failures     INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT NOT NULL DEFAULT '',
	processed_at INTEGER NOT NULL DEFAULT 0,
	moved_at     INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (mailbox, uidvalidity, uid)
);
CREATE INDEX inbox_messages_message_id ON inbox_messages (message_id);
CREATE INDEX inbox_messages_pending ON inbox_messages (mailbox, uidvalidity) WHERE moved_at = 0;

-- Per watched mailbox: the UIDVALIDITY last seen and the health times.
CREATE TABLE inbox_state (
	mailbox         TEXT PRIMARY KEY,
	uidvalidity     INTEGER NOT NULL DEFAULT 0,
	last_message_at INTEGER NOT NULL DEFAULT 0,
	last_contact_at INTEGER NOT NULL DEFAULT 0
);
