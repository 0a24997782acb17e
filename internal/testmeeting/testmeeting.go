// Package testmeeting writes the example meeting for tests: the example
// meeting.yaml and contacts.csv in a temporary folder, optionally with other
// mail server settings.
package testmeeting

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"convene/meeting"
)

// Config writes the example meeting to a temporary folder and returns the
// path of its meeting.yaml. A non-empty servers replaces the example's mail
// server settings (everything from "# Mail servers.").
func Config(t testing.TB, servers string) string {
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

// Load writes the example meeting (see Config) and loads it.
func Load(t testing.TB, servers string) (cfg string, m *meeting.Meeting, cs *meeting.Contacts) {
	t.Helper()
	cfg = Config(t, servers)
	m, cs, err := meeting.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, m, cs
}
