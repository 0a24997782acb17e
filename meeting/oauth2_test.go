package meeting_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"convene/meeting"
)

// withOAuth2 rewrites the example's smtp and imap auth to oauth2 and adds
// block as its oauth2 block.
func withOAuth2(t *testing.T, block string) string {
	t.Helper()
	dir := writeExample(t)
	p := filepath.Join(dir, "meeting.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	s = strings.Replace(s, "  auth: password          # or oauth2 (Microsoft 365, Google Workspace: an oauth2 block, see the README)\n  secret: {env: CONVENE_SMTP_SECRET}\n", "  auth: oauth2\n", 1)
	s = strings.Replace(s, "  auth: password\n  secret: {env: CONVENE_IMAP_SECRET}\n", "  auth: oauth2\n", 1)
	if strings.Count(s, "auth: oauth2") != 2 {
		t.Fatal("test setup: the example's auth lines changed")
	}
	s += block
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOAuth2Microsoft(t *testing.T) {
	p := withOAuth2(t, "oauth2:\n  provider: microsoft\n  tenant: isu.example\n  client_id: 11111111-2222-3333-4444-555555555555\n")
	m, err := meeting.LoadMeeting(p)
	if err != nil {
		t.Fatal(err)
	}
	o := m.OAuth2
	if m.SMTP.Auth != meeting.AuthOAuth2 || m.IMAP.Auth != meeting.AuthOAuth2 || o == nil || o.Flow != meeting.FlowDevice {
		t.Fatalf("auth %q/%q, oauth2 %+v", m.SMTP.Auth, m.IMAP.Auth, o)
	}
	if o.TokenURL != "https://login.microsoftonline.com/isu.example/oauth2/v2.0/token" ||
		o.DeviceAuthURL != "https://login.microsoftonline.com/isu.example/oauth2/v2.0/devicecode" {
		t.Errorf("endpoints %q %q", o.TokenURL, o.DeviceAuthURL)
	}
	if strings.Join(o.Scopes, " ") != "offline_access https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send" {
		t.Errorf("scopes %q", o.Scopes)
	}
	if o.Cache != m.Store+".oauth2.json" {
		t.Errorf("cache %q, want next to the store %q", o.Cache, m.Store)
	}
}

func TestOAuth2AppAndGoogle(t *testing.T) {
	p := withOAuth2(t, "oauth2:\n  provider: microsoft\n  tenant: isu.example\n  client_id: abc\n  flow: app\n  client_secret: {file: client.secret}\n")
	m, err := meeting.LoadMeeting(p)
	if err != nil {
		t.Fatal(err)
	}
	if o := m.OAuth2; o.Flow != meeting.FlowApp || o.Scopes[0] != "https://outlook.office365.com/.default" ||
		o.ClientSecret.File != filepath.Join(filepath.Dir(p), "client.secret") {
		t.Errorf("app: %+v", o)
	}
	p = withOAuth2(t, "oauth2:\n  provider: google\n  client_id: abc.apps.googleusercontent.com\n  client_secret: {env: GOOGLE_SECRET}\n")
	if m, err = meeting.LoadMeeting(p); err != nil {
		t.Fatal(err)
	}
	if o := m.OAuth2; o.Scopes[0] != "https://mail.google.com/" || o.TokenURL != "https://oauth2.googleapis.com/token" || o.Flow != meeting.FlowApp {
		t.Errorf("google: %+v", o)
	}
}

func TestOAuth2Problems(t *testing.T) {
	for _, tt := range []struct{ block, want string }{
		{"", ":86: oauth2: is required when smtp.auth or imap.auth is oauth2"},
		{"oauth2:\n  provider: azure\n  client_id: x\n", ":107: oauth2.provider: unknown \"azure\""},
		{"oauth2:\n  provider: microsoft\n  client_id: x\n", ":107: oauth2.tenant: is required"},
		{"oauth2:\n  provider: microsoft\n  tenant: t\n  client_id: x\n  flow: app\n", "oauth2.client_secret: is required for flow app (the app's client secret or client_certificate)"},
		{"oauth2:\n  provider: microsoft\n  tenant: t\n  client_id: x\n  client_certificate: {file: c.pem}\n", "oauth2.client_certificate: is for flow app"},
		{"oauth2:\n  provider: microsoft\n  tenant: t\n  client_id: x\n  flow: app\n  client_certificate: {file: c.pem}\n  client_secret: {env: S}\n", "not both"},
		{"oauth2:\n  provider: google\n  client_id: x\n  flow: device\n", "oauth2.flow: Google's device sign-in does not allow the mail scope"},
		{"oauth2:\n  provider: google\n  client_id: x\n  flow: app\n", "oauth2.client_secret: is required for flow app (the service account's JSON key)"},
		{"oauth2:\n  provider: issuer\n  client_id: x\n  token_url: http://idp.example/token\n  device_authorization_url: https://idp.example/device\n  scopes: [mail]\n", "oauth2.token_url: want an https URL"},
		{"oauth2:\n  provider: issuer\n  client_id: x\n  token_url: https://idp.example/token\n", "oauth2.device_authorization_url: is required"},
		{"oauth2:\n  provider: microsoft\n  tenant: t\n  client_id: x\n  token_url: https://idp.example/token\n", "are for provider issuer"},
		{"oauth2:\n  provider: microsoft\n  tenant: t\n  client_id: x\n  client_secret: {env: A, file: b}\n", "oauth2.client_secret: set exactly one"},
		{"oauth2:\n  provider: microsoft\n  tenant: t\n  client_id: x\n  clientid: y\n", "clientid: unknown field"},
	} {
		p := withOAuth2(t, tt.block)
		_, err := meeting.LoadMeeting(p)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("block %q: problems\n%v\nwant one with %q", tt.block, err, tt.want)
		}
	}
}

func TestOAuth2SecretNotUsed(t *testing.T) {
	p := withOAuth2(t, "oauth2:\n  provider: google\n  client_id: x\n")
	b, _ := os.ReadFile(p)
	s := strings.Replace(string(b), "  auth: oauth2\n", "  auth: oauth2\n  secret: {env: X}\n", 1)
	os.WriteFile(p, []byte(s), 0o644)
	if _, err := meeting.LoadMeeting(p); err == nil || !strings.Contains(err.Error(), "smtp.secret: is not used with auth oauth2") {
		t.Errorf("problems %v", err)
	}
}
