// Package regweb serves the public registration page: one page per
// mission, reached by the capability link PUBLIC_URL/r/TOKEN that the
// invitation, the reminders and the confirmation carry when
// registration.web is configured. A mission sees the meeting and its
// delegation, adds, corrects or withdraws delegates or declines, checks a
// summary and confirms; the change is applied by the secretariat exactly as
// an e-mail reply is (secretariat.WebRegister).
//
// It is a listener of its own, apart from the staff dashboard, and sets no
// cookie. Every page that is not a current link gets the same answer. Rate
// limits per client address and per link, a form token and the browser's
// Fetch Metadata guard the forms; the Content-Security-Policy allows nothing
// but this server's stylesheet, and the page needs no JavaScript.
package regweb

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"convene/meeting"
	"convene/secretariat"
	"convene/templates"
)

//go:embed page.html regweb.css
var files embed.FS

// Service is what the page needs of the secretariat (*secretariat.Service).
type Service interface {
	Meeting() *meeting.Meeting
	Now() time.Time
	WebContact(ctx context.Context, token string) (*meeting.Contact, error)
	WebState(ctx context.Context, contact string) (secretariat.WebState, error)
	WebRegister(ctx context.Context, contact string, ch secretariat.WebChange, client string) (secretariat.WebResult, error)
}

// Default limits of the page's server.
const (
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 15 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = time.Minute
	DefaultMaxBody           = 64 << 10 // a delegation of 40 is a few kilobytes
	DefaultFormAge           = 12 * time.Hour
)

// Default rates: a mission's staff reloading and submitting is well within
// them; a script trying links is not.
var (
	DefaultPerClient = Rate{Burst: 30, Every: 2 * time.Second}
	DefaultPerLink   = Rate{Burst: 20, Every: 3 * time.Second}
)

// Options configure the page. Listen and PublicURL come from
// registration.web.
type Options struct {
	Addr      string // listen address (host:port)
	PublicURL string // its host is allowed in Host
	Hosts     []string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed; from any other peer they are ignored.
	TrustedProxies                                            []netip.Prefix
	TLS                                                       bool   // served over TLS
	Key                                                       []byte // signs the form tokens; random when nil
	MaxBody                                                   int64
	FormAge                                                   time.Duration // how long a form may be submitted after it was shown
	PerClient                                                 Rate          // per client address; Burst < 0 turns it off
	PerLink                                                   Rate          // per link (token)
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	Logger                                                    *slog.Logger
	Now                                                       func() time.Time // the limiter's and the form tokens' clock
}

type server struct {
	svc       Service
	opts      Options
	log       *slog.Logger
	page      *template.Template
	css       []byte
	perClient *limiter
	perLink   *limiter
	hosts     map[string]bool
	anyIP     bool
}

// New returns the page's handler. It does no I/O.
func New(svc Service, opts Options) (http.Handler, error) {
	if svc == nil {
		return nil, errors.New("regweb: nil Service")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.FormAge <= 0 {
		opts.FormAge = DefaultFormAge
	}
	if opts.PerClient == (Rate{}) {
		opts.PerClient = DefaultPerClient
	}
	if opts.PerLink == (Rate{}) {
		opts.PerLink = DefaultPerLink
	}
	if len(opts.Key) == 0 {
		opts.Key = make([]byte, 32)
		rand.Read(opts.Key)
	}
	page, err := template.New("page.html").Funcs(funcs).ParseFS(files, "page.html")
	if err != nil {
		return nil, fmt.Errorf("regweb: %w", err)
	}
	css, _ := files.ReadFile("regweb.css")
	s := &server{svc: svc, opts: opts, log: opts.Logger.With("component", "regweb"), page: page, css: css,
		perClient: newLimiter(opts.PerClient, opts.Now), perLink: newLimiter(opts.PerLink, opts.Now),
		hosts: map[string]bool{"localhost": true}}
	if opts.Addr != "" {
		host, _, err := net.SplitHostPort(opts.Addr)
		if err != nil {
			return nil, fmt.Errorf("regweb: listen address %q: %w", opts.Addr, err)
		}
		host = canonHost(host)
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			s.anyIP = true
		} else {
			s.hosts[host] = true
		}
	}
	if opts.PublicURL != "" {
		u, err := url.Parse(opts.PublicURL)
		if err != nil {
			return nil, fmt.Errorf("regweb: public URL: %w", err)
		}
		s.hosts[canonHost(u.Hostname())] = true
	}
	for _, h := range opts.Hosts {
		if x, _, err := net.SplitHostPort(h); err == nil {
			h = x
		}
		s.hosts[canonHost(h)] = true
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /r/{token}", s.show)
	mux.HandleFunc("POST /r/{token}", s.submit)
	mux.HandleFunc("GET /static/regweb.css", s.stylesheet)
	mux.HandleFunc("/", s.invalid)
	var h http.Handler = mux
	h = http.NewCrossOriginProtection().Handler(h)
	h = s.limitBody(h)
	h = s.limitClient(h)
	return headers(s.hostGuard(s.hsts(h))), nil
}

// hsts tells a browser that reached the page over HTTPS (directly, or
// through a trusted proxy) to keep to HTTPS.
func (s *server) hsts(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.secure(r) {
			w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(w, r)
	})
}

