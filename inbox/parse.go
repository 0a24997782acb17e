package inbox

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"net/textproto"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/text/encoding/htmlindex"

	"convene/meeting"
)

// Kind is what a message is.
type Kind string

// The kinds of message.
const (
	KindRegistration  Kind = "registration"   // a mission's reply: delegates, withdrawals, a decline
	KindCalendarReply Kind = "calendar-reply" // iMIP METHOD:REPLY or COUNTER
	KindBounce        Kind = "bounce"         // a delivery status notification
	KindAutoReply     Kind = "auto-reply"     // out-of-office and other automatic mail
	KindOther         Kind = "other"          // anything else: for a person to read
)

// Limits bound what Parse reads. The zero value means the defaults; a
// message beyond a limit is not parsed further and goes to review.
type Limits struct {
	MaxSize       int64         // bytes of the whole message; default 25 MB
	MaxDepth      int           // nesting of MIME multiparts; default 10
	MaxParts      int           // MIME parts; default 100
	MaxAttachment int64         // bytes of one decoded part; default 10 MB
	MaxTime       time.Duration // time to read one message; default 10 s
	// AttachmentRows caps the rows read from one attachment (a CSV file);
	// default meeting.DefaultAttachmentRows. Beyond it: review, naming
	// the cap (limits.attachment_rows).
	AttachmentRows int
}

func (l Limits) withDefaults() Limits {
	if l.MaxSize <= 0 {
		l.MaxSize = 25 << 20
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = 10
	}
	if l.MaxParts <= 0 {
		l.MaxParts = 100
	}
	if l.MaxAttachment <= 0 {
		l.MaxAttachment = 10 << 20
	}
	if l.MaxTime <= 0 {
		l.MaxTime = 10 * time.Second
	}
	if l.AttachmentRows <= 0 {
		l.AttachmentRows = meeting.DefaultAttachmentRows
	}
	return l
}

// Message is one inbound message, parsed and classified.
type Message struct {
	MessageID  string   // without angle brackets
	InReplyTo  string   // the first message ID of In-Reply-To
	References []string // message IDs
	From       string   // address, lower case
	FromName   string
	Subject    string
	To         []string // To, Cc and Delivered-To addresses, lower case
	Date       time.Time

	Kind  Kind
	Token string // the reply token, from a plus-address of the reply-to mailbox or from the subject

	Delegates []meeting.Delegate // registration: delegates found
	Withdrawn []string           // addresses (or names) withdrawn
	Replaced  []Replacement      // "replace X by Y"
	Declined  bool               // the mission will not attend
	// Complete: the reply says the delegates it names are the complete
	// delegation (complete.go): the registered delegates it does not name
	// are withdrawn. Otherwise delegates are added.
	Complete bool `json:",omitempty"`

	Calendar  [][]byte   // text/calendar and application/ics parts, raw
	Bounce    *Bounce    // set for KindBounce
	AutoReply *AutoReply // set for KindAutoReply

	Body string // the new text, after quote and signature stripping

	// NotDelegates are addresses of the new text known not to be delegates'
	// (a signature's, the secretariat's): see settle.
	NotDelegates []string `json:",omitempty"`

	Auth Auth `json:"-"` // what the trusted receiving server said of the sender (ReadAuth); set by the caller

	NeedsReview  bool
	ReviewReason string
	Problems     []string // non-fatal parse problems
	// Notes are remarks that leave the reading certain (see uncertain in
	// careful.go), such as a delegate named without an address
	Notes []string `json:",omitempty"`
}

// Bounce is what a delivery status notification says.
type Bounce struct {
	Recipients []string // the addresses that failed (or were delayed)
	Permanent  bool     // a hard bounce (5.x.x); false for delays and 4.x.x
	Status     string   // the first recipient's status code, e.g. 5.1.1
	Diagnostic string   // the first recipient's diagnostic, e.g. "smtp; 550 no such user"
	MessageIDs []string `json:",omitempty"` // Message-IDs of the returned message (its headers or copy), without <>
}

// AutoReply is what an automatic reply says.
type AutoReply struct {
	Reason    string   // which marker identified it, e.g. "Auto-Submitted: auto-replied"
	Suggested []string // other addresses or names the reply points to ("please contact ...")
}

