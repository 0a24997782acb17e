package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"weak"
)

// outboxStmts are the statements of the sending path, prepared once per DB:
// parsing SQL was a visible part of the per-message cost.
type outboxStmts struct {
	claim, complete, body, bodies *sql.Stmt
}

var outboxPrepared sync.Map // weak.Pointer[DB] -> *outboxStmts

// outboxIdleConns is how many idle connections a DB keeps once it sends: a
// sender's workers and its coordinator each hold one at a time.
const outboxIdleConns = 32

const (
	claimSQL = `UPDATE outbox_messages SET state = 'sending', attempts = attempts + 1, updated_at = $1
			WHERE id IN (
				SELECT id FROM (SELECT id FROM outbox_messages
					WHERE state = 'retry' AND next_attempt_at <= $1 AND ($2 = '' OR batch = $2) ORDER BY next_attempt_at LIMIT $3)
				UNION ALL
				SELECT id FROM (SELECT id FROM outbox_messages
					WHERE state = 'queued' AND ($2 = '' OR batch = $2) ORDER BY id LIMIT $3)
				LIMIT $3)
			RETURNING id, batch, message_id, sender, recipients, domain, attempts`
	// claimPostgresSQL is claimSQL for several senders on one database: the
	// rows are locked as they are picked and rows another sender's
	// transaction holds are skipped (FOR UPDATE SKIP LOCKED), so two senders
	// never claim the same message and neither waits for the other.
	claimPostgresSQL = `WITH r AS (SELECT id FROM outbox_messages
				WHERE state = 'retry' AND next_attempt_at <= $1 AND ($2 = '' OR batch = $2) ORDER BY next_attempt_at LIMIT $3
				FOR UPDATE SKIP LOCKED),
			q AS (SELECT id FROM outbox_messages
				WHERE state = 'queued' AND ($2 = '' OR batch = $2) ORDER BY id LIMIT $3
				FOR UPDATE SKIP LOCKED),
			pick AS (SELECT id FROM r UNION ALL SELECT id FROM q LIMIT $3)
		UPDATE outbox_messages SET state = 'sending', attempts = attempts + 1, updated_at = $1, claimed_by = $4
			WHERE id IN (SELECT id FROM pick) AND state IN ('queued', 'retry')
			RETURNING id, batch, message_id, sender, recipients, domain, attempts`
	completeSQL = `UPDATE outbox_messages SET state = $2, next_attempt_at = $3, last_error = $4, updated_at = $5,
		sent_at = CASE WHEN $2 = 'sent' THEN $5 ELSE sent_at END,
		attempts = CASE WHEN $2 = 'queued' THEN attempts - 1 ELSE attempts END
		WHERE id = $1 AND state = 'sending'`
	bodySQL   = `SELECT raw FROM outbox_bodies WHERE message = $1`
	bodiesSQL = `SELECT message, raw FROM outbox_bodies WHERE message BETWEEN $1 AND $2 ORDER BY message`
)

func (db *DB) outboxStmts(ctx context.Context) (*outboxStmts, error) {
	key := weak.Make(db)
	if st, ok := outboxPrepared.Load(key); ok {
		return st.(*outboxStmts), nil
	}
	// database/sql keeps 2 idle connections by default: with a sender's
	// workers reading bodies in parallel, every further connection was
	// closed after use and the next one reopened (schema read, statements
	// prepared again). Keep enough of them.
	db.sql.SetMaxIdleConns(outboxIdleConns)
	var st outboxStmts
	var err error
	claim := claimSQL
	if db.Engine() == Postgres {
		claim = claimPostgresSQL
	}
	if st.claim, err = db.sql.PrepareContext(ctx, claim); err != nil {
		return nil, err
	}
	if st.complete, err = db.sql.PrepareContext(ctx, completeSQL); err != nil {
		return nil, err
	}
	if st.body, err = db.sql.PrepareContext(ctx, bodySQL); err != nil {
		return nil, err
	}
	if st.bodies, err = db.sql.PrepareContext(ctx, bodiesSQL); err != nil {
		return nil, err
	}
	if prev, loaded := outboxPrepared.LoadOrStore(key, &st); loaded {
		st.claim.Close()
		st.complete.Close()
		st.body.Close()
		st.bodies.Close()
		return prev.(*outboxStmts), nil
	}
	runtime.AddCleanup(db, func(k weak.Pointer[DB]) { outboxPrepared.Delete(k) }, key)
	return &st, nil
}

