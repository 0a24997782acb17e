package calendar

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// onset is one moment a VTIMEZONE observance starts.
type onset struct {
	at     time.Time // UTC instant
	offset int       // TZOFFSETTO in seconds
}

// resolveLocal returns the UTC instant of the local time l (its zone is
// ignored) in the VTIMEZONE tz, as RFC 5545 §3.6.5 defines it: the offset is
// the TZOFFSETTO of the last observance onset before the instant. Onsets come
// from DTSTART, RDATE and yearly RRULEs of the form BYMONTH=m;BYDAY=nDD (what
// zone rules use); other rules are an error. It reads time zones it did not
// write, such as Windows names that time.LoadLocation does not know.
func resolveLocal(tz *ics.VTimezone, l time.Time) (time.Time, error) {
	wall := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
	var ons []onset
	for _, c := range tz.Components {
		var props []ics.IANAProperty
		switch o := c.(type) {
		case *ics.Standard:
			props = o.Properties
		case *ics.Daylight:
			props = o.Properties
		case *ics.GeneralComponent:
			if t := strings.ToUpper(o.Token); t != "STANDARD" && t != "DAYLIGHT" {
				continue
			}
			props = o.Properties
		default:
			continue
		}
		os, err := onsetsOf(props, wall.Year())
		if err != nil {
			return time.Time{}, err
		}
		ons = append(ons, os...)
	}
	if len(ons) == 0 {
		return time.Time{}, errors.New("calendar: VTIMEZONE without observances")
	}
	sort.Slice(ons, func(i, j int) bool { return ons[i].at.Before(ons[j].at) })
	// The local time l means wall - offset for the observance in effect at
	// that instant. When two observances fit (the hour repeated when clocks
	// go back) the first occurrence is meant; when none does (the hour
	// skipped when they go forward) the offset before the gap is used.
	var best time.Time
	for i, o := range ons {
		t := wall.Add(-time.Duration(o.offset) * time.Second)
		if t.Before(o.at) || (i+1 < len(ons) && !t.Before(ons[i+1].at)) {
			continue
		}
		if best.IsZero() || t.Before(best) {
			best = t
		}
	}
	if !best.IsZero() {
		return best, nil
	}
	for i := len(ons) - 1; i > 0; i-- {
		if t := wall.Add(-time.Duration(ons[i-1].offset) * time.Second); !t.Before(ons[i].at) {
			return t, nil
		}
	}
	// Before every onset: RFC 5545 leaves it undefined; use the first one's offset.
	return wall.Add(-time.Duration(ons[0].offset) * time.Second), nil
}

// onsetsOf lists one observance's onsets from its DTSTART until the end of year+1.
func onsetsOf(props []ics.IANAProperty, year int) ([]onset, error) {
	get := func(name string) string {
		if p := prop(props, name); p != nil {
			return strings.TrimSpace(p.Value)
		}
		return ""
	}
	from, err := parseOffset(get("TZOFFSETFROM"))
	if err != nil {
		return nil, err
	}
	to, err := parseOffset(get("TZOFFSETTO"))
	if err != nil {
		return nil, err
	}
	start, err := time.Parse(localLayout, get("DTSTART"))
	if err != nil {
		return nil, fmt.Errorf("calendar: VTIMEZONE DTSTART: %w", err)
	}
	utc := func(local time.Time) onset {
		return onset{at: local.Add(-time.Duration(from) * time.Second), offset: to}
	}
	out := []onset{utc(start)}
	for i := range props {
		if strings.EqualFold(props[i].IANAToken, "RDATE") {
			for v := range strings.SplitSeq(props[i].Value, ",") {
				if t, err := time.Parse(localLayout, strings.TrimSpace(v)); err == nil {
					out = append(out, utc(t))
				}
			}
		}
	}
	rule := get("RRULE")
	if rule == "" {
		return out, nil
	}
	var month time.Month
	var nth int
	var wd time.Weekday = -1
	until := time.Date(year+2, 1, 1, 0, 0, 0, 0, time.UTC)
	for part := range strings.SplitSeq(rule, ";") {
		k, v, _ := strings.Cut(part, "=")
		switch strings.ToUpper(k) {
		case "FREQ":
			if !strings.EqualFold(v, "YEARLY") {
				return nil, fmt.Errorf("calendar: unsupported RRULE %q", rule)
			}
		case "BYMONTH":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 12 {
				return nil, fmt.Errorf("calendar: unsupported RRULE %q", rule)
			}
			month = time.Month(n)
		case "BYDAY":
			v = strings.ToUpper(v)
			if len(v) < 3 {
				return nil, fmt.Errorf("calendar: unsupported RRULE %q", rule)
			}
			for i, d := range []string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"} {
				if strings.HasSuffix(v, d) {
					wd = time.Weekday(i)
				}
			}
			n, err := strconv.Atoi(strings.TrimPrefix(v[:len(v)-2], "+"))
			if err != nil || n == 0 || wd < 0 {
				return nil, fmt.Errorf("calendar: unsupported RRULE %q", rule)
			}
			nth = n
		case "UNTIL":
			t, err := time.Parse("20060102T150405Z", v)
			if err != nil {
				t, err = time.Parse("20060102", v)
			}
			if err == nil && t.Before(until) {
				until = t
			}
		}
	}
	if month == 0 || nth == 0 {
		return nil, fmt.Errorf("calendar: unsupported RRULE %q", rule)
	}
	for y := start.Year() + 1; y <= year+1; y++ {
		// Every day of the month that falls on the weekday, then the nth of them.
		var days []int
		for d := 1; d <= 31; d++ {
			t := time.Date(y, month, d, 0, 0, 0, 0, time.UTC)
			if t.Month() != month {
				break
			}
			if t.Weekday() == wd {
				days = append(days, d)
			}
		}
		idx := nth - 1
		if nth < 0 {
			idx = len(days) + nth
		}
		if idx < 0 || idx >= len(days) {
			continue
		}
		local := time.Date(y, month, days[idx], start.Hour(), start.Minute(), start.Second(), 0, time.UTC)
		o := utc(local)
		if o.at.After(until) {
			break
		}
		out = append(out, o)
	}
	return out, nil
}

// parseOffset reads a UTC-OFFSET: +hhmm or +hhmmss.
func parseOffset(v string) (int, error) {
	if len(v) != 5 && len(v) != 7 || (v[0] != '+' && v[0] != '-') {
		return 0, fmt.Errorf("calendar: bad UTC offset %q", v)
	}
	n := func(s string) int { x, _ := strconv.Atoi(s); return x }
	sec := n(v[1:3])*3600 + n(v[3:5])*60
	if len(v) == 7 {
		sec += n(v[5:7])
	}
	if v[0] == '-' {
		sec = -sec
	}
	return sec, nil
}
