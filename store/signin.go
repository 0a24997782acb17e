package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SignIn is the state of the OAuth2 sign-in for an account (auth oauth2).
type SignIn struct {
	Account string
	OK      bool
	Since   time.Time
	Detail  string // what is wrong and what to do; "" when OK
}

// SetSignIn records the sign-in state of account as of since. It is
// written on each change only (the token source reports changes).
func (db *DB) SetSignIn(ctx context.Context, s SignIn) error {
	if len(s.Detail) > 400 {
		s.Detail = s.Detail[:400] + "…"
	}
	ok := 0
	if s.OK {
		ok = 1
	}
	_, err := db.sql.ExecContext(ctx, `INSERT INTO signin_state (account, ok, status_since, detail) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account) DO UPDATE SET ok = excluded.ok, status_since = excluded.status_since, detail = excluded.detail`,
		s.Account, ok, ms(s.Since), s.Detail)
	if err != nil {
		return fmt.Errorf("store: sign-in state: %w", err)
	}
	return nil
}

// SignInFailing returns the failing sign-in that has failed longest, and
// false when every sign-in is well (or none is recorded).
func (db *DB) SignInFailing(ctx context.Context) (SignIn, bool, error) {
	var s SignIn
	var since int64
	err := db.sql.QueryRowContext(ctx, `SELECT account, status_since, detail FROM signin_state WHERE ok = 0
		ORDER BY status_since, account LIMIT 1`).Scan(&s.Account, &since, &s.Detail)
	if errors.Is(err, sql.ErrNoRows) {
		return SignIn{}, false, nil
	}
	if err != nil {
		return SignIn{}, false, fmt.Errorf("store: sign-in state: %w", err)
	}
	s.Since = fromMS(since)
	return s, true, nil
}
