package mailer

import "time"

// SetLimitClock makes s's rate limiters read now and wait with newTimer
// instead of real time, so that a test steps them without sleeping. Call it
// before the first Drain or Run.
func SetLimitClock(s *Sender, now func() time.Time, newTimer func(time.Duration) (<-chan time.Time, func() bool)) {
	s.limitNow, s.limitTimer = now, newTimer
}
