package schedule

import "time"

// SetWall makes a simulated clock read real time from wall (for tests).
func SetWall(c Clock, wall func() time.Time) {
	sc := c.(*simClock)
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.wall = wall
}
