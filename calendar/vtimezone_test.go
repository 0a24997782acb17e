package calendar

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"convene/meeting"
)

// instants reads every DTSTART and DTEND of the object back to UTC through
// its own VTIMEZONE (resolveLocal), ignoring Go's zone data.
func instants(t *testing.T, b []byte) (starts, ends []time.Time) {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("golang-ical: %v", err)
	}
	tzs := cal.Timezones()
	if len(tzs) > 1 {
		t.Fatalf("%d VTIMEZONEs, want at most 1", len(tzs))
	}
	read := func(p *ics.IANAProperty) time.Time {
		if p == nil {
			t.Fatal("missing DTSTART or DTEND")
		}
		if strings.HasSuffix(p.Value, "Z") {
			u, err := time.Parse("20060102T150405Z", p.Value)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		if len(tzs) == 0 {
			t.Fatalf("%s has a local time and there is no VTIMEZONE", p.IANAToken)
		}
		if tzid := p.ICalParameters["TZID"]; len(tzid) != 1 || tzid[0] != tzs[0].GetProperty(ics.ComponentPropertyTzid).Value {
			t.Fatalf("TZID %v does not name the VTIMEZONE", tzid)
		}
		l, err := time.Parse(localLayout, p.Value)
		if err != nil {
			t.Fatal(err)
		}
		u, err := resolveLocal(tzs[0], l)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	for _, ev := range cal.Events() {
		starts = append(starts, read(ev.GetProperty(ics.ComponentPropertyDtStart)))
		ends = append(ends, read(ev.GetProperty(ics.ComponentPropertyDtEnd)))
	}
	return starts, ends
}

func observanceKinds(b []byte) (std, dst int) {
	return strings.Count(string(b), "BEGIN:STANDARD"), strings.Count(string(b), "BEGIN:DAYLIGHT")
}

func TestVTimezoneInstants(t *testing.T) {
	at := func(tz string, y int, mo time.Month, d, h, mi int) time.Time {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			t.Fatal(err)
		}
		return time.Date(y, mo, d, h, mi, 0, 0, loc)
	}
	tests := []struct {
		name     string
		tz       string
		starts   []time.Time
		std, dst int // observance blocks expected
	}{
		{"Geneva across the end of DST", "Europe/Zurich", []time.Time{at("Europe/Zurich", 2026, 10, 24, 10, 0), at("Europe/Zurich", 2026, 10, 26, 10, 0)}, 1, 1},
		{"Geneva in winter", "Europe/Zurich", []time.Time{at("Europe/Zurich", 2026, 2, 10, 9, 0)}, 1, 1},
		{"Geneva across a year", "Europe/Zurich", []time.Time{at("Europe/Zurich", 2026, 3, 1, 9, 0), at("Europe/Zurich", 2027, 4, 1, 9, 0)}, 1, 1},
		{"Tokyo, no DST", "Asia/Tokyo", []time.Time{at("Asia/Tokyo", 2026, 10, 24, 10, 0), at("Asia/Tokyo", 2026, 10, 26, 10, 0)}, 1, 0},
		{"Nairobi, no DST", "Africa/Nairobi", []time.Time{at("Africa/Nairobi", 2026, 6, 1, 14, 0)}, 1, 0},
		{"New York across the start of DST", "America/New_York", []time.Time{at("America/New_York", 2026, 3, 7, 9, 0), at("America/New_York", 2026, 3, 9, 9, 0)}, 1, 1},
		{"Sydney, southern hemisphere", "Australia/Sydney", []time.Time{at("Australia/Sydney", 2026, 4, 4, 9, 0), at("Australia/Sydney", 2026, 4, 6, 9, 0)}, 1, 1},
		{"Sao Paulo, DST abolished in 2019", "America/Sao_Paulo", []time.Time{at("America/Sao_Paulo", 2026, 11, 2, 9, 0)}, 1, 0},
		{"Kolkata, half-hour offset", "Asia/Kolkata", []time.Time{at("Asia/Kolkata", 2026, 11, 2, 9, 0)}, 1, 0},
		{"Chatham, 45-minute offset with DST", "Pacific/Chatham", []time.Time{at("Pacific/Chatham", 2026, 4, 4, 9, 0), at("Pacific/Chatham", 2026, 4, 6, 9, 0)}, 1, 1},
		{"UTC", "UTC", []time.Time{at("UTC", 2026, 11, 2, 9, 0)}, 1, 0},
		{"Geneva in the repeated hour, first", "Europe/Zurich", []time.Time{time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)}, 1, 1},
		{"Geneva in the repeated hour, second", "Europe/Zurich", []time.Time{time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)}, 1, 1},
		// One-off observances (Ramadan): no VTIMEZONE, every time in UTC.
		{"Casablanca around Ramadan", "Africa/Casablanca", []time.Time{at("Africa/Casablanca", 2026, 2, 10, 10, 0), at("Africa/Casablanca", 2026, 3, 30, 10, 0)}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := zoneMeeting(t, tt.tz, tt.starts...)
			files := map[string][]byte{}
			b, err := Publish(m, meeting.EN, stamp, nil)
			if err != nil {
				t.Fatal(err)
			}
			files["publish.ics"] = b
			if std, dst := observanceKinds(b); std != tt.std || dst != tt.dst {
				t.Errorf("%d STANDARD and %d DAYLIGHT blocks, want %d and %d:\n%s", std, dst, tt.std, tt.dst, b)
			}
			starts, ends := instants(t, b)
			for i, s := range m.Sessions {
				if !starts[i].Equal(s.Start) || !ends[i].Equal(s.End) {
					t.Errorf("session %d read back as %v - %v, want %v - %v (UTC)", i, starts[i].UTC(), ends[i].UTC(), s.Start.UTC(), s.End.UTC())
				}
				// Each invitation carries its own VTIMEZONE: check one per session.
				r, err := Request(Invite{Meeting: m, Event: s, Delegate: delegate, Lang: meeting.EN, Stamp: stamp})
				if err != nil {
					t.Fatal(err)
				}
				files[fmt.Sprintf("request%d.ics", i)] = r
				rs, re := instants(t, r)
				if !rs[0].Equal(s.Start) || !re[0].Equal(s.End) {
					t.Errorf("request %d read back as %v - %v, want %v - %v", i, rs[0].UTC(), re[0].UTC(), s.Start.UTC(), s.End.UTC())
				}
			}
			icscheck(t, files)
		})
	}
}

