package store

import (
	"context"
	"fmt"
	"time"

	"convene/meeting"
)

// SentInvite is the last calendar object sent to a delegate for an event.
// The calendar package plans updates from these rows; the store does not
// interpret them.
type SentInvite struct {
	Email     string // delegate address (stored lower case)
	EventID   string
	Contact   string
	UID       string
	Sequence  int
	Hash      string
	Method    string // REQUEST or CANCEL
	Cancelled bool
	SentAt    time.Time
}

// RecordInvite records that inv was sent, replacing what was recorded for
// the same (delegate, event) unless that has a higher SEQUENCE.
func (tx *Tx) RecordInvite(inv SentInvite) error {
	cancelled := 0
	if inv.Cancelled {
		cancelled = 1
	}
	at := inv.SentAt
	if at.IsZero() {
		at = tx.Now()
	}
	_, err := tx.ExecContext(tx.ctx, `INSERT INTO invites (email, event_id, contact, uid, sequence, hash, method, cancelled, sent_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (email, event_id) DO UPDATE SET contact = excluded.contact, uid = excluded.uid,
			sequence = excluded.sequence, hash = excluded.hash, method = excluded.method,
			cancelled = excluded.cancelled, sent_at = excluded.sent_at
		WHERE excluded.sequence >= invites.sequence`,
		meeting.NormalizeEmail(inv.Email), inv.EventID, inv.Contact, inv.UID, inv.Sequence, inv.Hash, inv.Method, cancelled, ms(at))
	if err != nil {
		return fmt.Errorf("store: record invite %s/%s: %w", inv.Email, inv.EventID, err)
	}
	return nil
}

// SentInvites returns every recorded invitation, by address and event.
func (db *DB) SentInvites(ctx context.Context) ([]SentInvite, error) {
	return sentInvites(ctx, db.sql, "")
}

// SentInvites returns the invitations recorded for contact's delegates
// ("" for all), as seen inside the transaction.
func (tx *Tx) SentInvites(contact string) ([]SentInvite, error) {
	return sentInvites(tx.ctx, tx.Tx, contact)
}

func sentInvites(ctx context.Context, q querier, contact string) ([]SentInvite, error) {
	rows, err := q.QueryContext(ctx, `SELECT email, event_id, contact, uid, sequence, hash, method, cancelled, sent_at
		FROM invites WHERE ($1 = '' OR contact = $1) ORDER BY email, event_id`, contact)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SentInvite
	for rows.Next() {
		var s SentInvite
		var cancelled int
		var at int64
		if err := rows.Scan(&s.Email, &s.EventID, &s.Contact, &s.UID, &s.Sequence, &s.Hash, &s.Method, &cancelled, &at); err != nil {
			return nil, err
		}
		s.Cancelled, s.SentAt = cancelled != 0, fromMS(at)
		out = append(out, s)
	}
	return out, rows.Err()
}

// Attendance is a delegate's answer for an event, from an iMIP REPLY.
type Attendance struct {
	Email    string
	EventID  string
	Partstat string // meeting.PartstatAccepted, ...
	Sequence int    // SEQUENCE of the REPLY
	Comment  string
	At       time.Time // the REPLY's DTSTAMP, or when it was read
}

// SetAttendance records a's answer. A REPLY with a lower SEQUENCE than the
// one recorded, or the same SEQUENCE and an older time, is stale (RFC 5546
// §2.1.5) and ignored; applied says whether a was recorded.
func (tx *Tx) SetAttendance(a Attendance) (applied bool, err error) {
	at := a.At
	if at.IsZero() {
		at = tx.Now()
	}
	res, err := tx.ExecContext(tx.ctx, `INSERT INTO attendance (email, event_id, partstat, sequence, comment, at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (email, event_id) DO UPDATE SET partstat = excluded.partstat, sequence = excluded.sequence,
			comment = excluded.comment, at = excluded.at
		WHERE excluded.sequence > attendance.sequence
			OR (excluded.sequence = attendance.sequence AND excluded.at >= attendance.at)`,
		meeting.NormalizeEmail(a.Email), a.EventID, a.Partstat, a.Sequence, a.Comment, ms(at))
	if err != nil {
		return false, fmt.Errorf("store: attendance %s/%s: %w", a.Email, a.EventID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n > 0, nil
}

// Attendance returns every recorded answer, by address and event.
func (db *DB) Attendance(ctx context.Context) ([]Attendance, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT email, event_id, partstat, sequence, comment, at FROM attendance ORDER BY email, event_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Attendance
	for rows.Next() {
		var a Attendance
		var at int64
		if err := rows.Scan(&a.Email, &a.EventID, &a.Partstat, &a.Sequence, &a.Comment, &at); err != nil {
			return nil, err
		}
		a.At = fromMS(at)
		out = append(out, a)
	}
	return out, rows.Err()
}
