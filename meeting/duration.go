package meeting

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxDuration is the longest duration meeting.yaml accepts: a meeting's
// timeline spans months, and a longer value is a typo (or an overflow).
const MaxDuration = 366 * 24 * time.Hour

// ParseDuration parses durations as written in meeting.yaml: Go's form
// ("90m", "2h30m") plus days ("7d", "1d12h"). Negative values and values
// beyond MaxDuration are refused.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	in := s
	bad := fmt.Errorf("bad duration %q: want e.g. 90m, 2h, 7d, at most %s", in, FormatDuration(MaxDuration))
	tooLong := fmt.Errorf("duration %q is too long: at most %s", in, FormatDuration(MaxDuration))
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseUint(s[:i], 10, 64)
		switch {
		case errors.Is(err, strconv.ErrRange):
			return 0, tooLong
		case err != nil:
			return 0, bad
		case n > uint64(MaxDuration/(24*time.Hour)):
			return 0, tooLong
		}
		days = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s) // its overflow is an error too
	if err != nil || d < 0 {
		return 0, bad
	}
	if d > MaxDuration || days+d > MaxDuration {
		return 0, tooLong
	}
	return days + d, nil
}

// FormatDuration writes d the way ParseDuration reads it, using days where
// whole: 7d, 1d12h, 1h30m, 10m, 45s.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0m"
	}
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	for _, u := range []struct {
		d    time.Duration
		unit string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if d >= u.d {
			b.WriteString(strconv.FormatInt(int64(d/u.d), 10) + u.unit)
			d %= u.d
		}
	}
	if d > 0 {
		b.WriteString(d.String()) // what is left below a second
	}
	return b.String()
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
