package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/time/rate"
)

// StaffLogin is a person who may sign in to the dashboard, with the
// password read from its secret. New keeps only a keyed hash of it.
type StaffLogin struct {
	Name     string
	Password string
}

// Session limits. Sessions and the sign-in rate follow the wall clock,
// not Options.Now (which runs fast under a simulated clock).
const (
	sessionCookie = "convene_session"
	// SessionLifetime is how long a sign-in lasts; sessions live in memory,
	// so a restart of the daemon signs everyone out.
	SessionLifetime = 12 * time.Hour
	maxSessions     = 1000
)

// signin holds the staff's hashed passwords and the open sessions.
type signin struct {
	key   []byte            // random, per process: the passwords' hashes are keyed with it
	staff map[string]staffH // by lower-cased name
	dummy []byte            // compared against when the name is unknown

	mu       sync.Mutex
	sessions map[string]session // by the digest of the cookie's value
	failures *rate.Limiter      // refused sign-ins, all names together
}

type staffH struct {
	name string // as configured
	hash []byte
}

type session struct {
	person  string
	expires time.Time
}

func newSignin(staff []StaffLogin) *signin {
	si := &signin{key: make([]byte, 32), staff: map[string]staffH{}, sessions: map[string]session{},
		failures: rate.NewLimiter(rate.Every(2*time.Second), 10)}
	rand.Read(si.key)
	for _, st := range staff {
		si.staff[strings.ToLower(strings.TrimSpace(st.Name))] = staffH{name: strings.TrimSpace(st.Name), hash: si.hash(st.Password)}
	}
	si.dummy = si.hash("")
	return si
}

func (si *signin) hash(pw string) []byte {
	m := hmac.New(sha256.New, si.key)
	m.Write([]byte(pw))
	return m.Sum(nil)
}

// check returns the configured name of the person whose password pw is,
// comparing in constant time whether or not the name is known.
func (si *signin) check(name, pw string) (string, bool) {
	st, known := si.staff[strings.ToLower(strings.TrimSpace(name))]
	want := st.hash
	if !known {
		want = si.dummy
	}
	ok := subtle.ConstantTimeCompare(si.hash(pw), want) == 1
	return st.name, ok && known
}

func sessionKey(v string) string {
	sum := sha256.Sum256([]byte(v))
	return string(sum[:])
}

// open starts a session for person and returns the cookie's value.
func (si *signin) open(person string, now time.Time) string {
	b := make([]byte, 32)
	rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	si.mu.Lock()
	defer si.mu.Unlock()
	if len(si.sessions) >= maxSessions {
		for k, s := range si.sessions {
			if now.After(s.expires) {
				delete(si.sessions, k)
			}
		}
	}
	if len(si.sessions) >= maxSessions { // still full: drop the oldest
		var oldest string
		var at time.Time
		for k, s := range si.sessions {
			if oldest == "" || s.expires.Before(at) {
				oldest, at = k, s.expires
			}
		}
		delete(si.sessions, oldest)
	}
	si.sessions[sessionKey(v)] = session{person: person, expires: now.Add(SessionLifetime)}
	return v
}

func (si *signin) lookup(v string, now time.Time) (string, bool) {
	if v == "" {
		return "", false
	}
	si.mu.Lock()
	defer si.mu.Unlock()
	k := sessionKey(v)
	s, ok := si.sessions[k]
	if !ok {
		return "", false
	}
	if now.After(s.expires) {
		delete(si.sessions, k)
		return "", false
	}
	return s.person, true
}

func (si *signin) close(v string) {
	si.mu.Lock()
	defer si.mu.Unlock()
	delete(si.sessions, sessionKey(v))
}

type personKey struct{}

// person is who acts in r: the signed-in staff member, the name the
// trusted proxy gave, or Options.User when sign-in is not configured.
func (s *server) person(r *http.Request) string {
	if p, ok := r.Context().Value(personKey{}).(string); ok && p != "" {
		return p
	}
	return s.opts.User
}

// signedIn reports whether the dashboard knows people by name (staff
// accounts or a trusted proxy header), rather than by a shared token.
func (s *server) signedIn() bool { return s.si != nil || s.opts.TrustedUserHeader != "" }

