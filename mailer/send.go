package mailer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/textproto"
	"os"
	"sync"
	"sync/atomic"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
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
	case meeting.AuthPassword, meeting.AuthXOAUTH2:
		if srv.Username == "" || srv.Secret.IsZero() {
			return nil, fmt.Errorf("mailer: auth %s needs a username and a secret", srv.Auth)
		}
		mech := gomail.SMTPAuthAutoDiscover
		switch {
		case srv.Auth == meeting.AuthXOAUTH2:
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
		log: opts.Logger.With("component", "mailer")}
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

// A run is one Drain or Run. A coordinator (the caller's goroutine) is the
// only writer: in one transaction it records the results that arrived and
// claims due messages for the workers (store.SettleOutbox), so a commit
// covers several connections' results and nobody waits on SQLite's lock.
// Each worker owns one SMTP connection.
type run struct {
	s       *Sender
	ctx     context.Context // cancelled by the caller: no new work
	work    chan store.OutboxClaim
	results chan *result
	start   time.Time
	pending int

	fatal  error // set by the coordinator, or by a worker before it reports
	fatalM sync.Mutex
	failed atomic.Bool

	sent, perm, retried int // coordinator only
}

type result struct {
	r   store.OutboxResult
	ack chan error // receives the commit's outcome
}

func (s *Sender) loop(ctx context.Context, batch string, daemon bool) (Report, error) {
	if err := s.startup(ctx); err != nil {
		return Report{}, err
	}
	r := &run{s: s, ctx: ctx, work: make(chan store.OutboxClaim, s.opts.ClaimSize),
		results: make(chan *result, 2*s.opts.Concurrency), start: s.opts.Now()}
	r.pending, _, _ = s.db.OutboxPending(ctx, batch)
	var workers sync.WaitGroup
	for i := range s.opts.Concurrency {
		workers.Go(func() { r.worker(i) })
	}
	go func() {
		workers.Wait()
		close(r.results)
	}()
	err := r.coordinate(batch, daemon)

	rep := Report{Sent: r.sent, Failed: r.perm, Retried: r.retried, Requeued: s.requeue, Elapsed: s.opts.Now().Sub(r.start)}
	rep.Pending, _, _ = s.db.OutboxPending(context.WithoutCancel(ctx), batch)
	if r.fatal != nil {
		return rep, r.fatal
	}
	if err != nil {
		return rep, err
	}
	s.log.Info("outbox drained", "batch", batch, "sent", rep.Sent, "failed", rep.Failed, "retried", rep.Retried,
		"elapsed", rep.Elapsed.Round(time.Millisecond))
	return rep, nil
}

func (r *run) setFatal(err error) {
	r.fatalM.Lock()
	if r.fatal == nil {
		r.fatal = err
	}
	r.fatalM.Unlock()
	r.failed.Store(true)
}

