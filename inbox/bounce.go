package inbox

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/dsn"
)

// dsnRecipient is one per-recipient block of a delivery status report.
type dsnRecipient struct {
	addr, action, status, diagnostic string
}

// detectBounce reads a delivery status notification: an RFC 3464
// multipart/report, or one of the common non-standard bounces (X-Failed-
// Recipients, MAILER-DAEMON and postmaster senders, "Undeliverable:",
// "Returned mail", Exchange NDR text). A report whose recipients were all
// delivered is not a bounce: note then says what it is.
func detectBounce(m *Message, env *enmime.Envelope, text, replyTo string) (b *Bounce, note string) {
	b, note = readBounce(m, env, text, replyTo)
	if b != nil {
		b.MessageIDs = returnedIDs(env.Root, text)
	}
	return b, note
}

// returnedMessageIDRE finds a Message-ID field in the text of a bounce (the
// copy of the returned message, or its pasted headers).
var returnedMessageIDRE = regexp.MustCompile(`(?im)^[ \t>]*message-id:[ \t]*<([^<>\s]{1,250})>`)

// returnedIDs lists the Message-IDs of the message a bounce returns: from
// its returned headers or copy (text/rfc822-headers, message/rfc822 and
// their RFC 6533 forms), else from the copy pasted in the text.
func returnedIDs(root *enmime.Part, text string) []string {
	var ids []string
	var walk func(p *enmime.Part)
	walk = func(p *enmime.Part) {
		for ; p != nil && len(ids) < 10; p = p.NextSibling {
			switch strings.ToLower(p.ContentType) {
			case "text/rfc822-headers", "message/rfc822-headers", "message/rfc822", "message/global", "message/global-headers":
				for _, v := range HeaderValues(bytes.TrimLeft(p.Content, " \t\r\n"), "Message-ID") {
					if id := firstID(v); id != "" {
						ids = appendUnique(ids, id)
					}
				}
			}
			walk(p.FirstChild)
		}
	}
	walk(root)
	if len(ids) == 0 {
		if len(text) > 256<<10 {
			text = text[:256<<10]
		}
		for _, m := range returnedMessageIDRE.FindAllStringSubmatch(text, 10) {
			ids = appendUnique(ids, m[1])
		}
	}
	return ids
}

// readBounce is detectBounce without the returned Message-IDs.
func readBounce(m *Message, env *enmime.Envelope, text, replyTo string) (b *Bounce, note string) {
	explained, expl := false, ""
	explanation := func() string { // bounceExplanation(text), read once when needed
		if !explained {
			explained, expl = true, bounceExplanation(text)
		}
		return expl
	}
	rcpts, declared := reportRecipients(env.Root)
	if len(rcpts) == 0 && containsLower(text, "final-recipient:") {
		// DSN fields in a broken report, or pasted in the text
		rcpts = parseStatusFields(explanation())
	}
	if declared || len(rcpts) > 0 {
		var failed []dsnRecipient
		for _, r := range rcpts {
			switch r.action {
			case "delivered", "relayed", "expanded", "deliverable":
				continue
			case "":
				if !strings.HasPrefix(r.status, "4") && !strings.HasPrefix(r.status, "5") {
					continue
				}
			}
			if strings.HasPrefix(r.status, "2") {
				continue
			}
			failed = append(failed, r)
		}
		if len(failed) == 0 && len(rcpts) > 0 {
			return nil, "delivery report: delivered"
		}
		if len(failed) > 0 && !strings.HasPrefix(failed[0].status, "5") && challengeRE.MatchString(failed[0].diagnostic+"\n"+explanation()) {
			return nil, "challenge-response: the recipient's filter asks the sender to confirm"
		}
		if len(failed) == 0 && declared {
			// a delivery report whose fields could not be read
			failed = append(failed, dsnRecipient{})
		}
		if len(failed) > 0 {
			b := &Bounce{Status: failed[0].status, Diagnostic: failed[0].diagnostic}
			for _, r := range failed {
				if r.addr != "" {
					b.Recipients = appendUnique(b.Recipients, r.addr)
				}
				if r.action == "failed" && !strings.HasPrefix(r.status, "4") || strings.HasPrefix(r.status, "5") {
					b.Permanent = true
				}
			}
			if len(b.Recipients) == 0 {
				b.Recipients = textRecipients(m, explanation(), replyTo)
			}
			if b.Status == "" {
				head := explanation()
				if s := statusRE.FindStringSubmatch(head); s != nil {
					b.Status = s[1]
				}
				b.Permanent = !strings.HasPrefix(b.Status, "4") && !delayRE.MatchString(m.Subject)
			}
			return b, ""
		}
		// a report without per-recipient fields: fall through to the text
	}
	if !looksLikeBounce(m, env, explanation) {
		return nil, ""
	}
	if challengeRE.MatchString(explanation()) && !statusRE.MatchString(explanation()) {
		return nil, "challenge-response: the recipient's filter asks the sender to confirm"
	}
	b = &Bounce{}
	for _, v := range env.GetHeaderValues("X-Failed-Recipients") {
		for _, e := range emailRE.FindAllStringSubmatch(v, 50) {
			b.Recipients = appendUnique(b.Recipients, strings.ToLower(e[1]))
		}
	}
	if len(b.Recipients) == 0 {
		b.Recipients = textRecipients(m, explanation(), replyTo)
	}
	head := explanation()
	if s := statusRE.FindStringSubmatch(head); s != nil {
		b.Status = s[1]
	}
	if d := smtpLineRE.FindString(head); d != "" {
		b.Diagnostic = strings.TrimSpace(d)
	}
	switch {
	case strings.HasPrefix(b.Status, "5"):
		b.Permanent = true
	case strings.HasPrefix(b.Status, "4"):
	case smtpCodeRE.MatchString(head):
		b.Permanent = strings.HasPrefix(smtpCodeRE.FindStringSubmatch(head)[1], "5")
	default:
		b.Permanent = !delayRE.MatchString(head) && !delayRE.MatchString(m.Subject)
	}
	if delayRE.MatchString(m.Subject) && !strings.HasPrefix(b.Status, "5") {
		b.Permanent = false
	}
	return b, ""
}

