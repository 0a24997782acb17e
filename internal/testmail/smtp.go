// Package testmail runs in-process mail servers for tests: an SMTP server
// that records what it receives and injects faults on demand. It is imported
// only by _test.go files.
package testmail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From      string
	To        []string
	Data      []byte
	MessageID string // the Message-ID header, without <>
	At        time.Time
}

// Fault is an injected failure.
type Fault struct {
	// Code is the reply: 421, 451, 452, 550 or 554. 452 and 550 are answered
	// to RCPT, the others after DATA. 0 with Drop set drops the connection
	// in the middle of DATA.
	Code int
	Drop bool
	// Stall, with Code 0, reads the whole message and then answers nothing
	// for StallFor (default 5s), past the client's timeout, then 451.
	Stall    bool
	StallFor time.Duration
	// Times is how many times the fault fires for a recipient; 0 means always.
	Times int
}

// Options configure the server. The zero value accepts everything without AUTH.
type Options struct {
	// RequireAuth refuses MAIL before a successful AUTH. PLAIN checks
	// Username and Password, XOAUTH2 checks Username and Token.
	RequireAuth        bool
	Username, Password string
	Token              string
	// CheckToken, when set, replaces Token: AUTH offers XOAUTH2 and
	// OAUTHBEARER only, and accepts a token when CheckToken says it is
	// current (an AuthServer's Valid).
	CheckToken func(user, token string) bool

	// Faults by recipient address.
	Faults map[string]Fault
	// RandomFaults, when above 0, is the probability that a transaction gets
	// a fault drawn from RandomCodes (default 421, 451, 452, 550, 554 and a
	// drop), using a generator seeded with Seed.
	RandomFaults float64
	RandomCodes  []Fault
	Seed         uint64

	// TLS is "" (plain), "starttls" (STARTTLS offered) or "tls" (implicit
	// TLS), with a certificate for 127.0.0.1 signed by a test CA whose PEM
	// file is SMTP.CAFile.
	TLS string

	// Discard keeps only the envelope, Message-ID and time of each message,
	// not its bytes (benchmarks).
	Discard bool

	// Now is the clock of Message.At; default time.Now. A test that steps
	// the sender's clock gives the server the same one.
	Now func() time.Time
}

// SMTP is a recording SMTP server on 127.0.0.1.
type SMTP struct {
	Addr   string // host:port
	Host   string
	Port   int
	CAFile string // with Options.TLS: the test CA's certificate (PEM)

	opts Options
	srv  *smtp.Server

	mu       sync.Mutex
	msgs     []Message
	changed  chan struct{} // closed and replaced when msgs grows
	fired    map[string]int
	rnd      *rand.Rand
	authFail int
	closed   chan struct{} // closed when the test ends: stalls stop

	refuseFrom int // with refuseOn: messages beyond this count get 421
	refuseOn   bool
	refused    int
}

// NewSMTP starts a server on 127.0.0.1:0 and stops it at the end of the test.
func NewSMTP(tb testing.TB, opts Options) *SMTP {
	tb.Helper()
	s := &SMTP{opts: opts, changed: make(chan struct{}), fired: map[string]int{}, closed: make(chan struct{}),
		rnd: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))}
	if len(s.opts.RandomCodes) == 0 {
		s.opts.RandomCodes = []Fault{{Code: 421}, {Code: 451}, {Code: 452}, {Code: 550}, {Code: 554}, {Drop: true}}
	}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, conn: c}, nil
	}))
	s.srv.Domain = "testmail.local"
	s.srv.ErrorLog = log.New(io.Discard, "", 0) // dropped connections are expected here
	s.srv.AllowInsecureAuth = true
	s.srv.MaxMessageBytes = 64 << 20
	s.srv.MaxRecipients = 100
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	if opts.TLS != "" {
		tc, caFile := testTLS(tb)
		s.CAFile = caFile
		s.srv.TLSConfig = tc
		if opts.TLS == "tls" {
			l = tls.NewListener(l, tc)
		}
	}
	s.Addr = l.Addr().String()
	s.Host = "127.0.0.1"
	s.Port = l.Addr().(*net.TCPAddr).Port
	go s.srv.Serve(l)
	tb.Cleanup(func() { close(s.closed); s.srv.Close() })
	return s
}

// Messages returns a copy of what was accepted so far, in order.
func (s *SMTP) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Count returns how many messages were accepted.
func (s *SMTP) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// AuthFailures returns how many AUTH attempts failed.
func (s *SMTP) AuthFailures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authFail
}

// WaitFor waits until at least n messages were accepted, ctx is done or the
// timeout passes.
func (s *SMTP) WaitFor(ctx context.Context, n int, timeout time.Duration) error {
	return s.waitUntil(ctx, timeout, "messages", func() int { return len(s.msgs) }, n)
}

// RefuseAfter makes the server answer 421 (after DATA) to every message
// once n messages have been accepted, as a server going down in the middle
// of a batch; n < 0 accepts again.
func (s *SMTP) RefuseAfter(n int) {
	s.mu.Lock()
	s.refuseFrom, s.refuseOn = n, n >= 0
	s.mu.Unlock()
}

// WaitRefused waits until at least n messages were refused by RefuseAfter,
// ctx is done or the timeout passes.
func (s *SMTP) WaitRefused(ctx context.Context, n int, timeout time.Duration) error {
	return s.waitUntil(ctx, timeout, "refusals", func() int { return s.refused }, n)
}

