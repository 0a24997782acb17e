package regweb_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"convene/inbox"
	"convene/internal/testmeeting"
	"convene/meeting"
	"convene/regweb"
	"convene/secretariat"
	"convene/store"
)

const (
	arcadia  = "Permanent Mission of Arcadia"  // en, Europe/London
	syldavia = "Permanent Mission of Syldavia" // fr, Africa/Abidjan
)

var (
	beforeDeadline = time.Date(2020, 6, 1, 9, 0, 0, 0, time.UTC)
	afterDeadline  = time.Date(2020, 6, 20, 9, 0, 0, 0, time.UTC)
)

// clock is an injected clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a secretariat over a new store with the page served over TCP.
type env struct {
	t     testing.TB
	svc   *secretariat.Service
	db    *store.DB
	m     *meeting.Meeting
	clock *clock
	srv   *httptest.Server
	http  *http.Client
}

func newEnv(t testing.TB, now time.Time, late string, opts regweb.Options) *env {
	t.Helper()
	_, m, cs := testmeeting.Load(t, "")
	return newEnvWith(t, m, cs, now, late, opts)
}

// newEnvWith is newEnv for a given meeting and contact list.
func newEnvWith(t testing.TB, m *meeting.Meeting, cs *meeting.Contacts, now time.Time, late string, opts regweb.Options) *env {
	t.Helper()
	if late != "" {
		m.Registration.Late = late
	}
	e := &env{t: t, m: m, clock: &clock{t: now}}
	db, err := store.Open(t.Context(), m.Store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = e.clock.Now
	e.db = db
	// The page is served first, so that the links know its address.
	var h http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	m.Registration.Web = &meeting.WebRegistration{Listen: e.srv.Listener.Addr().String(), PublicURL: e.srv.URL}
	e.svc, err = secretariat.New(t.Context(), m, cs, db, slog.New(slog.DiscardHandler), e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.EnableWeb(t.Context(), []byte(strings.Repeat("k", 32))); err != nil {
		t.Fatal(err)
	}
	opts.Addr, opts.PublicURL = e.srv.Listener.Addr().String(), e.srv.URL
	if opts.Now == nil {
		opts.Now = e.clock.Now
	}
	if h, err = regweb.New(e.svc, opts); err != nil {
		t.Fatal(err)
	}
	e.http = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

// link is contact's link, as the path to request.
func (e *env) link(contact string) string {
	l := e.svc.WebLink(contact)
	if !strings.HasPrefix(l, e.srv.URL+"/r/") {
		e.t.Fatalf("WebLink(%q) = %q", contact, l)
	}
	return strings.TrimPrefix(l, e.srv.URL)
}

func (e *env) do(method, path string, form url.Values, hdr map[string]string) (int, string, http.Header) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

var reFormToken = regexp.MustCompile(`name="form" value="([^"]+)"`)

// page GETs path and returns the form's hidden values.
func (e *env) page(path string) (string, url.Values) {
	e.t.Helper()
	code, body, _ := e.do("GET", path, nil, nil)
	if code != http.StatusOK {
		e.t.Fatalf("GET %s = %d\n%s", path, code, body)
	}
	v := url.Values{}
	m := reFormToken.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("no form token in\n%s", body)
	}
	v.Set("form", m[1])
	for _, h := range regexp.MustCompile(`<input type="hidden" name="(blocks|lang)" value="([^"]*)">`).FindAllStringSubmatch(body, -1) {
		v.Set(h[1], h[2])
	}
	for _, h := range regexp.MustCompile(`<input type="hidden" name="(d\d+\.orig)" value="([^"]*)">`).FindAllStringSubmatch(body, -1) {
		v.Set(h[1], h[2])
	}
	for _, h := range regexp.MustCompile(`<input id="(d\d+\.(?:name|title|email))" name="[^"]+" value="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		v.Set(h[1], htmlUnescape(h[2]))
	}
	return body, v
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#43;", "+", "&amp;", "&", "&#39;", "'", "&lt;", "<", "&gt;", ">", "&#34;", `"`).Replace(s)
}

// submit reviews the change in v, checks the summary, and confirms it.
func (e *env) submit(path string, v url.Values, wantSummary ...string) string {
	e.t.Helper()
	v.Set("action", "review")
	code, body, _ := e.do("POST", path, v, nil)
	if code != http.StatusOK || !strings.Contains(body, `value="confirm"`) {
		e.t.Fatalf("review: %d\n%s", code, body)
	}
	for _, w := range wantSummary {
		if !strings.Contains(body, w) {
			e.t.Errorf("summary lacks %q:\n%s", w, body)
		}
	}
	v.Set("action", "confirm")
	code, body, hdr := e.do("POST", path, v, nil)
	if code != http.StatusSeeOther {
		e.t.Fatalf("confirm: %d\n%s", code, body)
	}
	return hdr.Get("Location")
}

func (e *env) delegates(contact string) []string {
	e.t.Helper()
	ds, err := e.db.Delegates(e.t.Context(), contact, false)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.Name+"|"+d.Title+"|"+d.Email)
	}
	sort.Strings(out)
	return out
}

// outbox lists the outbox as "batch key-without-message-part contact".
func (e *env) outbox() []store.OutboxEntry {
	e.t.Helper()
	es, err := e.db.OutboxEntries(e.t.Context(), "")
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

func batches(es []store.OutboxEntry) map[string]int {
	out := map[string]int{}
	for _, x := range es {
		out[x.Batch]++
	}
	return out
}

// TestRegisterCorrectWithdrawDecline walks a mission through the page:
// it registers two delegates, corrects one and replaces the other's
// address, withdraws one, and declines; each step is checked in the store,
// the history and the outbox.
func TestRegisterCorrectWithdrawDecline(t *testing.T) {
	e := newEnv(t, beforeDeadline, "", regweb.Options{})
	p := e.link(arcadia)

	body, v := e.page(p)
	for _, want := range []string{`lang="en"`, "Permanent Mission of Arcadia", "has not registered yet", "Registration is open until",
		"Geneva time", "Your time", "in London", "rehearsal"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "Borduria") || strings.Contains(body, "<script") {
		t.Error("the page names another mission or has a script")
	}
	v.Set("n0.name", "Ms. Jane Roe")
	v.Set("n0.title", "First Secretary")
	v.Set("n0.email", "Jane.Roe@arcadia-mfa.example")
	v.Set("n1.name", "Mr. John Doe")
	v.Set("n1.email", "john.doe@arcadia-mfa.example")
	loc := e.submit(p, v, "Register Ms. Jane Roe, First Secretary &lt;jane.roe@arcadia-mfa.example&gt;", "Register Mr. John Doe")
	if !strings.Contains(loc, "done=applied") {
		t.Fatalf("Location %q", loc)
	}
	want := []string{"Mr. John Doe||john.doe@arcadia-mfa.example", "Ms. Jane Roe|First Secretary|jane.roe@arcadia-mfa.example"}
	if got := e.delegates(arcadia); strings.Join(got, ";") != strings.Join(want, ";") {
		t.Fatalf("delegates = %v, want %v", got, want)
	}
	if b := batches(e.outbox()); b["answer-confirmation"] != 1 || b[secretariat.CalendarBatch] == 0 {
		t.Errorf("outbox batches after registering = %v", b)
	}
	cal1 := batches(e.outbox())[secretariat.CalendarBatch]
	if body, _ := e.page(loc[len(e.srv.URL)*0:]); !strings.Contains(body, "the delegation is updated") || !strings.Contains(body, "The mission is registered") {
		t.Errorf("after confirming, the page says:\n%s", body)
	}

	// Correct Jane's title, replace John's address.
	_, v = e.page(p)
	i := indexOf(t, v, "jane.roe@arcadia-mfa.example")
	j := indexOf(t, v, "john.doe@arcadia-mfa.example")
	v.Set(i+".title", "Counsellor")
	v.Set(j+".email", "j.doe@arcadia-mfa.example")
	e.submit(p, v, "Correct Ms. Jane Roe, Counsellor", "Replace john.doe@arcadia-mfa.example by Mr. John Doe &lt;j.doe@arcadia-mfa.example&gt;")
	want = []string{"Mr. John Doe||j.doe@arcadia-mfa.example", "Ms. Jane Roe|Counsellor|jane.roe@arcadia-mfa.example"}
	if got := e.delegates(arcadia); strings.Join(got, ";") != strings.Join(want, ";") {
		t.Fatalf("delegates = %v, want %v", got, want)
	}
	if b := batches(e.outbox()); b["answer-confirmation"] != 2 || b[secretariat.CalendarBatch] <= cal1 {
		t.Errorf("outbox batches after correcting = %v (calendar before %d)", b, cal1)
	}

	// Withdraw John.
	_, v = e.page(p)
	v.Set(indexOf(t, v, "j.doe@arcadia-mfa.example")+".withdraw", "1")
	e.submit(p, v, "Withdraw j.doe@arcadia-mfa.example")
	if got := e.delegates(arcadia); len(got) != 1 || !strings.Contains(got[0], "jane.roe") {
		t.Fatalf("delegates after withdrawing = %v", got)
	}

	// Decline: every delegate withdrawn, the mission declined.
	_, v = e.page(p)
	v.Set("decline", "1")
	e.submit(p, v, "Decline participation")
	if got := e.delegates(arcadia); len(got) != 0 {
		t.Fatalf("delegates after declining = %v", got)
	}
	regs, _ := e.db.Registrations(t.Context())
	if regs[arcadia].Status != store.Declined {
		t.Errorf("status = %q, want declined", regs[arcadia].Status)
	}

	// The history: every change via the web, from the client's address.
	hist, err := e.db.History(t.Context(), arcadia)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, h := range hist {
		if h.Via != store.ViaWeb || h.Client != "127.0.0.1" || h.Actor != "web" {
			t.Errorf("history row %+v: want via web from 127.0.0.1", h)
		}
		actions = append(actions, h.Action)
	}
	if got := strings.Join(actions, ","); got != "register,withdraw,register,withdraw,withdraw,decline" {
		t.Errorf("history actions = %s", got)
	}
	// Cancellations were sent for the withdrawn delegates.
	cancels := 0
	for _, x := range e.outbox() {
		if strings.HasSuffix(x.Key, "/cancel") {
			cancels++
		}
	}
	if cancels == 0 {
		t.Error("no calendar cancellation in the outbox")
	}
	// Nothing else was touched: other missions have nothing.
	all, _ := e.db.Delegates(t.Context(), "", true)
	for _, d := range all {
		if d.Contact != arcadia {
			t.Errorf("delegate of %s registered", d.Contact)
		}
	}
}

// indexOf is the form block (d0, d1…) of the delegate with address email.
func indexOf(t *testing.T, v url.Values, email string) string {
	t.Helper()
	for k := range v {
		if strings.HasSuffix(k, ".orig") && v.Get(k) == email {
			return strings.TrimSuffix(k, ".orig")
		}
	}
	t.Fatalf("no block for %s in %v", email, v)
	return ""
}

// TestSameAsMail registers the same delegates by the page for one mission
// and by an e-mail reply for another: the same messages go out.
func TestSameAsMail(t *testing.T) {
	e := newEnv(t, beforeDeadline, "", regweb.Options{})
	p := e.link(arcadia)
	_, v := e.page(p)
	v.Set("n0.name", "Ms. Jane Roe")
	v.Set("n0.title", "First Secretary")
	v.Set("n0.email", "jane.roe@arcadia-mfa.example")
	e.submit(p, v)

	ct, _ := e.svc.Contacts().ByName(syldavia)
	tok := tokenOf(t, e.db, syldavia)
	raw := "From: " + ct.Emails[0] + "\r\nTo: registrations+" + tok + "@isu.example\r\nSubject: RE: Invitation [REF " + tok + "]\r\nMessage-ID: <m1@syldavia.example>\r\n" +
		"Authentication-Results: mx.isu.example; dmarc=pass header.from=syldavia.example\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Nom : Mme Jane Roe\r\nTitre / fonction : Première secrétaire\r\nCourriel : jane.roe@syldavia.example\r\n"
	err := e.db.Update(t.Context(), func(tx *store.Tx) error {
		d, err := e.svc.Handle(t.Context(), tx, inbox.Fetched{MessageID: "m1@syldavia.example", Raw: []byte(raw)})
		if err == nil && d != inbox.Processed {
			t.Errorf("the e-mail reply went to %v", d)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]map[string]int{}
	for _, x := range e.outbox() {
		if per[x.Contact] == nil {
			per[x.Contact] = map[string]int{}
		}
		kind := x.Batch
		if x.Batch == secretariat.CalendarBatch {
			kind += "/" + x.Key[strings.LastIndexByte(x.Key, '/')+1:]
		}
		per[x.Contact][kind]++
	}
	web, mail := per[arcadia], per[syldavia]
	if len(web) == 0 || !equalMaps(web, mail) {
		t.Errorf("messages by the web %v, by mail %v", web, mail)
	}
	hist, _ := e.db.History(t.Context(), syldavia)
	if len(hist) == 0 || hist[0].Via != store.ViaMail {
		t.Errorf("mail history %+v", hist)
	}
}

func equalMaps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func tokenOf(t *testing.T, db *store.DB, contact string) string {
	toks, err := db.Tokens(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return toks[contact]
}

// TestInvalidLinks: unknown, malformed, rotated and expired links, and any
// other page, get the very same answer.
func TestInvalidLinks(t *testing.T) {
	e := newEnv(t, beforeDeadline, "", regweb.Options{PerClient: regweb.Rate{Burst: -1}})
	good := e.link(arcadia)
	_, ref, _ := e.do("GET", "/r/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", nil, nil)
	rotated := e.link(syldavia)
	if _, err := e.svc.RotateWebLink(t.Context(), syldavia); err != nil {
		t.Fatal(err)
	}
	if e.link(syldavia) == rotated {
		t.Fatal("rotation kept the link")
	}
	for _, path := range []string{"/r/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "/r/x", rotated, "/", "/r/", "/admin", good + "x", strings.ToUpper(good[:3]) + "zz"} {
		code, body, _ := e.do("GET", path, nil, nil)
		if code != http.StatusNotFound || body != ref {
			t.Errorf("GET %s = %d, body differs: %v", path, code, body != ref)
		}
	}
	code, body, _ := e.do("POST", rotated, url.Values{"action": {"confirm"}}, nil)
	if code != http.StatusNotFound || body != ref {
		t.Errorf("POST to a rotated link = %d", code)
	}
	if code, _, _ := e.do("GET", e.link(syldavia), nil, nil); code != http.StatusOK {
		t.Errorf("the new link = %d", code)
	}
	// After the meeting, every link expires.
	e.clock.t = e.m.End().Add(time.Minute)
	if code, body, _ := e.do("GET", good, nil, nil); code != http.StatusNotFound || body != ref {
		t.Errorf("after the meeting the link = %d", code)
	}
}

// TestFormProtection: a cross-site POST, a missing, forged or stale form
// token are refused and change nothing.
func TestFormProtection(t *testing.T) {
	e := newEnv(t, beforeDeadline, "", regweb.Options{PerClient: regweb.Rate{Burst: -1}, PerLink: regweb.Rate{Burst: -1}})
	p := e.link(arcadia)
	_, v := e.page(p)
	v.Set("n0.name", "Ms. Jane Roe")
	v.Set("n0.email", "jane.roe@arcadia-mfa.example")
	v.Set("action", "confirm")
	tests := []struct {
		name string
		edit func(url.Values) url.Values
		hdr  map[string]string
		code int
	}{
		{"cross-site", nil, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"foreign origin", nil, map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"no form token", func(v url.Values) url.Values { v.Del("form"); return v }, nil, http.StatusForbidden},
		{"forged form token", func(v url.Values) url.Values { v.Set("form", "1591002000.00"); return v }, nil, http.StatusForbidden},
		{"form token of another link", func(v url.Values) url.Values {
			_, o := e.page(e.link(syldavia))
			v.Set("form", o.Get("form"))
			return v
		}, nil, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := url.Values{}
			for k, x := range v {
				w[k] = append([]string(nil), x...)
			}
			if tt.edit != nil {
				w = tt.edit(w)
			}
			code, _, _ := e.do("POST", p, w, tt.hdr)
			if code != tt.code {
				t.Errorf("code %d, want %d", code, tt.code)
			}
			if got := e.delegates(arcadia); len(got) != 0 {
				t.Errorf("registered %v", got)
			}
		})
	}
	// A form older than FormAge is refused too.
	e.clock.Add(regweb.DefaultFormAge + time.Minute)
	if code, body, _ := e.do("POST", p, v, nil); code != http.StatusForbidden || !strings.Contains(body, "too old") {
		t.Errorf("stale form: %d", code)
	}
	// The genuine form goes through (same-origin header as a browser sends).
	_, v2 := e.page(p)
	v2.Set("n0.name", "Ms. Jane Roe")
	v2.Set("n0.email", "jane.roe@arcadia-mfa.example")
	v2.Set("action", "confirm")
	if code, _, _ := e.do("POST", p, v2, map[string]string{"Sec-Fetch-Site": "same-origin"}); code != http.StatusSeeOther {
		t.Errorf("genuine form: %d", code)
	}
}

// TestRateLimit: requests beyond the client's and the link's rates get
// 429 until the injected clock has moved on.
func TestRateLimit(t *testing.T) {
	t.Run("per client", func(t *testing.T) {
		e := newEnv(t, beforeDeadline, "", regweb.Options{PerClient: regweb.Rate{Burst: 5, Every: time.Second}, PerLink: regweb.Rate{Burst: -1}})
		codes := []int{}
		for i := 0; i < 8; i++ {
			code, _, _ := e.do("GET", "/r/"+strings.Repeat(string(rune('a'+i)), 32), nil, nil)
			codes = append(codes, code)
		}
		if want := "404 404 404 404 404 429 429 429"; join(codes) != want {
			t.Errorf("codes %s, want %s", join(codes), want)
		}
		e.clock.Add(2 * time.Second)
		if code, _, _ := e.do("GET", e.link(arcadia), nil, nil); code != http.StatusOK {
			t.Errorf("after 2s: %d", code)
		}
		if code, _, _ := e.do("GET", e.link(arcadia), nil, nil); code != http.StatusOK {
			t.Errorf("after 2s, second: %d", code)
		}
		if code, _, _ := e.do("GET", e.link(arcadia), nil, nil); code != http.StatusTooManyRequests {
			t.Errorf("after 2s, third: %d", code)
		}
	})
	t.Run("per link", func(t *testing.T) {
		e := newEnv(t, beforeDeadline, "", regweb.Options{PerClient: regweb.Rate{Burst: -1}, PerLink: regweb.Rate{Burst: 3, Every: time.Minute}})
		p := e.link(arcadia)
		var codes []int
		for i := 0; i < 5; i++ {
			code, _, _ := e.do("GET", p, nil, nil)
			codes = append(codes, code)
		}
		if want := "200 200 200 429 429"; join(codes) != want {
			t.Errorf("codes %s, want %s", join(codes), want)
		}
		if code, _, _ := e.do("GET", e.link(syldavia), nil, nil); code != http.StatusOK {
			t.Errorf("another link: %d", code)
		}
	})
	t.Run("IPv6 by /64", func(t *testing.T) {
		// Addresses of one /64 share a bucket (a client holding the /64
		// could take a new address per request); another /64 has its own.
		o := regweb.Options{PerClient: regweb.Rate{Burst: 2, Every: time.Minute}, PerLink: regweb.Rate{Burst: -1},
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
		e := newEnv(t, beforeDeadline, "", o)
		var codes []int
		for _, a := range []string{"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3", "2001:db8:1:2::4", "2001:db8:1:3::1", "203.0.113.7"} {
			code, _, _ := e.do("GET", "/", nil, map[string]string{"X-Forwarded-For": a})
			codes = append(codes, code)
		}
		if want := "404 404 429 429 404 404"; join(codes) != want {
			t.Errorf("codes %s, want %s", join(codes), want)
		}
	})
	t.Run("forwarded only from a trusted proxy", func(t *testing.T) {
		// Behind the configured proxy (loopback here), each X-Forwarded-For
		// client has its own bucket; without it the header is ignored.
		for _, trusted := range []bool{false, true} {
			o := regweb.Options{PerClient: regweb.Rate{Burst: 2, Every: time.Minute}, PerLink: regweb.Rate{Burst: -1}}
			if trusted {
				o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
			}
			e := newEnv(t, beforeDeadline, "", o)
			var codes []int
			for i := 0; i < 4; i++ {
				code, _, _ := e.do("GET", "/", nil, map[string]string{"X-Forwarded-For": "203.0.113." + string(rune('1'+i))})
				codes = append(codes, code)
			}
			want := "404 404 429 429"
			if trusted {
				want = "404 404 404 404"
			}
			if join(codes) != want {
				t.Errorf("trusted=%v: codes %s, want %s", trusted, join(codes), want)
			}
			// X-Forwarded-Proto likewise: HSTS only behind the trusted proxy.
			_, _, hdr := e.do("GET", "/", nil, map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.9"})
			if got := hdr.Get("Strict-Transport-Security") != ""; got != trusted {
				t.Errorf("trusted=%v: HSTS %v", trusted, got)
			}
		}
	})
}

func join(codes []int) string {
	var s []string
	for _, c := range codes {
		s = append(s, strconv.Itoa(c))
	}
	return strings.Join(s, " ")
}

// TestValidation: every field is checked, with the error next to it in the
// page's language; nothing is applied.
func TestValidation(t *testing.T) {
	e := newEnv(t, beforeDeadline, "", regweb.Options{PerClient: regweb.Rate{Burst: -1}, PerLink: regweb.Rate{Burst: -1}})
	long := strings.Repeat("x", 201)
	tests := []struct {
		name, lang            string
		nameV, titleV, emailV string
		field, want           string
	}{
		{"no name", "en", "", "", "a@b.example", "name", "Required."},
		{"no name, French", "fr", "", "", "a@b.example", "name", "Obligatoire."},
		{"no name, Spanish", "es", "", "", "a@b.example", "name", "Obligatorio."},
		{"long name", "en", long, "", "a@b.example", "name", "Too long (at most 200 characters)."},
		{"long title, French", "fr", "Ana", long, "a@b.example", "title", "Trop long (200 caractères au plus)."},
		{"control character", "en", "Ana\u202eevil", "", "a@b.example", "name", "not allowed"},
		{"invalid UTF-8", "en", "Ana\xff", "", "a@b.example", "name", "not allowed"},
		{"line break in title", "es", "Ana", "Jefa\r\nBcc: x@y.example", "a@b.example", "title", "no permitidos"},
		{"no e-mail", "en", "Ana", "", "", "email", "Required."},
		{"not an address", "fr", "Ana", "", "ana-at-b.example", "email", "Ce n'est pas une adresse"},
		{"display name", "en", "Ana", "", "Ana <a@b.example>", "email", "Not an e-mail address"},
		{"domain without dot", "es", "Ana", "", "ana@localhost", "email", "El dominio de esta dirección no es válido."},
		{"domain with underscore", "en", "Ana", "", "ana@b_c.example", "email", "domain of this address is not valid"},
		{"numeric TLD", "en", "Ana", "", "ana@10.0.0.1", "email", "domain of this address is not valid"},
		{"hyphen label", "en", "Ana", "", "ana@-b.example", "email", "domain of this address is not valid"},
	}
	p := e.link(syldavia)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, v := e.page(p + "?lang=" + tt.lang)
			v.Set("lang", tt.lang)
			v.Set("n0.name", tt.nameV)
			v.Set("n0.title", tt.titleV)
			v.Set("n0.email", tt.emailV)
			v.Set("action", "review")
			code, body, _ := e.do("POST", p, v, nil)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("code %d", code)
			}
			re := regexp.MustCompile(`(?s)id="n0\.` + tt.field + `"[^>]*aria-invalid="true" aria-describedby="n0\.` + tt.field + `\.err">\s*<p class="err" id="n0\.` + tt.field + `\.err">([^<]*)</p>`)
			m := re.FindStringSubmatch(body)
			if m == nil || !strings.Contains(htmlUnescape(m[1]), tt.want) {
				t.Errorf("no error %q next to %s:\n%s", tt.want, tt.field, body)
			}
			if !strings.Contains(body, `<html lang="`+tt.lang+`">`) {
				t.Errorf("page not in %s", tt.lang)
			}
		})
	}
	if got := e.delegates(syldavia); len(got) != 0 {
		t.Errorf("registered %v", got)
	}
	// Twice the same address; and the cap of delegates per mission.
	_, v := e.page(p)
	v.Set("n0.name", "A")
	v.Set("n0.email", "a@b.example")
	v.Set("n1.name", "B")
	v.Set("n1.email", "A@b.example")
	v.Set("action", "review")
	if _, body, _ := e.do("POST", p, v, nil); !strings.Contains(body, "Cette adresse figure deux fois.") {
		t.Errorf("duplicate not reported:\n%s", body)
	}
}

// TestCaps: a mission cannot go beyond limits.delegates_per_mission.
func TestCaps(t *testing.T) {
	e := newEnv(t, beforeDeadline, "", regweb.Options{PerClient: regweb.Rate{Burst: -1}, PerLink: regweb.Rate{Burst: -1}})
	e.m.Limits.DelegatesPerMission = 2
	p := e.link(arcadia)
	_, v := e.page(p)
	for i, n := range []string{"a", "b", "c"} {
		k := "n" + strconv.Itoa(i)
		v.Set(k+".name", n)
		v.Set(k+".email", n+"@arcadia-mfa.example")
	}
	v.Set("blocks", "3")
	v.Set("action", "review")
	code, body, _ := e.do("POST", p, v, nil)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "at most 2 delegates") {
		t.Errorf("3 delegates with a cap of 2: %d\n%s", code, body)
	}
	v.Set("action", "confirm")
	e.do("POST", p, v, nil)
	if got := e.delegates(arcadia); len(got) != 0 {
		t.Errorf("registered %v", got)
	}
}

// TestAfterDeadline: the page states the late policy, and applies it.
func TestAfterDeadline(t *testing.T) {
	tests := []struct {
		policy    string
		says      string
		done      string
		delegates int
		review    int
	}{
		{meeting.LateAccept, "Late registrations are still accepted", "done=applied", 1, 0},
		{meeting.LateReview, "examined by the secretariat", "done=review", 0, 1},
		{meeting.LateRefuse, "No new delegate can be registered", "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			e := newEnv(t, afterDeadline, tt.policy, regweb.Options{})
			p := e.link(arcadia)
			body, v := e.page(p)
			if !strings.Contains(body, tt.says) {
				t.Errorf("page does not say %q", tt.says)
			}
			v.Set("n0.name", "Ms. Jane Roe")
			v.Set("n0.email", "jane.roe@arcadia-mfa.example")
			if tt.policy == meeting.LateRefuse {
				if strings.Contains(body, `name="n0.email"`) {
					t.Error("the page offers new delegates after the deadline under refuse")
				}
				v.Set("action", "confirm")
				code, body, _ := e.do("POST", p, v, nil)
				if code != http.StatusUnprocessableEntity || !strings.Contains(body, "after the deadline") {
					t.Errorf("refused: %d", code)
				}
			} else if loc := e.submit(p, v); !strings.Contains(loc, tt.done) {
				t.Errorf("Location %q, want %s", loc, tt.done)
			}
			if got := e.delegates(arcadia); len(got) != tt.delegates {
				t.Errorf("delegates %v", got)
			}
			items, err := e.db.ReviewItems(t.Context(), false)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != tt.review {
				t.Errorf("%d review items, want %d", len(items), tt.review)
			}
			if tt.policy == meeting.LateAccept {
				regs, _ := e.db.Registrations(t.Context())
				if !regs[arcadia].Late {
					t.Error("not marked late")
				}
			}
		})
	}
}

