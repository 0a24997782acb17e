package oauth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"convene/internal/testmail"
	"convene/meeting"
	"convene/oauth"
)

// TestGoogleServiceAccount: Google Workspace app-only sign-in: a service
// account with domain-wide delegation signs a JWT for the mailbox; the
// token it gets is for the mailbox and the mail scope.
func TestGoogleServiceAccount(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	const sa = "convene@isu-mail.iam.gserviceaccount.com"
	for _, tt := range []struct {
		name         string
		noDelegation bool
		want         string // in the error; "" for success
	}{
		{"delegated", false, ""},
		{"no delegation", true, "unauthorized_client"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, testmail.AuthOptions{ServiceAccount: sa, ServiceAccountKey: &key.PublicKey, NoDelegation: tt.noDelegation})
			der, _ := x509.MarshalPKCS8PrivateKey(key)
			keyJSON, _ := json.Marshal(map[string]string{
				"type": "service_account", "client_email": sa, "client_id": "1234567890",
				"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
				"private_key_id": "k1", "token_uri": f.auth.TokenURL,
			})
			keyFile := filepath.Join(t.TempDir(), "sa.json")
			os.WriteFile(keyFile, keyJSON, 0o600)
			f.cfg.Provider, f.cfg.Flow, f.cfg.ClientID = meeting.ProviderGoogle, meeting.FlowApp, "1234567890"
			f.cfg.Scopes = []string{"https://mail.google.com/"}
			f.cfg.ClientSecret = meeting.Secret{File: keyFile}
			s := f.source(t, nil)
			tok, err := s.Token(t.Context())
			if tt.want != "" {
				if !oauth.IsSignIn(err) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "domain-wide delegation") {
					t.Fatalf("Token = %v, want a sign-in error naming %s", err, tt.want)
				}
				return
			}
			if err != nil || !f.auth.Valid(account, tok) || f.auth.ScopeOf(tok) != "https://mail.google.com/" {
				t.Fatalf("Token: valid %v, scope %q, %v", f.auth.Valid(account, tok), f.auth.ScopeOf(tok), err)
			}
			if strings.Contains(f.logs.String(), "PRIVATE KEY") {
				t.Error("the key is in the log")
			}
			f.noTokenIn(t, "the log", f.logs.String())
		})
	}
	t.Run("not a key", func(t *testing.T) {
		f := newFixture(t, testmail.AuthOptions{})
		t.Setenv("CONVENE_TEST_SA", `{"type": "authorized_user"}`)
		f.cfg.Provider, f.cfg.Flow = meeting.ProviderGoogle, meeting.FlowApp
		f.cfg.ClientSecret = meeting.Secret{Env: "CONVENE_TEST_SA"}
		if _, err := f.source(t, nil).Token(t.Context()); !oauth.IsSignIn(err) || !strings.Contains(err.Error(), "not a service account") {
			t.Fatalf("Token = %v", err)
		}
	})
}
