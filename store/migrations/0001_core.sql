-- Core tables: contacts snapshot, registrations with history, review queue.
-- Times are INTEGER Unix milliseconds (UTC); SQL kept portable to PostgreSQL.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE contacts (
	name       TEXT PRIMARY KEY,
	category   TEXT NOT NULL,
	language   TEXT NOT NULL,
	emails     TEXT NOT NULL,            -- ';'-separated, lower case
	token      TEXT NOT NULL UNIQUE,     -- per-contact reference in reply addresses and subjects
	updated_at INTEGER NOT NULL
);

CREATE TABLE registrations (
	contact    TEXT PRIMARY KEY,
	status     TEXT NOT NULL,            -- registered | declined
	late       INTEGER NOT NULL DEFAULT 0,
	first_at   INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

CREATE TABLE delegates (
	id         INTEGER PRIMARY KEY,
	contact    TEXT NOT NULL,
	email      TEXT NOT NULL,
	name       TEXT NOT NULL,
	title      TEXT NOT NULL DEFAULT '',
	status     TEXT NOT NULL,            -- active | withdrawn
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	UNIQUE (contact, email)
);
CREATE INDEX delegates_email ON delegates (email);

CREATE TABLE registration_events (
	id         INTEGER PRIMARY KEY,
	contact    TEXT NOT NULL,
	action     TEXT NOT NULL,            -- register | withdraw | decline | manual ...
	detail     TEXT NOT NULL,            -- JSON
	message_id TEXT NOT NULL DEFAULT '',
	actor      TEXT NOT NULL DEFAULT '', -- "inbox" or the staff member
	at         INTEGER NOT NULL
);
CREATE INDEX registration_events_contact ON registration_events (contact, at);

CREATE TABLE review_items (
	id          INTEGER PRIMARY KEY,
	kind        TEXT NOT NULL,           -- what the message looked like: registration, bounce, other...
	reason      TEXT NOT NULL,
	summary     TEXT NOT NULL DEFAULT '',
	from_addr   TEXT NOT NULL DEFAULT '',
	contact     TEXT NOT NULL DEFAULT '',
	message_id  TEXT NOT NULL DEFAULT '',
	mailbox     TEXT NOT NULL DEFAULT '',
	detail      TEXT NOT NULL DEFAULT '', -- JSON: what was parsed
	created_at  INTEGER NOT NULL,
	resolved_at INTEGER,
	resolved_by TEXT NOT NULL DEFAULT '',
	resolution  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX review_items_open ON review_items (resolved_at);
