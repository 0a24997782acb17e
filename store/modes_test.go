package store_test

import (
	"os"
	"path/filepath"
	"testing"

	"convene/store"
)

// TestFileModes: the store holds tokens, personal data and message bodies,
// so the files convene creates for it are readable by their owner only:
// the database and its -wal and -shm (checked after a write, when SQLite
// has created them), the lock file, and the folder when Open creates it.
func TestFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "ism-2020")
	path := filepath.Join(dir, "convene.db")
	db, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(t.Context(), func(tx *store.Tx) error {
		_, err := tx.ExecContext(t.Context(), `CREATE TABLE mode_test (x TEXT); INSERT INTO mode_test VALUES ('x')`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := db.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	tests := []struct {
		path string
		want os.FileMode
	}{
		{filepath.Dir(dir), os.ModeDir | 0o700},
		{dir, os.ModeDir | 0o700},
		{path, 0o600},
		{path + "-wal", 0o600},
		{path + "-shm", 0o600},
		{path + ".lock", 0o600},
	}
	for _, tt := range tests {
		st, err := os.Stat(tt.path)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(tt.path), err)
			continue
		}
		if st.Mode() != tt.want {
			t.Errorf("mode of %s = %v, want %v", filepath.Base(tt.path), st.Mode(), tt.want)
		}
	}
}

// TestExistingFolderModeKept: a folder that exists is not changed.
func TestExistingFolderModeKept(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(t.Context(), filepath.Join(dir, "convene.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o750 {
		t.Errorf("mode of the existing folder = %v, %v; want 0750 kept", st.Mode(), err)
	}
}