// fromProxy reports whether r came from one of Options.Proxies.
func (s *server) fromProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.opts.Proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// proxyUser is the person the trusted proxy names in its header, or "".
// The header is believed only from Options.Proxies.
func (s *server) proxyUser(r *http.Request) string {
	if s.opts.TrustedUserHeader == "" || !s.fromProxy(r) {
		return ""
	}
	v := strings.TrimSpace(r.Header.Get(s.opts.TrustedUserHeader))
	if len(v) > 200 || strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return ""
	}
	return v
}

// requirePerson lets through requests from a signed-in person (a session
// cookie, or the trusted proxy's header) and puts the person in the
// request's context. Others may open the sign-in page and the style sheet;
// with a token configured, the feeds accept it as before (calendar
// clients and scrapers keep no session). A page asked for without a
// session redirects to the sign-in page.
func (s *server) requirePerson(h http.Handler) http.Handler {
	feeds := http.NotFoundHandler()
	if s.opts.Token != "" {
		feeds = s.requireToken(h)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		person := s.proxyUser(r)
		if person == "" && s.si != nil {
			if c, err := r.Cookie(sessionCookie); err == nil {
				person, _ = s.si.lookup(c.Value, time.Now())
			}
		}
		if person != "" {
			h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), personKey{}, person)))
			return
		}
		switch {
		case r.URL.Path == "/signin" || strings.HasPrefix(r.URL.Path, "/static/"):
			h.ServeHTTP(w, r)
		case isFeed(r.URL.Path) && s.opts.Token != "":
			feeds.ServeHTTP(w, r)
		case r.Method == http.MethodGet && s.si != nil && !isFeed(r.URL.Path):
			http.Redirect(w, r, "/signin?"+url.Values{"next": {r.URL.RequestURI()}}.Encode(), http.StatusSeeOther)
		default:
			http.Error(w, "401 unauthorized: sign in first", http.StatusUnauthorized)
		}
	})
}

type signinPage struct {
	page
	Name  string
	Next  string
	Error string
}

func (s *server) signinForm(w http.ResponseWriter, r *http.Request) {
	if s.si == nil {
		http.NotFound(w, r)
		return
	}
	s.render(w, r, http.StatusOK, pageSignin, signinPage{page: page{Title: "Sign in"}, Next: localPath(r.URL.Query().Get("next"))})
}

// signinPost checks a name and password and opens a session. Refused
// attempts are rate-limited (all names together) and logged without the
// password.
func (s *server) signinPost(w http.ResponseWriter, r *http.Request) {
	if s.si == nil {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	name, pw := strings.TrimSpace(r.PostForm.Get("name")), r.PostForm.Get("password")
	next := localPath(r.PostForm.Get("next"))
	if s.si.failures.TokensAt(time.Now()) < 1 {
		s.log.Warn("sign-in refused: too many failed attempts", "name", clipHost(name))
		s.render(w, r, http.StatusTooManyRequests, pageSignin, signinPage{page: page{Title: "Sign in"}, Name: name, Next: next, Error: "Too many failed sign-ins: wait a minute and try again."})
		return
	}
	person, ok := s.si.check(name, pw)
	if !ok {
		s.si.failures.AllowN(time.Now(), 1)
		s.log.Warn("sign-in failed", "name", clipHost(name), "remote", r.RemoteAddr)
		s.render(w, r, http.StatusUnauthorized, pageSignin, signinPage{page: page{Title: "Sign in"}, Name: name, Next: next, Error: "Wrong name or password."})
		return
	}
	v := s.si.open(person, time.Now())
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: v, Path: "/", HttpOnly: true, Secure: s.secure(r),
		SameSite: http.SameSiteStrictMode, MaxAge: int(SessionLifetime / time.Second)})
	s.log.Info("signed in", "person", person, "remote", r.RemoteAddr)
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *server) signout(w http.ResponseWriter, r *http.Request) {
	if s.si != nil {
		if c, err := r.Cookie(sessionCookie); err == nil {
			s.si.close(c.Value)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode, MaxAge: -1})
	s.log.Info("signed out", "person", s.person(r))
	to := "/signin"
	if s.si == nil {
		to = "/"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// localPath returns p if it is a path on this server ("/review?page=2"),
// else "": the sign-in never redirects elsewhere.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return p
}
