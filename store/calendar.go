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

	// What the delegate's calendar shows: the times, title and location of
	// the last REQUEST, in Lang (all zero in rows recorded before they were).
	Lang       string
	Start, End time.Time
	Summary    string
	Location   string
}

// RecordInvite records that inv was sent, replacing what was recorded for
// the same (delegate, event) unless that has a higher SEQUENCE. A REQUEST
// with a higher SEQUENCE than the delegate's recorded answer (an update)
// resets that answer to NEEDS-ACTION at the new SEQUENCE: the answer was to
// another time (it stays in the history).
func (tx *Tx) RecordInvite(inv SentInvite) error {
	cancelled := 0
	if inv.Cancelled {
		cancelled = 1
	}
	at := inv.SentAt
	if at.IsZero() {
		at = tx.Now()
	}
	email := meeting.NormalizeEmail(inv.Email)
	_, err := tx.ExecContext(tx.ctx, `INSERT INTO invites (email, event_id, contact, uid, sequence, hash, method, cancelled, sent_at,
			lang, start_at, end_at, summary, location)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (email, event_id) DO UPDATE SET contact = excluded.contact, uid = excluded.uid,
			sequence = excluded.sequence, hash = excluded.hash, method = excluded.method,
			cancelled = excluded.cancelled, sent_at = excluded.sent_at,
			lang = excluded.lang, start_at = excluded.start_at, end_at = excluded.end_at,
			summary = excluded.summary, location = excluded.location
		WHERE excluded.sequence >= invites.sequence`,
		email, inv.EventID, inv.Contact, inv.UID, inv.Sequence, inv.Hash, inv.Method, cancelled, ms(at),
		inv.Lang, ms(inv.Start), ms(inv.End), inv.Summary, inv.Location)
	if err != nil {
		return fmt.Errorf("store: record invite %s/%s: %w", inv.Email, inv.EventID, err)
	}
	if inv.Method == "REQUEST" {
		_, err = tx.ExecContext(tx.ctx, `UPDATE attendance SET partstat = 'NEEDS-ACTION', sequence = $3, comment = '', at = $4
			WHERE email = $1 AND event_id = $2 AND sequence < $3`, email, inv.EventID, inv.Sequence, ms(at))
		if err != nil {
			return fmt.Errorf("store: reset attendance %s/%s: %w", inv.Email, inv.EventID, err)
		}
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
	rows, err := q.QueryContext(ctx, `SELECT email, event_id, contact, uid, sequence, hash, method, cancelled, sent_at,
			lang, start_at, end_at, summary, location
		FROM invites WHERE ($1 = '' OR contact = $1) ORDER BY email, event_id`, contact)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SentInvite
	for rows.Next() {
		var s SentInvite
		var cancelled int
		var at, start, end int64
		if err := rows.Scan(&s.Email, &s.EventID, &s.Contact, &s.UID, &s.Sequence, &s.Hash, &s.Method, &cancelled, &at,
			&s.Lang, &start, &end, &s.Summary, &s.Location); err != nil {
			return nil, err
		}
		s.Cancelled, s.SentAt, s.Start, s.End = cancelled != 0, fromMS(at), fromMS(start), fromMS(end)
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

// SetAttendance records a's answer, whose time (At) is the REPLY's DTSTAMP
// (when it was read, if zero). A REPLY with a lower SEQUENCE than the one
// recorded (an answer to a time since changed: RecordInvite raised the
// SEQUENCE when it sent the update), or the same SEQUENCE and an older time
// than another answer, is stale (RFC 5546 §2.1.5) and does not count;
// applied says whether a counts. Every answer is kept in the history.
func (tx *Tx) SetAttendance(a Attendance) (applied bool, err error) {
	now := tx.Now()
	at := a.At
	if at.IsZero() {
		at = now
	}
	email := meeting.NormalizeEmail(a.Email)
	res, err := tx.ExecContext(tx.ctx, `INSERT INTO attendance (email, event_id, partstat, sequence, comment, at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (email, event_id) DO UPDATE SET partstat = excluded.partstat, sequence = excluded.sequence,
			comment = excluded.comment, at = excluded.at
		WHERE excluded.sequence > attendance.sequence
			OR (excluded.sequence = attendance.sequence
				AND (attendance.partstat = 'NEEDS-ACTION' OR excluded.at >= attendance.at))`,
		email, a.EventID, a.Partstat, a.Sequence, a.Comment, ms(at))
	if err != nil {
		return false, fmt.Errorf("store: attendance %s/%s: %w", a.Email, a.EventID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	counted := 0
	if n > 0 {
		counted = 1
	}
	if _, err := tx.ExecContext(tx.ctx, `INSERT INTO attendance_history (email, event_id, partstat, sequence, comment, at, counted, read_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, email, a.EventID, a.Partstat, a.Sequence, a.Comment, ms(at), counted, ms(now)); err != nil {
		return false, fmt.Errorf("store: attendance history %s/%s: %w", a.Email, a.EventID, err)
	}
	return n > 0, nil
}

// AttendanceHistory returns every answer read for (email, event), counted
// or not, oldest first; Counted says whether it became the answer.
func (db *DB) AttendanceHistory(ctx context.Context, email, eventID string) ([]AnswerRead, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT partstat, sequence, comment, at, counted, read_at FROM attendance_history
		WHERE email = $1 AND event_id = $2 ORDER BY read_at, at`, meeting.NormalizeEmail(email), eventID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AnswerRead
	for rows.Next() {
		r := AnswerRead{Attendance: Attendance{Email: meeting.NormalizeEmail(email), EventID: eventID}}
		var at, read int64
		var counted int
		if err := rows.Scan(&r.Partstat, &r.Sequence, &r.Comment, &at, &counted, &read); err != nil {
			return nil, err
		}
		r.At, r.ReadAt, r.Counted = fromMS(at), fromMS(read), counted != 0
		out = append(out, r)
	}
	return out, rows.Err()
}

// AnswerRead is one answer in the history of attendance.
type AnswerRead struct {
	Attendance
	Counted bool
	ReadAt  time.Time
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
