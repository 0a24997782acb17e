package meeting

import (
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
