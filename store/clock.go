package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ClockReading is the clock of a daemon that runs on a simulated clock
// (convene run --clock-start), as it last published it: at real time Real
// the daemon's clock read Sim, and it runs Speed times faster than real
// time. Another process writing to the store while that daemon holds it
// (convene send) dates what it records on the daemon's clock.
type ClockReading struct {
	Sim, Real time.Time
	Speed     float64
}

// Now extrapolates the reading to real time now.
func (r ClockReading) Now(now time.Time) time.Time {
	return r.Sim.Add(time.Duration(float64(now.Sub(r.Real)) * r.Speed))
}

const clockKey = "daemon_clock"

// SetClockReading publishes the daemon's clock.
func (db *DB) SetClockReading(ctx context.Context, r ClockReading) error {
	v := fmt.Sprintf("%d %d %g", r.Sim.UnixMilli(), r.Real.UnixMilli(), r.Speed)
	_, err := db.sql.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, clockKey, v)
	if err != nil {
		return fmt.Errorf("store: set clock reading: %w", err)
	}
	return nil
}

// ClockReading returns the published reading; ok is false when there is none.
// A daemon leaves its last reading behind when it stops (where its clock
// stood): it tells the clock of a running daemon only while the store is
// locked (Lock fails with ErrLocked).
func (db *DB) ClockReading(ctx context.Context) (r ClockReading, ok bool, err error) {
	var v string
	err = db.sql.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = $1`, clockKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("store: clock reading: %w", err)
	}
	var sim, real int64
	if _, err := fmt.Sscanf(v, "%d %d %g", &sim, &real, &r.Speed); err != nil || r.Speed <= 0 {
		return r, false, fmt.Errorf("store: clock reading %q: bad value", v)
	}
	r.Sim, r.Real = time.UnixMilli(sim).UTC(), time.UnixMilli(real).UTC()
	return r, true, nil
}