func (s *SMTP) waitUntil(ctx context.Context, timeout time.Duration, what string, count func() int, n int) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		s.mu.Lock()
		got, ch := count(), s.changed
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("testmail: %d of %d %s: %w", got, n, what, ctx.Err())
		}
	}
}

func (s *SMTP) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// record keeps m, or refuses it (false) when RefuseAfter says so.
func (s *SMTP) record(m Message) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok := !s.refuseOn || len(s.msgs) < s.refuseFrom
	if ok {
		s.msgs = append(s.msgs, m)
	} else {
		s.refused++
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return ok
}

// fault returns the fault for rcpt at stage ("rcpt" or "data"), counting it.
func (s *SMTP) fault(rcpts []string, stage string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rcpts {
		f, ok := s.opts.Faults[strings.ToLower(r)]
		if !ok || faultStage(f) != stage {
			continue
		}
		if f.Times > 0 && s.fired[r] >= f.Times {
			continue
		}
		s.fired[r]++
		return &f
	}
	if s.opts.RandomFaults > 0 && stage == "data" && s.rnd.Float64() < s.opts.RandomFaults {
		f := s.opts.RandomCodes[s.rnd.IntN(len(s.opts.RandomCodes))]
		return &f
	}
	return nil
}

func faultStage(f Fault) string {
	if f.Code == 452 || f.Code == 550 {
		return "rcpt"
	}
	return "data"
}

func reply(code int) error {
	texts := map[int]string{
		421: "4.3.2 Service shutting down, try again later",
		451: "4.3.0 Local error in processing",
		452: "4.5.3 Too many recipients, try again later",
		550: "5.1.1 Mailbox unavailable: no such user",
		554: "5.7.1 Message rejected as spam",
	}
	var esc smtp.EnhancedCode
	fmt.Sscanf(texts[code], "%d.%d.%d", &esc[0], &esc[1], &esc[2])
	return &smtp.SMTPError{Code: code, EnhancedCode: esc, Message: texts[code][6:]}
}

type session struct {
	s      *SMTP
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (se *session) AuthMechanisms() []string {
	if !se.s.opts.RequireAuth {
		return nil
	}
	if se.s.opts.CheckToken != nil {
		return []string{"XOAUTH2", sasl.OAuthBearer}
	}
	return []string{sasl.Plain, "XOAUTH2"}
}

// tokenOK checks an OAuth2 bearer token for user.
func (se *session) tokenOK(user, token string) bool {
	o := se.s.opts
	if o.CheckToken != nil {
		return o.CheckToken(user, token)
	}
	return user == o.Username && token == o.Token
}

var errBadCredentials = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}

func (se *session) Auth(mech string) (sasl.Server, error) {
	o := se.s.opts
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if o.CheckToken != nil || username != o.Username || password != o.Password {
				se.s.mu.Lock()
				se.s.authFail++
				se.s.mu.Unlock()
				return errBadCredentials
			}
			se.authed = true
			return nil
		}), nil
	case "XOAUTH2":
		return xoauth2Server(func(user, token string) error {
			if !se.tokenOK(user, token) {
				se.s.mu.Lock()
				se.s.authFail++
				se.s.mu.Unlock()
				return errBadCredentials
			}
			se.authed = true
			return nil
		}), nil
	case sasl.OAuthBearer:
		if o.CheckToken == nil {
			break
		}
		return sasl.NewOAuthBearerServer(func(opts sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if !se.tokenOK(opts.Username, opts.Token) {
				se.s.mu.Lock()
				se.s.authFail++
				se.s.mu.Unlock()
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			se.authed = true
			return nil
		}), nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.opts.RequireAuth && !se.authed {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if f := se.s.fault([]string{to}, "rcpt"); f != nil {
		return reply(f.Code)
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	f := se.s.fault(se.to, "data")
	if f != nil && f.Drop {
		io.ReadFull(r, make([]byte, 512))
		se.conn.Conn().Close()
		return errors.New("connection dropped by the test server")
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if f != nil && f.Stall {
		d := f.StallFor
		if d == 0 {
			d = 5 * time.Second
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-se.s.closed:
			t.Stop()
		}
		return reply(451)
	}
	if f != nil {
		return reply(f.Code)
	}
	m := Message{From: se.from, To: append([]string(nil), se.to...), Data: data, MessageID: messageID(data), At: se.s.now()}
	if se.s.opts.Discard {
		m.Data = nil
	}
	if !se.s.record(m) {
		return reply(421)
	}
	return nil
}

func (se *session) Reset() { se.from, se.to = "", nil }

func (se *session) Logout() error { return nil }

// messageID returns the Message-ID header's value without <>.
func messageID(data []byte) string {
	hdr := data
	if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 {
		hdr = data[:i]
	}
	for _, line := range bytes.Split(hdr, []byte("\r\n")) {
		if len(line) > 11 && strings.EqualFold(string(line[:11]), "message-id:") {
			return strings.Trim(strings.TrimSpace(string(line[11:])), "<>")
		}
	}
	return ""
}

// xoauth2Server checks the initial response "user=U\x01auth=Bearer T\x01\x01".
type xoauth2Server func(user, token string) error

func (f xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if resp == nil {
		return []byte{}, false, nil
	}
	var user, token string
	for _, kv := range strings.Split(string(resp), "\x01") {
		switch {
		case strings.HasPrefix(kv, "user="):
			user = kv[5:]
		case strings.HasPrefix(kv, "auth=Bearer "):
			token = kv[12:]
		}
	}
	if err := f(user, token); err != nil {
		return nil, true, err
	}
	return nil, true, nil
}
