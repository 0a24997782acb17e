-- The OAuth2 sign-in (auth oauth2): whether convene can obtain a token for
-- the mailbox, since when, and what is wrong (never a token). One row per
-- account.
CREATE TABLE signin_state (
    account      TEXT PRIMARY KEY,
    ok           INTEGER NOT NULL DEFAULT 1,
    status_since INTEGER NOT NULL DEFAULT 0,
    detail       TEXT NOT NULL DEFAULT ''
);
