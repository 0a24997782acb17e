package mailer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/textproto"
	"strings"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"convene/meeting"
	"convene/store"
)

// dialOnce opens one SMTP connection: TLS per Server.Security and AUTH with the
// secret resolved now (rotated OAuth2 tokens are picked up), noted in used.
func (s *Sender) dialOnce(ctx context.Context, used *string) (*smtp.Client, error) {
	c, err := gomail.NewClient(s.opts.Server.Host, s.clientOp...)
	if err != nil {
		return nil, err
	}
	if a := s.opts.Server.Auth; a == meeting.AuthPassword || a == meeting.AuthXOAUTH2 || a == meeting.AuthOAuth2 {
		secret, err := s.opts.Server.Secret.Resolve(ctx)
		if err != nil {
			return nil, &SendError{Reply: err.Error(), Err: err} // fatal: not a net.Error
		}
		c.SetPassword(secret)
		*used = secret
	}
	return c.DialToSMTPClientWithContext(ctx)
}

var errCommit = errors.New("mailer: previous result not recorded")

var crlf = []byte("\r\n")

// data sends DATA and the message, then waits for beforeDot before the
// final ".". A message that is already in wire form (CRLF line ends, no
// line starting with ".", as Render writes them) is written in one piece;
// others are dot-stuffed line by line (RFC 5321 §4.5.2). It uses go-mail's
// exported textproto connection: go-mail's DataCloser runs every byte
// through textproto's dot writer (a visible share of the CPU per message)
// and has no hook before the dot.
func data(conn *smtp.Client, raw []byte, beforeDot func() error) (err error, started bool) {
	tc := conn.Text
	id, err := tc.Cmd("DATA")
	if err != nil {
		return err, true // the connection failed
	}
	tc.StartResponse(id)
	_, _, err = tc.ReadResponse(354)
	tc.EndResponse(id)
	if err != nil {
		return err, false
	}
	return sendBody(tc, raw, beforeDot), true
}

// plainEnvelope reports whether the envelope can be written as is: ASCII
// addresses without line breaks or brackets (others go through go-mail's
// checks and SMTPUTF8 handling).
func plainEnvelope(c store.OutboxClaim) bool {
	ok := func(a string) bool {
		for i := 0; i < len(a); i++ {
			if b := a[i]; b <= ' ' || b >= 0x7f || b == '<' || b == '>' {
				return false
			}
		}
		return a != ""
	}
	if !ok(c.From) {
		return false
	}
	for _, r := range c.Recipients {
		if !ok(r) {
			return false
		}
	}
	return true
}

// envelopePath writes an address as an RFC 5321 path, in angle brackets. go-mail's
// smtp.Client writes what it is given after "MAIL FROM:" and "RCPT TO:" as
// it is (go-mail's own Client brackets the addresses before calling it).
func envelopePath(addr string) string {
	if strings.HasPrefix(addr, "<") && strings.HasSuffix(addr, ">") {
		return addr
	}
	return "<" + addr + ">"
}

// pipelined sends MAIL, RCPT and DATA in one write (RFC 2920) and reads
// their replies, then the body. started reports that DATA was accepted.
func pipelined(tc *textproto.Conn, c store.OutboxClaim, raw []byte, beforeDot func() error) (err error, started, broken bool) {
	w := tc.W
	w.WriteString("MAIL FROM:<")
	w.WriteString(c.From)
	w.WriteString(">\r\n")
	for _, r := range c.Recipients {
		w.WriteString("RCPT TO:<")
		w.WriteString(r)
		w.WriteString(">\r\n")
	}
	w.WriteString("DATA\r\n")
	if err := w.Flush(); err != nil {
		return err, false, true
	}
	_, _, first := tc.ReadResponse(250)
	for range c.Recipients {
		if _, _, err := tc.ReadResponse(25); err != nil && first == nil {
			first = err
		}
	}
	_, _, dataErr := tc.ReadResponse(354)
	var tp *textproto.Error
	for _, e := range []error{first, dataErr} {
		if e != nil && !errors.As(e, &tp) {
			return e, false, true // the connection failed
		}
	}
	switch {
	case first != nil && dataErr == nil:
		// A recipient was refused but the server wants the message: the
		// only way out without sending it is to drop the connection.
		return first, false, true
	case first != nil:
		return first, false, false
	case dataErr != nil:
		return dataErr, false, false
	}
	return sendBody(tc, raw, beforeDot), true, false
}