func TestGenevaDSTLines(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Zurich")
	m := zoneMeeting(t, "Europe/Zurich", time.Date(2026, 10, 24, 10, 0, 0, 0, loc), time.Date(2026, 10, 26, 10, 0, 0, 0, loc))
	b, err := Publish(m, meeting.EN, stamp, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"DTSTART;TZID=Europe/Zurich:20261024T100000", // 08:00 UTC
		"DTSTART;TZID=Europe/Zurich:20261026T100000", // 09:00 UTC
		"DTSTART:20260329T020000",
		"DTSTART:20261025T030000",
		"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
		"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
	} {
		if !strings.Contains(string(b), want+"\r\n") {
			t.Errorf("no line %q in\n%s", want, b)
		}
	}
	starts, _ := instants(t, b)
	if got := starts[0].UTC().Format("15:04"); got != "08:00" {
		t.Errorf("24 Oct session at %s UTC, want 08:00", got)
	}
	if got := starts[1].UTC().Format("15:04"); got != "09:00" {
		t.Errorf("26 Oct session at %s UTC, want 09:00", got)
	}
}

// TestVTimezoneManyDates compares the generated VTIMEZONE with Go's zone data
// at every day of a few years, in zones with odd rules.
func TestVTimezoneManyDates(t *testing.T) {
	for _, tz := range []string{"Europe/Zurich", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Tehran", "Africa/Casablanca", "Europe/Dublin", "America/Godthab"} {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			t.Fatal(err)
		}
		from := time.Date(2021, 1, 1, 12, 0, 0, 0, loc)
		to := time.Date(2027, 1, 1, 12, 0, 0, 0, loc)
		vtz := vtimezone(tz, loc, from, to)
		// Through text and golang-ical's parser, as a client would get it.
		cal := newCalendar(MethodPublish)
		cal.AddVTimezone(vtz)
		parsed, err := ics.ParseCalendar(bytes.NewReader(serialize(cal)))
		if err != nil {
			t.Fatal(err)
		}
		ptz := parsed.Timezones()[0]
		bad := 0
		for d := from; d.Before(to); d = d.Add(23 * time.Hour) {
			got, err := resolveLocal(ptz, d)
			if err != nil {
				t.Fatalf("%s: %v", tz, err)
			}
			if !got.Equal(d) && !ambiguous(d, loc) {
				bad++
				if bad < 4 {
					t.Errorf("%s: %s resolves to %s UTC, want %s", tz, d.Format("2006-01-02 15:04 MST"), got.UTC(), d.UTC())
				}
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d wrong instants\n%s", tz, bad, serialize(cal))
		}
	}
}

func TestRuleFor(t *testing.T) {
	tests := []struct {
		date time.Time
		want string
	}{
		{time.Date(2026, 3, 29, 2, 0, 0, 0, time.UTC), "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"},
		{time.Date(2026, 3, 8, 2, 0, 0, 0, time.UTC), "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"},
		{time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC), "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"},
		{time.Date(2026, 10, 4, 2, 0, 0, 0, time.UTC), "FREQ=YEARLY;BYMONTH=10;BYDAY=1SU"},
	}
	for _, tt := range tests {
		r := ruleFor(tt.date)
		if got := r.String(); got != tt.want {
			t.Errorf("ruleFor(%v) = %s, want %s", tt.date, got, tt.want)
		}
		if got := r.in(tt.date.Year()); !got.Equal(tt.date) {
			t.Errorf("rule %s in %d = %v, want %v", r, tt.date.Year(), got, tt.date)
		}
	}
}

func TestFormatOffset(t *testing.T) {
	for sec, want := range map[int]string{0: "+0000", 3600: "+0100", -18000: "-0500", 19800: "+0530", 45900: "+1245", -3600 - 75: "-010115"} {
		if got := formatOffset(sec); got != want {
			t.Errorf("formatOffset(%d) = %s, want %s", sec, got, want)
		}
		if back, err := parseOffset(want); err != nil || back != sec {
			t.Errorf("parseOffset(%s) = %d, %v", want, back, err)
		}
	}
}

func TestRepeatedHourWrittenInUTC(t *testing.T) {
	first := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)  // 02:30 CEST
	second := time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC) // 02:30 CET
	m := zoneMeeting(t, "Europe/Zurich", first, second)
	b, err := Publish(m, meeting.EN, stamp, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Both occurrences in UTC: parsers read a TZID time in the repeated hour
	// as the second one, although RFC 5545 says the first.
	for _, want := range []string{"DTSTART:20261025T003000Z", "DTSTART:20261025T013000Z"} {
		if !strings.Contains(string(b), want+"\r\n") {
			t.Errorf("no line %q in\n%s", want, b)
		}
	}
}
