package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"convene/web"
)

// TestHealthBanner: every page carries a red banner while the IMAP server
// refuses the login, or has been unreachable for longer than the threshold.
func TestHealthBanner(t *testing.T) {
	tests := []struct {
		name   string
		health web.InboxHealth
		want   string // part of the banner; "" for none
	}{
		{"never connected", web.InboxHealth{}, ""},
		{"ok", web.InboxHealth{Status: web.InboxOK, StatusSince: now.Add(-time.Hour), LastContact: now}, ""},
		{"login refused", web.InboxHealth{Status: web.InboxAuthFailed, StatusSince: now.Add(-time.Minute), Detail: "NO [AUTHENTICATIONFAILED] <b>Authentication</b> failed."},
			"refuses convene&#39;s login since 2020-06-05 09:59 CEST: replies are not being read. Check the IMAP secret. Server&#39;s answer: NO [AUTHENTICATIONFAILED] &lt;b&gt;Authentication&lt;/b&gt; failed."},
		{"unreachable a moment", web.InboxHealth{Status: web.InboxUnreachable, StatusSince: now.Add(-5 * time.Minute), Detail: "dial tcp: connection refused"}, ""},
		{"sign-in failing", web.InboxHealth{Status: web.InboxOK, SignIn: "oauth2: sign-in needed: the refresh token was refused (invalid_grant)", SignInSince: now.Add(-time.Hour)},
			"convene cannot sign in to the mailbox since 2020-06-05 09:00 CEST: nothing is sent or read, and the outbox is kept, until the sign-in is repaired (the daemon tries again every minute). oauth2: sign-in needed: the refresh token was refused (invalid_grant)"},
		{"unreachable for long", web.InboxHealth{Status: web.InboxUnreachable, StatusSince: now.Add(-20 * time.Minute), Detail: "dial tcp: connection refused"},
			"has been unreachable since 2020-06-05 09:40 CEST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(t, &fakeSource{health: tt.health}, web.Options{})
			for _, path := range []string{"/", "/missions", "/delegates", "/review", "/outbox"} {
				_, body := get(t, h, httptest.NewRequest("GET", path, nil))
				has := strings.Contains(body, `id="health-banner"`)
				if has != (tt.want != "") || !strings.Contains(body, tt.want) {
					t.Errorf("GET %s: banner %v, want %q", path, has, tt.want)
				}
			}
		})
	}
}
