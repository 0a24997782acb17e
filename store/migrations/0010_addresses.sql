-- Delivery state of addresses (bounces), and the cap on automatic answers.
CREATE TABLE bounces (
	id         INTEGER PRIMARY KEY,
	email      TEXT NOT NULL,
	contact    TEXT NOT NULL DEFAULT '',
	permanent  INTEGER NOT NULL,
	status     TEXT NOT NULL DEFAULT '',   -- e.g. 5.1.1
	diagnostic TEXT NOT NULL DEFAULT '',
	message_id TEXT NOT NULL DEFAULT '',
	at         INTEGER NOT NULL
);
CREATE INDEX bounces_email ON bounces (email);

CREATE TABLE auto_answers (
	sender TEXT NOT NULL,
	day    TEXT NOT NULL,                  -- YYYY-MM-DD in UTC
	count  INTEGER NOT NULL,
	PRIMARY KEY (sender, day)
);
