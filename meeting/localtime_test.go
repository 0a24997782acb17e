package meeting

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseTimeLocal(t *testing.T) {
	zurich, _ := time.LoadLocation("Europe/Zurich")
	newYork, _ := time.LoadLocation("America/New_York")
	tests := []struct {
		in      string
		loc     *time.Location
		want    string // UTC, RFC 3339; empty: an error
		errPart string
	}{
		{"2026-06-30 13:00", zurich, "2026-06-30T11:00:00Z", ""},
		{"2026-03-29T02:30", zurich, "", "does not exist in Europe/Zurich"},
		{"2026-03-08 02:30", newYork, "", "does not exist in America/New_York"},
		{"2026-10-25T02:30", zurich, "", "2026-10-25T02:30+02:00 or 2026-10-25T02:30+01:00"},
		{"2026-10-25T02:30+02:00", zurich, "2026-10-25T00:30:00Z", ""},
		{"2026-10-25T02:30+01:00", zurich, "2026-10-25T01:30:00Z", ""},
		{"2026-10-25T03:00", zurich, "2026-10-25T02:00:00Z", ""},
		{"2026-10-25T01:59", zurich, "2026-10-24T23:59:00Z", ""},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in, tt.loc)
		if tt.want == "" {
			if err == nil || !strings.Contains(err.Error(), tt.errPart) {
				t.Errorf("ParseTime(%q) = %v, %v; want an error with %q", tt.in, got, err, tt.errPart)
			}
			continue
		}
		if err != nil || got.UTC().Format(time.RFC3339) != tt.want {
			t.Errorf("ParseTime(%q) = %v, %v; want %s", tt.in, got.UTC(), err, tt.want)
		}
	}
}

func TestInstants(t *testing.T) {
	zurich, _ := time.LoadLocation("Europe/Zurich")
	tests := []struct {
		wall time.Time
		n    int
	}{
		{time.Date(2026, 10, 25, 2, 30, 0, 0, time.UTC), 2},
		{time.Date(2026, 3, 29, 2, 30, 0, 0, time.UTC), 0},
		{time.Date(2026, 7, 1, 2, 30, 0, 0, time.UTC), 1},
	}
	for _, tt := range tests {
		if got := Instants(tt.wall, zurich); len(got) != tt.n {
			t.Errorf("Instants(%v) = %v, want %d", tt.wall, got, tt.n)
		}
	}
	got := Instants(time.Date(2026, 10, 25, 2, 30, 0, 0, time.UTC), zurich)
	if !got[0].Equal(time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)) || !got[1].Equal(time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)) {
		t.Errorf("Instants(02:30 on fall back) = %v", got)
	}
}

// TestCheckLocalTimeLine: convene check reports a session start that the
// clocks skip or repeat with its FILE:LINE, and accepts it with an offset.
func TestCheckLocalTimeLine(t *testing.T) {
	tests := []struct {
		name, from, to string
		want           string // a problem containing this, "" for none
	}{
		{"missing hour", "start: 2020-06-30 13:00", "start: 2020-03-29 02:30", "meeting.yaml:41: sessions[0].start: \"2020-03-29 02:30\" does not exist in Europe/Zurich"},
		{"repeated hour", "start: 2020-07-01 13:00", "start: 2020-10-25 02:30", "meeting.yaml:52: sessions[1].start: \"2020-10-25 02:30\" occurs twice in Europe/Zurich"},
		{"repeated hour with its offset", "start: 2020-07-01 13:00", "start: 2020-10-25T02:30+01:00", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := WriteExample(dir); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "meeting.yaml")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tt.from) {
				t.Fatalf("the example has no %q", tt.from)
			}
			b = []byte(strings.Replace(string(b), tt.from, tt.to, 1))
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = LoadMeeting(path)
			var lt []string
			if ps, ok := err.(Problems); ok {
				for _, p := range ps {
					if strings.Contains(p.Msg, "Europe/Zurich") {
						lt = append(lt, strings.TrimPrefix(p.String(), dir+string(filepath.Separator)))
					}
				}
			}
			got := strings.Join(lt, "\n")
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("LoadMeeting problems about the zone:\n%s\nwant one with %q (all: %v)", got, tt.want, err)
			}
		})
	}
}
