package store

import (
	"context"
	"fmt"
	"time"
)

// RetryOutboxNow makes the messages of batch waiting for a retry due at
// now, and returns how many. A person who runs an interrupted send again
// means "try now", not at the back-off's next attempt.
func (db *DB) RetryOutboxNow(ctx context.Context, batch string, now time.Time) (int, error) {
	res, err := db.sql.ExecContext(ctx, `UPDATE outbox_messages SET next_attempt_at = $2
		WHERE batch = $1 AND state = 'retry' AND next_attempt_at > $2`, batch, ms(now))
	if err != nil {
		return 0, fmt.Errorf("store: retry %s now: %w", batch, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
