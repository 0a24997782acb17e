package store

import (
	"database/sql"
	"errors"
	"strings"
)

// SentMessage is what the outbox recorded of one message: enough to tell
// whether a delivery report refers to it.
type SentMessage struct {
	Batch      string
	Contact    string
	MessageID  string
	Recipients []string // envelope recipients, lower case
	State      string
}

// SentByMessageID finds the outbox message with this Message-ID (without
// <>); ErrNotFound when convene never recorded one.
func (tx *Tx) SentByMessageID(messageID string) (SentMessage, error) {
	var m SentMessage
	var rcpts string
	err := tx.QueryRowContext(tx.ctx, `SELECT batch, contact, message_id, recipients, state FROM outbox_messages WHERE message_id = $1 ORDER BY id LIMIT 1`,
		strings.Trim(messageID, "<> ")).Scan(&m.Batch, &m.Contact, &m.MessageID, &rcpts, &m.State)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, err
	}
	for _, r := range strings.Split(rcpts, ";") {
		if r = strings.ToLower(strings.TrimSpace(r)); r != "" {
			m.Recipients = append(m.Recipients, r)
		}
	}
	return m, nil
}

// LastOutboxID is the id of the newest outbox message (0 when empty):
// messages enqueued later have larger ids.
func (tx *Tx) LastOutboxID() (int64, error) {
	var id int64
	err := tx.QueryRowContext(tx.ctx, `SELECT coalesce(max(id), 0) FROM outbox_messages`).Scan(&id)
	return id, err
}

// OutboxSince counts the outbox messages enqueued after id, in all and in
// batch.
func (tx *Tx) OutboxSince(id int64, batch string) (all, inBatch int, err error) {
	err = tx.QueryRowContext(tx.ctx, `SELECT count(*), coalesce(sum(CASE WHEN batch = $2 THEN 1 ELSE 0 END), 0) FROM outbox_messages WHERE id > $1`,
		id, batch).Scan(&all, &inBatch)
	return all, inBatch, err
}

// UndoReview removes what an open review item had recorded before a person
// decided (the bounces tied to it), and returns how many records it removed.
func (tx *Tx) UndoReview(id int64) (int, error) {
	res, err := tx.ExecContext(tx.ctx, `DELETE FROM bounces WHERE review_id = $1 AND review_id <> 0`, id)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Savepoint starts a nested part of tx that Rollback undoes alone (SQL
// SAVEPOINT); Release keeps it. name is a fixed identifier.
func (tx *Tx) Savepoint(name string) (rollback, release func() error, err error) {
	if _, err := tx.ExecContext(tx.ctx, `SAVEPOINT `+name); err != nil {
		return nil, nil, err
	}
	release = func() error {
		_, err := tx.ExecContext(tx.ctx, `RELEASE SAVEPOINT `+name)
		return err
	}
	rollback = func() error {
		if _, err := tx.ExecContext(tx.ctx, `ROLLBACK TO SAVEPOINT `+name); err != nil {
			return err
		}
		return release()
	}
	return rollback, release, nil
}
