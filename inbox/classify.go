package inbox

import (
	"bufio"
	"bytes"
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"convene/meeting"
)

// maxText bounds the text of a message that is read.
const maxText = 1 << 20

// classify decides the kind of a parsed message and reads what its kind
// carries. The order matters: a bounce may quote a calendar request or our
// invitation and carry Auto-Submitted; a calendar reply may come from an
// auto-accepting robot.
func classify(m *Message, env *enmime.Envelope, rawBody []byte, replyTo string, lim Limits) {
	defer settle(m, env) // careful.go: any uncertainty sends the message to review
	text, fromHTML := bodyText(m, env, lim)
	if len(text) > maxText {
		text = text[:maxText]
		m.cut("text longer than %d bytes: the rest was not read", maxText)
	}
	if strings.TrimSpace(text) == "" && env.Root != nil && strings.HasPrefix(env.Root.ContentType, "multipart/") && env.Root.FirstChild == nil {
		// a multipart whose boundary never occurs: read the body as text
		if len(rawBody) > 1<<20 {
			rawBody = rawBody[:1<<20]
			m.cut("text longer than %d bytes: the rest was not read", 1<<20)
		}
		text = string(rawBody)
		m.problem("MIME: no part found in the multipart body; read as text")
	}
	m.Body = StripReply(text)
	m.Calendar = calendarParts(env.Root)

	if replyTo != "" && sameMailbox(m.From, replyTo) {
		// our own mail come back (a loop, a list): never answer it
		m.Kind, m.AutoReply = KindAutoReply, &AutoReply{Reason: "sent from our own address " + m.From}
		return
	}
	if reason := reportReview(env); reason != "" {
		m.review("%s", reason)
		return
	}
	if isReadReceipt(env) {
		m.Kind, m.AutoReply = KindAutoReply, &AutoReply{Reason: "read receipt (message disposition notification)"}
		return
	}
	if b, note := detectBounce(m, env, text, replyTo); b != nil {
		m.Kind, m.Bounce = KindBounce, b
		return
	} else if note != "" {
		// a delivery report that reports success, a read receipt
		m.Kind, m.AutoReply = KindAutoReply, &AutoReply{Reason: note}
		return
	}
	if reason := meetingForwardNotice(m.Subject, text); reason != "" { // meeting_forward.go
		m.review("%s", reason)
		return
	}
	methods := calendarMethods(env.Root, m.Calendar)
	for _, meth := range methods {
		if meth == "REPLY" || meth == "COUNTER" {
			m.Kind = KindCalendarReply
			return
		}
	}
	autoReason, weak := autoReplyReason(m, env)
	if autoReason != "" && !weak {
		m.Kind = KindAutoReply
		m.AutoReply = &AutoReply{Reason: autoReason, Suggested: suggestions(m.Body, m.From, replyTo)}
		return
	}

	// a signature at the end is not a delegate (signature.go)
	body, sigAddrs, sure := cutSignature(m.Body, m.From, m.FromName)
	m.NotDelegates = append(m.NotDelegates, sigAddrs...)
	if !sure {
		m.problem("the block at the end was read as a signature, not as a delegate (%s)", strings.Join(sigAddrs, ", "))
	}
	reg := ParseRegistration(body)
	reg = mergeForwarded(m, text, replyTo, reg) // forward.go
	m.NotDelegates = append(m.NotDelegates, reg.NotDelegates...)
	if reg.Empty() && env.HTML != "" && !fromHTML {
		// the plain-text alternative may have lost a table
		t, cuts := htmlText(env.HTML, true, lim)
		if alt := ParseRegistration(StripReply(t)); !alt.Empty() {
			reg = alt
			m.cuts(cuts)
		}
	}
	quotedForm := false
	if reg.Empty() && strings.Contains(text, "@") {
		// the form filled in inside the quoted invitation (Outlook users
		// often type below the header block): read it, but for review.
		// A delegate with an address needs an '@' in the text.
		if alt := parseRegistration(unquotedText(text), true); hasNamedDelegate(alt.Delegates) {
			alt.Withdrawn, alt.Replaced, alt.Declined = nil, nil, false
			reg, quotedForm = alt, true
		}
	}
	attachmentsUnread, attachmentComplete := addAttachments(m, &reg, env.Root, lim.AttachmentRows) // attachments.go
	reg.Delegates = dedupeDelegates(reg.Delegates)
	m.Delegates, m.Withdrawn, m.Replaced, m.Declined = reg.Delegates, reg.Withdrawn, reg.Replaced, reg.Declined
	for _, p := range reg.Problems {
		m.problem("%s", p)
	}
	for _, c := range reg.cut {
		m.cut("%s", c)
	}
	switch {
	case len(methods) > 0:
		// an invitation (ours forwarded, or another meeting's): its text
		// lists attendees, not delegates
		m.Delegates, m.Withdrawn, m.Replaced, m.Declined = nil, nil, nil, false
		m.review("calendar message with METHOD:%s, not a reply", methods[0])
	case !reg.Empty() && autoReason != "":
		m.Kind = KindRegistration
		m.review("a registration with the marks of automatic mail (%s)", autoReason)
	case autoReason != "":
		m.Kind = KindAutoReply
		m.AutoReply = &AutoReply{Reason: autoReason, Suggested: suggestions(m.Body, m.From, replyTo)}
		m.Delegates, m.Withdrawn, m.Replaced, m.Declined = nil, nil, nil, false
		return
	case !reg.Empty():
		m.Kind = KindRegistration
		m.Complete = len(reg.Delegates)+len(reg.Replaced) > 0 && (attachmentComplete || saysComplete(m.Subject, m.Body)) // complete.go
		if quotedForm {
			m.review("delegates were read from the quoted invitation (filled in below the reply header)")
		}
		if reg.Declined && (len(reg.Delegates) > 0 || len(reg.Replaced) > 0) {
			m.review("the reply both declines and names delegates")
		}
	case attachmentsUnread:
		// the reason names each attachment (addAttachments)
	case strings.TrimSpace(m.Body) == "":
		m.review("no new text and no delegates found")
	default:
		m.review("no delegates, withdrawal or decline found")
	}
}

