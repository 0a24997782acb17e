package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"convene/meeting"
)

//go:embed templates/*.html static/*
var files embed.FS

// Options configure the handler. The zero value serves on loopback without
// a token, logs nothing and uses time.Now.
type Options struct {
	// Addr is the address the handler will be served on (host:port). When
	// its host is not a loopback address (or is empty, meaning every
	// interface), Token is required.
	Addr string
	// Token, when set, must be presented by every request: as a
	// "Authorization: Bearer" header, a cookie, or once as ?token= (which
	// sets the cookie). It is never logged.
	Token string
	// User names the person in review actions when nobody signs in (no
	// Staff, no TrustedUserHeader). Default "staff".
	User string
	// Staff are the people who sign in by name and password. With staff (or
	// TrustedUserHeader) set, every page needs a signed-in person, and
	// review actions are recorded under that person's name; the token, if
	// any, then opens only the feeds (calendar, metrics, exports).
	Staff []StaffLogin
	// TrustedUserHeader names a header (e.g. X-Remote-User) in which a
	// reverse proxy that authenticated the person gives their name. It is
	// believed only from Proxies.
	TrustedUserHeader string
	// Proxies are the addresses a trusted reverse proxy connects from. When
	// set, X-Forwarded-Proto (TrustProxy) is believed only from them too.
	Proxies []netip.Prefix
	// Hosts are the names (or host:port) the dashboard is reached under
	// besides loopback and Addr's host, e.g. a reverse proxy's public name.
	// A request with any other Host header is refused (421), so that DNS
	// rebinding cannot reach the dashboard.
	Hosts []string
	// TLS says the server is served over TLS (its cookies are Secure).
	TLS bool
	// TrustProxy believes a reverse proxy's X-Forwarded-Proto: https (the
	// cookies are then Secure). Set it only behind a proxy that sets it.
	TrustProxy bool
	// MaxBody caps each request body; default DefaultMaxBody.
	MaxBody int64
	// ReviewPageSize is how many review items a page shows; default 50.
	ReviewPageSize int
	// UnreachableAfter is how long the inbox may be unreachable before the
	// red banner shows; default 10m. A refused login shows at once.
	UnreachableAfter time.Duration
	// The server's timeouts (NewServer); zero means the Default… values.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration

	Logger *slog.Logger
	Now    func() time.Time
}

type server struct {
	src   Source
	opts  Options
	log   *slog.Logger
	pages map[string]*template.Template
	si    *signin // nil: nobody signs in
}

// Page template names.
const (
	pageOverview  = "overview.html"
	pageMissions  = "missions.html"
	pageMission   = "mission.html"
	pageDelegates = "delegates.html"
	pageReview    = "review.html"
	pageOutbox    = "outbox.html"
	pageError     = "error.html"
	pageSignin    = "signin.html"
)

// New returns the dashboard's handler. It parses the templates and checks
// the options but does no I/O; Source is called on each request.
// It fails when Options.Addr is not a loopback address and Token is empty.
func New(src Source, opts Options) (http.Handler, error) {
	if src == nil {
		return nil, errors.New("web: nil Source")
	}
	loop, err := isLoopback(opts.Addr)
	if err != nil {
		return nil, err
	}
	if !loop && opts.Token == "" && len(opts.Staff) == 0 && opts.TrustedUserHeader == "" {
		return nil, fmt.Errorf("web: a token or staff sign-in is required to serve on %q, which is not a loopback address", opts.Addr)
	}
	if opts.TrustedUserHeader != "" && len(opts.Proxies) == 0 {
		return nil, errors.New("web: a trusted user header needs the proxies' addresses")
	}
	for _, st := range opts.Staff {
		if strings.TrimSpace(st.Name) == "" || st.Password == "" {
			return nil, errors.New("web: a staff member without a name or password")
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.User == "" {
		opts.User = "staff"
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.UnreachableAfter <= 0 {
		opts.UnreachableAfter = 10 * time.Minute
	}
	if opts.ReviewPageSize <= 0 {
		opts.ReviewPageSize = 50
	}
	s := &server{src: src, opts: opts, log: opts.Logger.With("component", "web"), pages: map[string]*template.Template{}}
	if len(opts.Staff) > 0 {
		s.si = newSignin(opts.Staff)
	}
	for _, p := range []string{pageOverview, pageMissions, pageMission, pageDelegates, pageReview, pageOutbox, pageError, pageSignin} {
		t, err := template.New(p).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/"+p)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", p, err)
		}
		s.pages[p] = t
	}
	static, err := fs.Sub(files, "static")
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.overview)
	mux.HandleFunc("GET /missions", s.missions)
	mux.HandleFunc("GET /missions/{name}", s.mission)
	mux.HandleFunc("POST /missions/{name}/web-link", s.webLink)
	mux.HandleFunc("GET /delegates", s.delegates)
	mux.HandleFunc("GET /review", s.review)
	mux.HandleFunc("POST /review/{id}", s.resolve)
	mux.HandleFunc("POST /review/dismiss", s.dismissMany)
	mux.HandleFunc("GET /review/{id}/message.eml", s.reviewMessage)
	mux.HandleFunc("GET /review/{id}/attachments/{n}", s.reviewAttachment)
	mux.HandleFunc("GET /outbox", s.outbox)
	mux.HandleFunc("GET /export/registrations.csv", s.exportCSV)
	mux.HandleFunc("GET /export/registrations.xlsx", s.exportXLSX)
	mux.HandleFunc("GET /meeting.ics", s.calendar)
	mux.HandleFunc("GET /metrics", s.metrics)
	mux.HandleFunc("GET /signin", s.signinForm)
	mux.HandleFunc("POST /signin", s.signinPost)
	mux.HandleFunc("POST /signout", s.signout)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	var h http.Handler = mux
	h = http.NewCrossOriginProtection().Handler(h)
	switch {
	case s.signedIn():
		h = s.requirePerson(h)
	case opts.Token != "":
		h = s.requireToken(h)
	}
	h = s.limitBody(h)
	return headers(s.hostGuard(h)), nil
}

