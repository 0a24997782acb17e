package schedule

import (
	"math"
	"slices"
	"sort"
	"sync"
	"time"
)

// Clock is the time source of a Runner. RealClock is the wall clock,
// SimClock runs faster than real time for demos, ManualClock moves only when
// a test moves it. Implementations are safe for concurrent use.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer whose channel receives the clock's time once
	// d has elapsed on this clock.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer of a Clock.
type Timer interface {
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it stopped it.
	Stop() bool
}

// RealClock returns the wall clock.
func RealClock() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) NewTimer(d time.Duration) Timer {
	return realTimer{time.NewTimer(d)}
}

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time { return t.t.C }
func (t realTimer) Stop() bool          { return t.t.Stop() }

// SimClock returns a clock that reads start now and then runs speed times
// faster than real time: with speed 3600 a simulated hour passes each real
// second. Its timers fire when the simulated time reaches their deadline,
// never before. A speed of 0 or less means 1.
func SimClock(start time.Time, speed float64) Clock {
	c, run := PausedSimClock(start, speed)
	run()
	return c
}

// PausedSimClock is SimClock standing still at start until run is called.
// A program builds its parts on it and starts it once they are ready, so
// that the time it took to start (opening a store, say) is not magnified
// into simulated hours. The clock also implements Holder.
func PausedSimClock(start time.Time, speed float64) (c Clock, run func()) {
	if speed <= 0 {
		speed = 1
	}
	sc := &simClock{base: start, speed: speed}
	return sc, func() {
		sc.mu.Lock()
		defer sc.mu.Unlock()
		if !sc.running {
			sc.origin, sc.running = sc.wallNow(), true
			sc.last = sc.origin
			sc.arm()
		}
	}
}

// Holder is a clock whose time can be held still: between Hold and the
// release it returns, time stands still and no timer fires; holds nest. A
// simulation holds its clock while work is in flight, so that a busy or
// slow machine does not turn seconds of real lag into simulated days.
type Holder interface {
	Hold() (release func())
}

type simClock struct {
	speed float64

	mu      sync.Mutex
	running bool
	holds   int
	base    time.Time // the simulated time at origin
	origin  time.Time // real time when the clock last started moving; its monotonic reading is used
	timers  []*simTimer
	real    *time.Timer // fires at the earliest deadline while the clock moves

	maxGap time.Duration    // see LimitGaps; 0: no limit
	last   time.Time        // real time of the last reading, for maxGap
	wall   func() time.Time // real time; nil: time.Now (tests set it)
}

func (c *simClock) wallNow() time.Time {
	if c.wall != nil {
		return c.wall()
	}
	return time.Now()
}

// LimitGaps makes a clock from SimClock or PausedSimClock count at most gap
// of real time between two of its readings: when the process was not
// running for longer (a loaded machine), the simulated time moves as if
// only gap had passed, instead of the lag turning into simulated hours. A
// simulation that reads its clock often (every few milliseconds) uses it so
// that its outcome does not depend on how busy the machine is. Other clocks
// are left as they are.
func LimitGaps(c Clock, gap time.Duration) {
	if sc, ok := c.(*simClock); ok {
		sc.mu.Lock()
		defer sc.mu.Unlock()
		sc.maxGap = gap
	}
}

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now()
}

// now is Now with c.mu held.
func (c *simClock) now() time.Time {
	if !c.running || c.holds > 0 {
		return c.base
	}
	rt := c.wallNow()
	if c.maxGap > 0 {
		if gap := rt.Sub(c.last); gap > c.maxGap {
			c.origin = c.origin.Add(gap - c.maxGap)
		}
		c.last = rt
	}
	el := float64(rt.Sub(c.origin)) * c.speed
	if el > math.MaxInt64 {
		el = math.MaxInt64
	}
	return c.base.Add(time.Duration(el))
}

