package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// CopyCount is one table of a copy: the rows read from the source and
// counted in the destination once committed.
type CopyCount struct {
	Table    string
	Source   int64
	Copied   int64
	Verified bool // Source == Copied
}

// ErrNotEmpty is returned by Copy when the destination already holds data.
var ErrNotEmpty = fmt.Errorf("store: the destination is not empty")

// Copy copies every table of src into dst (for instance a SQLite file into
// a new PostgreSQL database), both opened (hence migrated) by this version.
// It refuses a destination that holds any row, reads the source in one
// transaction (a consistent snapshot of a running meeting: on SQLite, the
// daemon's writes wait for the copy), writes the destination in one
// transaction (all or nothing), then counts the rows of each table on both
// sides and fails unless they agree. Row ids are kept, and PostgreSQL's id
// sequences moved past them.
func Copy(ctx context.Context, src, dst *DB) ([]CopyCount, error) {
	if err := sameMigrations(ctx, src, dst); err != nil {
		return nil, err
	}
	tables, err := src.tables(ctx)
	if err != nil {
		return nil, err
	}
	dstTables, err := dst.tables(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		if !slices.Contains(dstTables, t) {
			return nil, fmt.Errorf("store: copy: table %s is missing in %s", t, dst.Describe())
		}
	}
	for _, t := range dstTables {
		var n int64
		if err := dst.sql.QueryRowContext(ctx, `SELECT count(*) FROM `+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("store: copy: %s: %w", t, err)
		}
		if n > 0 {
			return nil, fmt.Errorf("%w: %s has %d rows in table %s; copy only into a new store", ErrNotEmpty, dst.Describe(), n, t)
		}
	}
	order, err := copyOrder(ctx, src, dst, tables)
	if err != nil {
		return nil, err
	}

	stx, err := src.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: copy: read %s: %w", src.Describe(), err)
	}
	defer stx.Rollback()
	var counts []CopyCount
	err = dst.Update(ctx, func(tx *Tx) error {
		for _, t := range order {
			n, err := copyTable(ctx, stx, tx, t)
			if err != nil {
				return fmt.Errorf("store: copy %s: %w", t, err)
			}
			counts = append(counts, CopyCount{Table: t, Source: n})
		}
		return dst.resetSequences(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	// Verify: count again on both sides (the source in its snapshot).
	bad := 0
	for i, c := range counts {
		if err := stx.QueryRowContext(ctx, `SELECT count(*) FROM `+c.Table).Scan(&counts[i].Source); err != nil {
			return counts, err
		}
		if err := dst.sql.QueryRowContext(ctx, `SELECT count(*) FROM `+c.Table).Scan(&counts[i].Copied); err != nil {
			return counts, err
		}
		counts[i].Verified = counts[i].Source == counts[i].Copied
		if !counts[i].Verified {
			bad++
		}
	}
	if bad > 0 {
		return counts, fmt.Errorf("store: copy: %d tables differ after the copy", bad)
	}
	return counts, nil
}

// sameMigrations checks that dst has applied every migration src has.
func sameMigrations(ctx context.Context, src, dst *DB) error {
	names := func(db *DB) (map[string]bool, error) {
		rows, err := db.sql.QueryContext(ctx, `SELECT name FROM schema_migrations`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		m := map[string]bool{}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return nil, err
			}
			m[n] = true
		}
		return m, rows.Err()
	}
	s, err := names(src)
	if err != nil {
		return err
	}
	d, err := names(dst)
	if err != nil {
		return err
	}
	for n := range s {
		if !d[n] {
			return fmt.Errorf("store: copy: %s has migration %s that %s lacks (a newer convene wrote it)", src.Describe(), n, dst.Describe())
		}
	}
	return nil
}

// tables lists the store's tables, without schema_migrations, sorted.
func (db *DB) tables(ctx context.Context) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if db.Engine() == Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := db.sql.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: tables: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		if n != "schema_migrations" {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, rows.Err()
}

// copyOrder orders tables so that a table comes after those its foreign
// keys reference.
func copyOrder(ctx context.Context, src, dst *DB, tables []string) ([]string, error) {
	refs := map[string][]string{}
	for _, t := range tables {
		var r []string
		var err error
		switch {
		case src.Engine() == SQLite:
			r, err = src.sqliteRefs(ctx, t)
		case dst.Engine() == SQLite:
			r, err = dst.sqliteRefs(ctx, t)
		default:
			r, err = src.pgRefs(ctx, t)
		}
		if err != nil {
			return nil, err
		}
		refs[t] = r
	}
	var out []string
	done := map[string]bool{}
	var visit func(t string, depth int)
	visit = func(t string, depth int) {
		if done[t] || depth > len(tables) {
			return
		}
		for _, r := range refs[t] {
			if r != t {
				visit(r, depth+1)
			}
		}
		if !done[t] {
			done[t] = true
			out = append(out, t)
		}
	}
	for _, t := range tables {
		visit(t, 0)
	}
	return out, nil
}

func (db *DB) sqliteRefs(ctx context.Context, table string) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT DISTINCT "table" FROM pragma_foreign_key_list($1)`, table)
	if err != nil {
		return nil, fmt.Errorf("store: foreign keys of %s: %w", table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func (db *DB) pgRefs(ctx context.Context, table string) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT DISTINCT ccu.table_name FROM information_schema.table_constraints tc
		JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
		WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema() AND tc.table_name = $1`, table)
	if err != nil {
		return nil, fmt.Errorf("store: foreign keys of %s: %w", table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// copyTable copies table from the source transaction into tx, several rows
// per INSERT, and returns how many rows it copied.
func copyTable(ctx context.Context, src *sql.Tx, tx *Tx, table string) (int64, error) {
	rows, err := src.QueryContext(ctx, `SELECT * FROM `+table)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	// The destination's column types: a SQLite column may hold text where
	// PostgreSQL wants bytes.
	bytea := make([]bool, len(cols))
	if tx.db.Engine() == Postgres {
		drows, err := tx.Tx.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table+` LIMIT 0`)
		if err != nil {
			return 0, fmt.Errorf("columns differ: %w", err)
		}
		types, err := drows.ColumnTypes()
		drows.Close()
		if err != nil {
			return 0, err
		}
		for i, ct := range types {
			bytea[i] = strings.EqualFold(ct.DatabaseTypeName(), "BYTEA")
		}
	}
	per := max(1, 400/len(cols)) // rows per INSERT: a few hundred parameters
	var n int64
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		k := len(args) / len(cols)
		var b strings.Builder
		b.WriteString(`INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `)
		p := 1
		for r := range k {
			if r > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for c := range cols {
				if c > 0 {
					b.WriteString(", ")
				}
				b.WriteString("$" + strconv.Itoa(p))
				p++
			}
			b.WriteByte(')')
		}
		_, err := tx.Tx.ExecContext(ctx, b.String(), args...)
		args = args[:0]
		return err
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		for i, v := range vals {
			if s, ok := v.(string); ok && bytea[i] {
				vals[i] = []byte(s)
			}
		}
		args = append(args, vals...)
		n++
		if int(n)%per == 0 {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, flush()
}

// resetSequences moves PostgreSQL's identity sequences past the ids copied.
func (db *DB) resetSequences(ctx context.Context, tx *Tx) error {
	if db.Engine() != Postgres {
		return nil
	}
	rows, err := tx.Tx.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES'`)
	if err != nil {
		return err
	}
	var ids [][2]string
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, [2]string{t, c})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.Tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(`+id[1]+`) FROM `+id[0]+`), 0) + 1, false)`, id[0], id[1]); err != nil {
			return fmt.Errorf("sequence of %s.%s: %w", id[0], id[1], err)
		}
	}
	return nil
}
