package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Inbox dispositions: where a processed message goes.
const (
	InboxProcessed = "processed"
	InboxReview    = "review"
)

// InboxKey identifies a message in a watched mailbox (RFC 9051 2.3.1.1: a
// UID is only meaningful with its mailbox's UIDVALIDITY).
type InboxKey struct {
	Mailbox     string
	UIDValidity uint32
	UID         uint32
}

// InboxMessage is the checkpoint of one message.
type InboxMessage struct {
	InboxKey
	MessageID   string
	Disposition string // InboxProcessed or InboxReview; empty while not processed
	Reason      string // why it went to review
	Failures    int    // handler failures so far
	LastError   string
	ProcessedAt time.Time // zero until its effects are committed
	MovedAt     time.Time // zero until it has left the mailbox
}

// Processed reports whether the message's effects are committed.
func (m InboxMessage) Processed() bool { return !m.ProcessedAt.IsZero() }

const inboxCols = `mailbox, uidvalidity, uid, message_id, disposition, reason, failures, last_error, processed_at, moved_at`

type rowScanner interface{ Scan(...any) error }

func scanInbox(r rowScanner) (InboxMessage, error) {
	var m InboxMessage
	var pa, ma int64
	err := r.Scan(&m.Mailbox, &m.UIDValidity, &m.UID, &m.MessageID, &m.Disposition, &m.Reason, &m.Failures, &m.LastError, &pa, &ma)
	m.ProcessedAt, m.MovedAt = fromMS(pa), fromMS(ma)
	return m, err
}

// InboxMessage returns the checkpoint of k, or ErrNotFound.
func (tx *Tx) InboxMessage(k InboxKey) (InboxMessage, error) {
	m, err := scanInbox(tx.QueryRowContext(tx.ctx, `SELECT `+inboxCols+` FROM inbox_messages
		WHERE mailbox = $1 AND uidvalidity = $2 AND uid = $3`, k.Mailbox, k.UIDValidity, k.UID))
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	return m, err
}

// InboxProcessedByMessageIDs returns, for those of ids (Message-IDs) that a
// processed message has, in any mailbox under any UIDVALIDITY, the first such
// message. Empty ids are never found.
func (tx *Tx) InboxProcessedByMessageIDs(ids []string) (map[string]InboxMessage, error) {
	out := make(map[string]InboxMessage)
	var want []any
	for _, id := range ids {
		if id != "" {
			want = append(want, id)
		}
	}
	for len(want) > 0 {
		n := min(len(want), 100)
		rows, err := tx.QueryContext(tx.ctx, `SELECT `+inboxCols+` FROM inbox_messages
			WHERE processed_at > 0 AND message_id IN (`+placeholders(1, n)+`) ORDER BY processed_at DESC`, want[:n]...)
		if err != nil {
			return nil, fmt.Errorf("store: inbox by message id: %w", err)
		}
		for rows.Next() {
			m, err := scanInbox(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[m.MessageID] = m // the earliest comes last
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		want = want[n:]
	}
	return out, nil
}

// placeholders returns (SQLite resolves $N names in quadratic time: keep n
// small) "$from, ..., $(from+n-1)".
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

// InboxRecord records that m's effects are committed (with the transaction it
// is part of), with its disposition and reason, and notes the time of the last
// message processed in m's mailbox.
func (tx *Tx) InboxRecord(m InboxMessage) error { return tx.InboxRecordAll([]InboxMessage{m}) }

// InboxRecordAll is InboxRecord for several messages at once.
func (tx *Tx) InboxRecordAll(recs []InboxMessage) error {
	if len(recs) == 0 {
		return nil
	}
	now := ms(tx.Now())
	mailboxes := map[string]bool{}
	for _, m := range recs {
		if m.Disposition != InboxProcessed && m.Disposition != InboxReview {
			return fmt.Errorf("store: inbox disposition %q", m.Disposition)
		}
		if _, err := tx.ExecContext(tx.ctx, `INSERT INTO inbox_messages (mailbox, uidvalidity, uid, message_id, disposition, reason, processed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (mailbox, uidvalidity, uid) DO UPDATE SET message_id = excluded.message_id,
				disposition = excluded.disposition, reason = excluded.reason, processed_at = excluded.processed_at`,
			m.Mailbox, m.UIDValidity, m.UID, m.MessageID, m.Disposition, m.Reason, now); err != nil {
			return fmt.Errorf("store: inbox record: %w", err)
		}
		mailboxes[m.Mailbox] = true
	}
	for mbox := range mailboxes {
		if _, err := tx.ExecContext(tx.ctx, `INSERT INTO inbox_state (mailbox, last_message_at) VALUES ($1, $2)
			ON CONFLICT (mailbox) DO UPDATE SET last_message_at = excluded.last_message_at`, mbox, now); err != nil {
			return err
		}
	}
	return nil
}

// InboxFailure counts one more failure of the handler on k and returns the
// count so far. errText must not hold secrets.
func (tx *Tx) InboxFailure(k InboxKey, messageID, errText string) (int, error) {
	var n int
	err := tx.QueryRowContext(tx.ctx, `INSERT INTO inbox_messages (mailbox, uidvalidity, uid, message_id, failures, last_error)
		VALUES ($1, $2, $3, $4, 1, $5)
		ON CONFLICT (mailbox, uidvalidity, uid) DO UPDATE SET failures = inbox_messages.failures + 1, last_error = excluded.last_error
		RETURNING failures`, k.Mailbox, k.UIDValidity, k.UID, messageID, errText).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: inbox failure: %w", err)
	}
	return n, nil
}

// InboxPending returns the checkpoints of messages not yet moved out of a
// mailbox under one UIDVALIDITY (processed but not moved, or failing), by UID.
func (db *DB) InboxPending(ctx context.Context, mailbox string, uidvalidity uint32) (map[uint32]InboxMessage, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+inboxCols+` FROM inbox_messages
		WHERE mailbox = $1 AND uidvalidity = $2 AND moved_at = 0`, mailbox, uidvalidity)
	if err != nil {
		return nil, fmt.Errorf("store: inbox messages: %w", err)
	}
	defer rows.Close()
	out := make(map[uint32]InboxMessage)
	for rows.Next() {
		m, err := scanInbox(rows)
		if err != nil {
			return nil, err
		}
		out[m.UID] = m
	}
	return out, rows.Err()
}

