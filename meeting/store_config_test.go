package meeting_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/meeting"
)

func TestStoreSettings(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       string // a problem, or "" for none
		check      func(t *testing.T, m *meeting.Meeting, dir string)
	}{
		{name: "default", yaml: "", check: func(t *testing.T, m *meeting.Meeting, dir string) {
			if m.Store != filepath.Join(dir, "convene.db") || m.StoreConfig.Postgres != nil {
				t.Errorf("store = %q %+v", m.Store, m.StoreConfig)
			}
		}},
		{name: "file", yaml: "store: data/ism.db", check: func(t *testing.T, m *meeting.Meeting, dir string) {
			if m.Store != filepath.Join(dir, "data/ism.db") || m.StoreConfig.Postgres != nil {
				t.Errorf("store = %q %+v", m.Store, m.StoreConfig)
			}
		}},
		{name: "postgres", yaml: "store:\n  postgres:\n    dsn: {env: CONVENE_PG_DSN}", check: func(t *testing.T, m *meeting.Meeting, dir string) {
			p := m.StoreConfig.Postgres
			if m.Store != "" || p == nil || p.DSN.Env != "CONVENE_PG_DSN" || p.Lease != meeting.DefaultLease {
				t.Errorf("store = %q %+v", m.Store, p)
			}
		}},
		{name: "postgres lease", yaml: "store: {postgres: {dsn: {file: pg.dsn}, lease: 10s}}", check: func(t *testing.T, m *meeting.Meeting, dir string) {
			p := m.StoreConfig.Postgres
			if p == nil || p.DSN.File != filepath.Join(dir, "pg.dsn") || p.Lease != 10*time.Second {
				t.Errorf("store = %+v", p)
			}
		}},
		{name: "no dsn", yaml: "store:\n  postgres: {lease: 10s}", want: "store.postgres.dsn: is required"},
		{name: "two sources", yaml: "store:\n  postgres:\n    dsn: {env: A, file: b}", want: "store.postgres.dsn: set exactly one"},
		{name: "lease too short", yaml: "store:\n  postgres:\n    dsn: {env: A}\n    lease: 1s", want: "store.postgres.lease: 1s is too short"},
		{name: "unknown engine", yaml: "store:\n  mysql: {dsn: x}", want: "mysql"},
		{name: "dsn inline", yaml: "store:\n  postgres:\n    dsn: postgres://u:pw@h/db", want: "line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeExample(t)
			path := filepath.Join(dir, "meeting.yaml")
			b, _ := os.ReadFile(path)
			os.WriteFile(path, []byte(strings.Replace(string(b), "store: convene.db", tt.yaml, 1)), 0o644)
			m, _, err := meeting.Load(path)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Load = %v", err)
				}
				tt.check(t, m, dir)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load = %v, want a problem with %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "pw@") {
				t.Errorf("Load error quotes the DSN: %v", err)
			}
		})
	}
}