// TestSecurityHeaders: CSP without third parties, no cookie, Host allowlist,
// body limit.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, beforeDeadline, "", regweb.Options{MaxBody: 1024})
	p := e.link(arcadia)
	code, _, hdr := e.do("GET", p, nil, nil)
	if code != 200 {
		t.Fatal(code)
	}
	csp := hdr.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "style-src 'self'") || strings.Contains(csp, "http") {
		t.Errorf("CSP %q", csp)
	}
	if hdr.Get("Set-Cookie") != "" || hdr.Get("Referrer-Policy") != "no-referrer" || hdr.Get("Strict-Transport-Security") != "" {
		t.Errorf("headers %v", hdr)
	}
	if code, _, _ := e.do("GET", p, nil, map[string]string{"Host": "evil.example"}); code != http.StatusMisdirectedRequest {
		// net/http takes Host from req.Host, set below.
		req, _ := http.NewRequestWithContext(context.Background(), "GET", e.srv.URL+p, nil)
		req.Host = "evil.example"
		resp, err := e.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMisdirectedRequest {
			t.Errorf("foreign Host: %d", resp.StatusCode)
		}
	}
	_, v := e.page(p)
	v.Set("n0.name", strings.Repeat("x", 2000))
	v.Set("action", "review")
	if code, _, _ := e.do("POST", p, v, nil); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversize body: %d", code)
	}
	// A body that is not form encoding.
	req, _ := http.NewRequestWithContext(t.Context(), "POST", e.srv.URL+p, strings.NewReader("form=%zz&action=review"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed body: %d", resp.StatusCode)
	}
}

