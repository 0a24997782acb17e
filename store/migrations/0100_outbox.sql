-- The outbox: every outgoing message is recorded here before anything is sent.
-- Bodies live in a table of their own so that state changes rewrite small rows only.
CREATE TABLE outbox_batches (
	id         TEXT PRIMARY KEY,            -- e.g. "invitation-20200415T0900"
	template   TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	total      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE outbox_messages (
	id              INTEGER PRIMARY KEY,
	batch           TEXT NOT NULL REFERENCES outbox_batches (id),
	dedupe_key      TEXT NOT NULL UNIQUE,   -- batch + recipient: enqueueing twice adds nothing
	contact         TEXT NOT NULL DEFAULT '',
	sender          TEXT NOT NULL,          -- envelope MAIL FROM
	recipients      TEXT NOT NULL,          -- envelope RCPT TO, ';'-separated
	domain          TEXT NOT NULL,          -- first recipient's domain, for its rate limit
	message_id      TEXT NOT NULL,
	state           TEXT NOT NULL,          -- queued | sending | sent | retry | failed
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '', -- the server's reply
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	sent_at         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_messages_due ON outbox_messages (state, next_attempt_at); -- retries by due time
CREATE INDEX outbox_messages_state ON outbox_messages (state, id);             -- the queue in order
CREATE INDEX outbox_messages_batch ON outbox_messages (batch, state);

CREATE TABLE outbox_bodies (
	message INTEGER PRIMARY KEY REFERENCES outbox_messages (id),
	raw     BLOB NOT NULL               -- the exact bytes sent
);
