package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"convene/meeting"
)

// TestCheckDashboardOffLoopback: check warns about a dashboard that convene
// run would refuse to serve (off loopback, with neither staff, a proxy
// header nor CONVENE_DASHBOARD_TOKEN), instead of saying "ok".
func TestCheckDashboardOffLoopback(t *testing.T) {
	const warn = "convene run refuses to serve it"
	for _, tc := range []struct {
		name, dashboard, token string
		want                   bool
	}{
		{"every interface, nothing set", "0.0.0.0:8025", "", true},
		{"a LAN address, nothing set", "192.0.2.10:8025", "", true},
		{"every interface, with the token", "0.0.0.0:8025", "s3cret-token", false},
		{"loopback", "127.0.0.1:8025", "", false},
		{"localhost", "localhost:8025", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := meeting.WriteExample(dir); err != nil {
				t.Fatal(err)
			}
			cfg := filepath.Join(dir, "meeting.yaml")
			b, _ := os.ReadFile(cfg)
			os.WriteFile(cfg, []byte(strings.Replace(string(b), "dashboard: 127.0.0.1:8025", "dashboard: "+tc.dashboard, 1)), 0o600)
			t.Setenv("CONVENE_SMTP_SECRET", "x")
			t.Setenv("CONVENE_IMAP_SECRET", "x")
			t.Setenv("CONVENE_DASHBOARD_TOKEN", tc.token)
			code, out, errs := runIn(t, "", "check", "-c", cfg)
			if code != exitOK || strings.Contains(out+errs, warn) != tc.want {
				t.Errorf("exit %d, warning shown %v, want %v:\n%s%s", code, !tc.want, tc.want, out, errs)
			}
		})
	}
}
