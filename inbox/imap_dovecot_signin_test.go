package inbox_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/inbox"
	"convene/internal/testmail"
	"convene/meeting"
	"convene/oauth"
)

// TestDovecotSignIn runs convene's own sign-in against a real Dovecot whose
// oauth2 passdb asks the in-process authorization server (introspection)
// whether a token is good: the device sign-in gives a token Dovecot
// accepts; once the server revokes the sign-in, Dovecot refuses the token,
// the refresh is refused too, and the watcher reports a sign-in error.
func TestDovecotSignIn(t *testing.T) {
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
	auth := testmail.NewAuthServer(t, testmail.AuthOptions{Account: dovecotUser})
	addr := startDovecotVariant(t, bin, string(conf), auth.IntrospectURL)
	testmail.AppendMessages(t, addr, dovecotUser, dovecotPass, "INBOX", testMessage(1, 800))

	cfg := &meeting.OAuth2{Provider: meeting.ProviderGeneric, TokenURL: auth.TokenURL, DeviceAuthURL: auth.DeviceURL,
		ClientID: "convene-test", Flow: meeting.FlowDevice, Scopes: []string{"offline_access", "mail"},
		Cache: filepath.Join(t.TempDir(), "convene.db.oauth2.json")}
	src, err := oauth.New(cfg, dovecotUser, oauth.Options{Wait: func(ctx context.Context, d time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Login(t.Context(), &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	host, port, _ := splitHostPort(addr)
	o := serverOptions(t, addr, dovecotUser, "unused")
	o.Server.Host, o.Server.Port = host, port
	o.Server.Auth, o.Server.Secret = meeting.AuthOAuth2, meeting.Secret{Source: src}
	rec := newRecorder()
	w, err := inbox.NewWatcher(openDB(t), o, rec.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	st, err := w.Once(t.Context())
	if err != nil || st.Fetched != 1 {
		t.Fatalf("Once with a signed-in token = %+v, %v", st, err)
	}
	w.Close()

	auth.RevokeUser(dovecotUser)
	_, err = w.Once(t.Context())
	if !oauth.IsSignIn(err) || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("Once after revocation = %v, want a sign-in error", err)
	}
	if n := auth.Requests("refresh_token"); n != 1 {
		t.Errorf("%d refreshes, want 1 (after Dovecot refused the revoked token)", n)
	}
}