func (m *Message) review(format string, args ...any) {
	reason := fmt.Sprintf(format, args...)
	if m.NeedsReview && m.ReviewReason != "" {
		if !strings.Contains(m.ReviewReason, reason) {
			m.ReviewReason += "; " + reason
		}
		return
	}
	m.NeedsReview, m.ReviewReason = true, reason
}

func (m *Message) problem(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	for _, p := range m.Problems {
		if p == s {
			return
		}
	}
	if len(m.Problems) < 50 {
		m.Problems = append(m.Problems, s)
	}
}

// ErrEmpty is returned by Parse for an empty message.
var ErrEmpty = errors.New("inbox: empty message")

// Parse reads one RFC 5322 message from r and classifies it. replyTo is the
// mailbox replies are sent to (its plus-addresses carry the reply token). It
// never panics; a message beyond lim, or one it cannot make sense of, is
// returned with Kind other and NeedsReview set. It returns an error only when
// r cannot be read or is empty. Parse does no other I/O.
func Parse(r io.Reader, replyTo string, lim Limits) (msg *Message, err error) {
	return ParseContext(context.Background(), r, replyTo, lim)
}

// ParseContext is Parse within ctx: a message still being read when ctx's
// deadline or lim.MaxTime passes goes to review, saying so; when ctx is
// cancelled, ParseContext stops and returns ctx's error.
func ParseContext(ctx context.Context, r io.Reader, replyTo string, lim Limits) (msg *Message, err error) {
	lim = lim.withDefaults()
	raw, err := readAll(r, lim.MaxSize+1)
	if err != nil {
		return nil, fmt.Errorf("inbox: read message: %w", err)
	}
	return ParseBytesContext(ctx, raw, replyTo, lim)
}

// ParseBytes is Parse of a message already in memory, without copying it:
// the Message may share raw's memory, so raw must not change afterwards.
func ParseBytes(raw []byte, replyTo string, lim Limits) (msg *Message, err error) {
	return ParseBytesContext(context.Background(), raw, replyTo, lim)
}

// enmimeCalls counts the messages handed to enmime (tests check that a
// message refused by the pre-pass never reaches it).
var enmimeCalls atomic.Int64

// ParseBytesContext is ParseContext of a message already in memory (see
// ParseBytes).
func ParseBytesContext(ctx context.Context, raw []byte, replyTo string, lim Limits) (msg *Message, err error) {
	lim = lim.withDefaults()
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, ErrEmpty
	}
	ctx, cancel := context.WithTimeout(ctx, lim.MaxTime)
	defer cancel()
	// some messages start with an empty line before their header
	raw = bytes.TrimLeft(raw, " \t\r\n")
	m := &Message{Kind: KindOther}
	defer func() {
		if v := recover(); v != nil {
			// a bug in a parser must not stop the inbox: the message goes to a person
			msg, err = m, nil
			m.Kind = KindOther
			m.review("the message could not be parsed (internal error: %v)", v)
		}
	}()
	if int64(len(raw)) > lim.MaxSize {
		m.readHeaders(raw, replyTo)
		m.review("message larger than %d bytes", lim.MaxSize)
		return m, nil
	}
	// The pre-pass bounds what the MIME parser will build before it
	// starts (mimescan.go): beyond the limits it never sees the message.
	if _, reason := scanMIME(ctx, raw, lim); reason != "" {
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, ctx.Err()
		}
		m.readHeaders(raw, replyTo)
		m.review("%s", reason)
		return m, nil
	}
	enmimeCalls.Add(1)
	env, perr := parser.ReadEnvelope(&ctxReader{ctx: ctx, r: bytes.NewReader(raw)})
	if ctx.Err() != nil {
		// the reader failed enmime at the deadline: what it built is partial
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, ctx.Err()
		}
		m.readHeaders(raw, replyTo)
		m.review("%s", budgetReason(lim))
		return m, nil
	}
	if perr != nil {
		m.readHeaders(raw, replyTo)
		m.problem("MIME: %v", perr)
		m.review("the message's MIME structure could not be read: %v", perr)
		return m, nil
	}
	m.fromEnvelope(env, replyTo)
	for _, e := range env.Errors {
		if e.Name == enmime.ErrorPlainTextFromHTML {
			continue
		}
		m.problem("MIME: %s", e.Error())
	}
	depth, parts, big := measure(env.Root, lim)
	switch {
	case depth > lim.MaxDepth:
		m.review("MIME nesting deeper than %d", lim.MaxDepth)
		return m, nil
	case parts > lim.MaxParts:
		m.review("more than %d MIME parts", lim.MaxParts)
		return m, nil
	case big != "":
		m.review("attachment %s larger than %d bytes", big, lim.MaxAttachment)
		return m, nil
	}
	classify(m, env, bodyOf(raw), replyTo, lim)
	m.checkComplete()
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, ctx.Err()
		}
		// what was read is not applied: a person reads the message
		m.review("%s", budgetReason(lim))
	}
	return m, nil
}

