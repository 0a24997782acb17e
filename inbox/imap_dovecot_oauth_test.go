package inbox_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"convene/inbox"
	"convene/internal/testmail"
	"convene/meeting"
)

// TestDovecotXOAUTH2 authenticates with XOAUTH2 against a real Dovecot whose
// oauth2 passdb asks an introspection endpoint (an httptest server here)
// whether the token is good, as Dovecot does in front of an identity
// provider. The instance is a second Dovecot, started from the
// configuration dovecot-up wrote, with the oauth2 passdb added, its own
// ports, run folder and mail folders.
func TestDovecotXOAUTH2(t *testing.T) {
	_, dir, _ := dovecot(t)
	if dir == "" {
		t.Skip("TEST_DOVECOT_DIR not set")
	}
	if os.Geteuid() != 0 {
		t.Skip("starting a Dovecot needs root")
	}
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/dovecot"); err != nil {
			t.Skip("no dovecot binary")
		}
	}
	conf, err := os.ReadFile(filepath.Join(dir, "dovecot.conf"))
	if err != nil {
		t.Skip(err)
	}

	// the identity provider's introspection endpoint (RFC 7662)
	const good = "ya29.good-token"
	var mu sync.Mutex
	var seen []string
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.PostFormValue("token")
		mu.Lock()
		seen = append(seen, tok)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if tok != good {
			w.Write([]byte(`{"active": false}`))
			return
		}
		w.Write([]byte(`{"active": true, "username": "` + dovecotUser + `"}`))
	}))
	defer idp.Close()

	addr := startDovecotVariant(t, bin, string(conf), idp.URL+"/introspect")
	testmail.AppendMessages(t, addr, dovecotUser, dovecotPass, "INBOX", testMessage(1, 800), testMessage(2, 800))

	host, port, _ := splitHostPort(addr)
	for _, tt := range []struct {
		name, token string
		ok          bool
	}{
		{"good token", good, true},
		{"refused token", "ya29.expired", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := serverOptions(t, addr, dovecotUser, tt.token)
			o.Server.Host, o.Server.Port = host, port
			o.Server.Auth = meeting.AuthXOAUTH2
			rec := newRecorder()
			w, err := inbox.NewWatcher(openDB(t), o, rec.handle)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			st, err := w.Once(t.Context())
			mu.Lock()
			asked := slices.Contains(seen, tt.token)
			mu.Unlock()
			if !asked {
				t.Errorf("Dovecot never asked the identity provider about %q (asked about %q)", tt.token, seen)
			}
			if !tt.ok {
				if err == nil || !strings.Contains(err.Error(), "AUTHENTICATE XOAUTH2") {
					t.Fatalf("Once with a refused token = %+v, %v; want an AUTHENTICATE XOAUTH2 error", st, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.Fetched != 2 || st.Moved != 2 {
				t.Errorf("Once = %+v, want 2 fetched and moved", st)
			}
		})
	}
}

// startDovecotVariant starts a second Dovecot from conf (dovecot-up's) with
// an oauth2 passdb in front of the password file, on free loopback ports,
// with its own run, state and mail folders; it stops it at the end of the
// test. It returns the plain IMAP address.
func startDovecotVariant(t *testing.T, bin, conf, introspection string) string {
	t.Helper()
	// Dovecot's unprivileged processes must reach the folder: not t.TempDir (0700).
	root, err := os.MkdirTemp("", "convene-dovecot-oauth2-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	ids := regexp.MustCompile(`uid=(\d+) gid=(\d+)`).FindStringSubmatch(conf)
	if ids == nil {
		t.Skip("dovecot-up's configuration has no uid/gid for mail: not the expected form")
	}
	uid, _ := strconv.Atoi(ids[1])
	gid, _ := strconv.Atoi(ids[2])
	mail := filepath.Join(root, "mail")
	if err := os.Mkdir(mail, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(mail, uid, gid); err != nil {
		t.Fatal(err)
	}
	p1, p2 := freePort(t), freePort(t)
	ext := filepath.Join(root, "oauth2.conf.ext")
	if err := os.WriteFile(ext, []byte("introspection_mode = post\nintrospection_url = "+introspection+
		"\nforce_introspection = yes\nusername_attribute = username\nactive_attribute = active\nactive_value = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ports := 0
	var out []string
	for _, line := range strings.Split(conf, "\n") {
		key, _, _ := strings.Cut(strings.TrimSpace(line), " =")
		switch key {
		case "base_dir":
			line = "base_dir = " + filepath.Join(root, "run")
		case "state_dir":
			line = "state_dir = " + filepath.Join(root, "state")
		case "instance_name":
			line = "instance_name = convene-oauth2-" + strconv.Itoa(p1)
		case "log_path", "info_log_path":
			line = key + " = " + filepath.Join(root, "dovecot.log")
		case "auth_mechanisms":
			line += " xoauth2 oauthbearer"
		case "port":
			ports++
			line = "    port = " + strconv.Itoa(map[int]int{1: p1, 2: p2}[ports])
		case "passdb {":
			if !slices.Contains(out, "  driver = oauth2") {
				out = append(out, "passdb {", "  driver = oauth2", "  mechanisms = xoauth2 oauthbearer", "  args = "+ext, "}")
			}
		}
		if strings.Contains(line, "home=") {
			line = regexp.MustCompile(`home=\S+`).ReplaceAllString(line, "home="+mail+"/%u")
		}
		out = append(out, line)
	}
	if ports != 2 {
		t.Skipf("dovecot-up's configuration has %d listener ports, want 2: not the expected form", ports)
	}
	cfg := filepath.Join(root, "dovecot.conf")
	if err := os.WriteFile(cfg, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	// The master stays in the background holding its standard output and
	// error: they go to a file, not to a pipe that would never end.
	logf, err := os.Create(filepath.Join(root, "start.log"))
	if err != nil {
		t.Fatal(err)
	}
	start := exec.Command(bin, "-c", cfg)
	start.Stdout, start.Stderr = logf, logf
	err = start.Run()
	logf.Close()
	if err != nil {
		b, _ := os.ReadFile(logf.Name())
		t.Fatalf("dovecot -c %s: %v\n%s", cfg, err, b)
	}
	t.Cleanup(func() {
		stopDovecot(t, root)
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(root, "dovecot.log")); err == nil {
				t.Logf("dovecot.log:\n%s", b)
			}
		}
		os.RemoveAll(root)
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p1))
	waitListening(t, addr, 10*time.Second)
	return addr
}

// stopDovecot sends SIGTERM to the master and waits for it to be gone.
func stopDovecot(t *testing.T, root string) {
	b, err := os.ReadFile(filepath.Join(root, "run", "master.pid"))
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || syscall.Kill(pid, syscall.SIGTERM) != nil {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) {
		<-tick.C
	}
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitListening waits until addr accepts a connection, or fails the test
// after d.
func waitListening(t *testing.T, addr string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if !errors.Is(err, syscall.ECONNREFUSED) || time.Now().After(deadline) {
			t.Fatalf("dovecot on %s: %v", addr, err)
		}
		<-tick.C
	}
}
