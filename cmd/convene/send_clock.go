package main

import (
	"context"
	"errors"
	"time"

	"convene/store"
)

// storeClock is the clock that dates what send records in db: the clock
// of the daemon holding the store when it runs on a simulated clock
// (convene run --clock-start publishes it), otherwise real time. A reading
// left behind by a daemon that is gone (the store is not locked) is ignored.
func storeClock(ctx context.Context, db *store.DB) (func() time.Time, error) {
	r, ok, err := db.ClockReading(ctx)
	if err != nil || !ok {
		return time.Now, err
	}
	unlock, err := db.Lock()
	if err == nil {
		unlock()
		return time.Now, nil
	}
	if !errors.Is(err, store.ErrLocked) {
		return nil, err
	}
	return func() time.Time { return r.Now(time.Now()) }, nil
}