// reportRecipients finds a multipart/report of type delivery-status and
// returns its per-recipient fields (enmime's dsn package, with a lenient
// reading of the delivery-status part when the report is malformed).
func reportRecipients(root *enmime.Part) ([]dsnRecipient, bool) {
	report := findPart(root, func(p *enmime.Part) bool {
		return p.ContentType == "multipart/report" && !strings.EqualFold(p.ContentTypeParams["report-type"], "disposition-notification") &&
			!strings.EqualFold(p.ContentTypeParams["report-type"], "feedback-report")
	})
	status := findPart(root, func(p *enmime.Part) bool {
		return p.ContentType == "message/delivery-status" || p.ContentType == "message/global-delivery-status"
	})
	if report == nil && status == nil {
		return nil, false
	}
	var out []dsnRecipient
	if report != nil {
		if r, err := dsn.ParseReport(report); err == nil && r != nil {
			for _, h := range r.DeliveryStatus.RecipientDSNs {
				out = append(out, dsnRecipient{
					addr:       dsnAddress(h.Get("Final-Recipient"), h.Get("Original-Recipient")),
					action:     strings.ToLower(strings.TrimSpace(h.Get("Action"))),
					status:     firstField(h.Get("Status")),
					diagnostic: strings.Join(strings.Fields(h.Get("Diagnostic-Code")), " "),
				})
			}
		}
	}
	if len(out) == 0 && status != nil {
		out = parseStatusFields(string(status.Content))
	}
	return out, true
}

func findPart(root *enmime.Part, match func(*enmime.Part) bool) *enmime.Part {
	var found *enmime.Part
	var walk func(p *enmime.Part)
	walk = func(p *enmime.Part) {
		for ; p != nil && found == nil; p = p.NextSibling {
			if match(p) {
				found = p
				return
			}
			walk(p.FirstChild)
		}
	}
	walk(root)
	return found
}

