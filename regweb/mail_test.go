package regweb_test

import (
	"bytes"
	"context"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"convene/internal/testmail"
	"convene/mailer"
	"convene/meeting"
	"convene/regweb"
	"convene/schedule"
	"convene/secretariat"
	"convene/web"
)

// decoded is a raw message with its quoted-printable soft breaks undone,
// to search for text.
func decoded(raw []byte) string {
	b, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return string(raw)
	}
	return string(b)
}

// TestMailThroughSMTP registers on the page and sends the outbox to the
// in-process SMTP server: the mission gets its confirmation (with its
// link) and each delegate a calendar invitation per event.
func TestMailThroughSMTP(t *testing.T) {
	e := newEnv(t, beforeDeadline, "", regweb.Options{})
	p := e.link(arcadia)
	_, v := e.page(p)
	v.Set("n0.name", "Ms. Jane Roe")
	v.Set("n0.email", "jane.roe@arcadia-mfa.example")
	v.Set("n1.name", "Mr. John Doe")
	v.Set("n1.email", "john.doe@arcadia-mfa.example")
	e.submit(p, v)

	srv := testmail.NewSMTP(t, testmail.Options{})
	sender, err := mailer.New(e.db, mailer.Options{Server: meeting.Server{Host: srv.Host, Port: srv.Port, Security: meeting.SecurityNone, Auth: meeting.AuthNone},
		Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := sender.Drain(t.Context(), "")
	if err != nil || rep.Failed != 0 {
		t.Fatalf("Drain = %+v, %v", rep, err)
	}
	events := len(e.m.Events())
	var confirmations int
	invites := map[string]int{}
	for _, m := range srv.Messages() {
		body := decoded(m.Data)
		switch {
		case strings.Contains(body, "Registration confirmed"):
			confirmations++
			if len(m.To) != 1 || m.To[0] != "mission@arcadia-mfa.example" {
				t.Errorf("confirmation to %v", m.To)
			}
			if !strings.Contains(body, e.svc.WebLink(arcadia)) || !strings.Contains(body, "Ms. Jane Roe") || !strings.Contains(body, "Mr. John Doe") {
				t.Errorf("confirmation lacks the link or a delegate:\n%s", body)
			}
		case strings.Contains(strings.ToLower(body), "text/calendar; charset=utf-8; method=request") || strings.Contains(strings.ToLower(body), "method=request"):
			invites[m.To[0]]++
		default:
			t.Errorf("unexpected message to %v:\n%.400s", m.To, body)
		}
	}
	if confirmations != 1 || invites["jane.roe@arcadia-mfa.example"] != events || invites["john.doe@arcadia-mfa.example"] != events {
		t.Errorf("%d confirmations, invitations %v; want 1 and %d each", confirmations, invites, events)
	}
}

// TestDashboardLinks: the staff dashboard shows which missions registered
// on the web, and mails a mission its link or a new one.
func TestDashboardLinks(t *testing.T) {
	e := newEnv(t, beforeDeadline, "", regweb.Options{})
	p := e.link(arcadia)
	_, v := e.page(p)
	v.Set("n0.name", "Ms. Jane Roe")
	v.Set("n0.email", "jane.roe@arcadia-mfa.example")
	e.submit(p, v)

	dash := secretariat.NewDashboard(e.svc, func(context.Context) ([]schedule.JobState, error) { return nil, nil })
	h, err := web.New(dash, web.Options{Addr: "127.0.0.1:0", Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ds := httptest.NewServer(h)
	defer ds.Close()
	get := func(path string) string {
		resp, err := http.Get(ds.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if body := get("/missions"); !strings.Contains(body, "by web") {
		t.Errorf("the missions page does not say Arcadia registered on the web")
	}
	mission := "/missions/" + url.PathEscape(arcadia)
	body := get(mission)
	for _, want := range []string{"last changed on the web page", "the web page, from 127.0.0.1", `value="rotate"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the mission page lacks %q", want)
		}
	}
	// Rotate: the old link opens nothing, the new one is mailed.
	old := e.link(arcadia)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(ds.URL+mission+"/web-link", url.Values{"action": {"rotate"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("rotate: %d", resp.StatusCode)
	}
	if code, _, _ := e.do("GET", old, nil, nil); code != http.StatusNotFound {
		t.Errorf("the old link after rotation: %d", code)
	}
	if code, _, _ := e.do("GET", e.link(arcadia), nil, nil); code != http.StatusOK {
		t.Errorf("the new link: %d", code)
	}
	var found bool
	for _, x := range e.outbox() {
		if x.Batch != secretariat.WebLinkBatch {
			continue
		}
		raw, err := e.db.OutboxBody(t.Context(), x.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		found = strings.Contains(decoded(raw), e.svc.WebLink(arcadia)) && x.Contact == arcadia
	}
	if !found {
		t.Error("the new link was not mailed to the mission")
	}
	if body := get(mission + "?done=rotated"); !strings.Contains(body, "has a new link") {
		t.Error("no notice after rotating")
	}
}