// bodyText returns the text of the message: its text/plain parts outside
// attachments, or the HTML turned into text (tables row by row) when there
// is none.
func bodyText(m *Message, env *enmime.Envelope, lim Limits) (text string, fromHTML bool) {
	var parts []string
	var walk func(p *enmime.Part)
	walk = func(p *enmime.Part) {
		for ; p != nil; p = p.NextSibling {
			// a part without Content-Type is text/plain (RFC 2046)
			if (p.ContentType == "text/plain" || p.ContentType == "" && p.FirstChild == nil) && p.Disposition != "attachment" && !strings.HasSuffix(strings.ToLower(p.FileName), ".csv") {
				parts = append(parts, string(p.Content))
			}
			if strings.HasPrefix(p.ContentType, "multipart/alternative") {
				// the first text/plain alternative only
				if c := firstPlain(p.FirstChild); c != nil {
					parts = append(parts, string(c.Content))
				}
				continue
			}
			walk(p.FirstChild)
		}
	}
	if env.Root != nil {
		if env.Root.FirstChild == nil {
			if env.Root.ContentType == "text/plain" || env.Root.ContentType == "" {
				parts = append(parts, env.Text)
			}
		} else {
			walk(env.Root.FirstChild)
		}
	}
	if t := strings.Join(parts, "\n\n"); strings.TrimSpace(t) != "" {
		return t, false
	}
	if env.HTML != "" {
		for _, dropQuote := range []bool{true, false} {
			if t, cuts := htmlText(env.HTML, dropQuote, lim); strings.TrimSpace(t) != "" {
				m.cuts(cuts)
				return t, true
			}
		}
	}
	return env.Text, false
}

func firstPlain(p *enmime.Part) *enmime.Part {
	for ; p != nil; p = p.NextSibling {
		if p.ContentType == "text/plain" && p.Disposition != "attachment" {
			return p
		}
		if c := firstPlain(p.FirstChild); c != nil {
			return c
		}
	}
	return nil
}

// calendarParts returns the raw text of the text/calendar, application/ics
// and *.ics parts.
func calendarParts(root *enmime.Part) [][]byte {
	var out [][]byte
	var walk func(p *enmime.Part)
	walk = func(p *enmime.Part) {
		for ; p != nil; p = p.NextSibling {
			if isCalendarPart(p) && len(p.Content) > 0 {
				out = append(out, p.Content)
			}
			walk(p.FirstChild)
		}
	}
	walk(root)
	return out
}

func isCalendarPart(p *enmime.Part) bool {
	switch p.ContentType {
	case "text/calendar", "application/ics", "text/x-vcalendar", "application/x-ics":
		return true
	}
	return strings.HasSuffix(strings.ToLower(p.FileName), ".ics")
}

// calendarMethods returns the METHOD of each calendar part: the METHOD line
// of the calendar text, else the method parameter of its Content-Type.
func calendarMethods(root *enmime.Part, cals [][]byte) []string {
	var out []string
	for _, c := range cals {
		if meth := scanMethod(c); meth != "" {
			out = append(out, meth)
		}
	}
	if len(out) == 0 {
		var walk func(p *enmime.Part)
		walk = func(p *enmime.Part) {
			for ; p != nil; p = p.NextSibling {
				if isCalendarPart(p) && p.ContentTypeParams["method"] != "" {
					out = append(out, strings.ToUpper(p.ContentTypeParams["method"]))
				}
				walk(p.FirstChild)
			}
		}
		walk(root)
	}
	return out
}

// scanMethod finds the METHOD property of an iCalendar object.
func scanMethod(cal []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(cal))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) > 7 && bytes.EqualFold(line[:7], []byte("METHOD:")) {
			return strings.ToUpper(string(bytes.TrimSpace(line[7:])))
		}
		if bytes.EqualFold(line, []byte("BEGIN:VEVENT")) || bytes.EqualFold(line, []byte("BEGIN:VTODO")) {
			break // METHOD belongs to the VCALENDAR, before the components
		}
	}
	return ""
}

func partName(p *enmime.Part) string {
	if p.FileName != "" {
		return p.FileName
	}
	return p.ContentType
}

// unquotedText is text without its '>' lines and signature, but with any
// quoted message that is not marked by '>'.
func unquotedText(text string) string {
	text = normalizeText(text)
	var b strings.Builder
	b.Grow(len(text))
	first := true
	for l := range strings.SplitSeq(text, "\n") {
		if !strings.HasPrefix(strings.TrimLeft(l, " "), ">") {
			if !first {
				b.WriteByte('\n')
			}
			b.WriteString(l)
			first = false
		}
	}
	return b.String()
}

func hasNamedDelegate(ds []meeting.Delegate) bool {
	for _, d := range ds {
		if d.Name != "" && d.Email != "" {
			return true
		}
	}
	return false
}

// sameMailbox reports whether a and b are the same mailbox, plus-address
// details aside.
func sameMailbox(a, b string) bool {
	base := func(s string) string {
		local, domain, ok := strings.Cut(meeting.NormalizeEmail(s), "@")
		if !ok {
			return ""
		}
		local, _, _ = strings.Cut(local, "+")
		return local + "@" + domain
	}
	x := base(a)
	return x != "" && x == base(b)
}
