package store

import (
	"context"
	"time"
)

// Inbound is what the inbox made of one message.
type Inbound struct {
	MessageID   string
	Kind        string // registration, calendar-reply, bounce, auto-reply, other
	Contact     string
	From        string
	Summary     string
	Disposition string // processed or review
	At          time.Time
}

// LogInbound records what was made of a message.
func (tx *Tx) LogInbound(in Inbound) error {
	_, err := tx.ExecContext(tx.ctx, `INSERT INTO inbound (message_id, kind, contact, from_addr, summary, disposition, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, in.MessageID, in.Kind, in.Contact, in.From, in.Summary, in.Disposition, ms(tx.Now()))
	return err
}

// InboundByKind counts the messages read, by kind.
func (db *DB) InboundByKind(ctx context.Context) (map[string]int64, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT kind, count(*) FROM inbound GROUP BY kind`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}

// LastInbound returns each contact's latest message.
func (db *DB) LastInbound(ctx context.Context) (map[string]Inbound, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT message_id, kind, contact, from_addr, summary, disposition, at FROM inbound
		WHERE contact <> '' ORDER BY at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]Inbound{}
	for rows.Next() {
		var in Inbound
		var at int64
		if err := rows.Scan(&in.MessageID, &in.Kind, &in.Contact, &in.From, &in.Summary, &in.Disposition, &at); err != nil {
			return nil, err
		}
		in.At = fromMS(at)
		out[in.Contact] = in
	}
	return out, rows.Err()
}
