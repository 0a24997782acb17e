package mailer

import (
	"context"
	"fmt"

	gomail "github.com/wneessen/go-mail"

	"convene/meeting"
	"convene/store"
)

// Check connects to the SMTP server as the sender does and reports each
// step to step (a description, and nil or what went wrong): the secret
// read, the connection with its TLS, the login. Nothing is sent; the
// connection ends with QUIT. It returns the first failure.
func Check(ctx context.Context, opts Options, step func(what string, err error)) error {
	// The store is not touched: a placeholder satisfies New.
	s, err := New(new(store.DB), opts)
	if err != nil {
		step("SMTP settings", err)
		return err
	}
	srv := opts.Server
	auth := srv.Auth == meeting.AuthPassword || srv.Auth == meeting.AuthXOAUTH2 || srv.Auth == meeting.AuthOAuth2
	if auth {
		if _, err := srv.Secret.Resolve(ctx); err != nil {
			step("SMTP secret ("+srv.Secret.Where()+")", err)
			return err
		}
		step("SMTP secret ("+srv.Secret.Where()+")", nil)
	}
	port := 587
	if srv.Port != 0 {
		port = srv.Port
	} else if srv.Security == meeting.SecurityTLS {
		port = 465
	}
	where := fmt.Sprintf("%s:%d (%s)", srv.Host, port, orNone(srv.Security))
	// First without logging in, so that a refused login is told apart
	// from an unreachable server or a TLS failure.
	plain, err := gomail.NewClient(srv.Host, append(append([]gomail.Option(nil), s.clientOp...), gomail.WithSMTPAuth(gomail.SMTPAuthNoAuth))...)
	if err != nil {
		step("SMTP connect to "+where, err)
		return err
	}
	c, err := plain.DialToSMTPClientWithContext(ctx)
	if err != nil {
		step("SMTP connect to "+where, err)
		return err
	}
	c.Quit()
	step("SMTP connect to "+where, nil)
	if !auth {
		return nil
	}
	c, err = s.dial(ctx)
	if err != nil {
		step("SMTP login as "+srv.Username+" ("+srv.Auth+")", err)
		return err
	}
	c.Quit()
	step("SMTP login as "+srv.Username+" ("+srv.Auth+")", nil)
	return nil
}

func orNone(s string) string {
	if s == "" {
		return meeting.SecurityTLS
	}
	return s
}
