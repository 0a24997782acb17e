package templates_test

import (
	"fmt"
	"strings"
	"testing"

	"convene/meeting"
	"convene/templates"
)

const hostile = "<script>alert(1)</script> & \"Co\""

// TestHTMLEscapes renders every template with a contact, delegate and
// reason that carry markup, and checks that the HTML part shows them escaped.
func TestHTMLEscapes(t *testing.T) {
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	m, cs := example(t)
	for _, name := range templates.Names {
		for _, lang := range meeting.Langs {
			d := goldenData(t, m, cs, name, lang)
			if d.Contact != nil {
				c := *d.Contact
				c.Name, c.Salutation = hostile, hostile
				d.Contact = &c
			}
			d.Delegates = []meeting.Delegate{{Name: hostile, Title: hostile, Email: "x@example.org"}}
			d.Delegate = &d.Delegates[0]
			d.Reason = hostile
			d.Body = "Subject: " + hostile + "\n\n" + hostile
			got, err := set.Render(name, lang, d)
			if err != nil {
				t.Fatalf("Render(%s, %s) = %v", name, lang, err)
			}
			if strings.Contains(got.HTML, "<script") || strings.Contains(got.HTML, `"Co"`) {
				t.Errorf("Render(%s, %s).HTML contains unescaped markup:\n%s", name, lang, got.HTML)
			}
			usesName := d.Contact != nil && strings.Contains(got.Text, hostile)
			if usesName && !strings.Contains(got.HTML, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Co&#34;") {
				t.Errorf("Render(%s, %s).HTML does not show the contact name escaped", name, lang)
			}
		}
	}
}

// TestSubjectOneLine puts CR and LF into every value that can reach a
// subject and checks that every subject stays on one line.
func TestSubjectOneLine(t *testing.T) {
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	m, cs := example(t)
	const inj = "x\r\nBcc: victim@example.org\n\r\x00\u2028Y"
	mm := *m
	mm.Title = meeting.Text{meeting.EN: inj, meeting.FR: inj, meeting.ES: inj}
	sessions := append([]meeting.Session(nil), m.Sessions...)
	sessions[0].Title = mm.Title
	mm.Sessions = sessions
	for _, name := range templates.Names {
		for _, lang := range meeting.Langs {
			d := goldenData(t, m, cs, name, lang)
			d.Meeting = &mm
			d.Session = &sessions[0]
			d.Subject = inj
			if d.Token != "" {
				d.Token = "abc\r\ndefgh"
			}
			got, err := set.Render(name, lang, d)
			if err != nil {
				t.Fatalf("Render(%s, %s) = %v", name, lang, err)
			}
			if strings.ContainsAny(got.Subject, "\r\n\x00\u2028") {
				t.Errorf("Render(%s, %s).Subject = %q, has a line break", name, lang, got.Subject)
			}
			if !strings.Contains(got.Subject, "x Bcc: victim@example.org Y") {
				t.Errorf("Render(%s, %s).Subject = %q, want the folded title in it", name, lang, got.Subject)
			}
		}
	}
}

func TestSubjectRef(t *testing.T) {
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	m, cs := example(t)
	for _, name := range templates.Names {
		for _, lang := range meeting.Langs {
			d := goldenData(t, m, cs, name, lang)
			got, err := set.Render(name, lang, d)
			if err != nil {
				t.Fatal(err)
			}
			if d.Token == "" {
				if strings.Contains(got.Subject, "[REF") {
					t.Errorf("Render(%s, %s).Subject = %q: a reference without a token", name, lang, got.Subject)
				}
				continue
			}
			if !strings.HasSuffix(got.Subject, " "+meeting.SubjectRef(d.Token)) || strings.Count(got.Subject, "[REF") != 1 {
				t.Errorf("Render(%s, %s).Subject = %q, want it to end with %s once", name, lang, got.Subject, meeting.SubjectRef(d.Token))
			}
			if tok := meeting.TokenFromSubject("RE: " + got.Subject); tok != d.Token {
				t.Errorf("TokenFromSubject(%q) = %q, want %q", got.Subject, tok, d.Token)
			}
		}
	}
}

func TestRenderErrors(t *testing.T) {
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := example(t)
	if _, err := set.Render("no-such", meeting.EN, templates.Data{Meeting: m}); err == nil {
		t.Error("Render(no-such) succeeded")
	}
	if _, err := set.Render(templates.Invitation, meeting.EN, templates.Data{}); err == nil {
		t.Error("Render without a meeting succeeded")
	}
	// An unknown language falls back to English.
	en, err := set.Render(templates.Invitation, meeting.EN, templates.Data{Meeting: m, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	xx, err := set.Render(templates.Invitation, "de", templates.Data{Meeting: m, Now: now})
	if err != nil || xx != en {
		t.Errorf("Render(invitation, de) = %v, want the English invitation", err)
	}
}

// TestRenderConcurrently renders from several goroutines at once (run it
// with -race): a Set is shared by the mailer's workers.
func TestRenderConcurrently(t *testing.T) {
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	m, cs := example(t)
	want := map[string]templates.Content{}
	for _, lang := range meeting.Langs {
		c, err := set.Render(templates.Confirmation, lang, goldenData(t, m, cs, templates.Confirmation, lang))
		if err != nil {
			t.Fatal(err)
		}
		want[string(lang)] = c
	}
	errs := make(chan error, 8)
	for g := range 8 {
		lang := meeting.Langs[g%len(meeting.Langs)]
		d := goldenData(t, m, cs, templates.Confirmation, lang)
		go func() {
			for range 20 {
				c, err := set.Render(templates.Confirmation, lang, d)
				if err == nil && c != want[string(lang)] {
					err = fmt.Errorf("Render(confirmation, %s) differs between goroutines", lang)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