// headers sets the security headers of every response: nothing is loaded
// from elsewhere and no script runs.
func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// render executes a page into a buffer first, so a template error becomes
// a clean 500.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	var buf bytes.Buffer
	t, err := s.pages[page].Clone()
	if err != nil {
		s.log.Error("render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	person := ""
	if s.signedIn() {
		person, _ = r.Context().Value(personKey{}).(string)
	}
	alert := ""
	if person != "" || !s.signedIn() { // nothing of the meeting before sign-in
		alert = s.banner(r)
	}
	canSignOut := s.si != nil
	locked := s.signedIn() && person == "" // the sign-in page, before sign-in: no links in
	t.Funcs(template.FuncMap{"banner": func() string { return alert }, "person": func() string { return person },
		"canSignOut": func() bool { return canSignOut }, "locked": func() bool { return locked }})
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail reports a Source error: logged with the path (never the query, which
// may hold the token) and shown as a 500 page.
func (s *server) fail(w http.ResponseWriter, r *http.Request, op string, err error) {
	s.log.Error(op, "path", r.URL.Path, "err", err)
	s.render(w, r, http.StatusInternalServerError, pageError, errorPage{
		page:    page{Title: "Error"},
		Message: "The dashboard could not read " + op + ". See the log.",
	})
}

// page holds what the layout needs.
type page struct {
	Title string
	Nav   string // the current section
}

type errorPage struct {
	page
	Message string
}

// banner is the red line every page shows when the inbox is not being
// read: the server refuses the login, or has been unreachable for longer
// than Options.UnreachableAfter. "" when all is well (or unknown).
func (s *server) banner(r *http.Request) string {
	h, err := s.src.Health(r.Context())
	if err != nil {
		s.log.Warn("inbox health", "err", err)
		return ""
	}
	since := ""
	if !h.StatusSince.IsZero() {
		since = " since " + h.StatusSince.Format("2006-01-02 15:04 MST")
	}
	if h.SignIn != "" {
		at := ""
		if !h.SignInSince.IsZero() {
			at = " since " + h.SignInSince.Format("2006-01-02 15:04 MST")
		}
		return "convene cannot sign in to the mailbox" + at + ": nothing is sent or read, and the outbox is kept, until the sign-in is repaired (the daemon tries again every minute). " + h.SignIn
	}
	switch {
	case h.Status == InboxAuthFailed:
		return "The IMAP server refuses convene's login" + since + ": replies are not being read. Check the IMAP secret. Server's answer: " + h.Detail
	case h.Status == InboxUnreachable && s.opts.Now().Sub(h.StatusSince) >= s.opts.UnreachableAfter:
		return "The IMAP server has been unreachable" + since + ": replies are not being read. Last error: " + h.Detail
	}
	return ""
}

var funcs = template.FuncMap{
	"banner":     func() string { return "" },
	"person":     func() string { return "" },
	"canSignOut": func() bool { return false },
	"locked":     func() bool { return false },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.Format("2006-01-02 15:04 MST")
	},
	"day": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.Format("2006-01-02")
	},
	"iso":      func(t time.Time) string { return t.Format(time.RFC3339) },
	"add":      func(a, b int) int { return a + b },
	"sortKeys": func() []string { return []string{"name", "state", "delegates", "last"} },
	// missionURL is the address of a mission's page.
	"missionURL": func(name string) string { return "/missions/" + url.PathEscape(name) },
	"stateLabel": func(s MissionState) string {
		if s == StateInReview {
			return "reply in review"
		}
		return string(s)
	},
	"size": func(n int) string {
		switch {
		case n < 1000:
			return fmt.Sprintf("%d B", n)
		case n < 1000*1000:
			return fmt.Sprintf("%.0f KB", float64(n)/1000)
		}
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	},
	// delegateLines writes delegates as the register form reads them.
	"delegateLines": func(ds []meeting.Delegate) string {
		var b strings.Builder
		for _, d := range ds {
			if d.Title != "" {
				fmt.Fprintf(&b, "%s, %s, %s\n", d.Name, d.Title, d.Email)
			} else {
				fmt.Fprintf(&b, "%s, %s\n", d.Name, d.Email)
			}
		}
		return b.String()
	},
}
