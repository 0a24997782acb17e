package web_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"convene/web"
)

// TestHostAllowlist: a page of attacker.example whose name was rebound to
// 127.0.0.1 sends its own name in Host; it gets neither the export nor a
// review action, even with a matching Origin and Sec-Fetch-Site.
func TestHostAllowlist(t *testing.T) {
	src := &fakeSource{}
	h, err := web.New(src, web.Options{Addr: "127.0.0.1:8025", Hosts: []string{"dash.isu.example"}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	tests := []struct {
		host string
		ok   bool
	}{
		{"attacker.example", false},
		{"attacker.example:8025", false},
		{"127.0.0.1.attacker.example:8025", false},
		{"localhost.attacker.example", false},
		{"10.1.2.3:8025", false},
		{"localhost", true},
		{"LocalHost:8025", true},
		{"127.0.0.1:8025", true},
		{"127.0.0.1:9999", true},
		{"[::1]:8025", true},
		{"dash.isu.example", true},
		{"DASH.isu.example.:443", true},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			want := http.StatusMisdirectedRequest
			wantPost := http.StatusMisdirectedRequest
			if tt.ok {
				want, wantPost = http.StatusOK, http.StatusSeeOther
			}
			r, _ := http.NewRequest("GET", srv.URL+"/export/registrations.csv", nil)
			r.Host = tt.host
			res := do(t, r)
			if res.StatusCode != want {
				t.Errorf("GET export with Host %q: status %d, want %d", tt.host, res.StatusCode, want)
			}

			before := len(src.resolvedCopy())
			r, _ = http.NewRequest("POST", srv.URL+"/review/3", strings.NewReader(url.Values{"action": {"dismiss"}}.Encode()))
			r.Host = tt.host
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Origin", "http://"+tt.host)
			r.Header.Set("Sec-Fetch-Site", "same-origin")
			res = do(t, r)
			if res.StatusCode != wantPost {
				t.Errorf("POST with Host and Origin %q: status %d, want %d", tt.host, res.StatusCode, wantPost)
			}
			if acted := len(src.resolvedCopy()) > before; acted != tt.ok {
				t.Errorf("POST with Host %q: Resolve called = %v", tt.host, acted)
			}
		})
	}
}

// TestHostAllowlistEveryInterface: listening on every interface, IP
// literals are accepted (they cannot be rebound) and host names only when
// configured.
func TestHostAllowlistEveryInterface(t *testing.T) {
	h, err := web.New(&fakeSource{}, web.Options{Addr: "0.0.0.0:8025", Token: "t", Hosts: []string{"dash.isu.example:8443"}})
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]int{
		"192.0.2.10:8025":       http.StatusOK,
		"[2001:db8::1]:8025":    http.StatusOK,
		"dash.isu.example":      http.StatusOK,
		"rebound.evil.example":  http.StatusMisdirectedRequest,
		"192.0.2.10.nip.io:80":  http.StatusMisdirectedRequest,
		"dash.isu.example.evil": http.StatusMisdirectedRequest,
	} {
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.Host = host
		r.Header.Set("Authorization", "Bearer t")
		if res, _ := get(t, h, r); res.StatusCode != want {
			t.Errorf("Host %q: status %d, want %d", host, res.StatusCode, want)
		}
	}
}

func do(t *testing.T, r *http.Request) *http.Response {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.URL, err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// serve runs the dashboard's own server (NewServer, with its timeouts) on
// a loopback port and returns its address.
func serve(t *testing.T, src web.Source, opts web.Options) string {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return now }
	}
	srv, err := web.NewServer(src, opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// waitClosed reads from c until the server closes the connection. The
// deadline only keeps a broken server from hanging the test; it is far
// beyond the injected timeouts.
func waitClosed(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(time.Minute))
	got, err := io.ReadAll(c)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the server kept the connection open; read so far %q", got)
	}
	return string(got)
}

// TestSlowClient: a client that sends part of a body (or of its headers)
// and stalls is disconnected after the server's read timeout, and nothing
// is applied.
func TestSlowClient(t *testing.T) {
	tests := []struct {
		name, send string
	}{
		{"partial body", "POST /review/3 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 61440\r\n\r\naction=dismiss&note=" + strings.Repeat("a", 1000)},
		{"partial headers", "POST /review/3 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeSource{}
			addr := serve(t, src, web.Options{ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, WriteTimeout: time.Second})
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := io.WriteString(c, tt.send); err != nil {
				t.Fatal(err)
			}
			got := waitClosed(t, c)
			if strings.Contains(got, " 303 ") || len(src.resolvedCopy()) > 0 {
				t.Errorf("a stalled request was applied: %q", got)
			}
		})
	}
}

// TestBodyLimit: a body beyond MaxBody is refused, not read whole.
func TestBodyLimit(t *testing.T) {
	src := &fakeSource{}
	addr := serve(t, src, web.Options{MaxBody: 4 << 10})
	body := url.Values{"action": {"dismiss"}, "note": {strings.Repeat("x", 8<<10)}}.Encode()
	r, _ := http.NewRequest("POST", "http://"+addr+"/review/3", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := do(t, r)
	if res.StatusCode < 400 || len(src.resolvedCopy()) > 0 {
		t.Errorf("POST of %d bytes over a 4 KiB limit: status %d, resolved %v", len(body), res.StatusCode, src.resolvedCopy())
	}
	small := url.Values{"action": {"dismiss"}, "note": {"spam"}}.Encode()
	r, _ = http.NewRequest("POST", "http://"+addr+"/review/3", strings.NewReader(small))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res := do(t, r); res.StatusCode != http.StatusSeeOther {
		t.Errorf("small POST: status %d", res.StatusCode)
	}
}

// TestSecureCookie: the cookies are Secure over TLS and behind a trusted
// proxy that says https, and only then.
func TestSecureCookie(t *testing.T) {
	tests := []struct {
		name   string
		opts   web.Options
		header string
		secure bool
	}{
		{"plain", web.Options{}, "", false},
		{"untrusted proxy header", web.Options{}, "https", false},
		{"trusted proxy, https", web.Options{TrustProxy: true}, "https", true},
		{"trusted proxy, http", web.Options{TrustProxy: true}, "http", false},
		{"TLS", web.Options{TLS: true}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Addr, tt.opts.Token = "0.0.0.0:8025", "tok"
			h := newHandler(t, &fakeSource{}, tt.opts)
			r := httptest.NewRequest("GET", "/?token=tok", nil)
			if tt.header != "" {
				r.Header.Set("X-Forwarded-Proto", tt.header)
			}
			res, _ := get(t, h, r)
			cs := res.Cookies()
			if len(cs) != 1 || cs[0].Secure != tt.secure {
				t.Errorf("cookies %+v, want one with Secure %v", cs, tt.secure)
			}
		})
	}
}
