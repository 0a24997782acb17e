package mailer

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"
)

// Address is a mailbox: an optional display name and an address.
type Address struct{ Name, Email string }

// Attachment is a file attached to a message.
type Attachment struct {
	Name        string
	ContentType string // e.g. application/pdf; empty: guessed from Name
	Data        []byte
}

// Calendar is an iMIP calendar object: iCalendar text with CRLF line ends
// whose METHOD property equals Method.
type Calendar struct {
	Method string // REQUEST, CANCEL or PUBLISH
	Data   []byte
}

// Message is an already rendered message. Compose turns it into MIME.
type Message struct {
	From    Address
	To      []Address
	ReplyTo Address // optional

	Subject, Text, HTML string // HTML optional

	// Calendar, when set, goes inline as text/calendar; method=X;
	// charset=UTF-8 (base64) inside the multipart/alternative next to the text
	// and HTML bodies, and again as an application/ics "invite.ics"
	// attachment (IMIP.md §1: Outlook reads the first, webmail the second).
	Calendar    *Calendar
	Attachments []Attachment

	MessageID             string // without <>; see MessageID
	InReplyTo, References string // with <>, as they appear in the header
	Date                  time.Time

	// ReturnPath, when set, is the mailbox that receives bounces (the
	// reply_to mailbox that convene reads): the envelope sender becomes its
	// plus-address with the message's VERP tag (see EnvelopeSender), so a
	// delivery report names the message it refers to even without headers.
	// Empty: the envelope sender is From.
	ReturnPath string

	// Automated adds Auto-Submitted: auto-generated and
	// X-Auto-Response-Suppress: OOF, AutoReply, so out-of-office replies stay
	// away (circulars, reminders, confirmations); never All, which would
	// also suppress Exchange's delivery and non-delivery reports.
	Automated bool
}

// AutoResponseSuppress is the X-Auto-Response-Suppress of automated mail
// (MS-OXCMAIL §2.2.3.2.20): out-of-office and other automatic replies, not
// DR/NDR, since convene relies on bounces.
const AutoResponseSuppress = "OOF, AutoReply"

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// MessageID returns the Message-ID (without <>) of the message of batch to
// recipientKey: the same inputs always give the same id, so a re-send after
// a crash carries the Message-ID of the first attempt and a reply can be tied
// to its batch.
func MessageID(batch, recipientKey, domain string) string {
	h := sha256.Sum256([]byte(batch + "\x00" + recipientKey))
	return "cv." + idEncoding.EncodeToString(h[:15]) + "@" + domain
}

// ErrHeaderInjection is returned by Compose when a header value contains a
// CR, LF or NUL.
var ErrHeaderInjection = errors.New("mailer: line break or NUL in a header value")

var calendarMethods = map[string]bool{"REQUEST": true, "CANCEL": true, "PUBLISH": true}

