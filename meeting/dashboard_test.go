package meeting_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"convene/meeting"
)

func TestDashboardSettings(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       string // a problem, or "" for none
		check      func(t *testing.T, m *meeting.Meeting, dir string)
	}{
		{name: "address alone", yaml: "dashboard: 127.0.0.1:9000", check: func(t *testing.T, m *meeting.Meeting, dir string) {
			if m.Dashboard != "127.0.0.1:9000" || m.DashboardOptions.TLSCert != "" {
				t.Errorf("dashboard = %q %+v", m.Dashboard, m.DashboardOptions)
			}
		}},
		{name: "mapping", yaml: "dashboard:\n  listen: 0.0.0.0:8443\n  tls: {cert: cert.pem, key: key.pem}\n  hosts: [dash.isu.example]\n  trust_proxy: true", check: func(t *testing.T, m *meeting.Meeting, dir string) {
			o := m.DashboardOptions
			if m.Dashboard != "0.0.0.0:8443" || o.TLSCert != filepath.Join(dir, "cert.pem") || o.TLSKey != filepath.Join(dir, "key.pem") ||
				!slices.Equal(o.Hosts, []string{"dash.isu.example"}) || !o.TrustProxy {
				t.Errorf("dashboard = %q %+v", m.Dashboard, o)
			}
		}},
		{name: "default address", yaml: "dashboard:\n  hosts: [dash.isu.example]", check: func(t *testing.T, m *meeting.Meeting, dir string) {
			if m.Dashboard != "127.0.0.1:8025" {
				t.Errorf("dashboard = %q", m.Dashboard)
			}
		}},
		{name: "cert without key", yaml: "dashboard:\n  tls: {cert: cert.pem}", want: "dashboard.tls: want both cert and key"},
		{name: "missing cert file", yaml: "dashboard:\n  tls: {cert: nope.pem, key: key.pem}", want: "dashboard.tls.cert: "},
		{name: "unknown field", yaml: "dashboard:\n  listne: 0.0.0.0:8443", want: "listne: unknown field"},
		{name: "unknown tls field", yaml: "dashboard:\n  tls: {cert: cert.pem, key: key.pem, ca: x}", want: "ca: unknown field"},
		{name: "bad address", yaml: "dashboard:\n  listen: nowhere", want: "dashboard: want host:port"},
		{name: "staff and proxy", yaml: "dashboard:\n  listen: 0.0.0.0:8443\n  trust_proxy: [10.0.0.5, 192.168.0.0/24]\n  trusted_user_header: X-Remote-User\n  staff:\n    - {name: Anna Berg, password: {env: ANNA_PW}}\n    - name: Zoë Ødegaard\n      password: {file: zoe.pw}", check: func(t *testing.T, m *meeting.Meeting, dir string) {
			o := m.DashboardOptions
			if !o.TrustProxy || len(o.Proxies) != 2 || o.Proxies[0].String() != "10.0.0.5/32" || o.Proxies[1].String() != "192.168.0.0/24" || o.TrustedUserHeader != "X-Remote-User" {
				t.Errorf("proxy settings %+v", o)
			}
			if len(o.Staff) != 2 || o.Staff[0].Name != "Anna Berg" || o.Staff[0].Password.Env != "ANNA_PW" || o.Staff[1].Password.File != filepath.Join(dir, "zoe.pw") {
				t.Errorf("staff %+v", o.Staff)
			}
		}},
		{name: "header without proxies", yaml: "dashboard:\n  trust_proxy: true\n  trusted_user_header: X-Remote-User", want: "dashboard.trusted_user_header: needs trust_proxy"},
		{name: "bad proxy address", yaml: "dashboard:\n  trust_proxy: [proxy.local]", want: "dashboard.trust_proxy: want true, or the proxy's addresses"},
		{name: "staff without password", yaml: "dashboard:\n  staff: [{name: Anna}]", want: "dashboard.staff: Anna needs a password"},
		{name: "staff twice", yaml: "dashboard:\n  staff: [{name: Anna, password: {env: A}}, {name: anna, password: {env: B}}]", want: "anna is listed twice"},
		{name: "staff unknown field", yaml: "dashboard:\n  staff: [{name: Anna, pasword: {env: A}}]", want: "pasword: unknown field"},
		{name: "bad host", yaml: "dashboard:\n  hosts: [\"https://dash/\"]", want: "dashboard.hosts: want a host name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeExample(t)
			os.WriteFile(filepath.Join(dir, "cert.pem"), []byte("x"), 0o600)
			os.WriteFile(filepath.Join(dir, "key.pem"), []byte("x"), 0o600)
			path := filepath.Join(dir, "meeting.yaml")
			b, _ := os.ReadFile(path)
			os.WriteFile(path, []byte(strings.Replace(string(b), "dashboard: 127.0.0.1:8025", tt.yaml, 1)), 0o644)
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
		})
	}
}
