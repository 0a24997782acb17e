package inbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"convene/meeting"
	"convene/store"
)

// Options configures a Watcher. The zero value of each field but Server means
// its default.
type Options struct {
	// Server is the IMAP server: host, port, security (tls, starttls, or none
	// to a loopback host only), username, auth (password, xoauth2 or none) and
	// the secret, resolved at each connection so rotated tokens are used.
	Server meeting.Server

	Mailbox   string // watched; default INBOX
	Processed string // where processed messages go; default Processed
	Review    string // where messages for a person go; default Review

	// TLSConfig overrides the TLS configuration (its ServerName defaults to
	// Server.Host); otherwise Server.CAFile, when set, adds roots.
	TLSConfig *tls.Config

	Poll        time.Duration // pass interval when the server lacks IDLE; default 1m
	IdleRestart time.Duration // IDLE is restarted after this long; default 9m
	MaxSize     int64         // larger messages are not fetched but go to review; default 25 MiB
	MaxFailures int           // handler failures before a message goes to review; default 3

	// Backoff is the first wait before reconnecting (default 1s); it doubles
	// up to MaxBackoff (default 5m), with jitter.
	Backoff, MaxBackoff time.Duration

	// Chunk is how many messages are fetched, committed and moved together;
	// default 500.
	Chunk int

	// Prepare, when set, is called on every fetched message before its
	// chunk's transaction, on several messages at once (one goroutine per
	// CPU), and its result reaches the handler as Fetched.Prepared. It must
	// have no effects: it is where the CPU-bound parsing goes, so that it
	// runs in parallel and while the next chunk is being fetched.
	Prepare func(Fetched) any

	Logger *slog.Logger
	Now    func() time.Time
}

// Fetched is a message read from the watched mailbox.
type Fetched struct {
	Mailbox     string
	UIDValidity uint32
	UID         uint32
	MessageID   string // without angle brackets; empty when missing
	Size        int64
	Raw         []byte
	Prepared    any // what Options.Prepare returned, if set
}

// Disposition says where a handled message goes.
type Disposition int

const (
	Processed Disposition = iota // to Options.Processed
	Review                       // to Options.Review: a person must look
)

func (d Disposition) String() string {
	if d == Review {
		return store.InboxReview
	}
	return store.InboxProcessed
}

// Handler applies a message's effects inside tx. The watcher records the
// message's checkpoint in the same transaction and commits; only then is the
// message moved. A handler error rolls back its effects and leaves the
// message in the mailbox to be tried again (see Options.MaxFailures). Several
// messages may share a transaction, each within its own savepoint.
type Handler func(ctx context.Context, tx *store.Tx, m Fetched) (Disposition, error)

// Stats counts what a pass did.
type Stats struct {
	Seen       int // messages in the mailbox at the start of the pass
	Fetched    int // messages read whole
	Processed  int // handled, to the processed folder
	Review     int // handled or refused, to the review folder
	Duplicates int // already recorded (same UID or Message-ID): not handled again
	Failed     int // handler errors (left in the mailbox)
	TooLarge   int // larger than MaxSize: to review unread
	Moved      int // messages moved out of the mailbox
}

func (s *Stats) add(o Stats) {
	s.Seen += o.Seen
	s.Fetched += o.Fetched
	s.Processed += o.Processed
	s.Review += o.Review
	s.Duplicates += o.Duplicates
	s.Failed += o.Failed
	s.TooLarge += o.TooLarge
	s.Moved += o.Moved
}

// Watcher reads a mailbox, hands each new message to a Handler once, and
// moves it out after its effects are committed. Use either Run or Once: they
// exclude each other (Once waits until Run returns). Close may be called at
// any time. Protocol traces are never written: they would hold the secret.
type Watcher struct {
	db   *store.DB
	opts Options
	h    Handler
	log  *slog.Logger

	mu   sync.Mutex // held by Run and Once
	conn *conn

	wake chan struct{} // new mail announced by the server

	// afterCommit, when set (tests), runs after each checkpoint commit and
	// before the moves.
	afterCommit func()
	// afterPass, when set (tests), runs after each successful pass of Run.
	afterPass func(Stats)
}

