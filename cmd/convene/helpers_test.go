package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/meeting"
	"convene/store"
)

// exampleConfig writes the example meeting to a temporary folder and returns
// the path of its meeting.yaml. A non-empty servers replaces the example's
// mail server settings (everything from "# Mail servers.").
func exampleConfig(t testing.TB, servers string) string {
	t.Helper()
	dir := t.TempDir()
	if err := meeting.WriteExample(dir); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "meeting.yaml")
	if servers != "" {
		b, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		i := strings.Index(string(b), "# Mail servers.")
		if i < 0 {
			t.Fatal("the example meeting.yaml has no '# Mail servers.' section")
		}
		if err := os.WriteFile(cfg, []byte(string(b[:i])+servers), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return cfg
}

// exampleMeeting writes the example meeting (see exampleConfig) and loads it.
func exampleMeeting(t testing.TB, servers string) (cfg string, m *meeting.Meeting, cs *meeting.Contacts) {
	t.Helper()
	cfg = exampleConfig(t, servers)
	m, cs, err := meeting.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, m, cs
}

// exampleService writes the example meeting to a temporary folder and
// returns a service over a new store there, on a clock that reads now.
func exampleService(t *testing.T, now time.Time) (*service, *meeting.Meeting, *store.DB) {
	t.Helper()
	_, m, cs := exampleMeeting(t, "")
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
