package main

import (
	"testing"
	"time"
)

// The demo holds its clock while work is in flight, at most maxHold at a
// stretch, and after that not again until the work is done.
func TestPacer(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		busy  bool
		after time.Duration // since t0
		want  paceAction
	}{
		{false, 0, keepClock},
		{true, 1 * time.Millisecond, holdClock},
		{true, 2 * time.Millisecond, keepClock},
		{false, 3 * time.Millisecond, releaseClock},
		{false, 4 * time.Millisecond, keepClock},
		{true, 5 * time.Millisecond, holdClock},
		{true, 5*time.Millisecond + maxHold, keepClock},
		{true, 6*time.Millisecond + maxHold, releaseClock}, // held too long: let time go on
		{true, 7*time.Millisecond + maxHold, keepClock},    // stuck: not held again
		{true, 8*time.Millisecond + 3*maxHold, keepClock},
		{false, 9*time.Millisecond + 3*maxHold, keepClock}, // done: nothing held to release
		{true, 10*time.Millisecond + 3*maxHold, holdClock}, // new work: held again
		{false, 11*time.Millisecond + 3*maxHold, releaseClock},
	}
	var p pacer
	for i, st := range steps {
		if got := p.step(st.busy, t0.Add(st.after)); got != st.want {
			t.Fatalf("step %d (busy %v at +%v) = %v, want %v", i, st.busy, st.after, got, st.want)
		}
	}
}

// A pacer given its own bound holds the clock that long, not maxHold.
func TestPacerMax(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	p := pacer{max: time.Minute}
	if got := p.step(true, t0); got != holdClock {
		t.Fatalf("busy: %v, want holdClock", got)
	}
	if got := p.step(true, t0.Add(2*maxHold)); got != keepClock {
		t.Fatalf("busy after 2×maxHold: %v, want keepClock (still held)", got)
	}
	if got := p.step(true, t0.Add(time.Minute+time.Millisecond)); got != releaseClock {
		t.Fatalf("busy after its bound: %v, want releaseClock", got)
	}
}
