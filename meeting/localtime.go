package meeting

import (
	"fmt"
	"time"
)

// Instants returns the instants whose wall-clock time in loc is the date and
// clock of wall (its own zone is ignored), earliest first: none when the
// clocks skip that time (spring forward), two when it occurs twice (fall
// back), one otherwise.
func Instants(wall time.Time, loc *time.Location) []time.Time {
	y, mo, d := wall.Date()
	h, mi, s := wall.Clock()
	u := time.Date(y, mo, d, h, mi, s, wall.Nanosecond(), time.UTC)
	// Every offset loc uses within a day and a half of the wall time: zones
	// change at most a few hours at a time.
	var offs []int
	for k := -36; k <= 36; k++ {
		_, off := u.Add(time.Duration(k) * time.Hour).In(loc).Zone()
		if !containsInt(offs, off) {
			offs = append(offs, off)
		}
	}
	var out []time.Time
	for _, off := range offs {
		t := u.Add(-time.Duration(off) * time.Second).In(loc)
		if _, o := t.Zone(); o != off || sameInstant(out, t) {
			continue
		}
		out = append(out, t)
	}
	for i := 1; i < len(out); i++ { // at most a handful: insertion sort
		for j := i; j > 0 && out[j].Before(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func sameInstant(ts []time.Time, t time.Time) bool {
	for _, u := range ts {
		if u.Equal(t) {
			return true
		}
	}
	return false
}

// checkLocal returns an error when the local time s, parsed as t in loc,
// does not exist in loc (Go would have moved it by the size of the gap) or
// occurs twice: the user must then write the offset they mean.
func checkLocal(s string, t time.Time, loc *time.Location) error {
	wall := wallOf(s, t)
	ins := Instants(wall, loc)
	switch len(ins) {
	case 1:
		return nil
	case 0:
		// The offset in force before the gap: the reading most people mean.
		_, off := t.Add(-12 * time.Hour).In(loc).Zone()
		y, mo, d := wall.Date()
		h, mi, sec := wall.Clock()
		ex := time.Date(y, mo, d, h, mi, sec, 0, time.FixedZone("", off))
		return fmt.Errorf("%q does not exist in %s: the clocks skip it; write the time you mean with its offset, e.g. %s (= %s)",
			s, loc, offsetExample(ex), offsetExample(ex.In(loc)))
	}
	return fmt.Errorf("%q occurs twice in %s: the clocks go back; write which one you mean with its offset: %s or %s",
		s, loc, offsetExample(ins[0]), offsetExample(ins[1]))
}

// wallOf is the date and clock written in s: t's own, unless Go moved t out
// of a gap, in which case they are parsed again in UTC.
func wallOf(s string, t time.Time) time.Time {
	for _, l := range append(timeLayouts, "2006-01-02") {
		if w, err := time.Parse(l, s); err == nil {
			return w
		}
	}
	return t
}

func offsetExample(t time.Time) string {
	return t.Format("2006-01-02T15:04Z07:00")
}
