package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ReviewItem is something a person must look at: a message the inbox could
// not apply, a hard bounce, an out-of-office naming a new contact.
type ReviewItem struct {
	ID         int64
	Kind       string // what the message looked like (registration, bounce, auto-reply, other)
	Reason     string // why a person must look
	Summary    string
	From       string
	Contact    string // the matched contact, if any
	MessageID  string
	Mailbox    string // where the message now is
	Detail     string // JSON of what was parsed
	CreatedAt  time.Time
	ResolvedAt time.Time // zero while open
	ResolvedBy string
	Resolution string
}

// AddReview queues an item for staff and returns its id.
func (tx *Tx) AddReview(it ReviewItem) (int64, error) {
	res, err := tx.ExecContext(tx.ctx, `INSERT INTO review_items (kind, reason, summary, from_addr, contact, message_id, mailbox, detail, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		it.Kind, it.Reason, it.Summary, it.From, it.Contact, it.MessageID, it.Mailbox, it.Detail, ms(tx.Now()))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// ResolveReview closes an item, recording who acted, when and how.
func (tx *Tx) ResolveReview(id int64, by, resolution string) error {
	res, err := tx.ExecContext(tx.ctx, `UPDATE review_items SET resolved_at = $1, resolved_by = $2, resolution = $3
		WHERE id = $4 AND resolved_at IS NULL`, ms(tx.Now()), by, resolution, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ReviewItem returns one item, open or not.
func (tx *Tx) ReviewItem(id int64) (ReviewItem, error) {
	var it ReviewItem
	var c int64
	var r sql.NullInt64
	err := tx.QueryRowContext(tx.ctx, `SELECT id, kind, reason, summary, from_addr, contact, message_id, mailbox, detail, created_at, resolved_at, resolved_by, resolution
		FROM review_items WHERE id = $1`, id).Scan(&it.ID, &it.Kind, &it.Reason, &it.Summary, &it.From, &it.Contact, &it.MessageID, &it.Mailbox, &it.Detail, &c, &r, &it.ResolvedBy, &it.Resolution)
	if errors.Is(err, sql.ErrNoRows) {
		return it, ErrNotFound
	}
	it.CreatedAt = fromMS(c)
	if r.Valid {
		it.ResolvedAt = fromMS(r.Int64)
	}
	return it, err
}

// ReviewItems returns the open items, or all items when all is set, oldest first.
func (db *DB) ReviewItems(ctx context.Context, all bool) ([]ReviewItem, error) {
	q := `SELECT id, kind, reason, summary, from_addr, contact, message_id, mailbox, detail, created_at, resolved_at, resolved_by, resolution FROM review_items`
	if !all {
		q += ` WHERE resolved_at IS NULL`
	}
	rows, err := db.sql.QueryContext(ctx, q+` ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReviewItem
	for rows.Next() {
		var it ReviewItem
		var c int64
		var r sql.NullInt64
		if err := rows.Scan(&it.ID, &it.Kind, &it.Reason, &it.Summary, &it.From, &it.Contact, &it.MessageID, &it.Mailbox, &it.Detail, &c, &r, &it.ResolvedBy, &it.Resolution); err != nil {
			return nil, err
		}
		it.CreatedAt = fromMS(c)
		if r.Valid {
			it.ResolvedAt = fromMS(r.Int64)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}