func (c *simClock) Hold() (release func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.holds == 0 {
		c.base = c.now()
		if c.real != nil {
			c.real.Stop()
		}
	}
	c.holds++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.holds--
			if c.holds == 0 {
				c.origin = c.wallNow()
				c.last = c.origin
				c.arm()
			}
		})
	}
}

func (c *simClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &simTimer{c: c, at: c.now().Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- c.now()
		return t
	}
	c.timers = append(c.timers, t)
	c.arm()
	return t
}

// arm sets the real timer for the earliest deadline, when the clock moves.
// c.mu is held.
func (c *simClock) arm() {
	if c.real != nil {
		c.real.Stop()
	}
	if !c.running || c.holds > 0 || len(c.timers) == 0 {
		return
	}
	next := c.timers[0].at
	for _, t := range c.timers[1:] {
		if t.at.Before(next) {
			next = t.at
		}
	}
	wait := time.Duration(math.Ceil(float64(next.Sub(c.now())) / c.speed))
	c.real = time.AfterFunc(max(wait, 0), c.fire)
}

// fire fires the timers that are due and arms the real timer for the next.
func (c *simClock) fire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.running || c.holds > 0 {
		return
	}
	now := c.now()
	keep := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(now) {
			keep = append(keep, t)
			continue
		}
		t.ch <- now
	}
	clear(c.timers[len(keep):])
	c.timers = keep
	c.arm()
}

type simTimer struct {
	c  *simClock
	at time.Time
	ch chan time.Time
}

func (t *simTimer) C() <-chan time.Time { return t.ch }

func (t *simTimer) Stop() bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	var ok bool
	c.timers, ok = removed(c.timers, t)
	return ok
}

// removed returns list without t, and whether t was in it.
func removed[T comparable](list []T, t T) ([]T, bool) {
	i := slices.Index(list, t)
	if i < 0 {
		return list, false
	}
	return slices.Delete(list, i, i+1), true
}

// ManualClock is a clock for tests: it stands still until Set or Advance
// moves it, and its timers fire when it is moved to or past their deadline.
// Waiting reports the pending timers, so a test can step a runner through a
// whole timeline without real waiting. The zero value reads the zero time;
// use NewManualClock.
type ManualClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*manualTimer
	changed chan struct{} // closed and replaced when a timer is added
}

// NewManualClock returns a ManualClock reading now.
func NewManualClock(now time.Time) *ManualClock {
	return &ManualClock{now: now, changed: make(chan struct{})}
}

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer that fires when the clock reaches Now()+d; at
// once when d <= 0.
func (c *ManualClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.changed == nil {
		c.changed = make(chan struct{})
	}
	t := &manualTimer{c: c, at: c.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- c.now
		return t
	}
	c.timers = append(c.timers, t)
	close(c.changed)
	c.changed = make(chan struct{})
	return t
}

// Set moves the clock to t (never backwards) and fires the timers due by then.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	keep := c.timers[:0]
	for _, tm := range c.timers {
		if !tm.at.After(c.now) {
			tm.ch <- c.now
			continue
		}
		keep = append(keep, tm)
	}
	clear(c.timers[len(keep):])
	c.timers = keep
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Waiting returns the number of pending timers, the earliest deadline among
// them, and a channel closed when a timer is next added.
func (c *ManualClock) Waiting() (n int, next time.Time, changed <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.changed == nil {
		c.changed = make(chan struct{})
	}
	ats := make([]time.Time, 0, len(c.timers))
	for _, t := range c.timers {
		ats = append(ats, t.at)
	}
	sort.Slice(ats, func(i, j int) bool { return ats[i].Before(ats[j]) })
	if len(ats) > 0 {
		next = ats[0]
	}
	return len(ats), next, c.changed
}

type manualTimer struct {
	c  *ManualClock
	at time.Time
	ch chan time.Time
}

func (t *manualTimer) C() <-chan time.Time { return t.ch }

func (t *manualTimer) Stop() bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	var ok bool
	c.timers, ok = removed(c.timers, t)
	return ok
}
