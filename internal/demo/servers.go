package demo

import (
	"bytes"
	"errors"

	"io"
	"net"
	"net/mail"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"
)

// Received is a message the sandbox SMTP server accepted.
type Received struct {
	From string
	To   []string
	Data []byte
}

// Sandbox is a real SMTP server and a real IMAP server on loopback (random
// ports), standing in for a mail provider: what convene sends arrives at the
// SMTP server, and replies are put into the IMAP mailbox convene reads.
type Sandbox struct {
	SMTPAddr, IMAPAddr string
	IMAPUser, IMAPPass string

	user *imapmemserver.User
	smtp *smtp.Server
	imap *imapserver.Server

	mu        sync.Mutex
	onMessage func(Received)
	received  int
	ids       map[string]int // Message-ID → times received
}

// StartSandbox starts both servers. onMessage is called, from the SMTP
// server's goroutines, for every message accepted.
func StartSandbox(user, pass string, onMessage func(Received)) (*Sandbox, error) {
	s := &Sandbox{IMAPUser: user, IMAPPass: pass, onMessage: onMessage, ids: map[string]int{}}

	be := smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil })
	s.smtp = smtp.NewServer(be)
	s.smtp.Domain = "sandbox.localhost"
	s.smtp.MaxMessageBytes = 30 << 20
	s.smtp.ErrorLog = discard{}
	s.smtp.ReadTimeout = time.Minute
	s.smtp.WriteTimeout = time.Minute
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.SMTPAddr = ln.Addr().String()
	go s.smtp.Serve(ln)

	mem := imapmemserver.New()
	s.user = imapmemserver.NewUser(user, pass)
	if err := s.user.Create("INBOX", nil); err != nil {
		s.smtp.Close()
		return nil, err
	}
	mem.AddUser(s.user)
	s.imap = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &pollingIdle{mem.NewSession().(imapserver.SessionIMAP4rev2)}, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}, imap.CapIdle: {}},
		InsecureAuth: true, // loopback only
		Logger:       discard{},
	})
	iln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.smtp.Close()
		return nil, err
	}
	s.IMAPAddr = iln.Addr().String()
	go s.imap.Serve(iln)
	return s, nil
}

// Close stops both servers.
func (s *Sandbox) Close() error {
	return errors.Join(s.smtp.Close(), s.imap.Close())
}

// Received returns how many messages the SMTP server accepted.
func (s *Sandbox) Received() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received
}

// Duplicates returns the Message-IDs received more than once.
func (s *Sandbox) Duplicates() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id, n := range s.ids {
		if n > 1 {
			out = append(out, id)
		}
	}
	return out
}

// Deliver puts a message into the IMAP INBOX, as a provider delivers a reply.
func (s *Sandbox) Deliver(raw []byte) error {
	_, err := s.user.Append("INBOX", literal{bytes.NewReader(raw), int64(len(raw))}, &imap.AppendOptions{})
	return err
}

// Mailboxes returns the number of messages in each IMAP mailbox.
func (s *Sandbox) Mailboxes() (map[string]uint32, error) {
	out := map[string]uint32{}
	for _, name := range []string{"INBOX", "Processed", "Review"} {
		st, err := s.user.Status(name, &imap.StatusOptions{NumMessages: true})
		if err != nil {
			continue // not created yet
		}
		out[name] = *st.NumMessages
	}
	return out, nil
}

type literal struct {
	*bytes.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

type smtpSession struct {
	s    *Sandbox
	from string
	to   []string
}

func (se *smtpSession) AuthMechanisms() []string { return nil }
func (se *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	se.from = from
	return nil
}
func (se *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	return nil
}
func (se *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	id := ""
	if m, err := mail.ReadMessage(bytes.NewReader(b)); err == nil {
		id = m.Header.Get("Message-Id")
	}
	se.s.mu.Lock()
	se.s.received++
	se.s.ids[id]++
	se.s.mu.Unlock()
	if se.s.onMessage != nil {
		se.s.onMessage(Received{From: se.from, To: append([]string(nil), se.to...), Data: b})
	}
	return nil
}
func (se *smtpSession) Reset()        { se.from, se.to = "", nil }
func (se *smtpSession) Logout() error { return nil }

// pollingIdle reports updates queued before IDLE began when it begins, as
// Dovecot does (imapmemserver alone holds them until the next command).
type pollingIdle struct {
	imapserver.SessionIMAP4rev2
}

func (p *pollingIdle) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	if err := p.Poll(w, true); err != nil {
		return err
	}
	return p.SessionIMAP4rev2.Idle(w, stop)
}

type discard struct{}

func (discard) Printf(string, ...any) {}

func (discard) Println(...any) {}