// NewWatcher checks opts and returns a Watcher. It does no I/O.
func NewWatcher(db *store.DB, opts Options, h Handler) (*Watcher, error) {
	if db == nil || h == nil {
		return nil, errors.New("inbox: NewWatcher needs a store and a handler")
	}
	s := opts.Server
	if s.Host == "" {
		return nil, errors.New("inbox: no IMAP host")
	}
	if s.Port < 1 || s.Port > 65535 {
		return nil, fmt.Errorf("inbox: IMAP port %d", s.Port)
	}
	switch s.Security {
	case meeting.SecurityTLS, meeting.SecurityStartTLS:
	case meeting.SecurityNone:
		if !isLoopback(s.Host) {
			return nil, fmt.Errorf("inbox: security none (cleartext) is only allowed to a loopback host, not %q", s.Host)
		}
	default:
		return nil, fmt.Errorf("inbox: unknown security %q", s.Security)
	}
	switch s.Auth {
	case meeting.AuthPassword, meeting.AuthXOAUTH2, meeting.AuthOAuth2:
		if s.Username == "" {
			return nil, fmt.Errorf("inbox: auth %s needs a username", s.Auth)
		}
	case meeting.AuthNone:
	default:
		return nil, fmt.Errorf("inbox: unknown auth %q", s.Auth)
	}
	if opts.Mailbox == "" {
		opts.Mailbox = "INBOX"
	}
	if opts.Processed == "" {
		opts.Processed = "Processed"
	}
	if opts.Review == "" {
		opts.Review = "Review"
	}
	if opts.Processed == opts.Mailbox || opts.Review == opts.Mailbox {
		return nil, errors.New("inbox: the processed and review folders must differ from the watched mailbox")
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Minute
	}
	if opts.IdleRestart <= 0 {
		opts.IdleRestart = 9 * time.Minute
	}
	if opts.MaxSize <= 0 {
		opts.MaxSize = 25 << 20
	}
	if opts.MaxFailures <= 0 {
		opts.MaxFailures = 3
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	if opts.MaxBackoff < opts.Backoff {
		opts.MaxBackoff = opts.Backoff
	}
	if opts.Chunk <= 0 {
		opts.Chunk = 500
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TLSConfig == nil && s.CAFile != "" && s.Security != meeting.SecurityNone {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return nil, fmt.Errorf("inbox: ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("inbox: ca_file %s: no PEM certificate", s.CAFile)
		}
		opts.TLSConfig = &tls.Config{RootCAs: pool}
	}
	lg := opts.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	return &Watcher{
		db: db, opts: opts, h: h,
		log:  lg.With("component", "inbox", "mailbox", opts.Mailbox),
		wake: make(chan struct{}, 1),
	}, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Close closes the connection Once keeps open between calls, if any.
func (w *Watcher) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dropConn()
	return nil
}

func (w *Watcher) dropConn() {
	if w.conn != nil {
		w.conn.c.Close()
		w.conn = nil
	}
}

// conn is one logged-in connection with the watched mailbox selected.
type conn struct {
	c           *imapclient.Client
	uidValidity uint32
	move        bool // MOVE (RFC 6851)
	uidPlus     bool // UIDPLUS (RFC 4315): UID EXPUNGE
	idle        bool
	folders     map[string]bool // known to exist
}

// connect dials, authenticates and selects the watched mailbox. A
// UIDVALIDITY change is logged and recorded: the next pass then rescans the
// mailbox, and Message-ID dedupe prevents double effects.
func (w *Watcher) connectOnce(ctx context.Context, used *string) (*conn, error) {
	s := w.opts.Server
	secret := ""
	if s.Auth != meeting.AuthNone {
		var err error
		if secret, err = s.Secret.Resolve(ctx); err != nil {
			return nil, fmt.Errorf("inbox: %w", err)
		}
		*used = secret
	}
	copts := &imapclient.Options{
		TLSConfig: w.tlsConfig(),
		Dialer:    &net.Dialer{Timeout: 30 * time.Second},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					w.notify()
				}
			},
		},
	}
	type result struct {
		c   *imapclient.Client
		err error
	}
	ch := make(chan result, 1)
	go func() {
		var c *imapclient.Client
		var err error
		switch s.Security {
		case meeting.SecurityTLS:
			c, err = imapclient.DialTLS(s.Addr(), copts)
		case meeting.SecurityStartTLS:
			c, err = imapclient.DialStartTLS(s.Addr(), copts)
		default:
			c, err = imapclient.DialInsecure(s.Addr(), copts)
		}
		ch <- result{c, err}
	}()
	var c *imapclient.Client
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, fmt.Errorf("inbox: connect %s: %w", s.Addr(), r.err)
		}
		c = r.c
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.c != nil {
				r.c.Close()
			}
		}()
		return nil, ctx.Err()
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	cn, err := w.login(c, secret)
	if err != nil {
		c.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return cn, nil
}