// parseStatusFields reads the fields of a message/delivery-status body
// leniently: blocks need not be separated by blank lines; a new
// Final-Recipient or Original-Recipient after a recipient's Action starts
// the next recipient.
func parseStatusFields(s string) []dsnRecipient {
	if len(s) > 256<<10 {
		s = s[:256<<10]
	}
	var out []dsnRecipient
	var cur map[string]string
	flush := func() {
		if cur != nil && (cur["final-recipient"] != "" || cur["original-recipient"] != "" || cur["action"] != "") {
			out = append(out, dsnRecipient{
				addr:       dsnAddress(cur["final-recipient"], cur["original-recipient"]),
				action:     strings.ToLower(strings.TrimSpace(cur["action"])),
				status:     firstField(cur["status"]),
				diagnostic: strings.Join(strings.Fields(cur["diagnostic-code"]), " "),
			})
		}
		cur = nil
	}
	last := ""
	for _, line := range strings.Split(normalizeText(s), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && cur != nil && last != "" {
			cur[last] += " " + strings.TrimSpace(line)
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		switch k {
		case "reporting-mta", "received-from-mta", "arrival-date", "x-postfix-queue-id", "x-postfix-sender", "dsn-gateway":
			if cur != nil && cur["action"] != "" {
				flush()
			}
			continue
		case "final-recipient", "original-recipient":
			if cur != nil && (cur[k] != "" || cur["action"] != "") {
				flush()
			}
		}
		if cur == nil {
			cur = map[string]string{}
		}
		if cur[k] == "" {
			cur[k] = v
		}
		last = k
	}
	flush()
	return out
}

// dsnAddress takes the address out of "rfc822; user@example.org".
func dsnAddress(final, original string) string {
	for _, f := range []string{final, original} {
		if _, a, ok := strings.Cut(f, ";"); ok {
			f = a
		}
		if m := emailRE.FindStringSubmatch(f); m != nil {
			return strings.ToLower(m[1])
		}
	}
	return ""
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return strings.TrimSuffix(f[0], ",")
	}
	return ""
}

var (
	daemonLocalRE = regexp.MustCompile(`(?i)^(?:mailer-daemon|mailer_daemon|maildaemon|mail-daemon|postmaster|mdaemon|mail\.?delivery(?:\.?subsystem)?|bounces?|nobody|nonexistent|no-?reply|do-?not-?reply)@`)
	daemonNameRE  = regexp.MustCompile(`(?i)mail\s+delivery\s+(?:subsystem|system|service)|mailer[-_ ]?daemon|mail\s+administrator|postmaster|microsoft\s+outlook|system\s+administrator|mail\s+system|delivery\s+status|internet\s+mail\s+delivery`)
	bounceSubjRE  = regexp.MustCompile(`(?i)^(?:(?:re|fw|fwd|tr)\s*:\s*)?(?:undeliver(?:able|ed)|undelivered\s+mail|delivery\s+status\s+notification|returned\s+mail|mail\s+delivery\s+fail(?:ed|ure)|メールエラー|配信エラー|配信不能|送信エラー|未配達|退信|投递失败|delivery\s+failure|failure\s+notice|delivery\s+notification|delivery\s+(?:has\s+)?failed|message\s+(?:not\s+delivered|delivery\s+failure)|warning:\s+could\s+not\s+send|could\s+not\s+send\s+message|mail\s+system\s+error|delayed\s+mail|delivery\s+delayed|non\s+remis|non\s+distribuable|[ée]chec\s+de\s+(?:la\s+)?remise|message\s+non\s+remis|no\s+se\s+puede\s+entregar|no\s+entregado|error\s+de\s+entrega|nondeliverable|nicht\s+zustellbar|unzustellbar|rejected|returned\s+to\s+sender|mail\s+could\s+not\s+be\s+delivered|notification\s+de\s+l['’][ée]tat\s+de\s+la\s+distribution)`)
	bounceTextRE  = regexp.MustCompile(`(?i)delivery\s+(?:has\s+)?failed|could\s+not\s+be\s+delivered|couldn['’]t\s+be\s+delivered|wasn['’]t\s+delivered|undeliverable|user\s+unknown|unknown\s+user|no\s+such\s+(?:user|mailbox|address)|mailbox\s+(?:unavailable|full|not\s+found|is\s+full|quota)|recipient\s+address\s+rejected|message\s+not\s+delivered|following\s+(?:address|recipient)(?:es|s)?\s+failed|permanent\s+(?:fatal\s+)?error|permanent\s+failure|this\s+is\s+a\s+permanent\s+error|returned\s+mail|host\s+unknown|failed\s+permanently|unrouteable|does\s+not\s+exist|delivery\s+to\s+the\s+following\s+recipients?|not\s+be\s+delivered|not\s+delivered|quota\s+exceeded|over\s+quota|n['’]a\s+pas\s+pu\s+[êe]tre\s+(?:remis|distribu)|no\s+se\s+(?:pudo|ha\s+podido)\s+entregar|rejected|retry\s+timeout|has\s+failed|full\s+mailbox|temporary\s+failure|delivery\s+(?:is\s+)?delayed|has\s+not\s+yet\s+been\s+delivered|smtp\s+error|\b5\.\d{1,3}\.\d{1,3}\b|\b55[0-4][ -]`)
	statusRE      = regexp.MustCompile(`\b([245]\.\d{1,3}\.\d{1,3})\b`)
	smtpCodeRE    = regexp.MustCompile(`\b([45][0-5]\d)[ -]`)
	smtpLineRE    = regexp.MustCompile(`(?m)^.*\b[45][0-5]\d[ -].*$`)
	delayRE       = regexp.MustCompile(`(?i)\b(?:delay(?:ed)?|temporar(?:y|ily)|will\s+(?:continue\s+to\s+)?retry|still\s+trying|not\s+yet\s+been\s+delivered|deferred|warning)\b`)
	challengeRE   = regexp.MustCompile(`(?i)not\s+pre-?approved|challenge[\s-]response|guest\s*list|boxbe|spam\s*arrest|verify\s+(?:your|that\s+you)|confirm\s+(?:that\s+)?you\s+are\s+(?:a\s+)?(?:human|real)|approve\s+(?:your|this)\s+(?:message|e-?mail)|whitelist`)
	copyMarkerRE  = regexp.MustCompile(`(?im)^.*(?:this\s+is\s+a\s+copy\s+of\s+the\s+message|original\s+message\s+follows|below\s+this\s+line\s+is\s+a\s+copy|-+\s*original\s+message\s*-+|the\s+original\s+message\s+was\s+received|headers\s+of\s+the\s+original\s+message|^received:\s|^return-path:\s|^message-id:\s)`)
)

