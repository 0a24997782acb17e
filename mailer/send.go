package mailer

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"os"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"golang.org/x/time/rate"

	"convene/meeting"
	"convene/store"
)

// Options configure a Sender. Zero fields take the defaults noted.
type Options struct {
	Server meeting.Server // Security tls, starttls or none (loopback only); Auth password, xoauth2 or none

	Concurrency         int // SMTP connections in parallel; default 4
	RatePerMinute       int // messages per minute over all connections; 0: unlimited
	DomainRatePerMinute int // messages per minute to one recipient domain; 0: unlimited
	MaxAttempts         int // attempts before a temporary failure becomes permanent; default 8

	Timeout time.Duration // per SMTP command and for dialing; default 30s
	// RetryDelay is the wait before the first retry, doubled at each
	// further attempt (with jitter) up to MaxRetryDelay. Defaults 1m and 1h.
	RetryDelay, MaxRetryDelay time.Duration
	// ClaimSize is how many messages one claim transaction takes; default 4 per connection.
	ClaimSize int
	HELO      string // EHLO name; default the host name
	// NoPipelining sends MAIL, RCPT and DATA one at a time even when the
	// server offers PIPELINING (RFC 2920).
	NoPipelining bool

	TLSConfig *tls.Config // nil: system roots plus Server.CAFile, ServerName = Server.Host
	Logger    *slog.Logger
	Now       func() time.Time
	// NewTimer starts a timer on the clock of Now, for the wait until the
	// next retry; default time.NewTimer. With a simulated Now (convene run
	// --clock-speed, the demo) a retry's back-off is simulated time too.
	NewTimer func(time.Duration) (c <-chan time.Time, stop func() bool)
	// Progress, if set, is called after each group of results is recorded,
	// from one goroutine at a time.
	Progress func(Progress)
}

// Progress is what a progress bar shows.
type Progress struct {
	Sent, Failed, Retried int     // results recorded by this Drain or Run
	Pending               int     // messages of the batch still queued, in flight or waiting for a retry, at the start
	Rate                  float64 // messages sent per second since the start
	Elapsed               time.Duration
}

// Report is the outcome of a Drain.
type Report struct {
	Sent, Failed, Retried int // results recorded (Retried: temporary failures, each retried later)
	Pending               int // messages left unfinished (only when ctx ended first)
	Requeued              int // messages found in sending at startup and sent again (see store.RequeueSending)
	Elapsed               time.Duration
}

// SendError is a failed SMTP transaction or connection, translated from
// go-mail and net/textproto at the edge of this package.
type SendError struct {
	Code  int    // SMTP reply code, 0 when the connection failed
	Reply string // the server's reply ("550 5.1.1 ..."), or the connection error
	Temp  bool
	Err   error
}

func (e *SendError) Error() string   { return "mailer: " + e.Reply }
func (e *SendError) Unwrap() error   { return e.Err }
func (e *SendError) Temporary() bool { return e.Temp }

// translate classifies an error of an SMTP transaction: 4xx replies and
// broken connections are temporary, 5xx replies permanent.
func translate(err error) *SendError {
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return &SendError{Code: tp.Code, Reply: fmt.Sprintf("%d %s", tp.Code, tp.Msg), Temp: tp.Code < 500, Err: err}
	}
	var ge *gomail.SendError
	if errors.As(err, &ge) {
		return &SendError{Code: ge.ErrorCode(), Reply: ge.Error(), Temp: ge.IsTemp(), Err: err}
	}
	return &SendError{Reply: err.Error(), Temp: true, Err: err}
}

// fatalDial reports whether a failure to connect is a configuration problem
// (TLS, authentication) that retrying cannot fix: Drain stops with it.
func fatalDial(err error) bool {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code >= 500
	}
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return false
	}
	return true
}

// Sender sends the outbox. Its methods are safe for concurrent use, but only
// one Sender (one process) may send from a store at a time.
type Sender struct {
	db       *store.DB
	opts     Options
	log      *slog.Logger
	clientOp []gomail.Option
	global   *rate.Limiter
	domains  sync.Map // domain -> *rate.Limiter

	// The clock of the rate limiters: real time, whatever Options.Now says
	// (a simulated day must not let a day's worth of mail through a real
	// server in a second). Tests step it with SetLimitClock.
	limitNow   func() time.Time
	limitTimer func(time.Duration) (<-chan time.Time, func() bool)

	recover sync.Once
	requeue int
	wake    chan struct{}
}