// TestLateReviewSplits: after the deadline under review, a new delegate
// waits for staff while a withdrawal in the same change applies at once.
func TestLateReviewSplits(t *testing.T) {
	e := newEnv(t, beforeDeadline, meeting.LateReview, regweb.Options{})
	p := e.link(arcadia)
	_, v := e.page(p)
	v.Set("n0.name", "Ms. Jane Roe")
	v.Set("n0.email", "jane.roe@arcadia-mfa.example")
	e.submit(p, v)
	e.clock.t = afterDeadline

	_, v = e.page(p)
	v.Set(indexOf(t, v, "jane.roe@arcadia-mfa.example")+".withdraw", "1")
	v.Set("n0.name", "Mr. Bob Late")
	v.Set("n0.email", "bob@arcadia-mfa.example")
	if loc := e.submit(p, v); !strings.Contains(loc, "done=review") {
		t.Errorf("Location %q", loc)
	}
	if got := e.delegates(arcadia); len(got) != 0 {
		t.Errorf("delegates %v, want none (Jane withdrawn, Bob in review)", got)
	}
	items, _ := e.db.ReviewItems(t.Context(), false)
	if len(items) != 1 || !strings.Contains(items[0].Detail, "bob@arcadia-mfa.example") || strings.Contains(items[0].Detail, "jane.roe") {
		t.Errorf("review items %+v", items)
	}
}

