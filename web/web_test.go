package web_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"convene/meeting"
	"convene/web"
)

// get serves one request and returns the response with its body read.
func get(t testing.TB, h http.Handler, r *http.Request) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func TestPages(t *testing.T) {
	h := newHandler(t, &fakeSource{}, web.Options{})
	tests := []struct {
		name, path string
		status     int
		want, not  []string
	}{
		{name: "overview", path: "/", status: 200, want: []string{
			"<h1>2020 Intersessional Meetings</h1>",
			`id="count-invited"><b>41</b>`, `id="count-registered"><b>17</b>`, `id="count-delegates"><b>29</b>`,
			`id="count-declined"><b>3</b>`, `id="count-noreply"><b>19</b>`, `id="count-bounced"><b>2</b>`,
			`id="count-review"><b>4</b>`, `<b>118</b><span>sent · 5 queued · 2 failed</span>`,
			"Reminder (7 days)", `<span class="badge failed">failed</span>`, "2020-05-26 09:00 CEST",
			"<svg", `class="deadline"`, "deadline 12 Jun", "41 invited", "17 missions registered of 41 invited; deadline 2020-06-12.",
			`id="inbox-contact">2020-06-05 09:58 CEST <small class="muted">(2 min ago)</small>`, "(1 h ago)",
		}},
		{name: "missions", path: "/missions", status: 200, want: []string{
			"Permanent Mission of Arcadia", "Geneva Centre for Demining", "&lt;script&gt;alert(1)&lt;/script&gt;",
			`<span class="badge registered">registered</span>`, "Registration form: 3 delegates", `id="mission-count">5 missions`,
		}, not: []string{"<script>"}},
		{name: "missions by category", path: "/missions?category=organisation", status: 200,
			want: []string{"Geneva Centre for Demining", `id="mission-count">1 missions`, `<option value="organisation" selected>`},
			not:  []string{"Permanent Mission of Arcadia"}},
		{name: "missions by language", path: "/missions?language=fr", status: 200,
			want: []string{"Borduria", "Geneva Centre", `id="mission-count">2 missions`},
			not:  []string{"Arcadia", "Freedonia"}},
		{name: "missions by both", path: "/missions?category=state-party&language=es", status: 200,
			want: []string{"Freedonia", `id="mission-count">1 missions`}, not: []string{"Borduria"}},
		{name: "unknown category", path: "/missions?category=bogus", status: 400},
		{name: "unknown language", path: "/missions?language=de", status: 400},
		{name: "delegates", path: "/delegates", status: 200, want: []string{
			"Ada Lovelace", "Blaise &lt;b&gt;Pascal&lt;/b&gt;", "Oslo Action Plan panels 1", "Committee on Article 5",
			`<td class="ps ACCEPTED" data-label="Oslo Action Plan panels 1">accepted</td>`, `<td class="ps DECLINED" data-label="Committee on Article 5">declined</td>`, `class="ps TENTATIVE" data-label=`, `<td class="totals" data-label="Committee on Article 5">`,
			`<span class="ACCEPTED">1 accepted</span>`, `id="delegate-count">2 delegates`,
		}, not: []string{"<b>Pascal"}},
		{name: "review", path: "/review", status: 200, want: []string{
			`id="review-count">2 open`, "unknown sender", "&lt;b&gt;two people&lt;/b&gt;", `action="/review/3"`, `action="/review/7"`,
			`value="Permanent Mission of Borduria"`, `name="delegates"`, `value="dismiss"`, `<option value="Permanent Mission of Arcadia">`,
		}, not: []string{"<b>two people"}},
		{name: "review flash", path: "/review?done=3&action=dismiss", status: 200, want: []string{"Item 3: dismissed."}},
		{name: "review flash register", path: "/review?done=4&action=register", status: 200, want: []string{"Item 4: delegates registered."}},
		{name: "outbox", path: "/outbox", status: 200, want: []string{
			"Invitation", "Reminder (7 days)", "550 5.1.1 &lt;old@nowhere.example&gt;: Recipient address rejected: User unknown",
			`<td class="num bad" data-label="Failed">2</td>`, `<td class="num" data-label="Sent">`,
		}, not: []string{"<script>"}},
		{name: "css", path: "/static/style.css", status: 200, want: []string{"@media (max-width: 600px)"}},
		{name: "not found", path: "/nope", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := get(t, h, httptest.NewRequest("GET", tt.path, nil))
			if res.StatusCode != tt.status {
				t.Fatalf("GET %s: status %d, want %d\n%s", tt.path, res.StatusCode, tt.status, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s: body lacks %q", tt.path, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(body, n) {
					t.Errorf("GET %s: body contains %q", tt.path, n)
				}
			}
			if tt.status == 200 && strings.HasSuffix(res.Header.Get("Content-Type"), "html; charset=utf-8") {
				if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
					t.Errorf("GET %s: Content-Security-Policy %q", tt.path, csp)
				}
				if strings.Contains(body, "http://") || strings.Contains(body, "https://") {
					t.Errorf("GET %s: page refers to another site", tt.path)
				}
			}
		})
	}
}

