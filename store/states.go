package store

import (
	"context"
	"strings"
	"time"
)

// HardBouncedAt returns when each address that bounced permanently last
// did so.
func (db *DB) HardBouncedAt(ctx context.Context) (map[string]time.Time, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT email, max(at) FROM bounces WHERE permanent = 1 GROUP BY email`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var e string
		var at int64
		if err := rows.Scan(&e, &at); err != nil {
			return nil, err
		}
		out[e] = fromMS(at)
	}
	return out, rows.Err()
}

// InboundFor returns what the inbox made of each message tied to contact,
// oldest first.
func (db *DB) InboundFor(ctx context.Context, contact string) ([]Inbound, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT message_id, kind, contact, from_addr, summary, disposition, at FROM inbound
		WHERE contact = $1 ORDER BY at, id`, contact)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Inbound
	for rows.Next() {
		var in Inbound
		var at int64
		if err := rows.Scan(&in.MessageID, &in.Kind, &in.Contact, &in.From, &in.Summary, &in.Disposition, &at); err != nil {
			return nil, err
		}
		in.At = fromMS(at)
		out = append(out, in)
	}
	return out, rows.Err()
}

// ContactMail is a message of the outbox to one contact, with its batch's
// template.
type ContactMail struct {
	OutboxEntry
	Template string
	Created  time.Time
}

// OutboxFor returns the outbox's messages to contact, oldest first.
func (db *DB) OutboxFor(ctx context.Context, contact string) ([]ContactMail, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT m.id, m.batch, m.dedupe_key, m.contact, m.recipients, m.message_id, m.state, m.attempts, m.last_error,
		m.created_at, m.updated_at, m.sent_at, b.template FROM outbox_messages m JOIN outbox_batches b ON b.id = m.batch
		WHERE m.contact = $1 ORDER BY m.id`, contact)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ContactMail
	for rows.Next() {
		var e ContactMail
		var rcpts string
		var c, u, s int64
		if err := rows.Scan(&e.ID, &e.Batch, &e.Key, &e.Contact, &rcpts, &e.MessageID, &e.State, &e.Attempts, &e.LastError, &c, &u, &s, &e.Template); err != nil {
			return nil, err
		}
		e.Recipients = strings.Split(rcpts, ";")
		e.Created, e.UpdatedAt, e.SentAt = fromMS(c), fromMS(u), fromMS(s)
		out = append(out, e)
	}
	return out, rows.Err()
}

// InboundSince counts the messages the inbox handled at or after since.
func (db *DB) InboundSince(ctx context.Context, since time.Time) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM inbound WHERE at >= $1`, ms(since)).Scan(&n)
	return n, err
}
