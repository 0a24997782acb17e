// Package testmail starts in-process mail servers for tests: an IMAP server
// (go-imap's imapserver with imapmemserver) and a TCP proxy that can cut
// connections. It is imported only by _test.go files.
package testmail

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
)

// IMAPOptions configures StartIMAP. The zero value gives an IMAP4rev1 server
// with MOVE and UIDPLUS, on plain TCP, with LOGIN and AUTHENTICATE PLAIN.
type IMAPOptions struct {
	// Caps replaces the advertised capabilities (IMAP4rev1 is added).
	Caps []imap.Cap
	// XOAUTH2 also accepts AUTHENTICATE XOAUTH2 with the user's password as
	// the bearer token.
	XOAUTH2 bool
	// CheckToken, when set, makes the server accept AUTHENTICATE XOAUTH2
	// and OAUTHBEARER only, with a token CheckToken says is current (an
	// AuthServer's Valid); LOGIN and PLAIN are refused.
	CheckToken func(user, token string) bool
}

// IMAPServer is a running in-process IMAP server with one user and an INBOX.
type IMAPServer struct {
	Addr     string
	Username string
	Password string
	User     *imapmemserver.User
}

// StartIMAP starts a server on 127.0.0.1:0, stopped at the end of the test.
func StartIMAP(tb testing.TB, opts *IMAPOptions) *IMAPServer {
	tb.Helper()
	if opts == nil {
		opts = &IMAPOptions{}
	}
	caps := imap.CapSet{imap.CapIMAP4rev1: {}}
	list := opts.Caps
	if list == nil {
		list = []imap.Cap{imap.CapMove, imap.CapUIDPlus}
	}
	for _, c := range list {
		caps[c] = struct{}{}
	}
	s := &IMAPServer{Username: "registrations@example.org", Password: "secret-token"}
	mem := imapmemserver.New()
	s.User = imapmemserver.NewUser(s.Username, s.Password)
	if err := s.User.Create("INBOX", nil); err != nil {
		tb.Fatal(err)
	}
	mem.AddUser(s.User)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			var sess imapserver.SessionIMAP4rev2 = &idleSession{mem.NewSession().(imapserver.SessionIMAP4rev2)}
			if opts.CheckToken != nil {
				return &tokenSession{SessionIMAP4rev2: sess, check: opts.CheckToken, password: s.Password}, nil, nil
			}
			if opts.XOAUTH2 {
				return &xoauth2Session{SessionIMAP4rev2: sess}, nil, nil
			}
			return sess, nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		Logger:       discardLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return s
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

// idleSession reports the updates queued before IDLE began when it begins, as
// Dovecot does; imapmemserver would hold them until the next command.
type idleSession struct {
	imapserver.SessionIMAP4rev2
}

func (s *idleSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	if err := s.Poll(w, true); err != nil {
		return err
	}
	return s.SessionIMAP4rev2.Idle(w, stop)
}

// xoauth2Session adds AUTHENTICATE XOAUTH2 to an imapmemserver session.
type xoauth2Session struct {
	imapserver.SessionIMAP4rev2
}

func (s *xoauth2Session) AuthenticateMechanisms() []string { return []string{"PLAIN", "XOAUTH2"} }

func (s *xoauth2Session) Authenticate(mech string) (sasl.Server, error) {
	switch mech {
	case "PLAIN":
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				return imapserver.ErrAuthFailed
			}
			return s.Login(username, password)
		}), nil
	case "XOAUTH2":
		return &imapXOAUTH2{login: s.Login}, nil
	}
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "SASL mechanism not supported"}
}

// tokenSession accepts OAuth2 bearer tokens only, checked by check.
type tokenSession struct {
	imapserver.SessionIMAP4rev2
	check    func(user, token string) bool
	password string
}

func (s *tokenSession) AuthenticateMechanisms() []string {
	return []string{"XOAUTH2", sasl.OAuthBearer}
}

func (s *tokenSession) Login(string, string) error { return imapserver.ErrAuthFailed }

func (s *tokenSession) login(user, token string) error {
	if !s.check(user, token) {
		return imapserver.ErrAuthFailed
	}
	return s.SessionIMAP4rev2.Login(user, s.password)
}