// coordinate records results and hands out claims until nothing is left
// (Drain), ctx ends or a fatal error; then it closes the work channel and
// keeps recording until every worker has reported.
func (r *run) coordinate(batch string, daemon bool) error {
	s := r.s
	db := context.WithoutCancel(r.ctx) // results are recorded even after ctx ends
	var stopErr error
	stopping, idle := false, false
	stop := func(err error) {
		if !stopping {
			stopping, stopErr = true, err
			close(r.work)
		}
	}
	group := make([]*result, 0, 64)
	gt := time.NewTimer(time.Hour)
	gt.Stop()
	rs := make([]store.OutboxResult, 0, 64)
	for {
		group = group[:0]
		if stopping || idle || len(r.work) > cap(r.work)/2 {
			// Nothing to claim now: wait for an event.
			var timer <-chan time.Time
			var t *time.Timer
			if idle && !stopping {
				n, next, err := s.db.OutboxPending(db, batch)
				if err != nil {
					r.setFatal(err)
					stop(nil)
					continue
				}
				if n == 0 && !daemon {
					stop(nil)
					continue
				}
				if !next.IsZero() {
					t = time.NewTimer(max(next.Sub(s.opts.Now()), time.Millisecond))
					timer = t.C
				}
			}
			var done <-chan struct{}
			var wake chan struct{}
			if !stopping {
				done, wake = r.ctx.Done(), s.wake
			}
			select {
			case x, ok := <-r.results:
				if !ok {
					return stopErr
				}
				group = append(group, x)
			case <-done:
				stop(r.ctx.Err())
			case <-wake:
				idle = false
			case <-timer:
				idle = false
			}
			if t != nil {
				t.Stop()
			}
		}
		// Gather the results that are ready; once there is one, wait a
		// little (groupWait) for the other connections' results, so one
		// commit records several: a commit costs far more than a row.
		var deadline <-chan time.Time
	gather:
		for len(group) < cap(group) {
			if len(group) >= s.opts.Concurrency || stopping {
				deadline = nil
			} else if len(group) > 0 && deadline == nil {
				gt.Reset(groupWait)
				deadline = gt.C
			}
			select {
			case x, ok := <-r.results:
				if !ok {
					break gather // seen again at the blocking receive
				}
				group = append(group, x)
				continue
			default:
			}
			if deadline == nil {
				break
			}
			select {
			case x, ok := <-r.results:
				if !ok {
					break gather
				}
				group = append(group, x)
			case <-deadline:
				break gather
			}
		}
		gt.Stop()
		limit := 0 // claim in chunks, when the workers have used half of the last one
		if !stopping && !idle && !r.failed.Load() && len(r.work) <= cap(r.work)/2 {
			limit = cap(r.work) - len(r.work)
		}
		if len(group) == 0 && limit == 0 {
			continue
		}
		rs = rs[:0]
		for _, g := range group {
			rs = append(rs, g.r)
		}
		claims, err := s.db.SettleOutbox(db, rs, batch, limit, s.opts.Now())
		if err != nil {
			r.setFatal(fmt.Errorf("mailer: record results: %w", err))
		} else {
			for _, g := range group {
				switch g.r.State {
				case store.OutboxSent:
					r.sent++
				case store.OutboxFailed:
					r.perm++
				case store.OutboxRetry:
					r.retried++
				}
			}
		}
		for _, g := range group {
			g.ack <- err
		}
		if len(group) > 0 && s.opts.Progress != nil {
			p := Progress{Sent: r.sent, Failed: r.perm, Retried: r.retried, Pending: r.pending, Elapsed: s.opts.Now().Sub(r.start)}
			if p.Elapsed > 0 {
				p.Rate = float64(p.Sent) / p.Elapsed.Seconds()
			}
			s.opts.Progress(p)
		}
		for _, c := range claims {
			r.work <- c // limit was the room left: never blocks
		}
		if limit > 0 {
			idle = len(claims) == 0
		}
		if len(group) > 0 {
			idle = false // a retry may have become due sooner, or in-flight work ended
		}
		if r.failed.Load() {
			stop(nil)
		}
	}
}

