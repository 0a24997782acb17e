package mailer

import "context"

// Probe connects and authenticates as the Sender does (with a refreshed
// token if the first is refused), then says QUIT without sending. It is
// for convene check --connect.
func (s *Sender) Probe(ctx context.Context) error {
	c, err := s.dial(ctx)
	if err != nil {
		return translate(err)
	}
	return c.Quit()
}
