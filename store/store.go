// Package store keeps everything convene must not forget across a restart or
// a crash: the contacts snapshot with their reply tokens, registrations and
// their history, the review queue, and (in files of their own) the outbox,
// the inbox checkpoints and the scheduler's run log.
//
// The embedded default is one SQLite file (modernc.org/sqlite, pure Go) in
// WAL mode. Every write that must survive a crash is one transaction (Update).
// The SQL is kept to what SQLite and PostgreSQL share, with $N placeholders, so
// that a PostgreSQL implementation can sit beside this one. A DB is safe for
// concurrent use.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("store: not found")

// DB is the store.
type DB struct {
	sql  *sql.DB
	Path string
	// Now is the clock used for timestamps; tests and the simulated clock set it.
	Now func() time.Time

	engine Engine          // "" is SQLite
	pgcfg  *pgx.ConnConfig // PostgreSQL: for connections of its own (LISTEN)
	desc   string          // PostgreSQL: what Describe says

	instance string        // id this process claims messages and leases as (cluster.go)
	fence    *Fence        // set on a Fenced handle: every Update checks it
	alive    time.Duration // AliveWindow
}

// Open opens (creating if needed) the store at path and applies pending
// migrations. The file is in WAL mode with synchronous=FULL, so a committed
// transaction survives a crash or kill -9.
//
// The store holds reply tokens, personal data and message bodies: a missing
// folder is created 0700 and a new database file 0600, and SQLite gives its
// -wal and -shm files the database file's mode. Existing files and folders
// keep theirs.
func Open(ctx context.Context, path string) (*DB, error) {
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db := &DB{sql: sdb, Path: path, Now: time.Now}
	if err := db.migrate(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	return db, nil
}

// createPrivate creates path's folder (0700) and an empty path (0600) when
// they do not exist, before SQLite would create the file with 0644.
func createPrivate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// SQL returns the underlying database for read-only queries of packages that
// keep their own tables (outbox, inbox, schedule).
func (db *DB) SQL() *sql.DB { return db.sql }

func (db *DB) migrate(ctx context.Context) error {
	e := db.Engine()
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`
	if e == Postgres {
		create = pgMigration(create)
	}
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.migrateLock(); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, create)
		return err
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	list, err := migrationList(e)
	if err != nil {
		return err
	}
	for _, m := range list {
		err := db.Update(ctx, func(tx *Tx) error {
			if err := tx.migrateLock(); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = $1`, m.name).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			body, err := migrationSQL(e, m)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, body); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`, m.name, ms(tx.Now()))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// querier is what *sql.DB and *sql.Tx share for reads, so that a query can
// run inside a transaction or outside it.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is a write transaction. Its methods record effects that commit or roll
// back together.
type Tx struct {
	*sql.Tx
	ctx   context.Context
	db    *DB
	stmts map[string]*sql.Stmt // prepared in this transaction, by query
}

// prepared returns query prepared in tx, once per transaction, or nil for a
// query of several statements or one that does not prepare (the caller then
// runs it as it is and gets its error). The inbox handles hundreds of
// messages in one transaction with the same few statements, and SQLite
// parsing each statement anew cost as much as running it. database/sql
// closes the statements when the transaction ends.
func (tx *Tx) prepared(ctx context.Context, query string) *sql.Stmt {
	if st, ok := tx.stmts[query]; ok {
		return st
	}
	if strings.Contains(query, ";") || tx.db.engine == Postgres {
		// PostgreSQL: pgx caches prepared statements per connection itself.
		return nil
	}
	st, err := tx.Tx.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[query] = st
	return st
}

// ExecContext is sql.Tx's, with the statement prepared once per transaction.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := tx.prepared(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}

// QueryContext is sql.Tx's, with the statement prepared once per transaction.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := tx.prepared(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext is sql.Tx's, with the statement prepared once per transaction.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := tx.prepared(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}

// Now returns the store's clock.
func (tx *Tx) Now() time.Time { return tx.db.Now() }

// Update runs fn in one write transaction and commits it if fn returns nil.
func (db *DB) Update(ctx context.Context, fn func(*Tx) error) error {
	stx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx := &Tx{Tx: stx, ctx: ctx, db: db}
	if db.fence != nil {
		if err := tx.checkFence(); err != nil {
			stx.Rollback()
			return err
		}
	}
	if err := fn(tx); err != nil {
		stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// ms converts a time to the stored form, Unix milliseconds.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS converts a stored time back; 0 is the zero time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// Millis and FromMillis expose the stored time form to packages with tables of their own.
func Millis(t time.Time) int64     { return ms(t) }
func FromMillis(v int64) time.Time { return fromMS(v) }
