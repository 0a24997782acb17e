package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"convene/store"
)

func TestLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "convene.db")
	db, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	unlock, err := db.Lock()
	if err != nil {
		t.Fatalf("first Lock = %v", err)
	}
	// A second daemon opens the same store and tries to lock it.
	db2, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	_, err = db2.Lock()
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second Lock = %v, want ErrLocked", err)
	}
	for _, want := range []string{"locked by process " + strconv.Itoa(os.Getpid()), path + ".lock"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("second Lock error %q lacks %q", err, want)
		}
	}
	unlock()
	unlock2, err := db2.Lock()
	if err != nil {
		t.Fatalf("Lock after unlock = %v", err)
	}
	unlock2()
}
