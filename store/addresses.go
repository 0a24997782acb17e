package store

import (
	"context"

	"convene/meeting"
)

// Bounce is a delivery failure reported for an address.
type Bounce struct {
	Email, Contact     string
	Permanent          bool
	Status, Diagnostic string
	MessageID          string
	ReviewID           int64 // the review item whose dismissal removes it; 0: none
}

// RecordBounce records a delivery failure.
func (tx *Tx) RecordBounce(b Bounce) error {
	perm := 0
	if b.Permanent {
		perm = 1
	}
	_, err := tx.ExecContext(tx.ctx, `INSERT INTO bounces (email, contact, permanent, status, diagnostic, message_id, at, review_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, meeting.NormalizeEmail(b.Email), b.Contact, perm, b.Status, b.Diagnostic, b.MessageID, ms(tx.Now()), b.ReviewID)
	return err
}

// HardBounced returns the addresses that bounced permanently, with the contact they belong to.
func (db *DB) HardBounced(ctx context.Context) (map[string]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT email, contact FROM bounces WHERE permanent = 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var e, c string
		if err := rows.Scan(&e, &c); err != nil {
			return nil, err
		}
		out[e] = c
	}
	return out, rows.Err()
}

// Bounces returns every recorded bounce, oldest first.
func (db *DB) Bounces(ctx context.Context) ([]Bounce, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT email, contact, permanent, status, diagnostic, message_id FROM bounces ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Bounce
	for rows.Next() {
		var b Bounce
		var perm int
		if err := rows.Scan(&b.Email, &b.Contact, &perm, &b.Status, &b.Diagnostic, &b.MessageID); err != nil {
			return nil, err
		}
		b.Permanent = perm != 0
		out = append(out, b)
	}
	return out, rows.Err()
}

// AllowAutoAnswer counts one automatic answer to sender today and reports
// whether it is within max per day. Together with never answering
// auto-submitted mail, this keeps convene out of mail loops.
func (tx *Tx) AllowAutoAnswer(sender string, max int) (bool, error) {
	day := tx.Now().UTC().Format("2006-01-02")
	sender = meeting.NormalizeEmail(sender)
	var n int
	err := tx.QueryRowContext(tx.ctx, `INSERT INTO auto_answers (sender, day, count) VALUES ($1, $2, 1)
		ON CONFLICT (sender, day) DO UPDATE SET count = auto_answers.count + 1 RETURNING count`, sender, day).Scan(&n)
	if err != nil {
		return false, err
	}
	return n <= max, nil
}