func TestTimelineByDue(t *testing.T) {
	h := newHandler(t, &fakeSource{}, web.Options{})
	_, body := get(t, h, httptest.NewRequest("GET", "/", nil))
	order := []string{"Invitation", "Inbox poll", "Reminder (7 days)", "Reminder (2 days)"}
	last := -1
	for _, label := range order {
		i := strings.Index(body, "<td>"+label+"</td>")
		if i < last {
			t.Errorf("%q is out of order", label)
		}
		last = i
	}
}

func TestOddToken(t *testing.T) {
	const token = `a b"c;d,é`
	h := newHandler(t, &fakeSource{}, web.Options{Addr: ":8080", Token: token})
	res, _ := get(t, h, httptest.NewRequest("GET", "/review?token="+url.QueryEscape(token), nil))
	if res.StatusCode != 303 || len(res.Cookies()) != 1 {
		t.Fatalf("status %d, cookies %v", res.StatusCode, res.Cookies())
	}
	r := httptest.NewRequest("GET", res.Header.Get("Location"), nil)
	r.AddCookie(res.Cookies()[0])
	if res, _ := get(t, h, r); res.StatusCode != 200 {
		t.Errorf("with the cookie: status %d", res.StatusCode)
	}
}

func TestMissionFilterPassed(t *testing.T) {
	src := &fakeSource{}
	h := newHandler(t, src, web.Options{})
	get(t, h, httptest.NewRequest("GET", "/missions?category=state-not-party&language=en", nil))
	want := web.MissionFilter{Category: meeting.StateNotParty, Language: meeting.EN}
	if len(src.filters) != 1 || src.filters[0] != want {
		t.Errorf("Missions called with %v, want [%v]", src.filters, want)
	}
}

