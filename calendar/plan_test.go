package calendar

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"convene/meeting"
)

var (
	ana = meeting.Delegate{Name: "Ana", Email: "ana@a.example"}
	bob = meeting.Delegate{Name: "Bob", Email: "bob@b.example"}
)

func TestHashSignificance(t *testing.T) {
	base := exampleMeeting(t)
	ev, _ := base.Session("article-5")
	h0 := Hash(base, ev, meeting.EN)
	if Hash(base, ev, meeting.EN) != h0 {
		t.Fatal("Hash is not deterministic")
	}
	tests := []struct {
		name        string
		change      func(m *meeting.Meeting, s *meeting.Session)
		significant bool
	}{
		{"start", func(m *meeting.Meeting, s *meeting.Session) { s.Start = s.Start.Add(30 * time.Minute) }, true},
		{"end", func(m *meeting.Meeting, s *meeting.Session) { s.End = s.End.Add(30 * time.Minute) }, true},
		{"status", func(m *meeting.Meeting, s *meeting.Session) { s.Status = meeting.StatusCancelled }, true},
		{"title in the language", func(m *meeting.Meeting, s *meeting.Session) { s.Title = meeting.Text{meeting.EN: "New"} }, true},
		{"description", func(m *meeting.Meeting, s *meeting.Session) { s.Description = meeting.Text{meeting.EN: "New"} }, true},
		{"platform link", func(m *meeting.Meeting, s *meeting.Session) { m.Platform.URL = "https://other.example/j" }, true},
		{"platform name", func(m *meeting.Meeting, s *meeting.Session) { m.Platform.Name = "Zoom" }, true},
		{"interpretation notes", func(m *meeting.Meeting, s *meeting.Session) { m.Platform.Notes = meeting.Text{meeting.EN: "None"} }, true},
		{"title in another language", func(m *meeting.Meeting, s *meeting.Session) {
			s.Title = meeting.Text{meeting.EN: s.Title[meeting.EN], meeting.FR: "Autre"}
		}, false},
		{"sender name", func(m *meeting.Meeting, s *meeting.Session) { m.Sender.Name = "Someone else" }, false},
		{"registration deadline", func(m *meeting.Meeting, s *meeting.Session) {
			m.Registration.Deadline = m.Registration.Deadline.Add(time.Hour)
		}, false},
		{"same instant in another zone", func(m *meeting.Meeting, s *meeting.Session) {
			tokyo, _ := time.LoadLocation("Asia/Tokyo")
			s.Start = s.Start.In(tokyo)
		}, false},
		{"empty status means confirmed", func(m *meeting.Meeting, s *meeting.Session) { s.Status = "" }, false},
	}
	for _, tt := range tests {
		m := exampleMeeting(t)
		s, _ := m.Session("article-5")
		tt.change(m, &s)
		if got := Hash(m, s, meeting.EN) != h0; got != tt.significant {
			t.Errorf("%s: hash changed = %v, want %v", tt.name, got, tt.significant)
		}
	}
}

func TestPlan(t *testing.T) {
	m := exampleMeeting(t)
	ev := func(id string) meeting.Session { s, _ := m.Session(id); return s }
	h := func(id string, lang meeting.Lang) string { return Hash(m, ev(id), lang) }
	uid := func(id string) string { return UID(m, id) }
	sent := func(d meeting.Delegate, id string, seq int, hash string, cancelled bool) Sent {
		return Sent{Email: d.Email, EventID: id, UID: uid(id), Sequence: seq, Hash: hash, Cancelled: cancelled}
	}
	want := func(d meeting.Delegate, id string, lang meeting.Lang) Want {
		return Want{Delegate: d, Lang: lang, EventID: id}
	}

	tests := []struct {
		name string
		sent []Sent
		want []Want
		out  []string // "kind email event seq"
	}{
		{
			name: "new delegate and event: request with SEQUENCE 0",
			want: []Want{want(ana, "article-5", meeting.EN)},
			out:  []string{"request ana@a.example article-5 0"},
		},
		{
			name: "unchanged: nothing",
			sent: []Sent{sent(ana, "article-5", 3, h("article-5", meeting.EN), false)},
			want: []Want{want(ana, "article-5", meeting.EN)},
		},
		{
			name: "significant change: update with SEQUENCE+1",
			sent: []Sent{sent(ana, "article-5", 3, "old-hash", false)},
			want: []Want{want(ana, "article-5", meeting.EN)},
			out:  []string{"update ana@a.example article-5 4"},
		},
		{
			name: "language of the delegate changed: update",
			sent: []Sent{sent(ana, "article-5", 0, h("article-5", meeting.EN), false)},
			want: []Want{want(ana, "article-5", meeting.FR)},
			out:  []string{"update ana@a.example article-5 1"},
		},
		{
			name: "event removed from meeting.yaml: cancel with SEQUENCE+1",
			sent: []Sent{sent(ana, "dropped", 2, "x", false)},
			want: []Want{want(ana, "dropped", meeting.EN)},
			out:  []string{"cancel ana@a.example dropped 3"},
		},
		{
			name: "delegate withdrawn: cancel",
			sent: []Sent{sent(ana, "article-5", 1, h("article-5", meeting.EN), false)},
			out:  []string{"cancel ana@a.example article-5 2"},
		},
		{
			name: "already cancelled: not again",
			sent: []Sent{sent(ana, "article-5", 2, "", true)},
		},
		{
			name: "wanted again after a cancel: request with SEQUENCE+1",
			sent: []Sent{sent(ana, "article-5", 2, "", true)},
			want: []Want{want(ana, "article-5", meeting.EN)},
			out:  []string{"request ana@a.example article-5 3"},
		},
		{
			name: "address case does not matter; duplicate wants count once",
			sent: []Sent{sent(meeting.Delegate{Email: "ANA@A.example"}, "article-5", 0, h("article-5", meeting.EN), false)},
			want: []Want{want(ana, "article-5", meeting.EN), want(meeting.Delegate{Name: "Ana", Email: "Ana@a.example"}, "article-5", meeting.EN)},
		},
		{
			name: "the highest SEQUENCE of several rows counts",
			sent: []Sent{sent(ana, "article-5", 5, "old", false), sent(ana, "article-5", 2, h("article-5", meeting.EN), false)},
			want: []Want{want(ana, "article-5", meeting.EN)},
			out:  []string{"update ana@a.example article-5 6"},
		},
		{
			name: "deterministic order: by address, then meeting order, removed events last",
			sent: []Sent{
				sent(bob, "zz-removed", 0, "x", false),
				sent(bob, "aa-removed", 0, "x", false),
				sent(ana, "oap-panels-1", 0, "x", false),
			},
			want: []Want{
				want(bob, "presidents-briefing", meeting.ES),
				want(bob, meeting.RehearsalID, meeting.ES),
				want(ana, "article-5", meeting.EN),
				want(ana, "oap-panels-1", meeting.EN),
			},
			out: []string{
				"update ana@a.example oap-panels-1 1",
				"request ana@a.example article-5 0",
				"request bob@b.example rehearsal 0",
				"request bob@b.example presidents-briefing 0",
				"cancel bob@b.example aa-removed 1",
				"cancel bob@b.example zz-removed 1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, a := range Plan(m, tt.sent, tt.want) {
				got = append(got, fmt.Sprintf("%s %s %s %d", a.Kind, a.Delegate.Email, a.EventID, a.Sequence))
				if a.UID != uid(a.EventID) {
					t.Errorf("action UID %q, want %q", a.UID, uid(a.EventID))
				}
			}
			if !reflect.DeepEqual(got, tt.out) {
				t.Errorf("Plan =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.out, "\n"))
			}
		})
	}
}

