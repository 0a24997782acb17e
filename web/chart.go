package web

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// chart is the overview's SVG of registrations over time, laid out in Go so
// the template only places elements.
type chart struct {
	W, H                    float64
	Left, Right, Top, Base  float64 // the plot area
	Empty                   bool
	Line                    string // SVG path of the cumulative count, a step line
	Area                    string // the same, closed to the baseline
	Dots                    []point
	HasDeadline             bool
	DeadlineX               float64
	DeadlineLabel           string
	HasInvited              bool
	InvitedY                float64
	InvitedLabel            string
	XTicks, YTicks          []tick
	Summary                 string // text alternative
	LastCount, InvitedCount int
}

type point struct {
	X, Y  float64
	Label string
}

type tick struct {
	X, Y  float64
	Label string
}

const day = 24 * time.Hour

// newChart lays out the cumulative registrations (oldest first) on a time
// axis that spans the data, the deadline and now, and a count axis up to the
// number invited.
func newChart(pts []DayCount, deadline time.Time, invited int, now time.Time) chart {
	c := chart{W: 640, H: 260, Left: 44, Right: 624, Top: 16, Base: 224, InvitedCount: invited}
	if len(pts) == 0 && deadline.IsZero() {
		c.Empty = true
		c.Summary = "No registrations yet."
		return c
	}
	// Time range.
	var lo, hi time.Time
	widen := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if lo.IsZero() || t.Before(lo) {
			lo = t
		}
		if hi.IsZero() || t.After(hi) {
			hi = t
		}
	}
	for _, p := range pts {
		widen(p.Day)
	}
	widen(deadline)
	if len(pts) > 0 && !now.IsZero() && now.After(pts[len(pts)-1].Day) && (deadline.IsZero() || now.Before(deadline.Add(14*day))) {
		widen(now)
	}
	if len(pts) == 0 {
		widen(deadline.Add(-28 * day))
	}
	if hi.Sub(lo) < 2*day {
		lo = lo.Add(-day)
		hi = hi.Add(day)
	}
	pad := hi.Sub(lo) / 40
	lo, hi = lo.Add(-pad), hi.Add(pad)
	x := func(t time.Time) float64 {
		return round1(c.Left + (c.Right-c.Left)*float64(t.Sub(lo))/float64(hi.Sub(lo)))
	}

	// Count range.
	top := invited
	for _, p := range pts {
		top = max(top, p.Count)
	}
	step := niceStep(top)
	ymax := max(step, int(math.Ceil(float64(top)/float64(step)))*step)
	y := func(n int) float64 {
		return round1(c.Base - (c.Base-c.Top)*float64(n)/float64(ymax))
	}
	for n := 0; n <= ymax; n += step {
		c.YTicks = append(c.YTicks, tick{X: c.Left - 6, Y: y(n), Label: fmt.Sprint(n)})
	}
	for i := range 5 {
		t := lo.Add(hi.Sub(lo) * time.Duration(2*i+1) / 10)
		c.XTicks = append(c.XTicks, tick{X: x(t), Y: c.Base + 18, Label: t.Format("2 Jan")})
	}

	if invited > 0 {
		c.HasInvited, c.InvitedY, c.InvitedLabel = true, y(invited), fmt.Sprintf("%d invited", invited)
	}
	if !deadline.IsZero() {
		c.HasDeadline, c.DeadlineX = true, x(deadline)
		c.DeadlineLabel = "deadline " + deadline.Format("2 Jan")
	}
	if len(pts) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "M%v %v", x(pts[0].Day), y(0))
		for _, p := range pts {
			fmt.Fprintf(&b, " H%v V%v", x(p.Day), y(p.Count))
			c.Dots = append(c.Dots, point{X: x(p.Day), Y: y(p.Count), Label: fmt.Sprintf("%s: %d", p.Day.Format("2006-01-02"), p.Count)})
		}
		last := pts[len(pts)-1]
		end := last.Day
		if !now.IsZero() && now.After(end) && now.Before(hi) {
			end = now
		}
		fmt.Fprintf(&b, " H%v", x(end))
		c.Line = b.String()
		c.Area = fmt.Sprintf("%s V%v H%v Z", c.Line, y(0), x(pts[0].Day))
		c.LastCount = last.Count
	}
	c.Summary = fmt.Sprintf("%d missions registered", c.LastCount)
	if invited > 0 {
		c.Summary += fmt.Sprintf(" of %d invited", invited)
	}
	if !deadline.IsZero() {
		c.Summary += "; deadline " + deadline.Format("2006-01-02")
	}
	c.Summary += "."
	return c
}

// niceStep picks a tick step of 1, 2 or 5 times a power of ten giving at
// most about five ticks up to n.
func niceStep(n int) int {
	if n <= 5 {
		return 1
	}
	raw := float64(n) / 5
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return int(m * p)
		}
	}
	return int(10 * p)
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
