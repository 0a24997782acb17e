-- The public registration page (package regweb). Each mission's link is a
-- capability derived from a secret key; only its SHA-256 is kept here, with
-- the generation that rotating the link increments. History rows say by
-- which way a change came (mail, web, staff) and, for the web, from which
-- client address.
CREATE TABLE web_links (
	meeting    TEXT NOT NULL,
	contact    TEXT NOT NULL,
	generation INTEGER NOT NULL,
	hash       TEXT NOT NULL UNIQUE,     -- hex SHA-256 of the link's token
	created_at INTEGER NOT NULL,
	PRIMARY KEY (meeting, contact)
);
ALTER TABLE registration_events ADD COLUMN via TEXT NOT NULL DEFAULT '';
ALTER TABLE registration_events ADD COLUMN client TEXT NOT NULL DEFAULT '';
