package meeting_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"convene/meeting"
	"convene/templates"
)

// TestCheckBounds edits the example one way at a time with a value that
// passed before: durations that overflow or make no sense, control
// characters in single-line texts, a templates folder that is not one. Each
// problem names the file, the line and the field.
func TestCheckBounds(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		files    map[string]string // created under the meeting's folder first
		want     string            // substring of the problem, after FILE
	}{
		{"reminder overflows", "  reminders: [7d, 2d]", "  reminders: [99999999999999999d]", nil,
			`:27: registration.reminders[0]: duration "99999999999999999d" is too long: at most 366d`},
		{"reminder beyond uint64", "  reminders: [7d, 2d]", "  reminders: [7d, 99999999999999999999999d]", nil,
			`:27: registration.reminders[1]: duration "99999999999999999999999d" is too long`},
		{"reminder of 400 days", "  reminders: [7d, 2d]", "  reminders: [400d]", nil,
			`:27: registration.reminders[0]: duration "400d" is too long: at most 366d`},
		{"reminder in hours overflows", "  reminders: [7d, 2d]", "  reminders: [9999999999999h]", nil,
			`:27: registration.reminders[0]: bad duration "9999999999999h"`},
		{"reminder of days and hours beyond", "  reminders: [7d, 2d]", "  reminders: [366d1h]", nil,
			`:27: registration.reminders[0]: duration "366d1h" is too long`},
		{"reminder of zero", "  reminders: [7d, 2d]", "  reminders: [0d]", nil,
			`:27: registration.reminders[0]: must be at least 1m`},
		{"rehearsal of two days", "  duration: 90m", "  duration: 2d", nil,
			`:32: rehearsal.duration: 2d is too long: at most 1d`},
		{"rehearsal of zero", "  duration: 90m", "  duration: 0m", nil,
			`:32: rehearsal.duration: must be at least 1m`},
		{"notice beyond a year", "  notice: 3d ", "  notice: 400d ", nil,
			`:33: rehearsal.notice: duration "400d" is too long`},
		{"poll of a second", "  poll: 1m", "  poll: 1s", nil,
			`:101: imap.poll: 1s is too short: at least 10s`},
		{"poll of zero", "  poll: 1m", "  poll: 0s", nil,
			`:101: imap.poll: must be at least 10s`},
		{"poll of a week", "  poll: 1m", "  poll: 7d", nil,
			`:101: imap.poll: 7d is too long: at most 1d`},

		{"title with CRLF", "  en: 2020 Intersessional Meetings of the Anti-Personnel Mine Ban Convention",
			`  en: "2020 Intersessional Meetings\r\nBcc: all@evil.example"`, nil, `:6: title.en: must be on one line`},
		{"French title on two lines", "  fr: Réunions intersessions 2020 de la Convention sur l'interdiction des mines antipersonnel",
			"  fr: |\n    Réunions intersessions 2020\n    de la Convention", nil, `:7: title.fr: must be on one line`},
		{"title as one string with LF", "title:\n  en: 2020 Intersessional Meetings of the Anti-Personnel Mine Ban Convention",
			"title: \"ISM\\n2020\"\ntitle_was:\n  en: 2020 Intersessional Meetings of the Anti-Personnel Mine Ban Convention", nil, `:5: title: must be on one line`},
		{"sender name with LF", "  name: APMBC Implementation Support Unit", `  name: "APMBC ISU\nBcc: all@evil.example"`, nil,
			`:20: sender.name: must be on one line`},
		{"sender address with CRLF", "  address: isu@isu.example", `  address: "isu@isu.example\r\nRCPT TO:<x@evil.example>"`, nil,
			`:21: sender.address: must be on one line`},
		{"reply-to with a line separator", "  reply_to: registrations@isu.example", "  reply_to: \"registrations@isu.example\\u2028x\"", nil,
			`:22: sender.reply_to: must be on one line`},
		{"platform name with a tab", "  name: Interprefy", `  name: "Inter\tprefy"`, nil,
			`:12: platform.name: holds the control character U+0009`},
		{"session title with BEL", "      en: Committee on Article 5 Implementation", `      en: "Committee on Article 5\a Implementation"`, nil,
			`:56: sessions[2].title.en: holds the control character U+0007`},
		{"session title with NEL", "      es: Comité sobre la Aplicación del Artículo 5", `      es: "Comité\u0085 sobre la Aplicación"`, nil,
			`:58: sessions[2].title.es: holds the control character U+0085`},
		{"session description with ESC", "      en: The Committee presents its Preliminary Observations, published ahead of the meeting.",
			`      en: "The Committee \x1b[2J presents"`, nil, `:62: sessions[2].description.en: holds the control character U+001B`},
		{"description with ESC after a line break", "      fr: Le Comité présente ses observations préliminaires, publiées avant la réunion.",
			`      fr: "Le Comité présente\nses observations \x1b[2J"`, nil, `:63: sessions[2].description.fr: holds the control character U+001B`},
		{"notes with CR", "    es: La interpretación en inglés, francés y español está disponible en el menú de idiomas de la plataforma.",
			`    es: "La interpretación\r\nestá disponible"`, nil, `:17: platform.notes.es: holds the control character U+000D`},
		{"rehearsal title with CR", "  notice: 3d ", "  title: \"Rehearsal\\r\"\n  notice: 3d ", nil, `:33: rehearsal.title: must be on one line`},
		{"smtp username with CRLF", "  username: isu@isu.example", `  username: "isu@isu.example\r\nAUTH"`, nil,
			`:85: smtp.username: must be on one line`},
		{"imap mailbox with CRLF", "  mailbox: INBOX", `  mailbox: "INBOX\r\nA1 DELETE INBOX"`, nil,
			`:98: imap.mailbox: must be on one line`},
		{"review folder with LF", "  review: Review", `  review: "Review\nx"`, nil, `:100: imap.review: must be on one line`},
		{"session id with LF", "  - id: article-5", `  - id: "article-5\n"`, nil, `:54: sessions[2].id: must be on one line`},

		{"templates: /etc", "store: convene.db", "store: convene.db\ntemplates: /etc", nil,
			`:77: templates: /etc holds what is not a template: `},
		{"templates folder missing", "store: convene.db", "store: convene.db\ntemplates: mine", nil,
			`mine is not a directory`},
		{"templates folder empty", "store: convene.db", "store: convene.db\ntemplates: mine", map[string]string{"mine/": ""},
			`mine holds no template (want files NAME.LANG.tmpl`},
		{"templates folder with a misspelt file", "store: convene.db", "store: convene.db\ntemplates: mine",
			map[string]string{"mine/invitation.en.tmpl": "x", "mine/invitaton.fr.tmpl": "x", "mine/notes.txt": "x"},
			`holds what is not a template: invitaton.fr.tmpl, notes.txt (want files NAME.LANG.tmpl`},
		{"templates folder with a subfolder", "store: convene.db", "store: convene.db\ntemplates: mine",
			map[string]string{"mine/base.tmpl": "x", "mine/reminder.en.tmpl/x": "x"}, `holds what is not a template: reminder.en.tmpl (`},
		{"templates folder with many strays", "store: convene.db", "store: convene.db\ntemplates: mine",
			map[string]string{"mine/a": "", "mine/b": "", "mine/c": "", "mine/d": "", "mine/e": "", "mine/f": "", "mine/g": ""},
			`holds what is not a template: a, b, c, d, e and 2 more (`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeExample(t)
			path := filepath.Join(dir, "meeting.yaml")
			b, _ := os.ReadFile(path)
			if !strings.Contains(string(b), tt.old) {
				t.Fatalf("example has no %q", tt.old)
			}
			if err := os.WriteFile(path, []byte(strings.Replace(string(b), tt.old, tt.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			writeFiles(t, dir, tt.files)
			_, _, err := meeting.Load(path)
			ps, ok := err.(meeting.Problems)
			if !ok {
				t.Fatalf("Load = %v, want Problems", err)
			}
			for _, p := range ps {
				if strings.Contains(p.String(), tt.want) && strings.HasPrefix(p.String(), path) {
					return
				}
			}
			t.Errorf("problems:\n%v\nwant one with %q", err, tt.want)
		})
	}
}

// TestCheckAccepts: what the checks above must still accept.
func TestCheckAccepts(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		files    map[string]string
	}{
		{"a year's reminder", "  reminders: [7d, 2d]", "  reminders: [7d, 2d, 1d12h, 90m]", nil},
		{"description over several lines", "      en: The Committee presents its Preliminary Observations, published ahead of the meeting.",
			"      en: |\n        The Committee presents its Preliminary Observations.\n\n        They are published ahead of the meeting.", nil},
		{"notes with a tab", "    en: Interpretation in English, French and Spanish is available on the platform's language menu.",
			"    en: \"Interpretation:\\tEnglish, French, Spanish\\nSee the language menu.\"", nil},
		{"title folded onto one line", "  en: 2020 Intersessional Meetings of the Anti-Personnel Mine Ban Convention",
			"  en: >-\n    2020 Intersessional Meetings of the\n    Anti-Personnel Mine Ban Convention", nil},
		{"multi-line secret command", "  secret: {env: CONVENE_SMTP_SECRET}", "  secret:\n    command: |\n      set -e\n      cat token", nil},
		{"templates folder", "store: convene.db", "store: convene.db\ntemplates: mine",
			map[string]string{"mine/base.tmpl": "x", "mine/invitation.fr.tmpl": "x", "mine/digest.en.tmpl": "x"}},
		{"poll bounds", "  poll: 1m", "  poll: 10s", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeExample(t)
			path := filepath.Join(dir, "meeting.yaml")
			b, _ := os.ReadFile(path)
			if !strings.Contains(string(b), tt.old) {
				t.Fatalf("example has no %q", tt.old)
			}
			if err := os.WriteFile(path, []byte(strings.Replace(string(b), tt.old, tt.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			writeFiles(t, dir, tt.files)
			if _, _, err := meeting.Load(path); err != nil {
				t.Errorf("Load = %v, want no problem", err)
			}
		})
	}
}

// writeFiles creates files (a name ending in / is a folder) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTemplateNames: meeting checks a templates folder against the names
// package templates renders.
func TestTemplateNames(t *testing.T) {
	if !slices.Equal(meeting.TemplateNames, templates.Names) {
		t.Errorf("meeting's template names %q, templates.Names %q", meeting.TemplateNames, templates.Names)
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{7 * 24 * time.Hour, "7d"},
		{36 * time.Hour, "1d12h"},
		{2 * time.Hour, "2h"},
		{90 * time.Minute, "1h30m"},
		{10 * time.Minute, "10m"},
		{10 * time.Second, "10s"},
		{30 * time.Second, "30s"},
		{0, "0m"},
		{meeting.MaxDuration, "366d"},
	}
	for _, tt := range tests {
		got := meeting.FormatDuration(tt.in)
		if got != tt.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
		if back, err := meeting.ParseDuration(got); err != nil || back != tt.in {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", got, back, err, tt.in)
		}
	}
}
