package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// OutboxRef says which batch and recipient a sent message belongs to.
type OutboxRef struct {
	Batch   string
	Key     string // the recipient's key within the batch (the dedupe key without the batch)
	Contact string
}

// OutboxByMessageID finds the outbox message with this Message-ID (without <>).
func (db *DB) OutboxByMessageID(ctx context.Context, messageID string) (OutboxRef, error) {
	var r OutboxRef
	var key string
	err := db.sql.QueryRowContext(ctx, `SELECT batch, dedupe_key, contact FROM outbox_messages WHERE message_id = $1 ORDER BY id LIMIT 1`,
		strings.Trim(messageID, "<> ")).Scan(&r.Batch, &key, &r.Contact)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	r.Key = strings.TrimPrefix(key, r.Batch+"/")
	return r, err
}
