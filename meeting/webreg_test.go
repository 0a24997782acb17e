package meeting_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"convene/meeting"
)

func TestWebRegistrationSettings(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       string // a problem (file:line: field: message), or "" for none
		check      func(t *testing.T, w *meeting.WebRegistration, dir string)
	}{
		{name: "absent", yaml: "", check: func(t *testing.T, w *meeting.WebRegistration, dir string) {
			if w != nil {
				t.Errorf("web = %+v, want nil", w)
			}
		}},
		{name: "listen and public_url", yaml: "  web: {listen: 127.0.0.1:8026, public_url: https://register.isu.example/}", check: func(t *testing.T, w *meeting.WebRegistration, dir string) {
			if w == nil || w.Listen != "127.0.0.1:8026" || w.PublicURL != "https://register.isu.example" || w.KeyFile != filepath.Join(dir, "webreg.key") {
				t.Errorf("web = %+v", w)
			}
		}},
		{name: "everything", yaml: "  web:\n    listen: 0.0.0.0:8443\n    public_url: https://register.isu.example\n    hosts: [reg.isu.example]\n    trusted_proxies: [10.0.0.5, 10.1.0.0/16]\n    tls: {cert: cert.pem, key: key.pem}\n    key_file: secret/web.key",
			check: func(t *testing.T, w *meeting.WebRegistration, dir string) {
				want := []netip.Prefix{netip.MustParsePrefix("10.0.0.5/32"), netip.MustParsePrefix("10.1.0.0/16")}
				if !slices.Equal(w.Hosts, []string{"reg.isu.example"}) || !slices.Equal(w.TrustedProxies, want) ||
					w.TLSCert != filepath.Join(dir, "cert.pem") || w.KeyFile != filepath.Join(dir, "secret/web.key") {
					t.Errorf("web = %+v", w)
				}
			}},
		{name: "no public_url", yaml: "  web: {listen: 127.0.0.1:8026}", want: ":29: registration.web.public_url: is required"},
		{name: "no listen", yaml: "  web:\n    public_url: https://register.isu.example", want: ":30: registration.web.listen: is required"},
		{name: "bad listen", yaml: "  web: {listen: nowhere, public_url: https://r.example}", want: ":29: registration.web.listen: want host:port"},
		{name: "clear http", yaml: "  web: {listen: 127.0.0.1:1, public_url: http://r.example}", want: "registration.web.public_url: want https"},
		{name: "query in url", yaml: "  web: {listen: 127.0.0.1:1, public_url: \"https://r.example/?a=b\"}", want: "registration.web.public_url: want an http(s) address"},
		{name: "bad proxy", yaml: "  web:\n    listen: 127.0.0.1:1\n    public_url: https://r.example\n    trusted_proxies: [proxy.example]", want: ":32: registration.web.trusted_proxies: want an IP address or CIDR"},
		{name: "cert without key", yaml: "  web:\n    listen: 127.0.0.1:1\n    public_url: https://r.example\n    tls: {cert: cert.pem}", want: "registration.web.tls: want both cert and key"},
		{name: "unknown field", yaml: "  web: {listne: 127.0.0.1:1}", want: "listne: unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeExample(t)
			os.WriteFile(filepath.Join(dir, "cert.pem"), []byte("x"), 0o600)
			os.WriteFile(filepath.Join(dir, "key.pem"), []byte("x"), 0o600)
			path := filepath.Join(dir, "meeting.yaml")
			b, _ := os.ReadFile(path)
			re := regexp.MustCompile(`(?m)^  late: .*$`)
			if !re.Match(b) {
				t.Fatal("the example has no registration.late line")
			}
			y := re.ReplaceAllStringFunc(string(b), func(s string) string {
				if tt.yaml == "" {
					return s
				}
				return s + "\n" + tt.yaml
			})
			os.WriteFile(path, []byte(y), 0o644)
			m, _, err := meeting.Load(path)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Load = %v", err)
				}
				tt.check(t, m.Registration.Web, dir)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load = %v, want a problem with %q", err, tt.want)
			}
		})
	}
}