// msgIDRE is a msg-id without its angle brackets (RFC 5322 §3.6.4, dot-atom@dot-atom,
// also accepting no-fold-literal on the right).
var msgIDRE = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+/=?^_` + "`" + `{|}~.-]+@([A-Za-z0-9!#$%&'*+/=?^_` + "`" + `{|}~.-]+|\[[^\[\]\\]*\])$`)

// checkHeader refuses a value that could end a header line early.
func checkHeader(field, v string) error {
	if strings.ContainsAny(v, "\r\n\x00") {
		return fmt.Errorf("%w: %s %q", ErrHeaderInjection, field, v)
	}
	return nil
}

// address checks a and returns it as a net/mail address.
func address(field string, a Address) (*mail.Address, error) {
	if err := checkHeader(field+" name", a.Name); err != nil {
		return nil, err
	}
	if err := checkHeader(field+" address", a.Email); err != nil {
		return nil, err
	}
	p, err := mail.ParseAddress(a.Email)
	if err != nil || p.Name != "" || p.Address != a.Email {
		return nil, fmt.Errorf("mailer: %s: bad address %q", field, a.Email)
	}
	return &mail.Address{Name: displayName(a.Name), Address: p.Address}, nil
}

// displayName works around cases where net/mail (Go 1.26) writes an
// encoded-word that does not parse back (found by FuzzRender): a name that is
// not valid UTF-8 (its bad bytes are marked with U+FFFD), control characters
// (dropped; a tab becomes a space), and a name that needs encoding (anything
// beyond printable ASCII) with a backslash, which it Q-encodes leaving the
// backslash bare (the backslash is shown as U+FF3C, its full-width form).
func displayName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, "\uFFFD"))
	for _, r := range name {
		if r >= utf8.RuneSelf {
			return strings.ReplaceAll(name, `\`, "\uFF3C")
		}
	}
	return name
}

// Compose builds the MIME message. It refuses CR, LF and NUL in any header
// value (contact lists are not trusted: ErrHeaderInjection), and addresses
// that do not parse. go-mail encodes non-ASCII names and subjects (RFC 2047).
// The multipart boundaries of the returned Msg are random; Render pins them.
func Compose(m Message) (*gomail.Msg, error) {
	from, err := address("From", m.From)
	if err != nil {
		return nil, err
	}
	if len(m.To) == 0 {
		return nil, errors.New("mailer: no recipients")
	}
	to := make([]*mail.Address, len(m.To))
	for i, a := range m.To {
		if to[i], err = address("To", a); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct{ name, v string }{
		{"Subject", m.Subject}, {"In-Reply-To", m.InReplyTo}, {"References", m.References}, {"Message-ID", m.MessageID},
	} {
		if err := checkHeader(f.name, f.v); err != nil {
			return nil, err
		}
	}
	if m.MessageID == "" || !msgIDRE.MatchString(m.MessageID) {
		return nil, fmt.Errorf("mailer: bad Message-ID %q (want local@domain without <>)", m.MessageID)
	}
	if m.Date.IsZero() {
		return nil, errors.New("mailer: no Date")
	}
	if m.Text == "" && m.HTML == "" {
		return nil, errors.New("mailer: no body")
	}

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(from)
	msg.ToMailAddress(to...)
	if m.ReplyTo.Email != "" {
		rt, err := address("Reply-To", m.ReplyTo)
		if err != nil {
			return nil, err
		}
		msg.ReplyToMailAddress(rt)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(m.Date)
	if m.InReplyTo != "" {
		msg.SetGenHeader(gomail.HeaderInReplyTo, m.InReplyTo)
	}
	if m.References != "" {
		msg.SetGenHeader(gomail.HeaderReferences, m.References)
	}
	if m.Automated {
		msg.SetGenHeader("Auto-Submitted", "auto-generated")
		msg.SetGenHeader("X-Auto-Response-Suppress", AutoResponseSuppress)
	}

	switch {
	case m.Text != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		if m.HTML != "" {
			msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
		}
	default:
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	}

	if c := m.Calendar; c != nil {
		if !calendarMethods[c.Method] {
			return nil, fmt.Errorf("mailer: calendar method %q: want REQUEST, CANCEL or PUBLISH", c.Method)
		}
		if !bytes.Contains(c.Data, []byte("\r\nMETHOD:"+c.Method+"\r\n")) {
			return nil, fmt.Errorf("mailer: calendar: no METHOD:%s line (CRLF line ends) matching the part's method", c.Method)
		}
		msg.AddAlternativeString(gomail.ContentType("text/calendar; method="+c.Method), string(c.Data),
			gomail.WithPartEncoding(gomail.EncodingB64))
		if err := msg.AttachReader("invite.ics", bytes.NewReader(c.Data),
			gomail.WithFileContentType("application/ics")); err != nil {
			return nil, fmt.Errorf("mailer: calendar attachment: %w", err)
		}
	}
	for _, a := range m.Attachments {
		if err := checkHeader("attachment name", a.Name); err != nil {
			return nil, err
		}
		if err := checkHeader("attachment type", a.ContentType); err != nil {
			return nil, err
		}
		if a.Name == "" || strings.ContainsAny(a.Name, `"/\`) {
			return nil, fmt.Errorf("mailer: bad attachment name %q", a.Name)
		}
		var opts []gomail.FileOption
		if a.ContentType != "" {
			if strings.ContainsAny(a.ContentType, `";`) {
				return nil, fmt.Errorf("mailer: bad attachment type %q", a.ContentType)
			}
			opts = append(opts, gomail.WithFileContentType(gomail.ContentType(a.ContentType)))
		}
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), opts...); err != nil {
			return nil, fmt.Errorf("mailer: attachment %s: %w", a.Name, err)
		}
	}
	return msg, nil
}

// boundaryRE finds the random multipart boundaries go-mail writes.
var boundaryRE = regexp.MustCompile(`boundary=([0-9a-f]{60})\r\n`)

// Render composes m and returns the exact bytes that are recorded in the
// outbox and sent. The output depends only on m: go-mail's random multipart
// boundaries are replaced by ones derived from the Message-ID (go-mail's own
// WithBoundary would give nested multiparts the same boundary).
func Render(m Message) ([]byte, error) {
	msg, err := Compose(m)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(4096 + len(m.Text) + len(m.HTML) + 2*len(m.calendarData()) + 4*attachmentsSize(m.Attachments)/3)
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("mailer: write %s: %w", m.MessageID, err)
	}
	out := buf.Bytes()
	for i, sm := range boundaryRE.FindAllSubmatch(out, -1) {
		h := sha256.Sum256(fmt.Appendf(nil, "%s\x00boundary\x00%d", m.MessageID, i))
		pinned := "cv" + hex.EncodeToString(h[:])[:58]
		out = bytes.ReplaceAll(out, sm[1], []byte(pinned))
	}
	return out, nil
}

func (m Message) calendarData() []byte {
	if m.Calendar == nil {
		return nil
	}
	return m.Calendar.Data
}

func attachmentsSize(as []Attachment) int {
	n := 0
	for _, a := range as {
		n += len(a.Data)
	}
	return n
}