func TestPlanCancelledSession(t *testing.T) {
	m := exampleMeeting(t)
	ev, _ := m.Session("article-5")
	h := Hash(m, ev, meeting.EN)
	m.Sessions[2].Status = meeting.StatusCancelled // article-5
	acts := Plan(m, []Sent{{Email: ana.Email, EventID: "article-5", UID: UID(m, "article-5"), Sequence: 1, Hash: h}},
		[]Want{{Delegate: ana, Lang: meeting.EN, EventID: "article-5"}})
	if len(acts) != 1 || acts[0].Kind != KindCancel || acts[0].Sequence != 2 {
		t.Fatalf("Plan = %+v, want one cancel with SEQUENCE 2", acts)
	}
	b, err := Render(m, acts[0], stamp)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"METHOD:CANCEL", "SEQUENCE:2", "STATUS:CANCELLED", "UID:" + UID(m, "article-5")} {
		if line(b, want) != want {
			t.Errorf("no %q in\n%s", want, b)
		}
	}
}

// TestPlanNoUpdateForInsignificantChange follows a meeting through the
// whole cycle: invite, an insignificant change, a significant one.
func TestPlanNoUpdateForInsignificantChange(t *testing.T) {
	m := exampleMeeting(t)
	want := []Want{{Delegate: ana, Lang: meeting.FR, EventID: "oap-panels-2"}}
	var sent []Sent
	apply := func(acts []Action) {
		for _, a := range acts {
			if _, err := Render(m, a, stamp); err != nil {
				t.Fatal(err)
			}
			sent = append(sent, Sent{Email: a.Delegate.Email, EventID: a.EventID, UID: a.UID, Sequence: a.Sequence, Hash: a.Hash, Cancelled: a.Kind == KindCancel})
		}
	}
	if acts := Plan(m, sent, want); len(acts) != 1 || acts[0].Kind != KindRequest {
		t.Fatalf("first plan = %+v", acts)
	} else {
		apply(acts)
	}
	m.Sender.Name = "ISU"
	m.Sessions[1].Title[meeting.ES] = "Otro título"
	if acts := Plan(m, sent, want); len(acts) != 0 {
		t.Fatalf("insignificant change planned %+v", acts)
	}
	m.Sessions[1].End = m.Sessions[1].End.Add(30 * time.Minute)
	acts := Plan(m, sent, want)
	if len(acts) != 1 || acts[0].Kind != KindUpdate || acts[0].Sequence != 1 {
		t.Fatalf("significant change planned %+v", acts)
	}
	apply(acts)
	if acts := Plan(m, sent, want); len(acts) != 0 {
		t.Fatalf("after the update: %+v", acts)
	}
}

func TestWanted(t *testing.T) {
	m := exampleMeeting(t)
	m.Sessions[0].Status = meeting.StatusCancelled
	var ids []string
	for _, w := range Wanted(m, ana, meeting.FR, time.Time{}) {
		if w.Delegate != ana || w.Lang != meeting.FR {
			t.Errorf("Wanted gave %+v", w)
		}
		ids = append(ids, w.EventID)
	}
	if got, want := strings.Join(ids, " "), "rehearsal oap-panels-2 article-5 presidents-briefing"; got != want {
		t.Errorf("Wanted events = %s, want %s", got, want)
	}
	a := Action{Kind: KindUpdate, Delegate: ana, EventID: "article-5", Sequence: 4}
	if got, want := a.String(), "update  ana@a.example article-5 SEQUENCE 4"; got != want {
		t.Errorf("Action.String = %q, want %q", got, want)
	}
}
