package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
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
	t.Parallel()
	for _, mode := range []string{"off", "on", "tls"} {
		on := mode != "off"
		t.Run(mode, func(t *testing.T) {
			cfg := testmeeting.Config(t, "smtp: {host: 127.0.0.1, port: 1, security: none, auth: none}\n")
			client := http.DefaultClient
			scheme := "http://"
			if on {
				web := "{listen: 127.0.0.1:0, public_url: http://127.0.0.1:8026}"
				if mode == "tls" {
					pool := selfSigned(t, filepath.Dir(cfg))
					web = "{listen: 127.0.0.1:0, public_url: http://127.0.0.1:8026, tls: {cert: cert.pem, key: key.pem}}"
					client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
					scheme = "https://"
				}
				b, _ := os.ReadFile(cfg)
				y := regexp.MustCompile(`(?m)^  late: .*$`).ReplaceAllString(string(b), "$0\n  web: "+web)
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
				resp, err := client.Get(scheme + addr + path)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want || (want == 200 && !strings.Contains(string(b), ct.Name)) {
					t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
				}
				if hsts := resp.Header.Get("Strict-Transport-Security") != ""; hsts != (mode == "tls") {
					t.Errorf("%s: HSTS %v", mode, hsts)
				}
			}
		})
	}
}

// selfSigned writes cert.pem and key.pem for 127.0.0.1 in dir and returns
// a pool that trusts the certificate.
func selfSigned(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}