func (w *Watcher) tlsConfig() *tls.Config {
	cfg := w.opts.TLSConfig
	if cfg == nil {
		cfg = &tls.Config{}
	}
	cfg = cfg.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = w.opts.Server.Host
	}
	return cfg
}

func (w *Watcher) login(c *imapclient.Client, secret string) (*conn, error) {
	s := w.opts.Server
	if err := c.WaitGreeting(); err != nil {
		return nil, fmt.Errorf("inbox: greeting: %w", err)
	}
	switch s.Auth {
	case meeting.AuthXOAUTH2, meeting.AuthOAuth2:
		if err := c.Authenticate(newXOAUTH2Client(s.Username, secret)); err != nil {
			return nil, authError{fmt.Errorf("inbox: AUTHENTICATE XOAUTH2 as %s: %w", s.Username, err)}
		}
	case meeting.AuthPassword:
		if c.Caps().Has(imap.AuthCap(sasl.Plain)) {
			if err := c.Authenticate(sasl.NewPlainClient("", s.Username, secret)); err != nil {
				return nil, authError{fmt.Errorf("inbox: AUTHENTICATE PLAIN as %s: %w", s.Username, err)}
			}
		} else if err := c.Login(s.Username, secret).Wait(); err != nil {
			return nil, authError{fmt.Errorf("inbox: LOGIN as %s: %w", s.Username, err)}
		}
	}
	// No check of c.State() here: imapclient (beta.8) signals a command's
	// completion before it records the new state, so right after a successful
	// AUTHENTICATE the state may still read "not authenticated". A failed
	// login returned an error above; SELECT below fails clearly otherwise.
	caps := c.Caps()
	sel, err := c.Select(w.opts.Mailbox, &imap.SelectOptions{}).Wait()
	if err != nil {
		return nil, fmt.Errorf("inbox: select %s: %w", w.opts.Mailbox, err)
	}
	if sel.UIDValidity == 0 {
		return nil, errors.New("inbox: no UIDVALIDITY")
	}
	cn := &conn{
		c:           c,
		uidValidity: sel.UIDValidity,
		move:        caps.Has(imap.CapMove) || caps.Has(imap.CapIMAP4rev2),
		uidPlus:     caps.Has(imap.CapUIDPlus) || caps.Has(imap.CapIMAP4rev2),
		idle:        caps.Has(imap.CapIdle) || caps.Has(imap.CapIMAP4rev2),
		folders:     map[string]bool{w.opts.Mailbox: true},
	}
	return cn, nil
}

// checkUIDValidity compares the selected mailbox's UIDVALIDITY with the one
// recorded and records the new one.
func (w *Watcher) checkUIDValidity(ctx context.Context, cn *conn) error {
	old, err := w.db.InboxUIDValidity(ctx, w.opts.Mailbox)
	if err != nil {
		return err
	}
	if old == cn.uidValidity {
		return nil
	}
	if old != 0 {
		w.log.Warn("UIDVALIDITY changed: rescanning the mailbox", "old", old, "new", cn.uidValidity)
	}
	return w.db.SetInboxUIDValidity(ctx, w.opts.Mailbox, cn.uidValidity)
}

func (w *Watcher) notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// authError marks a refused login (a wrong password or token): the health
// shows it apart from an unreachable server.
type authError struct{ err error }

func (e authError) Error() string { return e.err.Error() }
func (e authError) Unwrap() error { return e.err }

// IsAuthFailure reports whether err is the server refusing the credentials.
func IsAuthFailure(err error) bool {
	var a authError
	return errors.As(err, &a)
}
