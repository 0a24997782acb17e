package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// tokenCookie carries the access token after the first visit.
const tokenCookie = "convene_token"

// isLoopback reports whether addr (host:port, or a bare host) names only
// the loopback interface. An empty address counts as loopback (the default
// the command binds); an empty host (":8080") means every interface.
// Host names other than "localhost" are not resolved and count as not
// loopback.
func isLoopback(addr string) (bool, error) {
	if addr == "" {
		return true, nil
	}
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	} else if strings.Contains(addr, ":") && net.ParseIP(strings.Trim(addr, "[]")) == nil {
		return false, fmt.Errorf("web: address %q: %w", addr, err)
	}
	host = strings.Trim(host, "[]")
	if host == "" {
		return false, nil
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	if i := strings.IndexByte(host, '%'); i >= 0 { // zone: fe80::1%eth0
		host = host[:i]
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// requireToken refuses requests that do not carry the token. A valid
// ?token= sets the cookie; on a page, the browser is then redirected to the
// same address without the token so it stays out of history and logs.
// Feeds (/meeting.ics, /metrics, the exports) are served directly, since
// calendar clients and scrapers keep no cookies.
func (s *server) requireToken(h http.Handler) http.Handler {
	want := sha256.Sum256([]byte(s.opts.Token))
	ok := func(got string) bool {
		if got == "" {
			return false
		}
		sum := sha256.Sum256([]byte(got))
		return subtle.ConstantTimeCompare(sum[:], want[:]) == 1
	}
	// The cookie holds a digest of the token rather than the token, so any
	// token (spaces, quotes) fits in a cookie value.
	session := cookieValue(s.opts.Token)
	okCookie := func(got string) bool {
		return subtle.ConstantTimeCompare([]byte(got), []byte(session)) == 1
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth := r.Header.Get("Authorization"); auth != "" {
			scheme, tok, _ := strings.Cut(auth, " ")
			if strings.EqualFold(scheme, "Bearer") && ok(strings.TrimSpace(tok)) {
				h.ServeHTTP(w, r)
				return
			}
		}
		if c, err := r.Cookie(tokenCookie); err == nil && okCookie(c.Value) {
			h.ServeHTTP(w, r)
			return
		}
		q := r.URL.Query()
		if tok := q.Get("token"); ok(tok) {
			http.SetCookie(w, &http.Cookie{
				Name:     tokenCookie,
				Value:    session,
				Path:     "/",
				HttpOnly: true,
				Secure:   s.secure(r),
				SameSite: http.SameSiteLaxMode,
			})
			if r.Method == http.MethodGet && !isFeed(r.URL.Path) {
				q.Del("token")
				u := *r.URL
				u.RawQuery = q.Encode()
				http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
				return
			}
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="convene"`)
		http.Error(w, "401 unauthorized: open the dashboard's address with ?token=…", http.StatusUnauthorized)
	})
}

// cookieValue derives the cookie's value from the token.
func cookieValue(token string) string {
	sum := sha256.Sum256([]byte("convene dashboard cookie\x00" + token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func isFeed(path string) bool {
	return path == "/meeting.ics" || path == "/metrics" || strings.HasPrefix(path, "/export/")
}
