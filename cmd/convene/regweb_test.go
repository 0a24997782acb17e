package main

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"convene/internal/testmeeting"
	"convene/meeting"
	"convene/schedule"
	"convene/secretariat"
	"convene/templates"
)

// TestRegistrationPageServed: with registration.web the daemon creates the
// link key (0600), serves the page on its own listener, and the invitation
// carries the mission's link; without it there is no listener and no link.
func TestRegistrationPageServed(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(map[bool]string{false: "off", true: "on"}[on], func(t *testing.T) {
			cfg := testmeeting.Config(t, "smtp: {host: 127.0.0.1, port: 1, security: none, auth: none}\n")
			if on {
				b, _ := os.ReadFile(cfg)
				y := regexp.MustCompile(`(?m)^  late: .*$`).ReplaceAllString(string(b), "$0\n  web: {listen: 127.0.0.1:0, public_url: http://127.0.0.1:8026}")
				os.WriteFile(cfg, []byte(y), 0o644)
			}
			m, cs, err := meeting.Load(cfg)
			if err != nil {
				t.Fatal(err)
			}
			clock := schedule.NewManualClock(time.Date(2020, 6, 1, 8, 0, 0, 0, time.UTC))
			d, err := openDaemon(t.Context(), slog.New(slog.DiscardHandler), m, cs, daemonOptions{clock: clock})
			if err != nil {
				t.Fatal(err)
			}
			defer d.close()
			addr, stop, err := d.serveRegistration()
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			ct, _ := cs.ByName("Permanent Mission of Arcadia")
			msg, err := d.svc.MissionMessage(templates.Invitation, ct, nil, templates.Data{})
			if err != nil {
				t.Fatal(err)
			}
			link := d.svc.WebLink(ct.Name)
			if !on {
				if addr != "" || link != "" || strings.Contains(msg.Text, "/r/") {
					t.Errorf("off: listener %q, link %q", addr, link)
				}
				return
			}
			if !strings.HasPrefix(link, "http://127.0.0.1:8026/r/") || !strings.Contains(msg.Text, link) || !strings.Contains(msg.HTML, link) {
				t.Fatalf("link %q not in the invitation", link)
			}
			// A dry run's read-only service shows the same link.
			ro, _, err := secretariat.NewReadOnly(t.Context(), m, cs, d.db, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			if err := previewWeb(t.Context(), ro); err != nil || ro.WebLink(ct.Name) != link {
				t.Errorf("dry run link %q (%v), want %q", ro.WebLink(ct.Name), err, link)
			}
			fi, err := os.Stat(filepath.Join(filepath.Dir(m.Store), "webreg.key"))
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("key file: %v %v", fi, err)
			}
			for path, want := range map[string]int{strings.TrimPrefix(link, "http://127.0.0.1:8026"): 200, "/r/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": 404} {
				resp, err := http.Get("http://" + addr + path)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want || (want == 200 && !strings.Contains(string(b), ct.Name)) {
					t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
				}
			}
		})
	}
}
