package main

import (
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"convene/meeting"
	"convene/store"
)

// exampleService writes the example meeting to a temporary folder and
// returns a service over a new store there, on a clock that reads now.
func exampleService(t *testing.T, now time.Time) (*service, *meeting.Meeting, *store.DB) {
	t.Helper()
	dir := t.TempDir()
	if err := meeting.WriteExample(dir); err != nil {
		t.Fatal(err)
	}
	m, cs, err := meeting.Load(filepath.Join(dir, "meeting.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(t.Context(), m.Store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = func() time.Time { return now }
	svc, err := newService(t.Context(), m, cs, db, slog.New(slog.DiscardHandler), db.Now)
	if err != nil {
		t.Fatal(err)
	}
	return svc, m, db
}
