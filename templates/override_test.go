package templates_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"convene/meeting"
	"convene/templates"
)

func writeFile(tb testing.TB, dir, name, body string) string {
	tb.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

const override = `{{define "subject"}}Custom {{.MeetingTitle}}{{end}}
{{define "text"}}Custom text for {{with .Contact}}{{.Name}}{{end}}{{end}}
{{define "html"}}<p>Custom html for {{with .Contact}}{{.Name}}{{end}}</p>{{end}}
`

func TestOverrideReplacesOneTemplate(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "invitation.fr.tmpl", override)
	writeFile(t, dir, "README.txt", "not a template") // other files are ignored
	custom, err := templates.Load(dir)
	if err != nil {
		t.Fatalf("Load(%s) = %v", dir, err)
	}
	defaults, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	m, cs := example(t)
	for _, name := range templates.Names {
		for _, lang := range meeting.Langs {
			d := goldenData(t, m, cs, name, lang)
			got, err := custom.Render(name, lang, d)
			if err != nil {
				t.Fatal(err)
			}
			def, err := defaults.Render(name, lang, d)
			if err != nil {
				t.Fatal(err)
			}
			if name == templates.Invitation && lang == meeting.FR {
				want := templates.Content{
					Subject: "Custom " + m.Title.In(meeting.FR) + " [REF k7m2q4x3ab]",
					Text:    "Custom text for Permanent Mission of Syldavia\n",
					HTML:    "<p>Custom html for Permanent Mission of Syldavia</p>\n",
				}
				if got != want {
					t.Errorf("Render(invitation, fr) = %+v, want %+v", got, want)
				}
				continue
			}
			if got != def {
				t.Errorf("Render(%s, %s) changed, but only invitation.fr.tmpl was overridden", name, lang)
			}
		}
	}
}

func TestOverrideDigestInFrench(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "digest.fr.tmpl", override)
	set, err := templates.Load(dir)
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	m, cs := example(t)
	got, err := set.Render(templates.Digest, meeting.FR, goldenData(t, m, cs, templates.Digest, meeting.FR))
	if err != nil || !strings.HasPrefix(got.Subject, "Custom ") {
		t.Errorf("Render(digest, fr) = %q, %v, want the French override", got.Subject, err)
	}
}

func TestOverrideBase(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join("default", "base.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	base := strings.Replace(string(b), "background-color:#1a5c96;padding:16px 24px;", "background-color:#006400;padding:16px 24px;", 1)
	writeFile(t, dir, "base.tmpl", base)
	set, err := templates.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, cs := example(t)
	got, err := set.Render(templates.Reminder, meeting.ES, goldenData(t, m, cs, templates.Reminder, meeting.ES))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.HTML, "#006400") {
		t.Error("the base.tmpl override is not used")
	}
}

func TestBrokenOverrideFailsLoad(t *testing.T) {
	tests := []struct {
		name, file, body, want string
	}{
		{"parse error", "reminder.en.tmpl", `{{define "subject"}}{{if}}{{end}}`, "missing value for if"},
		{"unknown field", "confirmation.es.tmpl", strings.Replace(override, "{{.MeetingTitle}}", "{{.Nope}}", 1), "Nope"},
		{"nil contact field", "invite.fr.tmpl", strings.Replace(override, "{{.MeetingTitle}}", "{{.Contact.Name}}", 1), "nil pointer"},
		{"missing block", "late.fr.tmpl", `{{define "subject"}}x{{end}}{{define "text"}}x{{end}}`, `no {{define "html"}} block`},
		{"html escaping", "circular.en.tmpl", strings.Replace(override, `<p>Custom`, `<a href="{{.Body}}`, 1), "html"},
		{"misspelt name", "invitaton.en.tmpl", override, "no template of that name"},
		{"unknown language", "invitation.de.tmpl", override, "no template of that name"},
		{"broken base", "base.tmpl", `{{define "html-top"}}{{end`, "base.tmpl"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeFile(t, dir, tc.file, tc.body)
			_, err := templates.Load(dir)
			if err == nil {
				t.Fatalf("Load with a broken %s succeeded", tc.file)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load = %v, want an error naming %s and saying %q", err, path, tc.want)
			}
		})
	}
}

func TestLoadMissingDir(t *testing.T) {
	if _, err := templates.Load(filepath.Join(t.TempDir(), "absent")); err == nil {
		t.Error("Load(absent dir) succeeded")
	}
}