func (s *tokenSession) Authenticate(mech string) (sasl.Server, error) {
	switch mech {
	case "XOAUTH2":
		return &imapXOAUTH2{login: s.login}, nil
	case sasl.OAuthBearer:
		return sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if s.login(o.Username, o.Token) != nil {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			return nil
		}), nil
	}
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "SASL mechanism not supported"}
}

// imapXOAUTH2 checks "user=U\x01auth=Bearer T\x01\x01"; on failure it
// sends a JSON error challenge and fails after the client's empty response,
// as Gmail does.
type imapXOAUTH2 struct {
	login  func(user, pass string) error
	failed bool
}

func (a *imapXOAUTH2) Next(resp []byte) ([]byte, bool, error) {
	if a.failed {
		return nil, true, imapserver.ErrAuthFailed
	}
	if resp == nil {
		return []byte{}, false, nil // ask for the initial response
	}
	var user, token string
	for _, f := range bytes.Split(resp, []byte{1}) {
		switch {
		case bytes.HasPrefix(f, []byte("user=")):
			user = string(f[len("user="):])
		case bytes.HasPrefix(f, []byte("auth=Bearer ")):
			token = string(f[len("auth=Bearer "):])
		}
	}
	if !bytes.HasSuffix(resp, []byte{1, 1}) || user == "" || token == "" || a.login(user, token) != nil {
		a.failed = true
		return []byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`), false, nil
	}
	return nil, true, nil
}

// Append adds a message to mailbox (created if missing) and returns its UID.
func (s *IMAPServer) Append(tb testing.TB, mailbox string, raw []byte) uint32 {
	tb.Helper()
	if err := s.User.Create(mailbox, nil); err != nil && !isAlreadyExists(err) {
		tb.Fatal(err)
	}
	data, err := s.User.Append(mailbox, literal{bytes.NewReader(raw), int64(len(raw))}, &imap.AppendOptions{})
	if err != nil {
		tb.Fatalf("append to %s: %v", mailbox, err)
	}
	return uint32(data.UID)
}

type literal struct {
	*bytes.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

func isAlreadyExists(err error) bool {
	var ie *imap.Error
	return errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists
}

// Recreate deletes mailbox and creates it again, so that it gets a new
// UIDVALIDITY.
func (s *IMAPServer) Recreate(tb testing.TB, mailbox string) {
	tb.Helper()
	if err := s.User.Delete(mailbox); err != nil {
		tb.Fatal(err)
	}
	if err := s.User.Create(mailbox, nil); err != nil {
		tb.Fatal(err)
	}
}

// IMAPMessage is a message as listed by Messages.
type IMAPMessage struct {
	UID   uint32
	Flags []imap.Flag
	Raw   []byte
}

// Seen reports whether the message has the \Seen flag.
func (m IMAPMessage) Seen() bool { return slices.Contains(m.Flags, imap.FlagSeen) }

// Messages lists a mailbox over IMAP (nil if it does not exist), reading
// bodies with BODY.PEEK[] so that flags stay as they were.
func (s *IMAPServer) Messages(tb testing.TB, mailbox string) []IMAPMessage {
	tb.Helper()
	return ListMessages(tb, s.Addr, s.Username, s.Password, mailbox)
}

// Mailboxes returns the number of messages in each mailbox.
func (s *IMAPServer) Mailboxes(tb testing.TB) map[string]int {
	tb.Helper()
	return CountMailboxes(tb, s.Addr, s.Username, s.Password)
}

// Dial returns a logged-in client over plain TCP, closed at the end of the test.
func Dial(tb testing.TB, addr, user, pass string) *imapclient.Client {
	tb.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	if err := c.Login(user, pass).Wait(); err != nil {
		tb.Fatal(err)
	}
	return c
}

// ListMessages lists a mailbox of any IMAP server (nil if it does not exist).
func ListMessages(tb testing.TB, addr, user, pass, mailbox string) []IMAPMessage {
	tb.Helper()
	c := Dial(tb, addr, user, pass)
	defer c.Logout()
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo {
			return nil
		}
		tb.Fatal(err)
	}
	body := &imap.FetchItemBodySection{Peek: true}
	all := imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}
	bufs, err := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{body}}).Collect()
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]IMAPMessage, 0, len(bufs))
	for _, b := range bufs {
		out = append(out, IMAPMessage{UID: uint32(b.UID), Flags: b.Flags, Raw: b.FindBodySection(body)})
	}
	slices.SortFunc(out, func(a, b IMAPMessage) int { return int(a.UID) - int(b.UID) })
	return out
}

// CountMailboxes returns the number of messages in each mailbox of any IMAP
// server.
func CountMailboxes(tb testing.TB, addr, user, pass string) map[string]int {
	tb.Helper()
	c := Dial(tb, addr, user, pass)
	defer c.Logout()
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]int{}
	for _, d := range list {
		st, err := c.Status(d.Mailbox, &imap.StatusOptions{NumMessages: true}).Wait()
		if err != nil {
			tb.Fatal(err)
		}
		out[d.Mailbox] = int(*st.NumMessages)
	}
	return out
}

// Proxy forwards TCP connections to a target and can cut them.
type Proxy struct {
	Addr   string
	target string

	mu    sync.Mutex
	conns []net.Conn
	// cutAfter, when > 0, closes the next connection after that many bytes
	// from the server.
	cutAfter int64
	cuts     chan struct{}
	hide     []string // capabilities removed from the server's CAPABILITY lists
}

// HideCaps removes capabilities (e.g. "IDLE") from the CAPABILITY lists the
// server sends on later connections, to test a client's fallbacks.
func (p *Proxy) HideCaps(caps ...string) {
	p.mu.Lock()
	p.hide = caps
	p.mu.Unlock()
}

// StartProxy starts a proxy on 127.0.0.1:0 to target.
func StartProxy(tb testing.TB, target string) *Proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{Addr: ln.Addr().String(), target: target, cuts: make(chan struct{}, 16)}
	tb.Cleanup(func() {
		ln.Close()
		p.CutAll()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

// CutNextAfter makes the proxy close the next connection after n bytes from
// the server (in the middle of a response).
func (p *Proxy) CutNextAfter(n int64) {
	p.mu.Lock()
	p.cutAfter = n
	p.mu.Unlock()
}

// Cuts receives a value each time the proxy has cut a connection.
func (p *Proxy) Cuts() <-chan struct{} { return p.cuts }

// CutAll closes every open connection.
func (p *Proxy) CutAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *Proxy) serve(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	limit := p.cutAfter
	hide := p.hide
	p.cutAfter = 0
	p.conns = append(p.conns, client, server)
	p.mu.Unlock()
	go func() {
		io.Copy(server, client)
		server.Close()
	}()
	var src io.Reader = server
	if limit > 0 {
		src = io.LimitReader(server, limit)
	}
	if len(hide) > 0 {
		src = &capFilter{r: bufio.NewReader(src), hide: hide}
	}
	io.Copy(client, src)
	client.Close()
	server.Close()
	if limit > 0 {
		p.cuts <- struct{}{}
	}
}

// AppendMessages appends messages to mailbox (created if missing) on any IMAP
// server, over plain TCP.
func AppendMessages(tb testing.TB, addr, user, pass, mailbox string, raws ...[]byte) {
	tb.Helper()
	c := Dial(tb, addr, user, pass)
	defer c.Logout()
	if err := c.Create(mailbox, nil).Wait(); err != nil && !isAlreadyExists(err) {
		var ie *imap.Error
		if !errors.As(err, &ie) || ie.Type != imap.StatusResponseTypeNo {
			tb.Fatal(err)
		}
	}
	for _, raw := range raws {
		cmd := c.Append(mailbox, int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			tb.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			tb.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			tb.Fatalf("append to %s: %v", mailbox, err)
		}
	}
}

// capFilter removes capabilities from the lines of an IMAP server that list
// them (greeting, CAPABILITY responses and response codes).
type capFilter struct {
	r    *bufio.Reader
	hide []string
	buf  []byte
}

func (f *capFilter) Read(b []byte) (int, error) {
	if len(f.buf) == 0 {
		line, err := f.r.ReadBytes('\n')
		if len(line) == 0 {
			return 0, err
		}
		if bytes.Contains(line, []byte("CAPABILITY")) {
			for _, c := range f.hide {
				line = bytes.ReplaceAll(line, []byte(" "+c+" "), []byte(" "))
				line = bytes.ReplaceAll(line, []byte(" "+c+"]"), []byte("]"))
				line = bytes.ReplaceAll(line, []byte(" "+c+"\r\n"), []byte("\r\n"))
			}
		}
		f.buf = line
	}
	n := copy(b, f.buf)
	f.buf = f.buf[n:]
	return n, nil
}
