package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Several instances on one PostgreSQL database.
//
// Leadership is a row of the leases table, not a session advisory lock:
// an advisory lock lives as long as one connection, so a leader that is
// paused (SIGSTOP, a long GC, a VM freeze) or cut off keeps believing it
// leads, and nothing in the database can tell its late writes from the
// new leader's. A lease row has an expiry that another instance can see
// pass, and a fencing token that changes with the holder: every
// leader-only write runs through a Fenced handle, whose transactions first
// check the token (and lock the lease row against a takeover until they
// commit), so an ex-leader's write fails with ErrFenced instead of landing.
//
// Lease times come from the store's clock (DB.Now), so tests inject it;
// instances should run NTP. Safety does not depend on clocks (the token
// does that); only how soon a takeover happens does.

// ErrFenced is returned by a write through a Fenced handle whose lease has
// passed to another instance (or was never held).
var ErrFenced = errors.New("store: not the leader: the lease is held by another instance")

// LeaderLease is the lease of the scheduler and the inbox watcher.
const LeaderLease = "leader"

// Lease is a lease as read or taken.
type Lease struct {
	Name    string
	Holder  string // instance id
	Token   int64  // fencing token: one more at each change of holder
	Since   time.Time
	Expires time.Time
}

// NewInstanceID returns an id for this process: host/pid/random.
func NewInstanceID() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Instance returns this handle's instance id (set by SetInstance; OpenPostgres
// sets a new one).
func (db *DB) Instance() string { return db.instance }

// AliveWindow is how long since its last heartbeat an instance counts as
// alive (default 30 s): its claims are spared by RequeueOrphans.
func (db *DB) AliveWindow() time.Duration {
	if db.alive <= 0 {
		return 30 * time.Second
	}
	return db.alive
}

// SetAliveWindow sets AliveWindow (the daemon: twice the lease).
func (db *DB) SetAliveWindow(d time.Duration) { db.alive = d }

// SetInstance sets the instance id the handle claims messages and leases as.
func (db *DB) SetInstance(id string) { db.instance = id }

// AcquireLease takes or renews lease name for holder until now+ttl. It
// returns the lease as it stands and whether holder has it: a holder
// renews its own lease at any time, and takes another's once it has
// expired (then with the next token).
func (db *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (Lease, bool, error) {
	var l Lease
	var held bool
	err := db.Update(ctx, func(tx *Tx) error {
		now := ms(tx.Now())
		var since, exp int64
		err := tx.QueryRowContext(ctx, `INSERT INTO leases (name, holder, token, since, expires_at) VALUES ($1, $2, 1, $3, $4)
			ON CONFLICT (name) DO UPDATE SET
				token = CASE WHEN leases.holder = excluded.holder THEN leases.token ELSE leases.token + 1 END,
				since = CASE WHEN leases.holder = excluded.holder THEN leases.since ELSE excluded.since END,
				holder = excluded.holder, expires_at = excluded.expires_at
			WHERE leases.holder = excluded.holder OR leases.expires_at <= excluded.since
			RETURNING holder, token, since, expires_at`, name, holder, now, now+ttl.Milliseconds()).Scan(&l.Holder, &l.Token, &since, &exp)
		if errors.Is(err, sql.ErrNoRows) {
			err = tx.QueryRowContext(ctx, `SELECT holder, token, since, expires_at FROM leases WHERE name = $1`, name).Scan(&l.Holder, &l.Token, &since, &exp)
		} else if err == nil {
			held = true
		}
		l.Name, l.Since, l.Expires = name, fromMS(since), fromMS(exp)
		return err
	})
	if err != nil {
		return Lease{}, false, fmt.Errorf("store: lease %s: %w", name, err)
	}
	return l, held, nil
}

// ReleaseLease gives up holder's lease name at once (a clean shutdown), so
// that another instance takes over without waiting for the expiry. The
// token stays: the next holder's is one more.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE leases SET expires_at = $3 WHERE name = $1 AND holder = $2`, name, holder, ms(tx.Now()))
		return err
	})
}

// GetLease reads lease name (ErrNotFound when nobody ever took it).
func (db *DB) GetLease(ctx context.Context, name string) (Lease, error) {
	l := Lease{Name: name}
	var since, exp int64
	err := db.sql.QueryRowContext(ctx, `SELECT holder, token, since, expires_at FROM leases WHERE name = $1`, name).Scan(&l.Holder, &l.Token, &since, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return l, ErrNotFound
	}
	l.Since, l.Expires = fromMS(since), fromMS(exp)
	return l, err
}

// Fence is the token a Fenced handle checks; 0 refuses every write.
type Fence struct {
	Name   string
	Holder string
	token  atomic.Int64
}

// Set gives the fence the token of a lease just taken; Clear (or 0) makes
// every write through it fail.
func (f *Fence) Set(token int64) { f.token.Store(token) }
func (f *Fence) Clear()          { f.token.Store(0) }
func (f *Fence) Token() int64    { return f.token.Load() }

