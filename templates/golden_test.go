package templates_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/meeting"
	"convene/templates"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// now is the fixed clock of the golden files.
var now = time.Date(2020, 6, 1, 6, 0, 0, 0, time.UTC)

// example loads the example meeting written by meeting.WriteExample.
func example(tb testing.TB) (*meeting.Meeting, *meeting.Contacts) {
	tb.Helper()
	dir := tb.TempDir()
	if err := meeting.WriteExample(dir); err != nil {
		tb.Fatal(err)
	}
	m, cs, err := meeting.Load(filepath.Join(dir, "meeting.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	return m, cs
}

// exampleContact is, per language, a mission of the example whose own time
// zone differs from Geneva's, so that the golden files show it.
var exampleContact = map[meeting.Lang]string{
	meeting.EN: "Permanent Mission of Carpania",  // America/New_York
	meeting.FR: "Permanent Mission of Syldavia",  // Africa/Abidjan
	meeting.ES: "Permanent Mission of Freedonia", // America/Bogota
}

// goldenData is the data of template name in lang for the example meeting.
func goldenData(tb testing.TB, m *meeting.Meeting, cs *meeting.Contacts, name string, lang meeting.Lang) templates.Data {
	tb.Helper()
	c, ok := cs.ByName(exampleContact[lang])
	if !ok {
		tb.Fatalf("no example contact %q", exampleContact[lang])
	}
	token := "k7m2q4x3ab"
	dels := []meeting.Delegate{
		{Name: "Ana Pérez", Title: "Counsellor", Email: "a.perez@example.org"},
		{Name: "Jean Dupont", Title: "First Secretary", Email: "j.dupont@example.org"},
	}
	s := m.Sessions[0]
	d := templates.Data{
		Meeting: m, Contact: c, Token: token, ReplyTo: meeting.ReplyAddress(m.Sender.ReplyTo, token),
		Delegates: dels, Now: now,
	}
	switch name {
	case templates.Clarification:
		d.Reason = map[meeting.Lang]string{
			meeting.EN: "The reply names a delegate but gives no email address.",
			meeting.FR: "La réponse nomme un délégué mais n'indique pas d'adresse électronique.",
			meeting.ES: "La respuesta menciona a un delegado pero no indica ninguna dirección de correo electrónico.",
		}[lang]
	case templates.Circular:
		b, err := os.ReadFile(filepath.Join("testdata", "circular."+string(lang)+".md"))
		if err != nil {
			tb.Fatal(err)
		}
		d.Body = string(b)
	case templates.DelegateAddress:
		d.Delegate = &dels[1]
	case templates.Invite, templates.DayBefore, templates.Rehearsal:
		// Mail to a delegate; the contact is kept for its time zone.
		d.Token, d.ReplyTo, d.Delegate, d.Session = "", "", &dels[0], &s
		d.Contact = c
	case templates.Digest:
		d.Contact, d.Token, d.ReplyTo = nil, "", ""
		d.Digest = &templates.DigestData{
			Since: now.Add(-24 * time.Hour), Invited: 20, Registered: 6, Declined: 1, NoAnswer: 13, Late: 0, Delegates: 14,
			NewSince: []string{"Permanent Mission of Arcadia", "Fundación Vida sin Minas"},
			Review: []templates.ReviewLine{{At: now.Add(-3 * time.Hour), Kind: "registration", From: "geneve@borduria.example",
				Contact: "Permanent Mission of Borduria", Summary: "two delegates without email addresses"}},
			Bounces: []templates.BounceLine{{At: now.Add(-5 * time.Hour), Address: "info@marn.example", Contact: "Mine Action Review Network",
				Reason: "550 5.1.1 <info@marn.example>: Recipient address rejected", Hard: true}},
			Outbox: templates.OutboxHealth{Sent: 20, Queued: 0, Failed: 1},
			Inbox:  templates.InboxHealth{LastPoll: now.Add(-time.Minute), Processed: 8, Unprocessed: 0},
		}
	}
	return d
}

func TestGolden(t *testing.T) {
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	m, cs := example(t)
	type variant struct {
		file string
		name string
		lang meeting.Lang
		edit func(*templates.Data)
	}
	var cases []variant
	for _, name := range templates.Names {
		for _, lang := range meeting.Langs {
			cases = append(cases, variant{name + "." + string(lang), name, lang, nil})
		}
	}
	for _, lang := range meeting.Langs {
		cases = append(cases,
			variant{"invite-cancelled." + string(lang), templates.Invite, lang, func(d *templates.Data) { d.Cancelled = true }},
			variant{"invite-update." + string(lang), templates.Invite, lang, func(d *templates.Data) {
				d.Update = true
				prev := *d.Session // moved by an hour and a half
				prev.Start, prev.End = prev.Start.Add(-90*time.Minute), prev.End.Add(-90*time.Minute)
				d.Previous = &prev
			}},
			// Only the title and the link changed: the time is not repeated as "previously".
			variant{"invite-update-title-link." + string(lang), templates.Invite, lang, func(d *templates.Data) {
				d.Update = true
				prev := *d.Session
				prev.Title = meeting.Text{meeting.EN: "Old title", meeting.FR: "Ancien intitulé", meeting.ES: "Título antiguo"}
				d.Previous, d.PreviousLink = &prev, "https://meet.isu.example/old-room"
			}},
			variant{"invite-withdrawn." + string(lang), templates.Invite, lang, func(d *templates.Data) { d.Withdrawn = true }},
			variant{"day-before-rehearsed." + string(lang), templates.DayBefore, lang, func(d *templates.Data) { d.Rehearsed = true }},
		)
		// registration.web set: the mission's page is linked (regweb).
		for _, name := range []string{templates.Invitation, templates.Reminder, templates.Confirmation} {
			cases = append(cases, variant{name + "-web." + string(lang), name, lang, func(d *templates.Data) {
				d.WebLink = "https://register.isu.example/r/k7m2q4x3abk7m2q4x3abk7m2q4x3abk7"
			}})
		}
	}
	cases = append(cases, variant{"late-refuse.en", templates.Late, meeting.EN, func(d *templates.Data) {
		mm := *d.Meeting
		mm.Registration.Late = meeting.LateRefuse
		d.Meeting = &mm
	}})
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			d := goldenData(t, m, cs, tc.name, tc.lang)
			if tc.edit != nil {
				tc.edit(&d)
			}
			c, err := set.Render(tc.name, tc.lang, d)
			if err != nil {
				t.Fatalf("Render(%s, %s) = %v", tc.name, tc.lang, err)
			}
			got := "Subject: " + c.Subject + "\n\n==== text\n" + c.Text + "\n==== html\n" + c.HTML
			path := filepath.Join("testdata", tc.file+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./templates -update)", err)
			}
			if got != string(want) {
				t.Errorf("Render(%s, %s) differs from %s (run go test ./templates -update and review the diff):\n%s",
					tc.name, tc.lang, path, firstDiff(got, string(want)))
			}
		})
	}
}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return ""
}
