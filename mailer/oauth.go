package mailer

import (
	"context"
	"errors"
	"net/textproto"

	"github.com/wneessen/go-mail/smtp"
)

// dial opens one SMTP connection (dialOnce). With a token source (auth
// oauth2), an AUTH the server refuses reports the token to the source,
// which refreshes it, and the connection is tried once more.
func (s *Sender) dial(ctx context.Context) (*smtp.Client, error) {
	var used string
	c, err := s.dialOnce(ctx, &used)
	src := s.opts.Server.Secret.Source
	if err == nil || src == nil || !authRefused(err) || ctx.Err() != nil {
		return c, err
	}
	src.Refused(used)
	return s.dialOnce(ctx, &used)
}

// authRefused reports whether err is the server refusing AUTH (RFC 4954:
// 535 credentials invalid, 534 mechanism too weak, 530 authentication
// required; 454 temporary failure).
func authRefused(err error) bool {
	var tp *textproto.Error
	if !errors.As(err, &tp) {
		return false
	}
	switch tp.Code {
	case 530, 534, 535, 454:
		return true
	}
	return false
}

// AuthRefused reports whether err, from Drain or Run, is the SMTP server
// refusing convene's login.
func AuthRefused(err error) bool { return authRefused(err) }