// Fenced returns a handle on the same database whose every Update first
// checks, inside its transaction, that f's lease is still held by f.Holder
// with f's token, and fails with ErrFenced otherwise. On PostgreSQL the
// check locks the lease row (FOR SHARE) until the transaction ends, so a
// takeover waits for the write in flight and no write of the old holder
// can commit after it. Reads are not fenced.
func (db *DB) Fenced(f *Fence) *DB {
	c := *db
	c.fence = f
	return &c
}

// checkFence is the check of Fenced, run first in each transaction.
func (tx *Tx) checkFence() error {
	f := tx.db.fence
	tok := f.Token()
	if tok == 0 {
		return ErrFenced
	}
	q := `SELECT token FROM leases WHERE name = $1 AND holder = $2`
	if tx.db.Engine() == Postgres {
		q += ` FOR SHARE`
	}
	var got int64
	err := tx.Tx.QueryRowContext(tx.ctx, q, f.Name, f.Holder).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && got != tok) {
		f.token.CompareAndSwap(tok, 0)
		return ErrFenced
	}
	return err
}

// InstanceInfo is a row of the instances table.
type InstanceInfo struct {
	ID      string
	Host    string
	PID     int
	Started time.Time
	Seen    time.Time
}

// Heartbeat records that this instance (db.Instance()) is alive now.
func (db *DB) Heartbeat(ctx context.Context, started time.Time) error {
	host, _ := os.Hostname()
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO instances (id, host, pid, started_at, seen_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, db.instance, host, os.Getpid(), ms(started), ms(tx.Now()))
		return err
	})
}

// Unregister removes this instance's row (a clean shutdown): it no longer
// counts as alive, so its claims (none after a clean stop) are not spared.
func (db *DB) Unregister(ctx context.Context) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM instances WHERE id = $1`, db.instance)
		return err
	})
}

// Instances lists the instances seen within alive (all when alive is 0),
// most recently started first, and forgets those unseen for a day.
func (db *DB) Instances(ctx context.Context, alive time.Duration) ([]InstanceInfo, error) {
	now := db.Now()
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM instances WHERE seen_at < $1`, ms(now.Add(-24*time.Hour))); err != nil {
		return nil, err
	}
	var after int64
	if alive > 0 {
		after = ms(now.Add(-alive))
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT id, host, pid, started_at, seen_at FROM instances WHERE seen_at >= $1 ORDER BY started_at DESC, id`, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []InstanceInfo
	for rows.Next() {
		var i InstanceInfo
		var st, seen int64
		if err := rows.Scan(&i.ID, &i.Host, &i.PID, &st, &seen); err != nil {
			return nil, err
		}
		i.Started, i.Seen = fromMS(st), fromMS(seen)
		out = append(out, i)
	}
	return out, rows.Err()
}

// RequeueOrphans puts back in the queue the messages left in sending by
// instances not seen within alive (dead: killed between a claim and the
// record of its result) and returns how many. It is RequeueSending for
// several instances: a live instance's messages in sending are its own
// business. The leader runs it at each beat. Such a message may have been
// sent: it is sent again with the same bytes and Message-ID (the crash
// window, as on SQLite).
func (db *DB) RequeueOrphans(ctx context.Context, alive time.Duration) (int, error) {
	return db.requeueOrphans(ctx, alive, db.instance)
}

// requeueOrphans is RequeueOrphans sparing the claims of spare too (this
// instance's, while it runs).
func (db *DB) requeueOrphans(ctx context.Context, alive time.Duration, spare string) (int, error) {
	var n int64
	err := db.Update(ctx, func(tx *Tx) error {
		now := tx.Now()
		res, err := tx.ExecContext(ctx, `UPDATE outbox_messages SET state = 'queued', updated_at = $1, claimed_by = ''
			WHERE state = 'sending' AND ($2 = '' OR claimed_by <> $2)
			AND claimed_by NOT IN (SELECT id FROM instances WHERE seen_at >= $3 AND id <> $4)`, ms(now), spare, ms(now.Add(-alive)), db.instance)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: requeue orphans: %w", err)
	}
	return int(n), nil
}

// lockPostgres is Lock on PostgreSQL.
func (db *DB) lockPostgres() (unlock func(), err error) {
	ctx := context.Background()
	live, err := db.Instances(ctx, db.AliveWindow())
	if err != nil {
		return nil, fmt.Errorf("store: lock: %w", err)
	}
	for _, i := range live {
		if i.ID != db.instance {
			return nil, fmt.Errorf("%w: %s has a running instance (%s, pid %d on %s, seen %s ago)", ErrLocked, db.Describe(),
				i.ID, i.PID, i.Host, db.Now().Sub(i.Seen).Round(time.Second))
		}
	}
	started := db.Now()
	if err := db.Heartbeat(ctx, started); err != nil {
		return nil, fmt.Errorf("store: lock: %w", err)
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(db.AliveWindow() / 4)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				db.Heartbeat(ctx, started)
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }, nil
}
