package web

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestNewChart(t *testing.T) {
	d := func(s string) time.Time {
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			panic(err)
		}
		return t
	}
	now := d("2020-06-05")
	tests := []struct {
		name     string
		pts      []DayCount
		deadline time.Time
		invited  int
		empty    bool
		summary  string
	}{
		{name: "nothing", empty: true, summary: "No registrations yet."},
		{name: "deadline only", deadline: d("2020-06-12"), invited: 41, summary: "0 missions registered of 41 invited; deadline 2020-06-12."},
		{name: "one day", pts: []DayCount{{d("2020-06-01"), 3}}, summary: "3 missions registered."},
		{name: "same day twice", pts: []DayCount{{d("2020-06-01"), 3}, {d("2020-06-01"), 4}}, invited: 4, summary: "4 missions registered of 4 invited."},
		{name: "past the deadline", pts: []DayCount{{d("2020-05-26"), 2}, {d("2020-06-20"), 200}}, deadline: d("2020-06-12"), invited: 150,
			summary: "200 missions registered of 150 invited; deadline 2020-06-12."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newChart(tt.pts, tt.deadline, tt.invited, now)
			if c.Empty != tt.empty || c.Summary != tt.summary {
				t.Fatalf("Empty %v, Summary %q; want %v, %q", c.Empty, c.Summary, tt.empty, tt.summary)
			}
			if c.Empty {
				return
			}
			inX := func(x float64) bool { return !math.IsNaN(x) && x >= c.Left && x <= c.Right }
			inY := func(y float64) bool { return !math.IsNaN(y) && y >= c.Top && y <= c.Base }
			for _, p := range c.Dots {
				if !inX(p.X) || !inY(p.Y) {
					t.Errorf("dot %+v outside the plot", p)
				}
			}
			if c.HasDeadline && !inX(c.DeadlineX) {
				t.Errorf("deadline at x=%v outside the plot", c.DeadlineX)
			}
			if c.HasInvited && !inY(c.InvitedY) {
				t.Errorf("invited at y=%v outside the plot", c.InvitedY)
			}
			if len(c.YTicks) < 2 || len(c.YTicks) > 7 || c.YTicks[0].Label != "0" {
				t.Errorf("y ticks %+v", c.YTicks)
			}
			if strings.Contains(c.Line+c.Area, "NaN") || strings.Contains(c.Line+c.Area, "Inf") {
				t.Errorf("path %q", c.Line)
			}
			if len(tt.pts) > 0 && !strings.HasPrefix(c.Line, "M") {
				t.Errorf("line %q", c.Line)
			}
		})
	}
}

func TestNiceStep(t *testing.T) {
	for n, want := range map[int]int{0: 1, 5: 1, 6: 2, 10: 2, 11: 5, 41: 10, 120: 50, 1000: 200} {
		if got := niceStep(n); got != want {
			t.Errorf("niceStep(%d) = %d, want %d", n, got, want)
		}
	}
}