// worker sends claims over one SMTP connection, reconnecting after errors.
//
// The duplicate window: a message the server accepted (250 after the final
// dot) whose result is not yet committed is sent again after a crash. A
// worker waits for the previous message's result to be committed before it
// sends the next final dot, so at most one message per worker, at most
// Concurrency in all, is in that window; its copies share the Message-ID.
func (r *run) worker(id int) {
	s := r.s
	log := s.log.With("worker", id)
	var conn *smtp.Client
	var buf []byte      // the message being sent; reused
	var prev chan error // the previous result's commit
	waitPrev := func() error {
		if prev == nil {
			return nil
		}
		err := <-prev
		prev = nil
		return err
	}
	defer func() {
		waitPrev()
		if conn != nil {
			conn.Quit()
		}
	}()
	release := func(c store.OutboxClaim) {
		prev = r.submit(store.OutboxResult{ID: c.ID, State: store.OutboxQueued, NextAttempt: s.opts.Now()})
	}
	for c := range r.work {
		if r.failed.Load() || r.ctx.Err() != nil {
			waitPrev()
			release(c)
			continue
		}
		if err := wait(r.ctx, s.global); err != nil {
			waitPrev()
			release(c)
			continue
		}
		if err := wait(r.ctx, s.domainLimiter(c.Domain)); err != nil {
			waitPrev()
			release(c)
			continue
		}
		if conn == nil {
			var err error
			conn, err = s.dial(r.ctx)
			if err != nil {
				conn = nil
				if fatalDial(err) {
					r.setFatal(fmt.Errorf("mailer: connect to %s: %w", s.opts.Server.Addr(), err))
					waitPrev()
					release(c)
					continue
				}
				log.Warn("connect failed", "err", err)
				if e := waitPrev(); e != nil {
					release(c)
					continue
				}
				prev = r.submit(s.outcome(c, translate(err)))
				continue
			}
		}
		raw, err := s.db.OutboxBody(context.WithoutCancel(r.ctx), c.ID, buf)
		if err != nil {
			r.setFatal(err)
			waitPrev()
			release(c)
			continue
		}
		buf = raw
		err, broken := s.transact(conn, c, raw, waitPrev)
		if errors.Is(err, errCommit) {
			conn.Close()
			conn = nil
			release(c)
			continue
		}
		if broken {
			conn.Close()
			conn = nil
		}
		if err == nil {
			prev = r.submit(store.OutboxResult{ID: c.ID, State: store.OutboxSent})
			continue
		}
		se := translate(err)
		log.Info("send failed", "message_id", c.MessageID, "attempt", c.Attempts, "temporary", se.Temp, "reply", se.Reply)
		waitPrev()
		prev = r.submit(s.outcome(c, se))
	}
}

func (r *run) submit(res store.OutboxResult) chan error {
	x := &result{r: res, ack: make(chan error, 1)}
	r.results <- x
	return x.ack
}

// outcome turns a failure into a retry with backoff, or a permanent failure.
func (s *Sender) outcome(c store.OutboxClaim, se *SendError) store.OutboxResult {
	if !se.Temp || c.Attempts >= s.opts.MaxAttempts {
		return store.OutboxResult{ID: c.ID, State: store.OutboxFailed, Error: se.Reply}
	}
	return store.OutboxResult{ID: c.ID, State: store.OutboxRetry, Error: se.Reply,
		NextAttempt: s.opts.Now().Add(s.backoff(c.Attempts))}
}

// backoff is RetryDelay * 2^(attempt-1), capped at MaxRetryDelay, with
// jitter: a uniform pick in the upper half.
func (s *Sender) backoff(attempt int) time.Duration {
	d := s.opts.RetryDelay
	for i := 1; i < attempt && d < s.opts.MaxRetryDelay; i++ {
		d *= 2
	}
	d = min(d, s.opts.MaxRetryDelay)
	return d/2 + rand.N(d/2+1)
}

func wait(ctx context.Context, l *rate.Limiter) error {
	if l == nil {
		return nil
	}
	return l.Wait(ctx)
}

// dial opens one SMTP connection: TLS per Server.Security and AUTH with the
// secret resolved now (rotated OAuth2 tokens are picked up).
func (s *Sender) dial(ctx context.Context) (*smtp.Client, error) {
	c, err := gomail.NewClient(s.opts.Server.Host, s.clientOp...)
	if err != nil {
		return nil, err
	}
	if s.opts.Server.Auth == meeting.AuthPassword || s.opts.Server.Auth == meeting.AuthXOAUTH2 {
		secret, err := s.opts.Server.Secret.Resolve(ctx)
		if err != nil {
			return nil, &SendError{Reply: err.Error(), Err: err} // fatal: not a net.Error
		}
		c.SetPassword(secret)
	}
	return c.DialToSMTPClientWithContext(ctx)
}

// groupWait is how long the coordinator waits for more results before it
// commits the ones it has.
const groupWait = time.Millisecond

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
	wire := len(raw) > 0 && raw[0] != '.' && bytes.HasSuffix(raw, crlf) &&
		!bytes.Contains(raw, []byte("\n.")) && bytes.Count(raw, []byte("\n")) == bytes.Count(raw, crlf)
	if wire {
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
		if err := conn.Mail(c.From); err != nil {
			return fail(err)
		}
		for _, rc := range c.Recipients {
			if err := conn.Rcpt(rc); err != nil {
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
