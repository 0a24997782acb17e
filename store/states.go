package store

import (
	"context"
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