// New checks opts and prepares the SMTP client options. It reads
// Server.CAFile but does no network I/O.
func New(db *store.DB, opts Options) (*Sender, error) {
	if db == nil {
		return nil, errors.New("mailer: no store")
	}
	srv := opts.Server
	if srv.Host == "" {
		return nil, errors.New("mailer: no SMTP host")
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = time.Minute
	}
	if opts.MaxRetryDelay <= 0 {
		opts.MaxRetryDelay = time.Hour
	}
	if opts.ClaimSize <= 0 {
		opts.ClaimSize = 4 * opts.Concurrency
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewTimer == nil {
		opts.NewTimer = func(d time.Duration) (<-chan time.Time, func() bool) {
			t := time.NewTimer(d)
			return t.C, t.Stop
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	port := srv.Port
	if port == 0 {
		port = 587
		if srv.Security == meeting.SecurityTLS {
			port = 465
		}
	}
	tc := opts.TLSConfig
	if tc == nil {
		tc = &tls.Config{ServerName: srv.Host, MinVersion: tls.VersionTLS12}
		if srv.CAFile != "" {
			pem, err := os.ReadFile(srv.CAFile)
			if err != nil {
				return nil, fmt.Errorf("mailer: ca file: %w", err)
			}
			pool, err := x509.SystemCertPool()
			if err != nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("mailer: ca file %s: no PEM certificate", srv.CAFile)
			}
			tc.RootCAs = pool
		}
	}
	co := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(opts.Timeout), gomail.WithTLSConfig(tc)}
	if opts.HELO != "" {
		co = append(co, gomail.WithHELO(opts.HELO))
	}
	switch srv.Security {
	case meeting.SecurityTLS, "":
		co = append(co, gomail.WithSSL())
	case meeting.SecurityStartTLS:
		co = append(co, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case meeting.SecurityNone:
		if !isLoopback(srv.Host) {
			return nil, fmt.Errorf("mailer: security none (cleartext) is only allowed to a loopback host, not %q", srv.Host)
		}
		co = append(co, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		return nil, fmt.Errorf("mailer: unknown security %q", srv.Security)
	}
	switch srv.Auth {
	case meeting.AuthNone, "":
	case meeting.AuthPassword, meeting.AuthXOAUTH2, meeting.AuthOAuth2:
		if srv.Username == "" || srv.Secret.IsZero() {
			return nil, fmt.Errorf("mailer: auth %s needs a username and a secret", srv.Auth)
		}
		mech := gomail.SMTPAuthAutoDiscover
		switch {
		case srv.Auth == meeting.AuthXOAUTH2 || srv.Auth == meeting.AuthOAuth2:
			mech = gomail.SMTPAuthXOAUTH2
		case srv.Security == meeting.SecurityNone:
			mech = gomail.SMTPAuthPlainNoEnc // loopback only, checked above
		}
		co = append(co, gomail.WithSMTPAuth(mech), gomail.WithUsername(srv.Username))
	default:
		return nil, fmt.Errorf("mailer: unknown auth %q", srv.Auth)
	}
	if _, err := gomail.NewClient(srv.Host, co...); err != nil {
		return nil, fmt.Errorf("mailer: %w", err)
	}
	s := &Sender{db: db, opts: opts, clientOp: co, wake: make(chan struct{}, 1),
		log: opts.Logger.With("component", "mailer"), limitNow: time.Now, limitTimer: realTimer}
	s.global = limiter(opts.RatePerMinute, opts.Concurrency)
	return s, nil
}

// limiter returns a token bucket for perMinute messages, or nil for no limit.
// The burst is one second's worth, at least 1 and at most concurrency.
func limiter(perMinute, concurrency int) *rate.Limiter {
	if perMinute <= 0 {
		return nil
	}
	burst := max(1, min(concurrency, perMinute/60))
	return rate.NewLimiter(rate.Limit(float64(perMinute)/60), burst)
}

func (s *Sender) domainLimiter(domain string) *rate.Limiter {
	if s.opts.DomainRatePerMinute <= 0 {
		return nil
	}
	if l, ok := s.domains.Load(domain); ok {
		return l.(*rate.Limiter)
	}
	l, _ := s.domains.LoadOrStore(domain, limiter(s.opts.DomainRatePerMinute, s.opts.Concurrency))
	return l.(*rate.Limiter)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Enqueue records msgs (see the package function Enqueue) and wakes Run.
func (s *Sender) Enqueue(ctx context.Context, b Batch, msgs []Outgoing) (int, error) {
	n, err := Enqueue(ctx, s.db, b, msgs)
	if n > 0 {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return n, err
}

// startup requeues what a crashed process left in sending, once per Sender.
func (s *Sender) startup(ctx context.Context) error {
	var err error
	s.recover.Do(func() {
		s.requeue, err = s.db.RequeueSending(ctx)
		if s.requeue > 0 {
			s.log.Warn("requeued messages left in sending by an interrupted run; they are sent again with the same Message-ID", "count", s.requeue)
		}
	})
	return err
}

// Drain sends the due messages of batch ("" for the whole outbox) until none
// is left queued, in flight or waiting for a retry: every message is then
// sent or failed permanently. Temporary failures are retried after their
// backoff, so Drain may wait. When ctx ends, Drain takes no new message,
// finishes the SMTP transactions under way, records them and returns
// ctx's error with the counts so far. Drain returns early with an error when
// the server cannot be used at all (TLS or authentication refused).
func (s *Sender) Drain(ctx context.Context, batch string) (Report, error) {
	return s.loop(ctx, batch, false)
}

// Run sends the whole outbox as a daemon: it drains, then sleeps until
// Enqueue wakes it or the next retry is due. When ctx ends it takes no new
// work, finishes the SMTP transactions under way and returns nil.
func (s *Sender) Run(ctx context.Context) error {
	_, err := s.loop(ctx, "", true)
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil
	}
	return err
}
