-- The answers to the meeting's registration.fields (e.g. participation:
-- in-person or online), given on the registration page: a URL query with
-- sorted keys (participation=online), '' when none were given.
ALTER TABLE delegates ADD COLUMN fields TEXT NOT NULL DEFAULT '';
