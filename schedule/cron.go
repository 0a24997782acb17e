package schedule

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

var specParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSpec parses a standard five-field cron spec ("0 8 * * *") or a
// descriptor ("@daily"). The time zone is not part of the spec: TZ= and
// CRON_TZ= prefixes are refused (the meeting's zone applies), and a panic of
// the parser is turned into an error.
func ParseSpec(spec string) (s cron.Schedule, err error) {
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, fmt.Errorf("schedule: cron spec %q: no TZ= prefix; the meeting's time zone applies", spec)
	}
	if strings.HasPrefix(spec, "@every") {
		return nil, fmt.Errorf("schedule: cron spec %q: @every is not supported; write minutes and hours", spec)
	}
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("schedule: cron spec %q: %v", spec, r)
		}
	}()
	s, err = specParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule: cron spec %q: %w", spec, err)
	}
	ss, ok := s.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("schedule: cron spec %q: unsupported schedule", spec)
	}
	ss.Location = time.UTC // stepped on the wall clock; see Occurrences
	return ss, nil
}

// Occurrences returns the instants in [from, to] at which spec fires in the
// time zone loc, in order.
//
// The rule across daylight-saving changes: every wall-clock time the spec
// matches fires exactly once. The spec is stepped with robfig/cron's
// Schedule.Next on the wall clock of a zone without daylight saving, and each
// wall time is then placed in loc:
//   - a wall time that does not exist (the spring-forward gap, e.g. 02:30 in
//     Europe/Zurich on 29 March 2020) fires at the same distance after the
//     change, 03:30 local, unless that instant fires anyway (fired once);
//   - a wall time that occurs twice (fall-back, 02:30 on 25 October 2020)
//     fires only at its first occurrence, in summer time.
//
// robfig/cron itself skips the first case and fires the second twice. A
// consequence of the rule: a spec that fires every few minutes pauses for the
// repeated hour of the fall-back night.
func Occurrences(spec string, loc *time.Location, from, to time.Time) ([]time.Time, error) {
	s, err := ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	if loc == nil {
		loc = time.UTC
	}
	wallOf := func(t time.Time) time.Time {
		t = t.In(loc)
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	}
	// Start a little early and stop a little late on the wall clock: a wall
	// time near a change can land on either side of the instant bounds.
	w := wallOf(from).Add(-3 * time.Hour).Add(-time.Nanosecond)
	end := wallOf(to).Add(3 * time.Hour)
	seen := map[int64]bool{}
	var out []time.Time
	for {
		w = s.Next(w)
		if w.IsZero() || w.After(end) {
			break
		}
		t := place(w, loc)
		if t.Before(from) || t.After(to) || seen[t.UnixNano()] {
			continue
		}
		seen[t.UnixNano()] = true
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out, nil
}

// place returns the instant at which wall time w (read in UTC) happens in loc,
// following the rule of Occurrences.
func place(w time.Time, loc *time.Location) time.Time {
	t := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
	if !sameWall(t, w) {
		// In a gap, time.Date has no exact answer; use the offset in force
		// before the change, which puts it as far after the change.
		_, off := t.Add(-12 * time.Hour).Zone()
		return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), time.UTC).Add(-time.Duration(off) * time.Second).In(loc)
	}
	// A repeated wall time: take the first instant.
	for _, back := range []time.Duration{3 * time.Hour, 2 * time.Hour, time.Hour, 30 * time.Minute} {
		if u := t.Add(-back); sameWall(u, w) {
			return u
		}
	}
	return t
}

func sameWall(t, w time.Time) bool {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	wy, wmo, wd := w.Date()
	wh, wmi, ws := w.Clock()
	return y == wy && mo == wmo && d == wd && h == wh && mi == wmi && s == ws
}
