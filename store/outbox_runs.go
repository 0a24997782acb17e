package store

import (
	"context"
	"fmt"
	"time"
)

// OutboxCounts counts the messages of batch by state; when from is not
// zero, only those recorded between from and to (inclusive), which is how
// a job that adds to a shared batch (the calendar's) is told apart.
func (db *DB) OutboxCounts(ctx context.Context, batch string, from, to time.Time) (map[string]int, error) {
	lo, hi := int64(0), int64(1<<62)
	if !from.IsZero() {
		lo, hi = ms(from), ms(to)
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT state, count(*) FROM outbox_messages
		WHERE batch = $1 AND created_at >= $2 AND created_at <= $3 GROUP BY state`, batch, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("store: outbox counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		out[state] = n
	}
	return out, rows.Err()
}
