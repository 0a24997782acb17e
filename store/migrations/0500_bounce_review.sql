-- A bounce recorded while its review item is open belongs to that item:
-- dismissing the item removes it (the address is as it was).
ALTER TABLE bounces ADD COLUMN review_id INTEGER NOT NULL DEFAULT 0;
CREATE INDEX bounces_review ON bounces (review_id) WHERE review_id <> 0;
