package meeting_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/meeting"
)

func writeExample(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := meeting.WriteExample(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestExampleLoads(t *testing.T) {
	dir := writeExample(t)
	m, cs, err := meeting.Load(filepath.Join(dir, "meeting.yaml"))
	if err != nil {
		t.Fatalf("Load(example) = %v", err)
	}
	if m.ID != "ism-2020" || len(m.Sessions) != 4 || m.Rehearsal == nil {
		t.Fatalf("example meeting = %+v", m)
	}
	want := time.Date(2020, 6, 30, 11, 0, 0, 0, time.UTC) // 13:00 CEST
	if !m.Start().Equal(want) {
		t.Errorf("Start() = %v, want %v", m.Start().UTC(), want)
	}
	if m.Contacts != filepath.Join(dir, "contacts.csv") {
		t.Errorf("Contacts = %q, want it next to meeting.yaml", m.Contacts)
	}
	if n := len(cs.List); n != 20 {
		t.Errorf("contacts = %d, want 20", n)
	}
	c, ok := cs.ByEmail("Desarmement@Borduria.example")
	if !ok || c.Name != "Permanent Mission of Borduria" || c.Language != meeting.FR {
		t.Errorf("ByEmail = %+v, %v", c, ok)
	}
	perCat := map[meeting.Category]int{}
	perLang := map[meeting.Lang]int{}
	for _, c := range cs.List {
		perCat[c.Category]++
		perLang[c.Language]++
	}
	for _, cat := range meeting.Categories {
		if perCat[cat] == 0 {
			t.Errorf("no example contact in category %s", cat)
		}
	}
	for _, l := range meeting.Langs {
		if perLang[l] == 0 {
			t.Errorf("no example contact in language %s", l)
		}
	}
}

// TestLoadProblems edits the example one way at a time and checks that the
// problem names the file, the line and the field.
func TestLoadProblems(t *testing.T) {
	tests := []struct {
		name     string
		file     string // meeting.yaml or contacts.csv
		old, new string
		want     string // substring of the problem, after FILE:
	}{
		{"misspelt field", "meeting.yaml", "  reminders: [7d, 2d]", "  remindres: [7d, 2d]", ":27: remindres: unknown field"},
		{"bad time zone", "meeting.yaml", "timezone: Europe/Zurich", "timezone: Europe/Geneva", ":9: timezone: unknown time zone"},
		{"session ends before start", "meeting.yaml", "    end: 2020-07-01 15:00", "    end: 2020-07-01 12:00", ": sessions[1].end: ends at or before its start"},
		{"deadline after meeting", "meeting.yaml", "  deadline: 2020-06-12 18:00", "  deadline: 2020-07-01 18:00", ":26: registration.deadline: is after the meeting starts"},
		{"bad duration", "meeting.yaml", "  duration: 90m", "  duration: 90 minutes", ": rehearsal.duration: bad duration"},
		{"secret in file", "meeting.yaml", "  secret: {env: CONVENE_SMTP_SECRET}", "  secret: {env: CONVENE_SMTP_SECRET}\n  password: hunter2", ": smtp.password: secrets are never written"},
		{"cleartext to remote", "meeting.yaml", "  security: starttls", "  security: none", ": smtp.security: none (cleartext) is only allowed to a loopback host"},
		{"bad invite category", "meeting.yaml", "invite: [state-party, state-not-party, organisation]", "invite: [state-party, observers]", ": invite[1]: unknown category"},
		{"bad category", "contacts.csv", "Arcadia,state-party,", "Arcadia,state-partie,", "contacts.csv:2: category: unknown category"},
		{"duplicate address", "contacts.csv", "geneva@hdf.example", "geneva@carpania.example", "contacts.csv:18: emails: geneva@carpania.example is also the address of \"Permanent Mission of Carpania\" on line 13"},
		{"bad language", "contacts.csv", "elbonia-mfa.example,en,", "elbonia-mfa.example,de,", "contacts.csv:8: language: unknown language"},
		{"unknown column", "contacts.csv", "timezone,notes", "timezone,note", "contacts.csv:1: note: unknown column"},
		{"only separators, no address", "contacts.csv", "mission@arcadia-mfa.example,", ";,", "contacts.csv:2: emails: at least one address is required"},
		{"the secretariat's reply mailbox as a contact", "contacts.csv", "mission@arcadia-mfa.example,", "Registrations@isu.example,", "contacts.csv:2: emails: registrations@isu.example is the secretariat's reply mailbox (sender.reply_to)"},
		{"a plus address of the reply mailbox", "contacts.csv", "mission@arcadia-mfa.example,", "registrations+test@isu.example,", "contacts.csv:2: emails: registrations+test@isu.example is the secretariat's reply mailbox (sender.reply_to)"},
		{"line separator in a name", "contacts.csv", "Permanent Mission of Arcadia,", "Permanent Mission\u2028of Arcadia,", "contacts.csv:2: name: must be on one line"},
		{"bidi override in a name", "contacts.csv", "Permanent Mission of Arcadia,", "Permanent Mission of \u202eaidacrA,", "contacts.csv:2: name: has a control or direction-override character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeExample(t)
			path := filepath.Join(dir, tt.file)
			b, _ := os.ReadFile(path)
			if !strings.Contains(string(b), tt.old) {
				t.Fatalf("example has no %q", tt.old)
			}
			os.WriteFile(path, []byte(strings.Replace(string(b), tt.old, tt.new, 1)), 0o644)
			_, _, err := meeting.Load(filepath.Join(dir, "meeting.yaml"))
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

func TestAllProblemsAtOnce(t *testing.T) {
	dir := writeExample(t)
	path := filepath.Join(dir, "meeting.yaml")
	b, _ := os.ReadFile(path)
	s := strings.Replace(string(b), "timezone: Europe/Zurich", "timezone: Mars/Olympus", 1)
	s = strings.Replace(s, "  late: review", "  late: maybe\n  colour: red", 1)
	os.WriteFile(path, []byte(s), 0o644)
	_, _, err := meeting.Load(path)
	if n := len(err.(meeting.Problems)); n < 3 {
		t.Errorf("got %d problems, want at least 3:\n%v", n, err)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90m", 90 * time.Minute, true},
		{"2h", 2 * time.Hour, true},
		{"7d", 7 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"", 0, false},
		{"-2h", 0, false},
		{"d", 0, false},
		{"7 days", 0, false},
	}
	for _, tt := range tests {
		got, err := meeting.ParseDuration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseTime(t *testing.T) {
	zurich, _ := time.LoadLocation("Europe/Zurich")
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2020-06-30 13:00", time.Date(2020, 6, 30, 11, 0, 0, 0, time.UTC)},
		{"2020-12-30 13:00", time.Date(2020, 12, 30, 12, 0, 0, 0, time.UTC)},
		{"2020-06-30T13:00:00-04:00", time.Date(2020, 6, 30, 17, 0, 0, 0, time.UTC)},
		{"2020-06-30T13:00Z", time.Date(2020, 6, 30, 13, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := meeting.ParseTime(tt.in, zurich)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tt.in, got.UTC(), err, tt.want)
		}
	}
}

func TestContactsBOMAndSemicolons(t *testing.T) {
	data := "\xef\xbb\xbfname;category;emails;language\n\"Mission of X\";state-party;\"a@x.example, b@x.example\";fr\n"
	cs, err := meeting.ParseContacts("c.csv", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := cs.ByEmail("b@x.example"); !ok || c.Name != "Mission of X" || len(c.Emails) != 2 {
		t.Errorf("ByEmail = %+v", c)
	}
}

func TestContactsNotUTF8(t *testing.T) {
	data := "name,category,emails,language\nMission de C\xf4te d'Ivoire,state-party,a@ci.example,fr\n"
	_, err := meeting.ParseContacts("c.csv", []byte(data))
	if err == nil || !strings.Contains(err.Error(), "c.csv:2: the file is not UTF-8") {
		t.Errorf("ParseContacts(Latin-1) = %v, want a problem on line 2", err)
	}
}

// TestLoadEmptyFile: a meeting.yaml with nothing in it says so, not "EOF".
func TestLoadEmptyFile(t *testing.T) {
	for _, tt := range []struct{ name, data string }{
		{"empty", ""},
		{"only comments", "# meeting file\n# to fill in\n"},
		{"only blank lines", "\n\n  \n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "meeting.yaml")
			os.WriteFile(path, []byte(tt.data), 0o600)
			_, _, err := meeting.Load(path)
			if err == nil || strings.Contains(err.Error(), "EOF") || !strings.Contains(err.Error(), "the file is empty") {
				t.Errorf("Load(%s) = %v, want a problem saying the file is empty", tt.name, err)
			}
		})
	}
}
