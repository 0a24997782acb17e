package store

import (
	"context"
	"fmt"

	"convene/meeting"
)

// AddContactAddress records email as an address of contact, added by
// src.Actor (from review item reviewID, 0 if none), and notes it in the
// contact's history. It reports whether the address is new.
func (tx *Tx) AddContactAddress(contact, email string, reviewID int64, src Source) (bool, error) {
	email = meeting.NormalizeEmail(email)
	res, err := tx.ExecContext(tx.ctx, `INSERT INTO contact_addresses (contact, email, added_by, added_at, review_id)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (contact, email) DO NOTHING`, contact, email, src.Actor, ms(tx.Now()), reviewID)
	if err != nil {
		return false, fmt.Errorf("store: address of %q: %w", contact, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	return true, tx.addEvent(contact, "add-address", email, src)
}

// ContactAddresses returns the addresses staff added, by contact, in the
// order they were added.
func (db *DB) ContactAddresses(ctx context.Context) (map[string][]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT contact, email FROM contact_addresses ORDER BY added_at, contact, email`)
	if err != nil {
		return nil, fmt.Errorf("store: contact addresses: %w", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var c, e string
		if err := rows.Scan(&c, &e); err != nil {
			return nil, err
		}
		out[c] = append(out[c], e)
	}
	return out, rows.Err()
}

// ResolveInbound records on the inbound log what staff made of a message
// that waited in review: its summary becomes what was done, its
// disposition "resolved", and it is tied to contact when it was tied to
// none (a message from an unknown address assigned to a mission), so that
// the mission's page lists it.
func (tx *Tx) ResolveInbound(messageID, contact, summary string) error {
	if messageID == "" {
		return nil
	}
	_, err := tx.ExecContext(tx.ctx, `UPDATE inbound SET summary = $1, disposition = 'resolved',
		contact = CASE WHEN contact = '' THEN $2 ELSE contact END
		WHERE message_id = $3 AND disposition = 'review'`, summary, contact, messageID)
	if err != nil {
		return fmt.Errorf("store: inbound %s: %w", messageID, err)
	}
	return nil
}