// InboxMoved records that these messages have left the mailbox.
func (db *DB) InboxMoved(ctx context.Context, mailbox string, uidvalidity uint32, uids []uint32) error {
	return db.Update(ctx, func(tx *Tx) error {
		now := ms(tx.Now())
		for len(uids) > 0 {
			n := min(len(uids), 100)
			args := []any{now, mailbox, uidvalidity}
			for _, u := range uids[:n] {
				args = append(args, u)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE inbox_messages SET moved_at = $1
				WHERE mailbox = $2 AND uidvalidity = $3 AND uid IN (`+placeholders(4, n)+`)`, args...); err != nil {
				return fmt.Errorf("store: inbox moved: %w", err)
			}
			uids = uids[n:]
		}
		return nil
	})
}

// InboxUIDValidity returns the UIDVALIDITY last seen for mailbox (0 if never).
func (db *DB) InboxUIDValidity(ctx context.Context, mailbox string) (uint32, error) {
	var v uint32
	err := db.sql.QueryRowContext(ctx, `SELECT uidvalidity FROM inbox_state WHERE mailbox = $1`, mailbox).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

// SetInboxUIDValidity records the UIDVALIDITY of mailbox.
func (db *DB) SetInboxUIDValidity(ctx context.Context, mailbox string, v uint32) error {
	_, err := db.sql.ExecContext(ctx, `INSERT INTO inbox_state (mailbox, uidvalidity) VALUES ($1, $2)
		ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity`, mailbox, v)
	return err
}

// InboxContact records a successful exchange with the server for mailbox.
func (db *DB) InboxContact(ctx context.Context, mailbox string) error {
	_, err := db.sql.ExecContext(ctx, `INSERT INTO inbox_state (mailbox, last_contact_at) VALUES ($1, $2)
		ON CONFLICT (mailbox) DO UPDATE SET last_contact_at = excluded.last_contact_at`, mailbox, ms(db.Now()))
	return err
}

// InboxHealth says when a message was last processed and when the server was
// last reached, over all watched mailboxes; zero times mean never. Status is
// the watcher's state (InboxOK, InboxAuthFailed, InboxUnreachable; "" before
// its first connection), since StatusSince, with the server's answer.
type InboxHealth struct {
	LastMessage  time.Time
	LastContact  time.Time
	Status       string
	StatusSince  time.Time
	StatusDetail string
}

// The inbox watcher's states.
const (
	InboxOK          = "ok"
	InboxAuthFailed  = "auth-failed" // the server refused the credentials
	InboxUnreachable = "unreachable" // no connection, or it failed before a pass
)

// InboxHealth returns the inbox's health times and state, so that a dead
// inbox is noticed.
func (db *DB) InboxHealth(ctx context.Context) (InboxHealth, error) {
	var lm, lc int64
	err := db.sql.QueryRowContext(ctx, `SELECT coalesce(max(last_message_at), 0), coalesce(max(last_contact_at), 0) FROM inbox_state`).Scan(&lm, &lc)
	if err != nil {
		return InboxHealth{}, fmt.Errorf("store: inbox health: %w", err)
	}
	h := InboxHealth{LastMessage: fromMS(lm), LastContact: fromMS(lc)}
	var since int64
	err = db.sql.QueryRowContext(ctx, `SELECT status, status_since, status_detail FROM inbox_state WHERE status <> ''
		ORDER BY status = 'ok', status_since DESC LIMIT 1`).Scan(&h.Status, &since, &h.StatusDetail)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("store: inbox health: %w", err)
	}
	h.StatusSince = fromMS(since)
	return h, nil
}

// SetInboxStatus records the watcher's state for mailbox and reports whether
// it changed (so that the caller logs once per change). The time and detail
// are kept from the change, not updated on each repeat.
func (db *DB) SetInboxStatus(ctx context.Context, mailbox, status, detail string) (changed bool, err error) {
	if len(detail) > 300 {
		detail = detail[:300] + "…"
	}
	res, err := db.sql.ExecContext(ctx, `INSERT INTO inbox_state (mailbox, status, status_since, status_detail) VALUES ($1, $2, $3, $4)
		ON CONFLICT (mailbox) DO UPDATE SET status = excluded.status, status_since = excluded.status_since, status_detail = excluded.status_detail
		WHERE inbox_state.status <> excluded.status`, mailbox, status, ms(db.Now()), detail)
	if err != nil {
		return false, fmt.Errorf("store: inbox status: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