// TestStaleAndMore: a form whose delegate was withdrawn meanwhile is shown
// again as the delegation now is; "more blocks" adds three, up to the cap.
func TestStaleAndMore(t *testing.T) {
	e := newEnv(t, beforeDeadline, "", regweb.Options{PerClient: regweb.Rate{Burst: -1}, PerLink: regweb.Rate{Burst: -1}})
	p := e.link(arcadia)
	_, v := e.page(p)
	v.Set("n0.name", "Ms. Jane Roe")
	v.Set("n0.email", "jane.roe@arcadia-mfa.example")
	e.submit(p, v)

	_, old := e.page(p) // shown before the withdrawal below
	_, v = e.page(p)
	v.Set(indexOf(t, v, "jane.roe@arcadia-mfa.example")+".withdraw", "1")
	e.submit(p, v)
	old.Set(indexOf(t, old, "jane.roe@arcadia-mfa.example")+".title", "Counsellor")
	old.Set("action", "review")
	code, body, _ := e.do("POST", p, old, nil)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "The delegation changed meanwhile") || strings.Contains(body, `value="jane.roe@arcadia-mfa.example"`) {
		t.Errorf("stale form: %d\n%s", code, body)
	}

	_, v = e.page(p)
	v.Set("action", "more")
	_, body, _ = e.do("POST", p, v, nil)
	if !strings.Contains(body, `id="n5.name"`) || strings.Contains(body, `id="n6.name"`) {
		t.Errorf("more blocks: want n0…n5")
	}
	v.Set("blocks", "100")
	_, body, _ = e.do("POST", p, v, nil)
	if !strings.Contains(body, `id="n14.name"`) || strings.Contains(body, `id="n15.name"`) {
		t.Errorf("more blocks: want at most limits.delegates_per_reply (15)")
	}
	if strings.Contains(body, `value="more"`) {
		t.Error("the button for more blocks is still offered at the cap")
	}
}

// TestDoubleConfirm: confirming the same form twice (a double click, the
// back button) applies it once; the second time the page says the
// delegate is already registered.
func TestDoubleConfirm(t *testing.T) {
	e := newEnv(t, beforeDeadline, "", regweb.Options{})
	p := e.link(arcadia)
	_, v := e.page(p)
	v.Set("n0.name", "Ms. Jane Roe")
	v.Set("n0.email", "jane.roe@arcadia-mfa.example")
	e.submit(p, v)
	v.Set("action", "confirm")
	code, body, _ := e.do("POST", p, v, nil)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "already registered") {
		t.Errorf("second confirmation: %d", code)
	}
	hist, _ := e.db.History(t.Context(), arcadia)
	if got := batches(e.outbox())["answer-confirmation"]; len(hist) != 1 || got != 1 {
		t.Errorf("%d history entries, %d confirmations; want 1 and 1", len(hist), got)
	}
}
