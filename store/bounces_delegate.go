package store

import (
	"database/sql"
	"errors"

	"convene/meeting"
)

// KnownUnreachable returns the contact of an address recorded as bounced
// permanently without a review item: a delegate's address whose mission was
// asked for the correct one. It returns ErrNotFound when there is none.
func (tx *Tx) KnownUnreachable(email string) (contact string, err error) {
	err = tx.QueryRowContext(tx.ctx, `SELECT contact FROM bounces WHERE email = $1 AND permanent = 1 AND review_id = 0 AND contact <> '' ORDER BY id DESC LIMIT 1`,
		meeting.NormalizeEmail(email)).Scan(&contact)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return contact, err
}