// ctxReader is a reader that fails once ctx is done: enmime reads its input
// in 4 KB blocks, so a deadline stops it within a block.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// readAll is io.ReadAll of at most max bytes of r, starting with a buffer of
// the right size when r tells its length (bytes.Reader, strings.Reader,
// bytes.Buffer: Len; an IMAP literal: Size).
func readAll(r io.Reader, max int64) ([]byte, error) {
	size := int64(512)
	switch l := r.(type) {
	case interface{ Len() int }:
		size = min(int64(l.Len()), max) + 1 // +1: room to see EOF
	case interface{ Size() int64 }:
		if n := l.Size(); n >= 0 {
			size = min(n, max) + 1
		}
	}
	lr := io.LimitReader(r, max)
	b := make([]byte, 0, size)
	for {
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // grow
		}
	}
}

var parser = enmime.NewParser(
	enmime.SkipMalformedParts(true),
	enmime.MultipartWOBoundaryAsSinglePart(true),
	enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
	enmime.MaxStoredPartErrors(20),
	// trust a declared charset (a UTF-8 text with a few accents is easily
	// mistaken for Latin-1); detect only when none is declared
	enmime.DisableCharacterDetection(true),
)

// indexFoldASCII returns the index of the first instance of the lower-case
// ASCII word w in b, ignoring ASCII case, or -1. No other byte or rune lowers
// to the letters of w when it holds neither i nor k (U+0130 lowers to i,
// U+212A to k): for such words it agrees with bytes.Index(bytes.ToLower(b), w).
func indexFoldASCII(b []byte, w string) int {
	lo, up := w[0], w[0]-'a'+'A'
	nextLo, nextUp := -2, -2 // next index of each case of w[0]; -2 not searched yet
	for i := 0; i < len(b); {
		if nextLo != -1 && nextLo < i {
			if nextLo = bytes.IndexByte(b[i:], lo); nextLo >= 0 {
				nextLo += i
			}
		}
		if nextUp != -1 && nextUp < i {
			if nextUp = bytes.IndexByte(b[i:], up); nextUp >= 0 {
				nextUp += i
			}
		}
		at := nextLo
		if at < 0 || nextUp >= 0 && nextUp < at {
			at = nextUp
		}
		if at < 0 {
			return -1
		}
		if len(b)-at >= len(w) && bytes.EqualFold(b[at:at+len(w)], []byte(w)) {
			return at
		}
		i = at + 1
	}
	return -1
}

// measure walks the MIME tree: its depth, its number of parts and the name
// of a part larger than the attachment limit.
func measure(root *enmime.Part, lim Limits) (depth, parts int, big string) {
	var walk func(p *enmime.Part, d int)
	walk = func(p *enmime.Part, d int) {
		for ; p != nil; p = p.NextSibling {
			parts++
			depth = max(depth, d)
			if int64(len(p.Content)) > lim.MaxAttachment && big == "" {
				big = p.FileName
				if big == "" {
					big = p.ContentType
				}
			}
			if d <= lim.MaxDepth+1 && parts <= lim.MaxParts+1 {
				walk(p.FirstChild, d+1)
			}
		}
	}
	walk(root, 0)
	return depth, parts, big
}

// fromEnvelope fills the header fields.
func (m *Message) fromEnvelope(env *enmime.Envelope, replyTo string) {
	m.MessageID = firstID(env.GetHeader("Message-Id"))
	m.InReplyTo = firstID(env.GetHeader("In-Reply-To"))
	m.References = msgIDs(env.GetHeader("References"))
	m.Subject = strings.TrimSpace(normalizeText(env.GetHeader("Subject")))
	if from, err := env.AddressList("From"); err == nil && len(from) > 0 {
		m.From, m.FromName = meeting.NormalizeEmail(from[0].Address), strings.TrimSpace(from[0].Name)
	} else if raw := env.GetHeader("From"); raw != "" {
		m.From, m.FromName = looseAddress(raw)
	}
	for _, h := range []string{"To", "Cc", "Delivered-To"} {
		m.To = appendAddrs(m.To, env, h)
	}
	if d, err := env.Date(); err == nil {
		m.Date = d
	} else if env.GetHeader("Date") != "" {
		m.problem("Date: %v", err)
	}
	m.Token = findToken(m.To, env.GetHeaderValues("X-Original-To"), replyTo, m.Subject)
}