// looksLikeBounce recognises the non-standard bounces; explanation returns
// the bounceExplanation of the text.
func looksLikeBounce(m *Message, env *enmime.Envelope, explanation func() string) bool {
	if env.GetHeader("X-Failed-Recipients") != "" {
		return true
	}
	daemon := daemonLocalRE.MatchString(m.From) || daemonNameRE.MatchString(m.FromName) || (m.From == "" && daemonNameRE.MatchString(env.GetHeader("From")))
	subj := bounceSubjRE.MatchString(m.Subject)
	if !daemon && !subj {
		return false // the text alone never makes a bounce: do not read it
	}
	nullPath := strings.TrimSpace(env.GetHeader("Return-Path")) == "<>"
	if subj && (daemon || nullPath) {
		return true
	}
	return bounceTextRE.MatchString(explanation())
}

// bounceExplanation is the human-readable part of a bounce, before the copy
// of the original message.
func bounceExplanation(text string) string {
	if len(text) > 64<<10 {
		text = text[:64<<10]
	}
	if loc := copyMarkerRE.FindStringIndex(text); loc != nil && loc[0] > 0 {
		return text[:loc[0]]
	}
	return text
}

// textRecipients finds the failed addresses in a bounce's explanation
// (bounceExplanation): its addresses, except the sender's, ours and the
// daemons'.
func textRecipients(m *Message, explanation, replyTo string) []string {
	var out []string
	for _, line := range strings.Split(explanation, "\n") {
		low := strings.ToLower(line)
		if strings.Contains(low, "message-id") || strings.Contains(low, "received:") || strings.HasPrefix(strings.TrimSpace(low), "from:") {
			continue
		}
		for _, e := range emailRE.FindAllStringSubmatch(line, 20) {
			a := strings.ToLower(e[1])
			if a == m.From || daemonLocalRE.MatchString(a) || strings.EqualFold(a, replyTo) || containsFold(m.To, a) {
				continue
			}
			out = appendUnique(out, a)
			if len(out) >= 20 {
				return out
			}
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// reportReview names the reports that are neither bounces nor replies:
// abuse feedback reports (RFC 5965).
func reportReview(env *enmime.Envelope) string {
	if p := findPart(env.Root, func(p *enmime.Part) bool {
		return p.ContentType == "multipart/report" && strings.EqualFold(p.ContentTypeParams["report-type"], "feedback-report") ||
			p.ContentType == "message/feedback-report"
	}); p != nil {
		return "abuse feedback report (a recipient marked our mail as spam)"
	}
	return ""
}
