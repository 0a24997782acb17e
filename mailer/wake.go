package mailer

// Wake tells a running Run that new messages were recorded (by Enqueue or
// EnqueueTx from elsewhere), so it sends them now instead of at its next
// retry time. It never blocks.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
