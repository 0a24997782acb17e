package calendar

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"convene/meeting"
)

// A parser reads the DTSTART of every event in the files as UTC instants,
// by UID. ok is false when the parser is not installed (the test skips it).
type parser struct {
	name string
	read func(t *testing.T, files []string) (starts map[string]map[string]time.Time, ok bool)
}

// parsers are the readers the objects must agree in: our own reading
// through the VTIMEZONE, golang-ical (go-ical), vobject and python-icalendar
// through /usr/bin/python3 when installed, and ical.js when $TEST_ICSCHECK
// points at an icscheck with its node_modules.
func parsers() []parser {
	return []parser{
		{"convene", func(t *testing.T, files []string) (map[string]map[string]time.Time, bool) {
			out := map[string]map[string]time.Time{}
			for _, f := range files {
				b := readFile(t, f)
				starts, _ := instants(t, b)
				cal, err := ics.ParseCalendar(bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				out[f] = map[string]time.Time{}
				for i, ev := range cal.Events() {
					out[f][ev.Id()] = starts[i]
				}
			}
			return out, true
		}},
		{"golang-ical", func(t *testing.T, files []string) (map[string]map[string]time.Time, bool) {
			out := map[string]map[string]time.Time{}
			for _, f := range files {
				cal, err := ics.ParseCalendar(bytes.NewReader(readFile(t, f)))
				if err != nil {
					t.Fatalf("golang-ical: %s: %v", f, err)
				}
				out[f] = map[string]time.Time{}
				for _, ev := range cal.Events() {
					s, err := ev.GetStartAt()
					if err != nil {
						t.Fatalf("golang-ical: %s: %v", f, err)
					}
					out[f][ev.Id()] = s
				}
			}
			return out, true
		}},
		{"vobject", python("vobject")},
		{"python-icalendar", python("icalendar")},
		{"ical.js", func(t *testing.T, files []string) (map[string]map[string]time.Time, bool) {
			entry := icalJS()
			if entry == "" {
				return nil, false
			}
			return runEach(t, files, "node", "testdata/parsers/dtstart.mjs", entry)
		}},
	}
}

func python(module string) func(t *testing.T, files []string) (map[string]map[string]time.Time, bool) {
	return func(t *testing.T, files []string) (map[string]map[string]time.Time, bool) {
		if exec.Command("/usr/bin/python3", "-c", "import "+module).Run() != nil {
			return nil, false
		}
		return runEach(t, files, "/usr/bin/python3", "testdata/parsers/dtstart.py", module)
	}
}

// icalJS finds ical.js where the icscheck launcher installs it.
func icalJS() string {
	tool := os.Getenv("TEST_ICSCHECK")
	if tool == "" {
		return ""
	}
	if p, err := filepath.EvalSymlinks(tool); err == nil {
		tool = p
	}
	dirs := []string{filepath.Join(filepath.Dir(tool), "node_modules")}
	if nm := os.Getenv("ICSCHECK_NODE_MODULES"); nm != "" {
		dirs = append([]string{nm}, dirs...)
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".cache", "icscheck", "node_modules"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "ical.js", "dist", "ical.js")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// runEach runs the command on each file and reads its "UID INSTANT" lines.
func runEach(t *testing.T, files []string, name string, args ...string) (map[string]map[string]time.Time, bool) {
	t.Helper()
	out := map[string]map[string]time.Time{}
	for _, f := range files {
		cmd := exec.Command(name, append(args, f)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		b, err := cmd.Output()
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) && ee.ExitCode() == 3 {
			return nil, false
		}
		if err != nil {
			t.Fatalf("%s %v %s: %v\n%s", name, args, f, err, stderr.Bytes())
		}
		out[f] = map[string]time.Time{}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			uid, v, ok := strings.Cut(sc.Text(), " ")
			if !ok {
				continue
			}
			at, err := time.Parse(time.RFC3339, v)
			if err != nil {
				t.Errorf("%s reads DTSTART of %s in %s as %q", name, uid, f, v)
				continue
			}
			out[f][uid] = at
		}
	}
	return out, true
}

func readFile(t *testing.T, f string) []byte {
	t.Helper()
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParsersAgree writes invitations and feeds whose local times are easy
// to misread (the hour repeated when the clocks go back, a zone whose
// VTIMEZONE needs one-off observances) and checks that every available
// parser reads each DTSTART at the intended UTC instant.
func TestParsersAgree(t *testing.T) {
	casablanca, _ := time.LoadLocation("Africa/Casablanca")
	tests := []struct {
		name   string
		tz     string
		starts []time.Time
	}{
		{"zurich-repeated-hour", "Europe/Zurich", []time.Time{
			time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), // 02:30 CEST, the first 02:30
			time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), // 02:30 CET, the second
			time.Date(2026, 10, 25, 9, 0, 0, 0, time.UTC),  // later that day
		}},
		{"casablanca-ramadan", "Africa/Casablanca", []time.Time{
			time.Date(2026, 2, 10, 10, 0, 0, 0, casablanca), // +01
			time.Date(2026, 3, 1, 10, 0, 0, 0, casablanca),  // Ramadan: +00
			time.Date(2026, 4, 1, 10, 0, 0, 0, casablanca),  // +01 again
		}},
		{"zurich-summer", "Europe/Zurich", []time.Time{time.Date(2026, 6, 30, 11, 0, 0, 0, time.UTC)}},
		{"new-york-spring", "America/New_York", []time.Time{time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC)}},
	}
	dir := t.TempDir()
	want := map[string]map[string]time.Time{}
	var files []string
	for _, tt := range tests {
		m := zoneMeeting(t, tt.tz, tt.starts...)
		add := func(name string, b []byte, sessions ...meeting.Session) {
			p := filepath.Join(dir, name+".ics")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, p)
			want[p] = map[string]time.Time{}
			for _, s := range sessions {
				want[p][UID(m, s.ID)] = s.Start.UTC()
			}
		}
		b, err := Publish(m, meeting.EN, stamp, nil)
		if err != nil {
			t.Fatal(err)
		}
		add(tt.name+"-publish", b, m.Sessions...)
		for i, s := range m.Sessions {
			b, err := Request(Invite{Meeting: m, Event: s, Delegate: delegate, Lang: meeting.EN, Stamp: stamp})
			if err != nil {
				t.Fatal(err)
			}
			add(fmt.Sprintf("%s-request%d", tt.name, i), b, s)
		}
	}
	for _, p := range parsers() {
		t.Run(p.name, func(t *testing.T) {
			got, ok := p.read(t, files)
			if !ok {
				t.Skipf("%s is not installed", p.name)
			}
			for _, f := range files {
				for uid, w := range want[f] {
					g, found := got[f][uid]
					if !found || !g.Equal(w) {
						t.Errorf("%s reads DTSTART of %s in %s as %v, want %v", p.name, uid, filepath.Base(f), g.UTC(), w)
					}
				}
			}
		})
	}
}