// NewServer returns an http.Server for the page with the timeouts of opts.
// The caller serves it (Serve, or ServeTLS with Options.TLS set).
func NewServer(svc Service, opts Options) (*http.Server, error) {
	h, err := New(svc, opts)
	if err != nil {
		return nil, err
	}
	or := func(d, def time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return def
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: or(opts.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		ReadTimeout:       or(opts.ReadTimeout, DefaultReadTimeout),
		WriteTimeout:      or(opts.WriteTimeout, DefaultWriteTimeout),
		IdleTimeout:       or(opts.IdleTimeout, DefaultIdleTimeout),
		MaxHeaderBytes:    16 << 10,
	}, nil
}

// headers sets the security headers of every response.
func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer") // the path is a capability
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Robots-Tag", "noindex, nofollow")
		h.ServeHTTP(w, r)
	})
}

// hostGuard refuses a Host the page is not served as (DNS rebinding).
func (s *server) hostGuard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if x, _, err := net.SplitHostPort(host); err == nil {
			host = x
		}
		host = canonHost(host)
		ok := s.hosts[host]
		if ip := net.ParseIP(host); ip != nil && (ip.IsLoopback() || s.anyIP) {
			ok = true
		}
		if !ok {
			http.Error(w, "421 misdirected request", http.StatusMisdirectedRequest)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func canonHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(strings.Trim(strings.TrimSpace(h), "[]")), ".")
	if ip := net.ParseIP(h); ip != nil {
		return ip.String()
	}
	return h
}

func (s *server) limitBody(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBody)
		}
		h.ServeHTTP(w, r)
	})
}

