package calendar

import (
	"fmt"
	"time"

	ics "github.com/arran4/golang-ical"
)

// transition is one change of a zone's offset, as Go's zone data has it.
type transition struct {
	at         time.Time // the instant of the change
	fromOffset int       // seconds east of UTC before
	toOffset   int       // seconds east of UTC after
	name       string    // abbreviation after, e.g. CEST
	dst        bool      // the zone after is daylight-saving time
}

// local returns the wall-clock time of the transition in the offset before
// it: the DTSTART of an observance (RFC 5545 §3.6.5).
func (tr transition) local() time.Time {
	return tr.at.In(time.FixedZone("", tr.fromOffset))
}

// zoneAt returns the transition that started the zone in effect at t, or
// ok=false when the zone has been the same since the beginning of the data.
// Boundaries where nothing changes (Go's data has one at the end of its
// 32-bit table, in 2038) are skipped.
func zoneAt(loc *time.Location, t time.Time) (transition, bool) {
	t = t.In(loc)
	for range 100 {
		start, _ := t.ZoneBounds()
		if start.IsZero() {
			return transition{}, false
		}
		if tr := transitionAt(loc, start); !tr.noop(loc) {
			return tr, true
		}
		t = start.Add(-time.Second)
	}
	return transition{}, false
}

func transitionAt(loc *time.Location, at time.Time) transition {
	name, to := at.In(loc).Zone()
	_, from := at.Add(-time.Second).In(loc).Zone()
	return transition{at: at, fromOffset: from, toOffset: to, name: name, dst: at.In(loc).IsDST()}
}

// noop reports whether nothing a calendar shows changes at tr.
func (tr transition) noop(loc *time.Location) bool {
	before := tr.at.Add(-time.Second).In(loc)
	name, _ := before.Zone()
	return tr.fromOffset == tr.toOffset && name == tr.name && before.IsDST() == tr.dst
}

// nextTransition returns the first transition after t, if there is one.
func nextTransition(loc *time.Location, t time.Time) (transition, bool) {
	for range 100 {
		_, end := t.In(loc).ZoneBounds()
		if end.IsZero() {
			return transition{}, false
		}
		if tr := transitionAt(loc, end); !tr.noop(loc) {
			return tr, true
		}
		t = end
	}
	return transition{}, false
}

// transitions returns the transitions that a client needs to place times
// between from and to: the one that started the zone in effect at from,
// every one up to to, and the first one after to (so that a zone with
// daylight-saving time always has both kinds of observance).
func transitions(loc *time.Location, from, to time.Time) []transition {
	var out []transition
	if tr, ok := zoneAt(loc, from); ok {
		out = append(out, tr)
	}
	t := from
	for {
		tr, ok := nextTransition(loc, t)
		if !ok {
			break
		}
		out = append(out, tr)
		if tr.at.After(to) {
			break
		}
		t = tr.at
	}
	return out
}

// yearlyRule is an RRULE of the form FREQ=YEARLY;BYMONTH=m;BYDAY=nDD.
type yearlyRule struct {
	month   time.Month
	nth     int // 1..4, or -1 for the last
	weekday time.Weekday
	clock   time.Duration // local time of day
}

var byday = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

func (r yearlyRule) String() string {
	return fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", int(r.month), r.nth, byday[r.weekday])
}

// ruleFor describes the local date of t as "the nth weekday of the month".
// The last week of a month is described as -1, as zone rules usually are.
func ruleFor(t time.Time) yearlyRule {
	r := yearlyRule{month: t.Month(), weekday: t.Weekday(), clock: clockOf(t)}
	daysInMonth := time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if t.Day() > daysInMonth-7 {
		r.nth = -1
	} else {
		r.nth = (t.Day()-1)/7 + 1
	}
	return r
}

func clockOf(t time.Time) time.Duration {
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
}

// in returns the local date-time the rule gives in year.
func (r yearlyRule) in(year int) time.Time {
	var d time.Time
	if r.nth < 0 {
		last := time.Date(year, r.month+1, 0, 0, 0, 0, 0, time.UTC)
		d = last.AddDate(0, 0, -((int(last.Weekday()) - int(r.weekday) + 7) % 7))
	} else {
		first := time.Date(year, r.month, 1, 0, 0, 0, 0, time.UTC)
		d = first.AddDate(0, 0, (int(r.weekday)-int(first.Weekday())+7)%7+7*(r.nth-1))
	}
	return d.Add(r.clock)
}

