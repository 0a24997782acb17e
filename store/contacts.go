package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"

	"convene/meeting"
)

// tokenEncoding writes tokens in lower-case base32 without padding: no
// characters that mail clients or plus-addressing mangle.
var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newToken returns 10 random characters (50 bits): a reference that cannot be guessed.
func newToken() string {
	b := make([]byte, 7)
	rand.Read(b)
	return tokenEncoding.EncodeToString(b)[:10]
}

// SyncContacts records the contact list and gives each new contact its reply
// token. A contact keeps its token for as long as its name is unchanged.
// Contacts no longer in the list are kept (their history stays readable).
func (db *DB) SyncContacts(ctx context.Context, cs *meeting.Contacts) error {
	return db.Update(ctx, func(tx *Tx) error {
		for _, c := range cs.List {
			_, err := tx.ExecContext(ctx, `INSERT INTO contacts (name, category, language, emails, token, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (name) DO UPDATE SET category = excluded.category, language = excluded.language,
					emails = excluded.emails, updated_at = excluded.updated_at`,
				c.Name, string(c.Category), string(c.Language), strings.Join(c.Emails, ";"), newToken(), ms(tx.Now()))
			if err != nil {
				return fmt.Errorf("store: sync contact %q: %w", c.Name, err)
			}
		}
		return nil
	})
}

// Tokens returns every contact's reply token, by contact name.
func (db *DB) Tokens(ctx context.Context) (map[string]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT name, token FROM contacts`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, t string
		if err := rows.Scan(&n, &t); err != nil {
			return nil, err
		}
		out[n] = t
	}
	return out, rows.Err()
}

// ContactByToken returns the name of the contact whose token is tok.
func (db *DB) ContactByToken(ctx context.Context, tok string) (string, error) {
	var n string
	err := db.sql.QueryRowContext(ctx, `SELECT name FROM contacts WHERE token = $1`, strings.ToLower(tok)).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return n, err
}