func TestSourceError(t *testing.T) {
	var logs bytes.Buffer
	src := &fakeSource{failWith: errors.New("database is locked")}
	h := newHandler(t, src, web.Options{Token: "s3cret-token", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	r := httptest.NewRequest("GET", "/?token=s3cret-token&x=1", nil)
	r.Header.Set("Authorization", "Bearer s3cret-token")
	res, body := get(t, h, r)
	if res.StatusCode != 500 || !strings.Contains(body, "could not read the overview") {
		t.Errorf("status %d, body %q", res.StatusCode, body)
	}
	if !strings.Contains(logs.String(), "database is locked") {
		t.Errorf("log lacks the error: %s", logs.String())
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Errorf("log holds the token: %s", logs.String())
	}
}

func postForm(path string, v url.Values) *http.Request {
	r := httptest.NewRequest("POST", path, strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	return r
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name       string
		path       string
		form       url.Values
		resolveErr error
		status     int
		location   string
		want       *web.ReviewAction // nil: Resolve must not be called, or fails
		body       string
	}{
		{
			name: "assign", path: "/review/7",
			form:   url.Values{"action": {"assign"}, "mission": {" Permanent Mission of Borduria "}, "by": {"Marie"}},
			status: 303, location: "/review?action=assign&done=7",
			want: &web.ReviewAction{Item: 7, Kind: web.ActionAssign, Mission: "Permanent Mission of Borduria", By: "staff", At: now},
		},
		{
			name: "register", path: "/review/3",
			form: url.Values{"action": {"register"}, "mission": {"Permanent Mission of Syldavia"}, "by": {"Marie"},
				"delegates": {"Jan Novak, First Secretary, jan@syldavia.example\r\n\r\nEva Kral, eva@syldavia.example\r\n"}},
			status: 303, location: "/review?action=register&done=3",
			want: &web.ReviewAction{Item: 3, Kind: web.ActionRegister, Mission: "Permanent Mission of Syldavia", By: "staff", At: now,
				Delegates: []meeting.Delegate{
					{Name: "Jan Novak", Title: "First Secretary", Email: "jan@syldavia.example"},
					{Name: "Eva Kral", Email: "eva@syldavia.example"},
				}},
		},
		{
			name: "accept late", path: "/review/3",
			form:   url.Values{"action": {"accept-late"}, "mission": {"Permanent Mission of Qurac"}, "delegates": {"Jan Novak, jan@qurac.example"}},
			status: 303, location: "/review?action=accept-late&done=3",
			want: &web.ReviewAction{Item: 3, Kind: web.ActionAcceptLate, Mission: "Permanent Mission of Qurac", By: "staff", At: now,
				Delegates: []meeting.Delegate{{Name: "Jan Novak", Email: "jan@qurac.example"}}},
		},
		{
			name: "add address", path: "/review/7",
			form:   url.Values{"action": {"add-address"}, "mission": {"Permanent Mission of Borduria"}, "address": {" jane@borduria.example "}},
			status: 303, location: "/review?action=add-address&done=7",
			want: &web.ReviewAction{Item: 7, Kind: web.ActionAddAddress, Mission: "Permanent Mission of Borduria", Address: "jane@borduria.example", By: "staff", At: now},
		},
		{
			name: "add a bad address", path: "/review/7",
			form:   url.Values{"action": {"add-address"}, "mission": {"Permanent Mission of Borduria"}, "address": {"Jane <jane@borduria.example>"}},
			status: 422, body: "is not an email address",
		},
		{
			name: "dismiss without name", path: "/review/3",
			form:   url.Values{"action": {"dismiss"}, "note": {"spam"}},
			status: 303, location: "/review?action=dismiss&done=3",
			want: &web.ReviewAction{Item: 3, Kind: web.ActionDismiss, Note: "spam", By: "staff", At: now},
		},
		{
			name: "bad delegate line", path: "/review/3",
			form:   url.Values{"action": {"register"}, "mission": {"X"}, "delegates": {"Jan Novak, First Secretary, not-an-address"}},
			status: 422, body: "line 1: &#34;not-an-address&#34; is not an email address",
		},
		{
			name: "assign without mission", path: "/review/3",
			form:   url.Values{"action": {"assign"}, "mission": {"  "}},
			status: 422, body: "Name the mission",
		},
		{
			name: "source refuses", path: "/review/7",
			form:       url.Values{"action": {"assign"}, "mission": {"Nobody"}},
			resolveErr: web.InputError(`no mission named "Nobody"`), status: 422, body: "no mission named &#34;Nobody&#34;",
		},
		{
			name: "already closed", path: "/review/7",
			form:       url.Values{"action": {"dismiss"}},
			resolveErr: web.ErrNotFound, status: 422, body: "Item 7 is no longer open.",
		},
		{
			name: "store fails", path: "/review/7",
			form:       url.Values{"action": {"dismiss"}},
			resolveErr: errors.New("disk full"), status: 500,
		},
		{name: "unknown action", path: "/review/7", form: url.Values{"action": {"delete"}}, status: 400},
		{name: "bad id", path: "/review/x", form: url.Values{"action": {"dismiss"}}, status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeSource{resolveErr: tt.resolveErr}
			h := newHandler(t, src, web.Options{})
			res, body := get(t, h, postForm(tt.path, tt.form))
			if res.StatusCode != tt.status {
				t.Fatalf("POST %s: status %d, want %d\n%s", tt.path, res.StatusCode, tt.status, body)
			}
			if got := res.Header.Get("Location"); got != tt.location {
				t.Errorf("Location = %q, want %q", got, tt.location)
			}
			if tt.body != "" && !strings.Contains(body, tt.body) {
				t.Errorf("body lacks %q:\n%s", tt.body, body)
			}
			if tt.want == nil {
				if len(src.resolved) != 0 {
					t.Errorf("Resolve called with %+v", src.resolved)
				}
				return
			}
			if len(src.resolved) != 1 {
				t.Fatalf("Resolve called %d times, want 1", len(src.resolved))
			}
			got := src.resolved[0]
			if got.Item != tt.want.Item || got.Kind != tt.want.Kind || got.Mission != tt.want.Mission ||
				got.Note != tt.want.Note || got.Address != tt.want.Address || got.By != tt.want.By || !got.At.Equal(tt.want.At) ||
				len(got.Delegates) != len(tt.want.Delegates) {
				t.Fatalf("Resolve(%+v), want %+v", got, *tt.want)
			}
			for i := range got.Delegates {
				if got.Delegates[i] != tt.want.Delegates[i] {
					t.Errorf("delegate %d = %+v, want %+v", i, got.Delegates[i], tt.want.Delegates[i])
				}
			}
		})
	}
}

func TestResolveKeepsTypedForm(t *testing.T) {
	h := newHandler(t, &fakeSource{}, web.Options{})
	res, body := get(t, h, postForm("/review/3", url.Values{"action": {"register"}, "mission": {"Arcadia"}, "by": {"Marie"},
		"delegates": {"Jan <Novak>, jan@"}}))
	if res.StatusCode != 422 {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, w := range []string{"Jan &lt;Novak&gt;, jan@", `value="Arcadia"`, `role="alert"`} {
		if !strings.Contains(body, w) {
			t.Errorf("body lacks %q", w)
		}
	}
}

func TestCrossOriginPost(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		status  int
	}{
		{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"same-site fetch", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"foreign origin", map[string]string{"Origin": "http://evil.example"}, 403},
		{"same origin header", map[string]string{"Origin": "http://example.com"}, 303},
		{"same-origin fetch", map[string]string{"Sec-Fetch-Site": "same-origin"}, 303},
		{"no headers (curl)", nil, 303},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeSource{}
			h := newHandler(t, src, web.Options{})
			r := httptest.NewRequest("POST", "/review/3", strings.NewReader("action=dismiss"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			res, _ := get(t, h, r)
			if res.StatusCode != tt.status {
				t.Errorf("status %d, want %d", res.StatusCode, tt.status)
			}
			if called := len(src.resolved) > 0; called != (tt.status == 303) {
				t.Errorf("Resolve called = %v", called)
			}
		})
	}
}

func TestAddrNeedsToken(t *testing.T) {
	tests := []struct {
		addr      string
		needToken bool
	}{
		{"", false},
		{"127.0.0.1:8080", false},
		{"127.8.9.1:8080", false},
		{"[::1]:8080", false},
		{"localhost:8080", false},
		{"LOCALHOST:0", false},
		{"127.0.0.1", false},
		{"::1", false},
		{"10.0.0.1", true},
		{":8080", true},
		{"0.0.0.0:8080", true},
		{"[::]:8080", true},
		{"192.168.1.20:8080", true},
		{"dashboard.isu.example:443", true},
	}
	for _, tt := range tests {
		_, err := web.New(&fakeSource{}, web.Options{Addr: tt.addr})
		if (err != nil) != tt.needToken {
			t.Errorf("New(Addr %q, no token) error = %v, want error %v", tt.addr, err, tt.needToken)
		}
		if _, err := web.New(&fakeSource{}, web.Options{Addr: tt.addr, Token: "t"}); err != nil {
			t.Errorf("New(Addr %q, token) error = %v", tt.addr, err)
		}
	}
	if _, err := web.New(&fakeSource{}, web.Options{Addr: "1.2.3.4:80:90", Token: "t"}); err == nil {
		t.Error("New accepted a malformed address")
	}
}

func TestToken(t *testing.T) {
	const token = "tok-4f9a0c"
	h := newHandler(t, &fakeSource{}, web.Options{Addr: "0.0.0.0:8080", Token: token})
	req := func(path string, mod func(*http.Request)) (*http.Response, string) {
		r := httptest.NewRequest("GET", path, nil)
		if mod != nil {
			mod(r)
		}
		return get(t, h, r)
	}
	bearer := func(tok string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
	}
	cookie := func(tok string) func(*http.Request) {
		return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "convene_token", Value: tok}) }
	}
	tests := []struct {
		name   string
		path   string
		mod    func(*http.Request)
		status int
	}{
		{"nothing", "/", nil, 401},
		{"nothing on a feed", "/meeting.ics", nil, 401},
		{"nothing on metrics", "/metrics", nil, 401},
		{"nothing on static", "/static/style.css", nil, 401},
		{"wrong bearer", "/", bearer("tok-4f9a0d"), 401},
		{"prefix of bearer", "/", bearer("tok-4f9a0"), 401},
		{"bearer", "/", bearer(token), 200},
		{"bearer lower case", "/", func(r *http.Request) { r.Header.Set("Authorization", "bearer "+token) }, 200},
		{"basic is not bearer", "/", func(r *http.Request) { r.Header.Set("Authorization", "Basic "+token) }, 401},
		{"token as cookie", "/missions", cookie(token), 401},
		{"wrong cookie", "/missions", cookie("nope"), 401},
		{"wrong query", "/?token=nope", nil, 401},
		{"query on a feed", "/meeting.ics?token=" + token, nil, 200},
		{"query on metrics", "/metrics?token=" + token, nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := req(tt.path, tt.mod)
			if res.StatusCode != tt.status {
				t.Errorf("GET %s: status %d, want %d", tt.path, res.StatusCode, tt.status)
			}
			if tt.status == 401 && strings.Contains(body, token) {
				t.Error("401 page shows the token")
			}
		})
	}

	// The cookie flow: ?token= sets the cookie and redirects to the same page
	// without the token; the cookie then opens every page.
	res, _ := req("/missions?category=organisation&token="+token, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("GET ?token=: status %d, want 303", res.StatusCode)
	}
	if loc := res.Header.Get("Location"); loc != "/missions?category=organisation" {
		t.Errorf("Location = %q", loc)
	}
	var c *http.Cookie
	for _, k := range res.Cookies() {
		if k.Name == "convene_token" {
			c = k
		}
	}
	if c == nil || !c.HttpOnly || c.Path != "/" || c.SameSite != http.SameSiteLaxMode {
		t.Fatalf("token cookie = %+v", c)
	}
	if strings.Contains(c.Value, token) {
		t.Errorf("the cookie holds the token: %q", c.Value)
	}
	for _, path := range []string{"/missions?category=organisation", "/review", "/export/registrations.csv"} {
		res, _ := req(path, func(r *http.Request) { r.AddCookie(c) })
		if res.StatusCode != 200 {
			t.Errorf("GET %s with the cookie: status %d", path, res.StatusCode)
		}
	}
	// A POST with the cookie and from the same origin passes.
	r := postForm("/review/3", url.Values{"action": {"dismiss"}})
	r.AddCookie(c)
	if res, _ := get(t, h, r); res.StatusCode != 303 {
		t.Errorf("POST with cookie: status %d", res.StatusCode)
	}
	// A token set on loopback is required too.
	hl := newHandler(t, &fakeSource{}, web.Options{Addr: "127.0.0.1:0", Token: token})
	if res, _ := get(t, hl, httptest.NewRequest("GET", "/", nil)); res.StatusCode != 401 {
		t.Errorf("loopback with token, no credentials: status %d", res.StatusCode)
	}
}

func TestCalendarFeed(t *testing.T) {
	h := newHandler(t, &fakeSource{}, web.Options{})
	res, body := get(t, h, httptest.NewRequest("GET", "/meeting.ics", nil))
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/calendar; charset=utf-8" || body != fakeICS {
		t.Errorf("GET /meeting.ics: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
}
