package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// WebLink is a mission's link to the public registration page as stored:
// never the token itself, only its hash and generation.
type WebLink struct {
	Contact    string
	Generation int
	Hash       string // hex SHA-256 of the token
}

// WebLinks returns the links of meeting's contacts, by contact name.
func (db *DB) WebLinks(ctx context.Context, meeting string) (map[string]WebLink, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT contact, generation, hash FROM web_links WHERE meeting = $1`, meeting)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]WebLink{}
	for rows.Next() {
		var l WebLink
		if err := rows.Scan(&l.Contact, &l.Generation, &l.Hash); err != nil {
			return nil, err
		}
		out[l.Contact] = l
	}
	return out, rows.Err()
}

// SetWebLink records contact's link for meeting: a new one, or a rotated
// one replacing the previous (whose hash then matches nothing).
func (tx *Tx) SetWebLink(meeting string, l WebLink) error {
	_, err := tx.ExecContext(tx.ctx, `INSERT INTO web_links (meeting, contact, generation, hash, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (meeting, contact) DO UPDATE SET generation = excluded.generation, hash = excluded.hash, created_at = excluded.created_at`,
		meeting, l.Contact, l.Generation, l.Hash, ms(tx.Now()))
	if err != nil {
		return fmt.Errorf("store: web link of %q: %w", l.Contact, err)
	}
	return nil
}

// WebLinkContact returns the contact whose current link for meeting has
// this hash; ErrNotFound for any other (unknown or rotated).
func (db *DB) WebLinkContact(ctx context.Context, meeting, hash string) (string, error) {
	var c string
	err := db.sql.QueryRowContext(ctx, `SELECT contact FROM web_links WHERE meeting = $1 AND hash = $2`, meeting, hash).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return c, err
}

// Ways a registration change comes by (Source.Via).
const (
	ViaMail  = "mail"
	ViaWeb   = "web"
	ViaStaff = "staff"
)

// LastVia returns, by contact, the way its registration last changed
// (ViaMail, ViaWeb, ViaStaff); contacts whose history does not say are
// absent.
func (db *DB) LastVia(ctx context.Context) (map[string]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT contact, via FROM registration_events WHERE via <> '' ORDER BY at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var c, v string
		if err := rows.Scan(&c, &v); err != nil {
			return nil, err
		}
		out[c] = v
	}
	return out, rows.Err()
}
