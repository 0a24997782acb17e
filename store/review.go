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
	// Raw is the message as received (possibly cut at the writer's limit);
	// read by ReviewRaw only, never by the lists.
	Raw []byte
	// MoveTo is the folder the IMAP message goes to once resolved ("" while
	// open, or when it needs no move); Moved says it went.
	MoveTo string
	Moved  bool
}

// AddReview queues an item for staff and returns its id.
func (tx *Tx) AddReview(it ReviewItem) (int64, error) {
	// RETURNING, not LastInsertId: PostgreSQL's driver has none.
	var id int64
	err := tx.QueryRowContext(tx.ctx, `INSERT INTO review_items (kind, reason, summary, from_addr, contact, message_id, mailbox, detail, created_at, raw)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		it.Kind, it.Reason, it.Summary, it.From, it.Contact, it.MessageID, it.Mailbox, it.Detail, ms(tx.Now()), it.Raw).Scan(&id)
	return id, err
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

const reviewCols = `id, kind, reason, summary, from_addr, contact, message_id, mailbox, detail, created_at, resolved_at, resolved_by, resolution, move_to, moved_at IS NOT NULL`

func scanReview(sc interface{ Scan(...any) error }) (ReviewItem, error) {
	var it ReviewItem
	var c int64
	var r sql.NullInt64
	err := sc.Scan(&it.ID, &it.Kind, &it.Reason, &it.Summary, &it.From, &it.Contact, &it.MessageID, &it.Mailbox, &it.Detail, &c, &r, &it.ResolvedBy, &it.Resolution, &it.MoveTo, &it.Moved)
	it.CreatedAt = fromMS(c)
	if r.Valid {
		it.ResolvedAt = fromMS(r.Int64)
	}
	return it, err
}

// ReviewPage returns at most limit open items from offset, oldest first,
// and how many are open in all.
func (db *DB) ReviewPage(ctx context.Context, offset, limit int) ([]ReviewItem, int, error) {
	total, err := db.ReviewOpenCount(ctx)
	if err != nil {
		return nil, 0, err
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+reviewCols+` FROM review_items WHERE resolved_at IS NULL ORDER BY id LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []ReviewItem
	for rows.Next() {
		it, err := scanReview(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, it)
	}
	return out, total, rows.Err()
}

// ReviewOpenCount is the number of open review items.
func (db *DB) ReviewOpenCount(ctx context.Context) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM review_items WHERE resolved_at IS NULL`).Scan(&n)
	return n, err
}

// ReviewRaw returns the message of item id as it was stored.
func (db *DB) ReviewRaw(ctx context.Context, id int64) ([]byte, error) {
	var raw []byte
	err := db.sql.QueryRowContext(ctx, `SELECT raw FROM review_items WHERE id = $1`, id).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err == nil && raw == nil {
		raw = []byte{} // NULL: none kept
	}
	return raw, err
}

// OpenReviewByContact returns, for each contact with an open review item
// that is a reply (not a bounce nor an automatic reply), when its oldest
// such item was created: a reply from that mission waits for a person.
func (db *DB) OpenReviewByContact(ctx context.Context) (map[string]time.Time, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT contact, min(created_at) FROM review_items
		WHERE resolved_at IS NULL AND contact <> '' AND kind NOT IN ('bounce', 'auto-reply') GROUP BY contact`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var c string
		var at int64
		if err := rows.Scan(&c, &at); err != nil {
			return nil, err
		}
		out[c] = fromMS(at)
	}
	return out, rows.Err()
}

// SetReviewMove records, in the resolving transaction, that the IMAP
// message of item id is to move to dest. The watcher moves it after the
// commit and then calls ReviewMoved, so a crash in between leaves the move
// recorded and it is done again.
func (tx *Tx) SetReviewMove(id int64, dest string) error {
	_, err := tx.ExecContext(tx.ctx, `UPDATE review_items SET move_to = $1 WHERE id = $2`, dest, id)
	return err
}

// ReviewMovesPending returns the resolved items whose message is still to
// be moved (MoveTo set, not Moved), oldest first.
func (db *DB) ReviewMovesPending(ctx context.Context) ([]ReviewItem, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+reviewCols+` FROM review_items WHERE resolved_at IS NOT NULL AND move_to <> '' AND moved_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReviewItem
	for rows.Next() {
		it, err := scanReview(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// ReviewMoved records that the message of item id was moved to its MoveTo
// (or was found already gone).
func (db *DB) ReviewMoved(ctx context.Context, id int64) error {
	_, err := db.sql.ExecContext(ctx, `UPDATE review_items SET moved_at = $1, mailbox = move_to WHERE id = $2`, ms(db.Now()), id)
	return err
}
