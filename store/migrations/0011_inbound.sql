-- What the inbox made of each message: its kind, the contact it was tied to,
-- and what was done (for the dashboard and the metrics).
CREATE TABLE inbound (
	id          INTEGER PRIMARY KEY,
	message_id  TEXT NOT NULL DEFAULT '',
	kind        TEXT NOT NULL,
	contact     TEXT NOT NULL DEFAULT '',
	from_addr   TEXT NOT NULL DEFAULT '',
	summary     TEXT NOT NULL DEFAULT '',
	disposition TEXT NOT NULL,            -- processed | review
	at          INTEGER NOT NULL
);
CREATE INDEX inbound_contact ON inbound (contact, at);
