-- The review desk: the message as received (raw, up to the limit the
-- secretariat sets), and, once an item is resolved, the folder its IMAP
-- message should move to (move_to) and when it was moved (moved_at).
ALTER TABLE review_items ADD COLUMN raw BLOB;
ALTER TABLE review_items ADD COLUMN move_to TEXT NOT NULL DEFAULT '';
ALTER TABLE review_items ADD COLUMN moved_at INTEGER;
CREATE INDEX review_items_contact_open ON review_items (contact) WHERE resolved_at IS NULL;