func sendBody(tc *textproto.Conn, raw []byte, beforeDot func() error) error {
	if wireForm(raw) {
		if _, err := tc.W.Write(raw); err != nil {
			return err
		}
	} else if err := writeStuffed(tc.W, raw); err != nil {
		return err
	}
	if err := beforeDot(); err != nil {
		tc.W.Flush()
		return errCommit
	}
	if _, err := tc.W.WriteString(".\r\n"); err != nil {
		return err
	}
	if err := tc.W.Flush(); err != nil {
		return err
	}
	_, _, err := tc.ReadResponse(250)
	return err
}

// transact runs one SMTP transaction with the stored bytes. Before the
// final dot it calls beforeDot, which waits for the previous result to be
// recorded (see worker). broken reports that the connection cannot be reused.
func (s *Sender) transact(conn *smtp.Client, c store.OutboxClaim, raw []byte, beforeDot func() error) (_ error, broken bool) {
	if err := conn.UpdateDeadline(s.opts.Timeout); err != nil {
		return err, true
	}
	fail := func(err error) (error, bool) {
		var tp *textproto.Error
		if !errors.As(err, &tp) || tp.Code == 421 {
			return err, true
		}
		if rerr := conn.Reset(); rerr != nil {
			return err, true
		}
		return err, false
	}
	var err2 error
	var started bool
	if pipe, _ := conn.Extension("PIPELINING"); pipe && !s.opts.NoPipelining && plainEnvelope(c) {
		err2, started, broken = pipelined(conn.Text, c, raw, beforeDot)
		if err2 != nil && !started {
			if broken {
				return err2, true
			}
			return fail(err2)
		}
	} else {
		if err := conn.Mail(envelopePath(c.From)); err != nil {
			return fail(err)
		}
		for _, rc := range c.Recipients {
			if err := conn.Rcpt(envelopePath(rc)); err != nil {
				return fail(err)
			}
		}
		err2, started = data(conn, raw, beforeDot)
		if err2 != nil && !started {
			return fail(err2)
		}
	}
	if err := err2; err != nil {
		if errors.Is(err, errCommit) {
			return err, true // no dot: the server discards the message
		}
		var tp *textproto.Error
		if errors.As(err, &tp) && tp.Code != 421 {
			return err, false // the transaction is over; the connection stays usable
		}
		return err, true
	}
	return nil, false
}

// wireForm reports whether raw can follow DATA as it is: every line ends
// with CRLF (the last one too) and none starts with ".". One pass over the
// line ends: three scans of a 20 KB body (two counts and a search for
// "\n.") took 6.4 µs for a 20 KB message of 78-byte lines, this 2.5 µs.
func wireForm(raw []byte) bool {
	if len(raw) == 0 || raw[0] == '.' || !bytes.HasSuffix(raw, crlf) {
		return false
	}
	for i := 0; ; i++ {
		j := bytes.IndexByte(raw[i:], '\n')
		if j < 0 {
			return true
		}
		i += j
		if i == 0 || raw[i-1] != '\r' || i+1 < len(raw) && raw[i+1] == '.' {
			return false
		}
	}
}

// writeStuffed writes raw with CRLF line ends and a "." doubled at the
// start of each line.
func writeStuffed(w *bufio.Writer, raw []byte) error {
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line = raw[:i+1]
		}
		raw = raw[len(line):]
		if line[0] == '.' {
			w.WriteByte('.')
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		w.Write(line)
		if _, err := w.Write(crlf); err != nil {
			return err
		}
	}
	return nil
}