func appendAddrs(list []string, env *enmime.Envelope, h string) []string {
	addrs, err := env.AddressList(h)
	if err != nil || len(addrs) == 0 {
		for _, v := range env.GetHeaderValues(h) {
			for _, e := range emailRE.FindAllStringSubmatch(v, 20) {
				list = appendUnique(list, strings.ToLower(e[1]))
			}
		}
		return list
	}
	for _, a := range addrs {
		if a.Address != "" {
			list = appendUnique(list, meeting.NormalizeEmail(a.Address))
		}
	}
	return list
}

func findToken(to, originalTo []string, replyTo, subject string) string {
	if replyTo != "" {
		for _, a := range append(append([]string{}, to...), originalTo...) {
			a = strings.Trim(strings.TrimSpace(a), "<>")
			if tok := meeting.TokenFromAddress(a, replyTo); tok != "" {
				return tok
			}
		}
	}
	return meeting.TokenFromSubject(subject)
}

// readHeaders fills what it can from the header of a message that is not
// parsed further (too large, too many parts, broken MIME).
func (m *Message) readHeaders(raw []byte, replyTo string) {
	if len(raw) > 256<<10 {
		raw = raw[:256<<10]
	}
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	h, _ := tp.ReadMIMEHeader()
	if h == nil {
		return
	}
	get := func(k string) string { return decodeHeader(h.Get(k)) }
	m.MessageID = firstID(get("Message-Id"))
	m.InReplyTo = firstID(get("In-Reply-To"))
	m.References = msgIDs(get("References"))
	m.Subject = strings.TrimSpace(get("Subject"))
	m.From, m.FromName = looseAddress(get("From"))
	for _, k := range []string{"To", "Cc", "Delivered-To"} {
		for _, v := range h.Values(k) {
			for _, e := range emailRE.FindAllStringSubmatch(v, 20) {
				m.To = appendUnique(m.To, strings.ToLower(e[1]))
			}
		}
	}
	if d, err := mail.ParseDate(get("Date")); err == nil {
		m.Date = d
	}
	m.Token = findToken(m.To, h.Values("X-Original-To"), replyTo, m.Subject)
}

var wordDecoder = &mime.WordDecoder{CharsetReader: func(cs string, in io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(cs)
	if err != nil {
		return nil, err
	}
	return enc.NewDecoder().Reader(in), nil
}}

func decodeHeader(s string) string {
	if out, err := wordDecoder.DecodeHeader(s); err == nil {
		return out
	}
	return s
}

func looseAddress(s string) (addr, name string) {
	if a, err := mail.ParseAddress(s); err == nil {
		return meeting.NormalizeEmail(a.Address), a.Name
	}
	if e := emailRE.FindStringSubmatchIndex(s); e != nil {
		name = strings.Trim(strings.TrimSpace(s[:e[0]]), `"<( `)
		return strings.ToLower(s[e[2]:e[3]]), name
	}
	return "", strings.TrimSpace(s)
}

func firstID(s string) string {
	ids := msgIDs(s)
	if len(ids) == 0 {
		return strings.Trim(strings.TrimSpace(s), "<>")
	}
	return ids[0]
}

// idSpacer puts spaces around the message IDs of a header.
var idSpacer = strings.NewReplacer("<", " <", ">", "> ", ",", " ")

func msgIDs(s string) []string {
	var out []string
	for _, f := range strings.Fields(idSpacer.Replace(s)) {
		f = strings.Trim(f, "<>")
		if f != "" && len(out) < 100 {
			out = append(out, f)
		}
	}
	return out
}

// bodyOf returns what follows the header of a raw message.
func bodyOf(raw []byte) []byte {
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := bytes.Index(raw, []byte(sep)); i >= 0 {
			return raw[i+len(sep):]
		}
	}
	return nil
}
