package web_test

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"convene/meeting"
	"convene/web"
)

// TestReviewDeskShowsMessage: an item shows the message and the reader's
// reading, and nothing of the sender's markup is live.
func TestReviewDeskShowsMessage(t *testing.T) {
	payloads := []string{
		`<script>alert(1)</script>`,
		`<style>body{display:none}</style>`,
		`<img src=x onerror=alert(1)>`,
		`<a href="javascript:alert(1)">click</a>`,
		`<iframe src="https://evil.example/"></iframe>`,
	}
	item := web.ReviewItem{ID: 5, Kind: "registration", Reason: "unknown sender", Summary: "Registration <i>Arcadia</i>",
		From: "x@evil.example", Created: now, Date: now,
		Text:        "Dear ISU,\n" + strings.Join(payloads, "\n"),
		Attachments: []web.Attachment{{Name: "list<script>.csv", Type: "text/csv", Size: 1200}, {Type: "image/png", Size: 2_400_000}},
		Problems:    []string{`CSV row 3: "<b>bad</b>" is not an address`},
		Delegates:   []meeting.Delegate{{Name: "Ada <Lovelace>", Title: "Ambassador", Email: "ada@arcadia.example"}},
		HasMessage:  true,
	}
	h := newHandler(t, &fakeSource{items: []web.ReviewItem{item}}, web.Options{})
	_, body := get(t, h, httptest.NewRequest("GET", "/review", nil))
	for _, want := range []string{
		"Dear ISU,", "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;",
		"list&lt;script&gt;.csv", "text/csv · 1 KB", "<i>unnamed</i>", "image/png · 2.4 MB",
		"&lt;b&gt;bad&lt;/b&gt;", "Ada &lt;Lovelace&gt;, Ambassador, ada@arcadia.example\n</textarea>",
		`href="/review/5/message.eml"`, "Registration &lt;i&gt;Arcadia&lt;/i&gt;", "Registering will send a confirmation to the mission&#39;s addresses and 2 calendar invitations (1 delegate × 2 sessions",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("review page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "<style", "<img", `href="javascript:`, "<iframe", "<b>bad", "<i>Arcadia"} {
		if strings.Contains(body, bad) {
			t.Errorf("review page carries the sender's %q", bad)
		}
	}
}

// TestReviewAttachmentDownload: an attachment is only ever a download,
// whatever type and name the sender gave it.
func TestReviewAttachmentDownload(t *testing.T) {
	h := newHandler(t, &fakeSource{}, web.Options{})
	res, body := get(t, h, httptest.NewRequest("GET", "/review/3/attachments/0", nil))
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/octet-stream" || res.Header.Get("X-Content-Type-Options") != "nosniff" ||
		res.Header.Get("Content-Disposition") != `attachment; filename=".._dele\"gation__.pdf"` || body != "<script>alert(1)</script>%PDF-1.4" {
		t.Errorf("GET attachment: %d %v %q", res.StatusCode, res.Header, body)
	}
	for path, status := range map[string]int{"/review/3/attachments/1": 404, "/review/4/attachments/0": 404, "/review/3/attachments/-1": 400, "/review/x/attachments/0": 400} {
		if res, _ := get(t, h, httptest.NewRequest("GET", path, nil)); res.StatusCode != status {
			t.Errorf("GET %s: %d, want %d", path, res.StatusCode, status)
		}
	}
	_, page := get(t, h, httptest.NewRequest("GET", "/review", nil))
	if !strings.Contains(page, `<a href="/review/3/attachments/0" download>delegation.pdf</a>`) {
		t.Error("the desk does not link the attachment")
	}
}

func TestReviewMessageDownload(t *testing.T) {
	h := newHandler(t, &fakeSource{}, web.Options{})
	res, body := get(t, h, httptest.NewRequest("GET", "/review/3/message.eml", nil))
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "message/rfc822" ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") || !strings.Contains(body, "<script>") {
		t.Errorf("GET message.eml: %d %v %q", res.StatusCode, res.Header, body)
	}
	if res, _ := get(t, h, httptest.NewRequest("GET", "/review/4/message.eml", nil)); res.StatusCode != 404 {
		t.Errorf("GET an unknown item's message: %d", res.StatusCode)
	}
}

func TestReviewPaging(t *testing.T) {
	var items []web.ReviewItem
	for i := range 120 {
		items = append(items, web.ReviewItem{ID: int64(i + 1), Kind: "other", Reason: "junk", Created: now})
	}
	h := newHandler(t, &fakeSource{items: items}, web.Options{ReviewPageSize: 50})
	tests := []struct {
		path      string
		n         int
		want, not []string
	}{
		{"/review", 50, []string{`id="item-1"`, `id="item-50"`, `href="/review?page=2" rel="next"`, "Page 1 of 3", "Items 1–50 of 120", `id="review-count">120 open`}, []string{`id="item-51"`, `rel="prev"`}},
		{"/review?page=2", 50, []string{`id="item-51"`, `rel="prev"`, `href="/review?page=3" rel="next"`}, []string{`id="item-50"`}},
		{"/review?page=3", 20, []string{`id="item-120"`, "Items 101–120 of 120"}, []string{`rel="next"`}},
		{"/review?page=-4", 50, []string{`id="item-1"`}, nil},
	}
	for _, tt := range tests {
		_, body := get(t, h, httptest.NewRequest("GET", tt.path, nil))
		if n := strings.Count(body, `<article class="card item"`); n != tt.n {
			t.Errorf("GET %s: %d items, want %d", tt.path, n, tt.n)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %q", tt.path, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(body, w) {
				t.Errorf("GET %s has %q", tt.path, w)
			}
		}
	}
}

func TestBulkDismiss(t *testing.T) {
	tests := []struct {
		name   string
		ids    []string
		status int
		n      int
	}{
		{"two", []string{"3", "7"}, 303, 2},
		{"none", nil, 400, 0},
		{"bad id", []string{"3", "x"}, 400, 0},
		{"too many", strings.Split(strings.Repeat("1,", 501)+"1", ","), 400, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeSource{}
			h := newHandler(t, src, web.Options{})
			res, _ := get(t, h, postForm("/review/dismiss", url.Values{"id": tt.ids, "note": {"spam"}, "by": {"zoe"}}))
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			got := src.resolvedCopy()
			if len(got) != tt.n {
				t.Fatalf("resolved %d, want %d", len(got), tt.n)
			}
			for _, a := range got {
				if a.Kind != web.ActionDismiss || a.Note != "spam" || a.By != "staff" {
					t.Errorf("action %+v", a)
				}
			}
			if tt.status == 303 && res.Header.Get("Location") != fmt.Sprintf("/review?dismissed=%d", tt.n) {
				t.Errorf("Location %q", res.Header.Get("Location"))
			}
		})
	}
}

// TestReviewEffects: each item offers the action that fits it first, and
// every action says what it will send, and to whom, before it is taken.
func TestReviewEffects(t *testing.T) {
	items := []web.ReviewItem{
		{ID: 1, Kind: "registration", Reason: "attachment only", Contact: "Permanent Mission of Arcadia", ContactEmails: []string{"geneva@arcadia.example", "un@arcadia.example"},
			Delegates: []meeting.Delegate{{Name: "A", Email: "a@arcadia.example"}, {Name: "B", Email: "b@arcadia.example"}}},
		{ID: 2, Kind: "auto-reply", Reason: "out-of-office names another contact: jane@borduria.example", Contact: "Permanent Mission of Borduria",
			ContactEmails: []string{"geneve@borduria.example"}, Suggested: []string{"jane@borduria.example"}},
		{ID: 3, Kind: "registration", Reason: "registration after the deadline (late policy: review)", Contact: "Permanent Mission of Qurac", Late: true,
			ContactEmails: []string{"mission@qurac.example"}, Delegates: []meeting.Delegate{{Name: "C", Email: "c@qurac.example"}}},
		{ID: 4, Kind: "other", Reason: "unknown sender", Delegates: []meeting.Delegate{{Name: "D", Email: "d@x.example"}}},
		{ID: 5, Kind: "bounce", Reason: "mail to x bounced", Contact: "Permanent Mission of Elbonia"},
	}
	h := newHandler(t, &fakeSource{items: items}, web.Options{})
	_, body := get(t, h, httptest.NewRequest("GET", "/review", nil))
	article := func(id int) string {
		start := strings.Index(body, fmt.Sprintf(`id="item-%d"`, id))
		end := strings.Index(body[start:], "</article>")
		return body[start : start+end]
	}
	for id, wants := range map[int][]string{
		1: {"Registering will send a confirmation to geneva@arcadia.example, un@arcadia.example and 4 calendar invitations (2 delegates × 2 sessions; each row added or removed changes it by 2)",
			`class="primary"`, `value="register"`, "Register these delegates", "Assigning registers the 2 delegates the message carries, and will send the mission a confirmation and 4 calendar invitations."},
		2: {`value="add-address"`, `name="address" type="email" required value="jane@borduria.example"`, "Remind the colleague too",
			"The reminders to Permanent Mission of Borduria will also go to jane@borduria.example. Nothing is sent now.", "Assigning attaches the message to the mission; nothing is sent."},
		3: {`value="accept-late"`, "Accept the late registration", "Accepting the late registration will send a confirmation to mission@qurac.example and 2 calendar invitations (1 delegate × 2 sessions"},
		4: {"a confirmation to the mission&#39;s addresses and 2 calendar invitations"},
		5: {"Nothing is sent, and the bounce is not counted against the address.", `value="add-address"`, "Record the new address", `name="address" type="email" required value=""`,
			"The reminders to Permanent Mission of Elbonia will go to the new address (not to the one that bounced)"},
	} {
		a := article(id)
		for _, w := range wants {
			if !strings.Contains(a, w) {
				t.Errorf("item %d lacks %q", id, w)
			}
		}
	}
	// The colleague's form comes first on an out-of-office; one primary form per item.
	if a := article(2); strings.Index(a, "add-address") > strings.Index(a, `value="register"`) || strings.Count(a, `class="primary"`) != 1 {
		t.Errorf("item 2: the colleague's form is not the primary action")
	}
}