// matches reports whether the transition's local time is what the rule gives
// for its year.
func (r yearlyRule) matches(tr transition) bool {
	l := tr.local()
	want := r.in(l.Year())
	return want.Year() == l.Year() && want.YearDay() == l.YearDay() && clockOf(l) == r.clock
}

// observance is one STANDARD or DAYLIGHT block.
type observance struct {
	first transition
	rule  *yearlyRule // nil: the block applies once, at first
}

// observances groups transitions into STANDARD/DAYLIGHT blocks. Transitions
// of the same kind (same offsets, name and DST flag) that follow one yearly
// rule, checked against Go's data for the year after the last of them too,
// become one block with an RRULE, which is what Outlook needs; anything else
// becomes one block per transition.
func observances(loc *time.Location, trs []transition) []observance {
	type kind struct {
		from, to int
		name     string
		dst      bool
	}
	groups := map[kind][]transition{}
	var order []kind
	for _, tr := range trs {
		k := kind{tr.fromOffset, tr.toOffset, tr.name, tr.dst}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], tr)
	}
	var out []observance
	for _, k := range order {
		g := groups[k]
		r := ruleFor(g[0].local())
		ok := true
		for _, tr := range g {
			ok = ok && r.matches(tr)
		}
		if ok {
			// The same kind of change one year after the last one must follow the rule too.
			next, found := nextOfKind(loc, g[len(g)-1], func(tr transition) bool {
				return kind{tr.fromOffset, tr.toOffset, tr.name, tr.dst} == k
			})
			ok = found && r.matches(next)
		}
		if ok {
			out = append(out, observance{first: g[0], rule: &r})
			continue
		}
		for _, tr := range g {
			out = append(out, observance{first: tr})
		}
	}
	return out
}

// nextOfKind finds the next transition after tr, within about 13 months, that is of the same kind.
func nextOfKind(loc *time.Location, tr transition, same func(transition) bool) (transition, bool) {
	limit := tr.at.AddDate(1, 1, 0)
	t := tr.at
	for {
		n, ok := nextTransition(loc, t)
		if !ok || n.at.After(limit) {
			return transition{}, false
		}
		if same(n) {
			return n, true
		}
		t = n.at
	}
}

// vtimezone builds a VTIMEZONE for loc, named tzid, that is correct for every
// instant between from and to. Zones without daylight-saving time get a
// single STANDARD block.
func vtimezone(tzid string, loc *time.Location, from, to time.Time) *ics.VTimezone {
	tz := ics.NewTimezone(tzid)
	trs := transitions(loc, from, to)
	if len(trs) == 0 || (len(trs) == 1 && !hasNext(loc, to)) {
		// No change in the window and none to come: one STANDARD block.
		name, off := from.In(loc).Zone()
		tr := transition{at: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(off) * time.Second), fromOffset: off, toOffset: off, name: name}
		if len(trs) == 1 {
			tr = trs[0]
		}
		addObservance(tz, &ics.Standard{}, observance{first: tr})
		return tz
	}
	for _, o := range observances(loc, trs) {
		if o.first.dst {
			addObservance(tz, &ics.Daylight{}, o)
		} else {
			addObservance(tz, &ics.Standard{}, o)
		}
	}
	return tz
}

func hasNext(loc *time.Location, t time.Time) bool {
	_, ok := nextTransition(loc, t)
	return ok
}

// block is a STANDARD or DAYLIGHT component of golang-ical.
type block interface {
	ics.Component
	AddProperty(ics.ComponentProperty, string, ...ics.PropertyParameter)
}

func addObservance(tz *ics.VTimezone, b block, o observance) {
	tr := o.first
	b.AddProperty(ics.ComponentPropertyDtStart, tr.local().Format(localLayout))
	if o.rule != nil {
		b.AddProperty(ics.ComponentProperty(ics.PropertyRrule), o.rule.String())
	}
	b.AddProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), formatOffset(tr.fromOffset))
	b.AddProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), formatOffset(tr.toOffset))
	if tr.name != "" {
		b.AddProperty(ics.ComponentProperty(ics.PropertyTzname), tr.name)
	}
	tz.Components = append(tz.Components, b)
}

// formatOffset writes a UTC-OFFSET value (RFC 5545 §3.3.14): +hhmm, or
// +hhmmss when there are seconds.
func formatOffset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	s := fmt.Sprintf("%c%02d%02d", sign, sec/3600, sec/60%60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}

// localLayout is the form of a local DATE-TIME.
const localLayout = "20060102T150405"
