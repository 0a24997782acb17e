-- Addresses staff added to a mission on the review desk: the colleague an
-- out-of-office named ("remind the colleague too"), or a new address the
-- mission gave. Reminders go to them as well as to the contact list's.
CREATE TABLE contact_addresses (
	contact   TEXT NOT NULL,
	email     TEXT NOT NULL,              -- normalized
	added_by  TEXT NOT NULL,
	added_at  INTEGER NOT NULL,
	review_id INTEGER NOT NULL DEFAULT 0, -- the review item it came from, if any
	PRIMARY KEY (contact, email)
);
