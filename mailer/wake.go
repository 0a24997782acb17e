package mailer

import "time"

// Wake tells a running Run that new messages were recorded (by Enqueue or
// EnqueueTx from elsewhere), so it sends them now instead of at its next
// retry time. It never blocks.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// idleCheck is how often an idle Run looks at the outbox for messages that
// another process recorded.
const idleCheck = 15 * time.Second
