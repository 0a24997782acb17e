package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"convene/web"
)

var staff = []web.StaffLogin{{Name: "Anna Berg", Password: "correct horse"}, {Name: "Zoë Ødegaard", Password: "battery staple"}}

func signinForm(name, pw, next string) *http.Request {
	return postForm("/signin", url.Values{"name": {name}, "password": {pw}, "next": {next}})
}

func cookieOf(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// TestSignIn: with staff configured, pages redirect to the sign-in page, a
// wrong password is refused, the right one opens a session (HttpOnly,
// SameSite=Strict) under which review actions are recorded with the
// person's name, whatever a form says; signing out ends the session.
func TestSignIn(t *testing.T) {
	src := &fakeSource{}
	h := newHandler(t, src, web.Options{Staff: staff})

	res, _ := get(t, h, httptest.NewRequest("GET", "/review?page=2", nil))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin?next=%2Freview%3Fpage%3D2" {
		t.Fatalf("GET /review without a session: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := get(t, h, httptest.NewRequest("GET", "/signin?next=/review", nil))
	if res.StatusCode != 200 || !strings.Contains(body, `name="password"`) || strings.Contains(body, "Permanent Mission") || strings.Contains(body, `href="/review"`) {
		t.Fatalf("sign-in page: %d\n%s", res.StatusCode, body)
	}
	// Before sign-in, neither a page, a feed nor an action.
	for _, r := range []*http.Request{
		httptest.NewRequest("GET", "/export/registrations.csv", nil),
		httptest.NewRequest("GET", "/metrics", nil),
		postForm("/review/3", url.Values{"action": {"dismiss"}}),
	} {
		if res, _ := get(t, h, r); res.StatusCode < 400 {
			t.Errorf("%s %s without a session: %d", r.Method, r.URL, res.StatusCode)
		}
	}
	if len(src.resolvedCopy()) != 0 {
		t.Fatal("an action was taken without a session")
	}

	for _, bad := range [][2]string{{"Anna Berg", "wrong"}, {"Nobody", "correct horse"}, {"Anna Berg", ""}, {"Zoë Ødegaard", "correct horse"}} {
		res, body := get(t, h, signinForm(bad[0], bad[1], "/review"))
		if res.StatusCode != http.StatusUnauthorized || cookieOf(res, "convene_session") != nil || !strings.Contains(body, "Wrong name or password") {
			t.Errorf("sign in as %q with %q: %d", bad[0], bad[1], res.StatusCode)
		}
	}

	res, _ = get(t, h, signinForm("anna berg", "correct horse", "/review"))
	c := cookieOf(res, "convene_session")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/review" || c == nil {
		t.Fatalf("sign in: %d %q %v", res.StatusCode, res.Header.Get("Location"), c)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, not Secure over plain HTTP", c)
	}
	with := func(r *http.Request) *http.Request { r.AddCookie(c); return r }
	res, body = get(t, h, with(httptest.NewRequest("GET", "/review", nil)))
	if res.StatusCode != 200 || !strings.Contains(body, `id="person">Anna Berg`) || strings.Contains(body, `name="by"`) || strings.Contains(body, "Your name") {
		t.Fatalf("review page signed in: %d", res.StatusCode)
	}
	res, _ = get(t, h, with(postForm("/review/3", url.Values{"action": {"dismiss"}, "by": {"Mallory"}})))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("dismiss: %d", res.StatusCode)
	}
	if got := src.resolvedCopy(); len(got) != 1 || got[0].By != "Anna Berg" || !got[0].At.Equal(now) {
		t.Fatalf("resolved %+v, want by Anna Berg at %v", got, now)
	}

	// A forged session is refused; signing out ends the real one.
	forged := &http.Cookie{Name: "convene_session", Value: strings.Repeat("A", 43)}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(forged)
	if res, _ := get(t, h, r); res.StatusCode != http.StatusSeeOther {
		t.Errorf("forged session: %d", res.StatusCode)
	}
	res, _ = get(t, h, with(postForm("/signout", nil)))
	if res.StatusCode != http.StatusSeeOther || cookieOf(res, "convene_session").MaxAge >= 0 {
		t.Fatalf("sign out: %d", res.StatusCode)
	}
	if res, _ := get(t, h, with(httptest.NewRequest("GET", "/", nil))); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after sign-out the old cookie still opens pages: %d", res.StatusCode)
	}
}

// TestSignInRedirectStaysLocal: the sign-in never sends the browser to
// another site.
func TestSignInRedirectStaysLocal(t *testing.T) {
	h := newHandler(t, &fakeSource{}, web.Options{Staff: staff})
	for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""} {
		res, _ := get(t, h, signinForm("Anna Berg", "correct horse", next))
		if loc := res.Header.Get("Location"); loc != "/" {
			t.Errorf("next %q: redirected to %q", next, loc)
		}
	}
}

