package meeting

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration parses durations as written in meeting.yaml: Go's form
// ("90m", "2h30m") plus days ("7d", "1d12h"). Negative values are refused.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad duration %q: want e.g. 90m, 2h, 7d", s)
		}
		days = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %q: want e.g. 90m, 2h, 7d", s)
	}
	return days + d, nil
}

// FormatDuration writes d the way ParseDuration reads it, using days where whole.
func FormatDuration(d time.Duration) string {
	day := 24 * time.Hour
	if d >= day && d%day == 0 {
		return strconv.Itoa(int(d/day)) + "d"
	}
	if d > day {
		return strconv.Itoa(int(d/day)) + "d" + strings.TrimSuffix(strings.TrimSuffix((d%day).String(), "0s"), "0m")
	}
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	s = strings.TrimSuffix(s, "0m")
	if s == "" {
		return "0m"
	}
	return s
}

// timeLayouts are the local-time forms accepted in meeting.yaml.
var timeLayouts = []string{
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
}

// offsetLayouts carry their own UTC offset.
var offsetLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04Z07:00",
	"2006-01-02 15:04 Z07:00",
	"2006-01-02 15:04:05 Z07:00",
}

// ParseTime parses a time as written in meeting.yaml. Without an offset it is
// in loc, and must exist in loc exactly once: a local time that the clocks
// skip or repeat is an error asking for an offset. A date alone means the
// start of that day in loc.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range offsetLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	for _, l := range append(timeLayouts, "2006-01-02") {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, checkLocal(s, t, loc)
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q: want YYYY-MM-DD HH:MM (in the meeting's zone) or with an offset, e.g. 2020-06-30T13:00+02:00", s)
}
