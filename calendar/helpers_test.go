package calendar

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"convene/meeting"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// stamp is the fixed DTSTAMP of the golden files.
var stamp = time.Date(2020, 6, 1, 8, 0, 0, 0, time.UTC)

func exampleMeeting(t testing.TB) *meeting.Meeting {
	t.Helper()
	m, err := meeting.LoadMeeting("../meeting/example/meeting.yaml")
	if err != nil {
		t.Fatalf("LoadMeeting: %v", err)
	}
	return m
}

// zoneMeeting is a small meeting in zone tz with one session per start.
func zoneMeeting(t testing.TB, tz string, starts ...time.Time) *meeting.Meeting {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	m := &meeting.Meeting{
		ID:       "zone-test",
		Title:    meeting.Text{meeting.EN: "Zone test"},
		TimeZone: tz,
		Location: loc,
		Platform: meeting.Platform{Name: "Platform", URL: "https://meet.example/z"},
		Sender:   meeting.Sender{Name: "Secretariat", Address: "sec@org.example", ReplyTo: "rsvp@org.example"},
	}
	for i, s := range starts {
		m.Sessions = append(m.Sessions, meeting.Session{
			ID: "s" + string(rune('1'+i)), Title: meeting.Text{meeting.EN: "Session"},
			Start: s, End: s.Add(90 * time.Minute), Status: meeting.StatusConfirmed,
		})
	}
	return m
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update to accept):\n%s", name, got)
	}
}

// icscheck runs $TEST_ICSCHECK --strict over the objects when it is set.
func icscheck(t *testing.T, files map[string][]byte) {
	t.Helper()
	tool := os.Getenv("TEST_ICSCHECK")
	if tool == "" {
		return
	}
	dir := t.TempDir()
	args := []string{"--strict", "-q"}
	if exec.Command("/usr/bin/python3", "-c", "import icalendar").Run() == nil {
		args = append(args, "--require-python")
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	out, err := exec.Command(tool, args...).CombinedOutput()
	if err != nil {
		t.Errorf("icscheck %v: %v\n%s", args, err, out)
		return
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	t.Logf("%s", lines[len(lines)-1])
}

// checkLines asserts the RFC 5545 line shape: CRLF only, at most 75 octets,
// no UTF-8 sequence split by a fold.
func checkLines(t *testing.T, name string, b []byte) {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Errorf("%s: does not end in CRLF", name)
	}
	for i, l := range bytes.Split(bytes.TrimSuffix(b, []byte("\r\n")), []byte("\r\n")) {
		if bytes.ContainsAny(l, "\r\n") {
			t.Errorf("%s line %d: bare CR or LF: %q", name, i+1, l)
		}
		if len(l) > 75 {
			t.Errorf("%s line %d: %d octets: %q", name, i+1, len(l), l)
		}
		if !utf8.Valid(l) {
			t.Errorf("%s line %d: split UTF-8 sequence: %q", name, i+1, l)
		}
	}
}

// unfold joins folded lines (RFC 5545 §3.1).
func unfold(b []byte) []string {
	s := strings.ReplaceAll(string(b), "\r\n ", "")
	s = strings.ReplaceAll(s, "\r\n\t", "")
	return strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
}

// line returns the first unfolded line that starts with prefix.
func line(b []byte, prefix string) string {
	for _, l := range unfold(b) {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