// Outbox message states.
const (
	OutboxQueued  = "queued"  // recorded, not tried yet
	OutboxSending = "sending" // claimed by a worker; its SMTP transaction may be under way
	OutboxSent    = "sent"    // the server accepted it (250 after DATA)
	OutboxRetry   = "retry"   // failed temporarily; tried again at next_attempt_at
	OutboxFailed  = "failed"  // failed permanently; last_error holds the server's reply
)

// OutboxBatch is one send: a template sent to a set of recipients.
type OutboxBatch struct {
	ID        string
	Template  string
	CreatedAt time.Time
	Total     int // messages recorded for the batch
}

// OutboxMessage is a message to record in the outbox.
type OutboxMessage struct {
	Key        string // dedupe key, unique in the store (e.g. batch + "/" + recipient)
	Contact    string
	From       string   // envelope sender
	Recipients []string // envelope recipients
	MessageID  string
	Raw        []byte // the exact bytes to send
}

// Domain returns the domain of the first recipient, lower case.
func (m OutboxMessage) Domain() string {
	if len(m.Recipients) == 0 {
		return ""
	}
	r := m.Recipients[0]
	return strings.ToLower(r[strings.LastIndexByte(r, '@')+1:])
}

// EnqueueOutbox records a batch and its messages in one transaction. It is
// idempotent: messages whose Key is already recorded (by this or any earlier
// call) are skipped, so enqueueing the same batch again adds nothing. It
// returns how many messages were added. msgs is consumed inside the
// transaction, so a caller can render one message at a time; an error it
// yields rolls everything back.
func (db *DB) EnqueueOutbox(ctx context.Context, b OutboxBatch, msgs iter.Seq2[OutboxMessage, error]) (added int, err error) {
	err = db.Update(ctx, func(tx *Tx) error {
		added, err = tx.EnqueueOutbox(b, msgs)
		return err
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// EnqueueOutbox is EnqueueOutbox inside tx, so that the messages are
// recorded together with the effects that caused them (a confirmation with
// the registration it confirms).
func (tx *Tx) EnqueueOutbox(b OutboxBatch, msgs iter.Seq2[OutboxMessage, error]) (added int, err error) {
	ctx := tx.ctx
	if b.ID == "" {
		return 0, errors.New("store: outbox batch without id")
	}
	now := ms(tx.Now())
	created := now
	if !b.CreatedAt.IsZero() {
		created = ms(b.CreatedAt)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox_batches (id, template, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO NOTHING`, b.ID, b.Template, created); err != nil {
		return 0, fmt.Errorf("store: enqueue batch %s: %w", b.ID, err)
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO outbox_messages
		(batch, dedupe_key, contact, sender, recipients, domain, message_id, state, next_attempt_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $8, $8)
		ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`)
	if err != nil {
		return 0, err
	}
	defer ins.Close()
	body, err := tx.PrepareContext(ctx, `INSERT INTO outbox_bodies (message, raw) VALUES ($1, $2)`)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	for m, err := range msgs {
		if err != nil {
			return 0, err
		}
		if m.Key == "" || m.From == "" || len(m.Recipients) == 0 || len(m.Raw) == 0 {
			return 0, fmt.Errorf("store: enqueue %s: message %q lacks a key, sender, recipient or body", b.ID, m.Key)
		}
		var id int64
		err := ins.QueryRowContext(ctx, b.ID, m.Key, m.Contact, m.From, strings.Join(m.Recipients, ";"),
			m.Domain(), m.MessageID, now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue // already recorded
		}
		if err != nil {
			return 0, fmt.Errorf("store: enqueue %s: %w", m.Key, err)
		}
		if _, err := body.ExecContext(ctx, id, m.Raw); err != nil {
			return 0, fmt.Errorf("store: enqueue %s: %w", m.Key, err)
		}
		added++
	}
	_, err = tx.ExecContext(ctx, `UPDATE outbox_batches SET total = (SELECT count(*) FROM outbox_messages WHERE batch = $1) WHERE id = $1`, b.ID)
	if err == nil && added > 0 {
		err = tx.notifyOutbox()
	}
	return added, err
}

// OutboxClaim is a message claimed for sending. Its bytes are read with
// OutboxBody or OutboxBodies.
type OutboxClaim struct {
	ID         int64
	Batch      string
	MessageID  string
	From       string
	Recipients []string
	Domain     string
	Attempts   int    // including this one
	Raw        []byte // filled by OutboxBodies
}

// OutboxResult is the outcome of one claimed message.
type OutboxResult struct {
	ID    int64
	State string // OutboxSent, OutboxRetry, OutboxFailed, or OutboxQueued to hand back an untried claim
	// NextAttempt is when a retry is due (OutboxRetry, OutboxQueued).
	NextAttempt time.Time
	Error       string // the server's reply or the connection error
}

// ClaimOutbox moves up to limit messages that are due at now (retries whose
// time has come first, then queued ones in the order they were recorded) to
// sending, counts the attempt, and returns them ordered by id. batch "" claims from the whole outbox. One
// transaction: a claim is durable before any SMTP transaction starts.
func (db *DB) ClaimOutbox(ctx context.Context, batch string, limit int, now time.Time) ([]OutboxClaim, error) {
	return db.SettleOutbox(ctx, nil, batch, limit, now)
}

// CompleteOutbox records results in one transaction. A result with state
// OutboxQueued returns a claim that was never tried (shutdown, a rate limit)
// without counting its attempt. Only messages in sending are changed.
func (db *DB) CompleteOutbox(ctx context.Context, results []OutboxResult) error {
	if len(results) == 0 {
		return nil
	}
	_, err := db.SettleOutbox(ctx, results, "", 0, time.Time{})
	return err
}

// SettleOutbox records results and claims up to limit due messages in one
// transaction: CompleteOutbox and ClaimOutbox with one commit. A sender
// with a single writer goroutine avoids waiting on SQLite's write lock.
func (db *DB) SettleOutbox(ctx context.Context, results []OutboxResult, batch string, limit int, now time.Time) ([]OutboxClaim, error) {
	st, err := db.outboxStmts(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: prepare: %w", err)
	}
	var out []OutboxClaim
	err = db.Update(ctx, func(tx *Tx) error {
		out = out[:0]
		if err := completeOutbox(ctx, tx, tx.StmtContext(ctx, st.complete), results); err != nil {
			return err
		}
		if limit <= 0 {
			return nil
		}
		args := []any{ms(now), batch, limit}
		if db.Engine() == Postgres {
			args = append(args, db.instance) // claimed_by: RequeueOrphans spares a live instance's claims
		}
		rows, err := tx.StmtContext(ctx, st.claim).QueryContext(ctx, args...)
		if err != nil {
			return fmt.Errorf("store: claim: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c OutboxClaim
			var rcpts string
			if err := rows.Scan(&c.ID, &c.Batch, &c.MessageID, &c.From, &rcpts, &c.Domain, &c.Attempts); err != nil {
				return err
			}
			c.Recipients = strings.Split(rcpts, ";")
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b OutboxClaim) int { return cmp.Compare(a.ID, b.ID) }) // RETURNING has no order
	return out, nil
}

func completeOutbox(ctx context.Context, tx *Tx, st *sql.Stmt, results []OutboxResult) error {
	if len(results) == 0 {
		return nil
	}
	now := ms(tx.Now())
	for _, r := range results {
		switch r.State {
		case OutboxSent, OutboxRetry, OutboxFailed, OutboxQueued:
		default:
			return fmt.Errorf("store: complete %d: bad state %q", r.ID, r.State)
		}
		if _, err := st.ExecContext(ctx, r.ID, r.State, ms(r.NextAttempt), r.Error, now); err != nil {
			return fmt.Errorf("store: complete %d: %w", r.ID, err)
		}
	}
	return nil
}

// OutboxBody appends the recorded bytes of message id to buf[:0] and
// returns the result, so a sender can reuse one buffer. Bodies never change
// after EnqueueOutbox, so this read needs no transaction.
func (db *DB) OutboxBody(ctx context.Context, id int64, buf []byte) ([]byte, error) {
	st, err := db.outboxStmts(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: prepare: %w", err)
	}
	rows, err := st.body.QueryContext(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("store: outbox body %d: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: outbox body %d: %w", id, err)
		}
		return nil, ErrNotFound
	}
	var raw sql.RawBytes
	if err := rows.Scan(&raw); err != nil {
		return nil, fmt.Errorf("store: outbox body %d: %w", id, err)
	}
	return append(buf[:0], raw...), rows.Close()
}

// OutboxBodies reads the recorded bytes of claims, sorted by id as
// SettleOutbox returns them, appending each to its Raw[:0]. Claims with
// ids close together (the usual case: the queue in order) are read with one
// query, in one read transaction: a read per body began a transaction and
// refilled the connection's page cache, stale after every commit, each time.
func (db *DB) OutboxBodies(ctx context.Context, claims []OutboxClaim) error {
	if len(claims) == 0 {
		return nil
	}
	lo, hi := claims[0].ID, claims[len(claims)-1].ID
	if hi-lo >= int64(2*len(claims)) { // scattered: one by one
		for i := range claims {
			raw, err := db.OutboxBody(ctx, claims[i].ID, claims[i].Raw)
			if err != nil {
				return err
			}
			claims[i].Raw = raw
		}
		return nil
	}
	st, err := db.outboxStmts(ctx)
	if err != nil {
		return fmt.Errorf("store: prepare: %w", err)
	}
	rows, err := st.bodies.QueryContext(ctx, lo, hi)
	if err != nil {
		return fmt.Errorf("store: outbox bodies %d-%d: %w", lo, hi, err)
	}
	defer rows.Close()
	i, found := 0, 0
	for rows.Next() {
		var id int64
		var raw sql.RawBytes
		if err := rows.Scan(&id, &raw); err != nil {
			return fmt.Errorf("store: outbox bodies %d-%d: %w", lo, hi, err)
		}
		for i < len(claims) && claims[i].ID < id {
			i++
		}
		if i < len(claims) && claims[i].ID == id {
			claims[i].Raw = append(claims[i].Raw[:0], raw...)
			found++
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: outbox bodies %d-%d: %w", lo, hi, err)
	}
	if found != len(claims) {
		return fmt.Errorf("store: outbox bodies %d-%d: %w", lo, hi, ErrNotFound)
	}
	return rows.Close()
}

// RequeueSending puts messages left in sending back in the queue and returns
// how many there were. Call it once at startup, before any worker claims: a
// message in sending then belongs to a process that died (kill -9, power
// loss) between its claim and the record of its result. Its SMTP transaction
// may or may not have completed, so it is sent again, with the same bytes and
// Message-ID; this is the only way the outbox sends a message twice. Only one
// sending process may use a store at a time.
//
// On PostgreSQL, where several instances send, it puts back only the
// messages of instances not seen within AliveWindow (RequeueOrphans).
func (db *DB) RequeueSending(ctx context.Context) (int, error) {
	if db.Engine() == Postgres {
		// At start, nothing in sending is this instance's own yet.
		return db.requeueOrphans(ctx, db.AliveWindow(), "")
	}
	var n int64
	err := db.Update(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox_messages SET state = 'queued', updated_at = $1 WHERE state = 'sending'`, ms(tx.Now()))
		if err != nil {
			return fmt.Errorf("store: requeue: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// OutboxPending returns how many messages of batch ("" for all) are not
// finished (queued, sending or retry), and when the earliest queued or retry
// message is due (zero when none).
func (db *DB) OutboxPending(ctx context.Context, batch string) (n int, next time.Time, err error) {
	var minNext sql.NullInt64
	err = db.sql.QueryRowContext(ctx, `SELECT count(*), min(CASE WHEN state <> 'sending' THEN next_attempt_at END) FROM outbox_messages
		WHERE state IN ('queued', 'sending', 'retry') AND ($1 = '' OR batch = $1)`, batch).Scan(&n, &minNext)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: outbox pending: %w", err)
	}
	if minNext.Valid {
		next = time.UnixMilli(minNext.Int64).UTC()
	}
	return n, next, nil
}

// OutboxBatchStats is a batch with its messages counted by state.
type OutboxBatchStats struct {
	OutboxBatch
	Counts map[string]int // by state
}

// OutboxBatches lists the batches, newest first (batch "" ), or the one batch named.
func (db *DB) OutboxBatches(ctx context.Context, batch string) ([]OutboxBatchStats, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT b.id, b.template, b.created_at, b.total, coalesce(m.state, ''), count(m.id)
		FROM outbox_batches b LEFT JOIN outbox_messages m ON m.batch = b.id
		WHERE $1 = '' OR b.id = $1
		GROUP BY b.id, b.template, b.created_at, b.total, m.state
		ORDER BY b.created_at DESC, b.id`, batch)
	if err != nil {
		return nil, fmt.Errorf("store: outbox batches: %w", err)
	}
	defer rows.Close()
	var out []OutboxBatchStats
	for rows.Next() {
		var b OutboxBatchStats
		var created int64
		var state string
		var n int
		if err := rows.Scan(&b.ID, &b.Template, &created, &b.Total, &state, &n); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != b.ID {
			b.CreatedAt = fromMS(created)
			b.Counts = map[string]int{}
			out = append(out, b)
		}
		if state != "" {
			out[len(out)-1].Counts[state] = n
		}
	}
	return out, rows.Err()
}

// OutboxEntry is a recorded message without its body.
type OutboxEntry struct {
	ID          int64
	Batch       string
	Key         string
	Contact     string
	Recipients  []string
	MessageID   string
	State       string
	Attempts    int
	NextAttempt time.Time
	LastError   string
	UpdatedAt   time.Time
	SentAt      time.Time
}

// OutboxEntries lists the messages of batch ("" for all) in the given states
// (none: every state), in the order they were recorded.
func (db *DB) OutboxEntries(ctx context.Context, batch string, states ...string) ([]OutboxEntry, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, batch, dedupe_key, contact, recipients, message_id, state, attempts,
		next_attempt_at, last_error, updated_at, sent_at FROM outbox_messages
		WHERE ($1 = '' OR batch = $1) AND ($2 = '' OR $2 LIKE '%,' || state || ',%') ORDER BY id`,
		batch, stateList(states))
	if err != nil {
		return nil, fmt.Errorf("store: outbox entries: %w", err)
	}
	defer rows.Close()
	var out []OutboxEntry
	for rows.Next() {
		var e OutboxEntry
		var rcpts string
		var next, upd, sent int64
		if err := rows.Scan(&e.ID, &e.Batch, &e.Key, &e.Contact, &rcpts, &e.MessageID, &e.State, &e.Attempts,
			&next, &e.LastError, &upd, &sent); err != nil {
			return nil, err
		}
		e.Recipients = strings.Split(rcpts, ";")
		e.NextAttempt, e.UpdatedAt, e.SentAt = fromMS(next), fromMS(upd), fromMS(sent)
		out = append(out, e)
	}
	return out, rows.Err()
}

func stateList(states []string) string {
	if len(states) == 0 {
		return ""
	}
	return "," + strings.Join(states, ",") + ","
}
