package store

import (
	"context"
	"fmt"
	"time"
)

// OutboxChannel is the PostgreSQL NOTIFY channel on which a commit that
// added messages to the outbox wakes every instance's sender.
const OutboxChannel = "convene_outbox"

// notifyOutbox has tx's commit wake the senders listening on OutboxChannel
// (PostgreSQL delivers a NOTIFY at commit, and not at all on rollback).
// Nothing on SQLite: its one daemon wakes its own sender.
func (tx *Tx) notifyOutbox() error {
	if tx.db.Engine() != Postgres {
		return nil
	}
	_, err := tx.Tx.ExecContext(tx.ctx, `SELECT pg_notify($1, '')`, OutboxChannel)
	return err
}

// ListenOutbox calls wake at each commit, by any instance, that adds
// messages to the outbox, until ctx ends. It holds a connection of its own
// with LISTEN; when that connection fails it calls wake (something may have
// been missed), waits retry and connects again. A sender's own timers are
// the fallback meanwhile: a missed notification delays a batch, never loses
// it. It returns at once on SQLite.
func (db *DB) ListenOutbox(ctx context.Context, retry time.Duration, wake func(), logf func(format string, args ...any)) {
	if db.Engine() != Postgres {
		return
	}
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		if logf != nil {
			logf("outbox notifications: %v; polling until reconnected in %s", err, retry)
		}
		wake()
		t := time.NewTimer(retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (db *DB) listenOnce(ctx context.Context, wake func()) error {
	conn, err := db.pgConnect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+OutboxChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	wake() // anything committed before LISTEN took effect
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		wake()
	}
}
