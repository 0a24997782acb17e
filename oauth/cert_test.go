package oauth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/internal/testmail"
	"convene/meeting"
	"convene/oauth"
)

// selfSigned returns a certificate for key and the PEM of both.
func selfSigned(t *testing.T, key *rsa.PrivateKey) (*x509.Certificate, []byte) {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "convene"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	kd, _ := x509.MarshalPKCS8PrivateKey(key)
	return cert, append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})...)
}

// TestClientCertificate: app-only client credentials with a certificate
// instead of a secret (a signed client assertion, as Entra ID takes it).
func TestClientCertificate(t *testing.T) {
	k1, _ := rsa.GenerateKey(rand.Reader, 2048)
	k2, _ := rsa.GenerateKey(rand.Reader, 2048)
	cert, good := selfSigned(t, k1)
	_, other := selfSigned(t, k2)
	for _, tt := range []struct {
		name string
		pem  []byte
		ok   bool
	}{{"registered certificate", good, true}, {"another certificate", other, false}, {"no key", good[:strings.Index(string(good), "-----BEGIN PRIVATE KEY")], false}} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, testmail.AuthOptions{ClientCert: cert})
			p := filepath.Join(t.TempDir(), "convene.pem")
			os.WriteFile(p, tt.pem, 0o600)
			f.cfg.Flow = meeting.FlowApp
			f.cfg.ClientCertificate = meeting.Secret{File: p}
			f.cfg.Scopes = []string{"https://outlook.office365.com/.default"}
			tok, err := f.source(t, nil).Token(t.Context())
			if tt.ok {
				if err != nil || !f.auth.Valid(account, tok) {
					t.Fatalf("Token = valid %v, %v", f.auth.Valid(account, tok), err)
				}
				for _, req := range f.auth.TokenRequests() {
					if strings.Contains(req, "client_secret") || !strings.Contains(req, "client_assertion=") {
						t.Errorf("token request %q: want a client assertion and no secret", req)
					}
				}
				return
			}
			if !oauth.IsSignIn(err) {
				t.Fatalf("Token = %v, want a sign-in error", err)
			}
			if strings.Contains(f.logs.String(), "PRIVATE KEY") || strings.Contains(err.Error(), "PRIVATE KEY") {
				t.Error("the key leaked")
			}
		})
	}
}