// TestSignInCSRF: a sign-in or an action posted from another site is
// refused (login CSRF included).
func TestSignInCSRF(t *testing.T) {
	h := newHandler(t, &fakeSource{}, web.Options{Staff: staff})
	r := signinForm("Anna Berg", "correct horse", "/")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	if res, _ := get(t, h, r); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site sign-in: %d", res.StatusCode)
	}
}

// TestSignInSecureCookie: over TLS, or behind a trusted proxy that says
// https, the session cookie is Secure.
func TestSignInSecureCookie(t *testing.T) {
	for _, opts := range []web.Options{{Staff: staff, TLS: true}, {Staff: staff, TrustProxy: true}} {
		h := newHandler(t, &fakeSource{}, opts)
		r := signinForm("Anna Berg", "correct horse", "/")
		r.Header.Set("X-Forwarded-Proto", "https")
		res, _ := get(t, h, r)
		if c := cookieOf(res, "convene_session"); c == nil || !c.Secure {
			t.Errorf("TLS %v proxy %v: cookie %+v", opts.TLS, opts.TrustProxy, c)
		}
	}
}

// TestTokenWithStaff: with staff configured, the token opens the feeds
// only; pages and actions need a person.
func TestTokenWithStaff(t *testing.T) {
	src := &fakeSource{}
	h := newHandler(t, src, web.Options{Staff: staff, Token: "s3cret", Addr: "0.0.0.0:8025"})
	r := httptest.NewRequest("GET", "/meeting.ics", nil)
	r.Header.Set("Authorization", "Bearer s3cret")
	if res, _ := get(t, h, r); res.StatusCode != 200 {
		t.Errorf("feed with the token: %d", res.StatusCode)
	}
	r = httptest.NewRequest("GET", "/review?token=s3cret", nil)
	if res, _ := get(t, h, r); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
		t.Errorf("page with the token: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	r = postForm("/review/3", url.Values{"action": {"dismiss"}})
	r.Header.Set("Authorization", "Bearer s3cret")
	if res, _ := get(t, h, r); res.StatusCode != http.StatusUnauthorized || len(src.resolvedCopy()) != 0 {
		t.Errorf("action with the token: %d", res.StatusCode)
	}
}

// TestTrustedUserHeader: the proxy's header names the person, but only
// when the request comes from the proxy's address.
func TestTrustedUserHeader(t *testing.T) {
	src := &fakeSource{}
	h := newHandler(t, src, web.Options{TrustedUserHeader: "X-Remote-User", Proxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.5/32")}, Addr: "0.0.0.0:8025"})
	r := postForm("/review/3", url.Values{"action": {"dismiss"}})
	r.RemoteAddr = "10.0.0.9:4444" // not the proxy
	r.Header.Set("X-Remote-User", "Mallory")
	if res, _ := get(t, h, r); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("header from elsewhere: %d", res.StatusCode)
	}
	r = postForm("/review/3", url.Values{"action": {"dismiss"}})
	r.RemoteAddr = "10.0.0.5:4444"
	r.Header.Set("X-Remote-User", "Anna Berg")
	if res, _ := get(t, h, r); res.StatusCode != http.StatusSeeOther {
		t.Errorf("header from the proxy: %d", res.StatusCode)
	}
	if got := src.resolvedCopy(); len(got) != 1 || got[0].By != "Anna Berg" {
		t.Errorf("resolved %+v", got)
	}
	if _, err := web.New(src, web.Options{TrustedUserHeader: "X-Remote-User"}); err == nil {
		t.Error("a user header without proxies' addresses was accepted")
	}
}

// TestLoopbackWithoutStaff: on loopback with nobody configured, the
// dashboard opens as before and actions are recorded as Options.User.
func TestLoopbackWithoutStaff(t *testing.T) {
	src := &fakeSource{}
	h := newHandler(t, src, web.Options{User: "isu-desk"})
	if res, _ := get(t, h, httptest.NewRequest("GET", "/review", nil)); res.StatusCode != 200 {
		t.Fatalf("review: %d", res.StatusCode)
	}
	get(t, h, postForm("/review/3", url.Values{"action": {"dismiss"}, "by": {"Mallory"}}))
	if got := src.resolvedCopy(); len(got) != 1 || got[0].By != "isu-desk" {
		t.Errorf("resolved %+v", got)
	}
	if _, err := web.New(src, web.Options{Addr: "0.0.0.0:8025"}); err == nil {
		t.Error("served off loopback with neither token nor staff")
	}
	if _, err := web.New(src, web.Options{Addr: "0.0.0.0:8025", Staff: staff}); err != nil {
		t.Errorf("off loopback with staff: %v", err)
	}
}
