// Package storetest gives tests a store on each engine: SQLite always, and
// PostgreSQL when TEST_POSTGRES_DSN names a database the tests may create
// schemas in (scripts/test starts one with ../shared/scripts/postgres-up).
// Each PostgreSQL store is a fresh schema, dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"convene/store"
)

// Engines returns the engines to test on: SQLite, and PostgreSQL when
// TEST_POSTGRES_DSN is set.
func Engines() []store.Engine {
	if os.Getenv("TEST_POSTGRES_DSN") != "" {
		return []store.Engine{store.SQLite, store.Postgres}
	}
	return []store.Engine{store.SQLite}
}

// Each runs f as a subtest per engine (named after it).
func Each(t *testing.T, f func(t *testing.T, e store.Engine)) {
	t.Helper()
	if os.Getenv("TEST_POSTGRES_DSN") == "" {
		t.Logf("TEST_POSTGRES_DSN not set: SQLite only")
	}
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) { f(t, e) })
	}
}

// Config returns the Config of a new, empty store on engine e: a file in
// t.TempDir(), or a fresh PostgreSQL schema (dropped at cleanup). Several
// Open calls on one Config share the store, as several processes would.
func Config(t testing.TB, e store.Engine) store.Config {
	t.Helper()
	if e == store.Postgres {
		return store.Config{PostgresDSN: Schema(t)}
	}
	return store.Config{Path: filepath.Join(t.TempDir(), "convene.db")}
}

// Open opens a new store on engine e, closed at cleanup.
func Open(t testing.TB, e store.Engine) *store.DB {
	t.Helper()
	return OpenConfig(t, Config(t, e))
}

// OpenConfig opens c, closed at cleanup.
func OpenConfig(t testing.TB, c store.Config) *store.DB {
	t.Helper()
	db, err := store.OpenConfig(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Schema creates a schema of its own in TEST_POSTGRES_DSN's database and
// returns a DSN whose search_path is that schema; it skips the test when
// TEST_POSTGRES_DSN is not set. The schema is dropped at cleanup.
func Schema(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_POSTGRES_DSN")
	if base == "" {
		t.Skip("TEST_POSTGRES_DSN not set")
	}
	var b [6]byte
	rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec(`DROP SCHEMA ` + name + ` CASCADE`)
	})
	return WithSearchPath(base, name)
}

// WithSearchPath returns dsn with search_path set to schema.
func WithSearchPath(dsn, schema string) string {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " search_path=" + schema
}