// limitClient applies the per-client rate to every request.
func (s *server) limitClient(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.perClient.allow(clientKey(s.client(r))) {
			s.busy(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// clientKey is the per-client rate's key: an IPv4 address, or an IPv6
// address's /64 (one subscriber's network: a client holding a /64 could
// otherwise take a new address for each request, escape the rate and fill
// the limiter, which then refuses every new client until it is swept).
func clientKey(a netip.Addr) string {
	if a.Is6() && !a.Is4In6() {
		return netip.PrefixFrom(a, 64).Masked().String()
	}
	return a.String()
}

func (s *server) busy(w http.ResponseWriter, r *http.Request) {
	s.log.Debug("rate limited", "client", s.client(r).String()) // not Warn: a flood would flood the log
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Retry-After", "60")
	w.WriteHeader(http.StatusTooManyRequests)
	w.Write([]byte(busyPage))
}

// trusted reports whether a is a configured proxy.
func (s *server) trusted(a netip.Addr) bool {
	for _, p := range s.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// client is the client's address: the peer's, or, when the peer is a
// trusted proxy, the last X-Forwarded-For entry that is not one.
func (s *server) client(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	a := ap.Addr().Unmap()
	if !s.trusted(a) {
		return a
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return a // a garbled chain: the proxy is all we know
		}
		h = h.Unmap()
		if !s.trusted(h) {
			return h
		}
		a = h
	}
	return a
}

// secure reports whether the client reached the page over HTTPS.
func (s *server) secure(r *http.Request) bool {
	if r.TLS != nil || s.opts.TLS {
		return true
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && s.trusted(ap.Addr().Unmap()) && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

// invalid is the answer to any page that is not a current link.
func (s *server) invalid(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	w.Write([]byte(invalidPage))
}

func (s *server) stylesheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(s.css)
}

// mission finds the link's mission after the per-link rate; nil when the
// request has been answered (invalid, busy or an error).
func (s *server) mission(w http.ResponseWriter, r *http.Request) (*meeting.Contact, string) {
	tok := r.PathValue("token")
	ct, err := s.svc.WebContact(r.Context(), tok)
	if err != nil {
		s.log.Error("web link lookup", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return nil, ""
	}
	if ct == nil {
		s.invalid(w, r)
		return nil, ""
	}
	// Keyed by mission, so that a flood of made-up links (bounded by the
	// client's rate) cannot fill the limiter or exhaust a real link's.
	if !s.perLink.allow(ct.Name) {
		s.busy(w, r)
		return nil, ""
	}
	return ct, tok
}

// lang is the page's language: ?lang= or the form's, else the mission's.
func lang(r *http.Request, ct *meeting.Contact) meeting.Lang {
	if l := meeting.Lang(r.FormValue("lang")); l.Valid() {
		return l
	}
	if ct.Language.Valid() {
		return ct.Language
	}
	return meeting.EN
}

// formToken signs the link and the moment the form was shown.
func (s *server) formToken(tok string, at time.Time) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	return ts + "." + s.mac(tok, ts)
}

func (s *server) mac(tok, ts string) string {
	h := hmac.New(sha256.New, s.opts.Key)
	fmt.Fprintf(h, "regweb form\x00%s\x00%s", tok, ts)
	return hex.EncodeToString(h.Sum(nil))
}

// formTokenOK checks a submitted form token for link tok.
func (s *server) formTokenOK(tok, v string) bool {
	ts, sig, ok := strings.Cut(v, ".")
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || !hmac.Equal([]byte(sig), []byte(s.mac(tok, ts))) {
		return false
	}
	age := s.opts.Now().Sub(time.Unix(n, 0))
	return age >= -time.Minute && age <= s.opts.FormAge
}

// blocks is how many new-delegate blocks to show: asked (from the form),
// at least 3 while the caps allow, at most what one change may add.
func blocks(asked, have int, lim meeting.Limits) int {
	n := max(asked, 3)
	n = min(n, lim.DelegatesPerReply, max(lim.DelegatesPerMission-have, 0))
	return max(n, 0)
}

// fields are the meeting's registration.fields.
func (s *server) fields() []meeting.Field { return s.svc.Meeting().Registration.Fields }

func (s *server) limits() meeting.Limits {
	m := s.svc.Meeting()
	return m.Limits.WithDefaults(len(m.Events()))
}

// newAllowed reports whether new delegates may be submitted now.
func (s *server) newAllowed() bool {
	m := s.svc.Meeting()
	return !(s.svc.Now().After(m.Registration.Deadline) && m.Registration.Late == meeting.LateRefuse)
}

// show is GET /r/TOKEN: the page, with ?done= after a confirmation.
func (s *server) show(w http.ResponseWriter, r *http.Request) {
	ct, tok := s.mission(w, r)
	if ct == nil {
		return
	}
	st, err := s.svc.WebState(r.Context(), ct.Name)
	if err != nil {
		s.fail(w, err)
		return
	}
	l := lang(r, ct)
	f := formFor(st.Delegates, blocks(0, len(st.Delegates), s.limits()), s.fields())
	d := s.data(r, ct, tok, l, st, f)
	if done := r.URL.Query().Get("done"); done != "" {
		if msg, ok := texts[l]["done_"+done]; ok {
			d.Notice = msg
		}
	}
	s.render(w, http.StatusOK, d)
}

// submit is POST /r/TOKEN: review (the summary), confirm (apply), edit
// (back to the form), more (more blocks).
func (s *server) submit(w http.ResponseWriter, r *http.Request) {
	ct, tok := s.mission(w, r)
	if ct == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "413 request too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "400 bad request", http.StatusBadRequest)
		return
	}
	l := lang(r, ct)
	st, err := s.svc.WebState(r.Context(), ct.Name)
	if err != nil {
		s.fail(w, err)
		return
	}
	lim := s.limits()
	if !s.formTokenOK(tok, r.PostForm.Get("form")) {
		s.log.Warn("web form refused: form token", "contact", ct.Name, "client", s.client(r).String())
		f := formFor(st.Delegates, blocks(0, len(st.Delegates), lim), s.fields())
		f.Errors = []string{texts[l]["e_csrf"]}
		s.render(w, http.StatusForbidden, s.data(r, ct, tok, l, st, f))
		return
	}
	asked, _ := strconv.Atoi(r.PostForm.Get("blocks"))
	action := r.PostForm.Get("action")
	if action == "more" {
		asked += 3
	}
	// Read every block sent, up to what one change may add; one beyond is
	// an error, never silently dropped.
	read := min(max(asked, 3), lim.DelegatesPerReply)
	f := formOf(r.PostForm, lim.DelegatesPerMission, read, s.fields())
	ch, ok := f.check(l, st.Delegates, lim, s.newAllowed(), s.fields())
	if beyond(r.PostForm, read) {
		f.Errors = append(f.Errors, fmt.Sprintf(texts[l]["e_cap"], lim.DelegatesPerMission, lim.DelegatesPerReply))
		ok = false
	}
	if !ok && slices.Contains(f.Errors, texts[l]["e_stale"]) {
		f2 := formFor(st.Delegates, blocks(asked, len(st.Delegates), lim), s.fields())
		f2.Errors = []string{texts[l]["e_stale"]}
		f = f2
	}
	d := s.data(r, ct, tok, l, st, f)
	switch {
	case action == "more" || action == "edit":
		d.Form.Errors = nil
		s.render(w, http.StatusOK, d)
	case !ok:
		s.render(w, http.StatusUnprocessableEntity, d)
	case action == "review":
		d.Step, d.Summary = "summary", summary(l, ch, s.svc.Meeting())
		s.render(w, http.StatusOK, d)
	case action == "confirm":
		res, err := s.svc.WebRegister(r.Context(), ct.Name, ch, s.client(r).String())
		if err != nil {
			s.fail(w, err)
			return
		}
		done := map[string]string{secretariat.WebApplied: "applied", secretariat.WebLateReview: "review",
			secretariat.WebLateRefused: "refused", secretariat.WebCapped: "capped", secretariat.WebUnchanged: "unchanged"}[res.Outcome]
		s.log.Info("web registration", "contact", ct.Name, "client", s.client(r).String(), "outcome", res.Outcome, "reason", res.Reason)
		http.Redirect(w, r, "/r/"+tok+"?lang="+string(l)+"&done="+done, http.StatusSeeOther)
	default:
		http.Error(w, "400 bad request", http.StatusBadRequest)
	}
}

func (s *server) fail(w http.ResponseWriter, err error) {
	s.log.Error("web registration", "err", err)
	http.Error(w, "500 internal error", http.StatusInternalServerError)
}

// pageData is what page.html shows.
type pageData struct {
	Lang     string
	T        map[string]string
	Langs    []langLink
	Action   string
	Meeting  string
	Mission  string
	Deadline string // the deadline sentence (open until, or the late policy)
	Late     bool
	Geneva   string // "Geneva time" heading, or the meeting zone's city
	Yours    string // the mission's zone heading, "" when the same clock
	Events   []eventLine
	Status   string
	Form     form
	NewOK    bool
	MoreOK   bool // more blocks may be shown
	Blocks   int
	Token    string
	Step     string // "form" or "summary"
	Summary  []string
	Notice   string
	Contact  string
	Fields   []fieldView // the meeting's fields (registration.fields), in the page's language
}

// fieldView is one of the meeting's fields as a delegate block shows it.
type fieldView struct {
	Name, Label string
	Required    bool
	Choices     []struct{ Value, Label string }
}

type langLink struct {
	Code, Name, Href string
	Current          bool
}

type eventLine struct {
	Title, Geneva, Local string
}

func (s *server) data(r *http.Request, ct *meeting.Contact, tok string, l meeting.Lang, st secretariat.WebState, f form) pageData {
	m := s.svc.Meeting()
	t := texts[l]
	d := pageData{Lang: string(l), T: t, Action: "/r/" + tok, Meeting: m.Title.In(l), Mission: ct.Name, Form: f,
		NewOK: s.newAllowed(), Blocks: len(f.New), Token: s.formToken(tok, s.opts.Now()), Step: "form", Contact: m.Sender.ReplyTo}
	for _, fd := range m.Registration.Fields {
		v := fieldView{Name: fd.Name, Label: fd.Label.In(l), Required: fd.Required}
		for _, c := range fd.Choices {
			v.Choices = append(v.Choices, struct{ Value, Label string }{c.Value, c.Label.In(l)})
		}
		d.Fields = append(d.Fields, v)
	}
	lim := s.limits()
	d.MoreOK = len(f.New) < min(lim.DelegatesPerReply, lim.DelegatesPerMission-len(st.Delegates))
	for _, x := range meeting.Langs {
		d.Langs = append(d.Langs, langLink{Code: string(x), Name: texts[x]["lang_name"], Href: "/r/" + tok + "?lang=" + string(x), Current: x == l})
	}
	loc := m.Location
	if loc == nil {
		loc = time.UTC
	}
	dl := templates.When(l, m.Registration.Deadline, loc)
	if s.svc.Now().After(m.Registration.Deadline) {
		d.Late = true
		d.Deadline = fmt.Sprintf(t["late_"+m.Registration.Late], dl)
	} else {
		d.Deadline = fmt.Sprintf(t["open_until"], dl)
	}
	for _, ev := range m.Events() {
		if ev.Status == meeting.StatusCancelled {
			continue
		}
		e := eventLine{Title: ev.Title.In(l), Geneva: templates.Span(l, ev.Start, ev.End, loc), Local: templates.LocalSpan(l, ev.Start, ev.End, loc, ct.Location)}
		if e.Local != "" {
			d.Yours = t["yours"]
		}
		d.Events = append(d.Events, e)
	}
	switch st.Status {
	case "registered":
		d.Status = t["status_reg"]
	case "declined":
		d.Status = t["status_decl"]
	default:
		d.Status = t["status_none"]
	}
	return d
}

// render executes the page into a buffer first, so that a template error
// is a clean 500.
func (s *server) render(w http.ResponseWriter, status int, d pageData) {
	var buf bytes.Buffer
	if err := s.page.Execute(&buf, d); err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fieldCtx is what the "fields" template shows: one delegate block.
type fieldCtx struct {
	P pageData
	R row
}

var funcs = template.FuncMap{
	"inc":        func(i int) int { return i + 1 },
	"pair":       func(p pageData, r row) fieldCtx { return fieldCtx{p, r} },
	"fieldNames": func() []string { return []string{"name", "title", "email"} },
	"label": func(f string) string {
		return map[string]string{"name": "name", "title": "dtitle", "email": "email"}[f]
	},
	"maxlen": func(f string) int { return map[string]int{"name": maxName, "title": maxTitle, "email": maxEmail}[f] },
	"value": func(r row, f string) string {
		switch f {
		case "name":
			return r.Name
		case "title":
			return r.Title
		}
		return r.Email
	},
}

// beyond reports a filled new-delegate block numbered read or more.
func beyond(v url.Values, read int) bool {
	for k, x := range v {
		rest, ok := strings.CutPrefix(k, "n")
		if !ok || len(x) == 0 || strings.TrimSpace(x[0]) == "" {
			continue
		}
		num, _, _ := strings.Cut(rest, ".")
		if i, err := strconv.Atoi(num); err == nil && i >= read {
			return true
		}
	}
	return false
}
