package inbox

import (
	"bytes"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"

	"convene/meeting"
)

// The one rule of the reader: when it notices anything it could not read
// with certainty, the message is not applied. settle enforces it once, at the
// end of classification, whatever path the message took: a reply that
// carries (or may carry) a registration and has an uncertain problem goes to
// review with every problem listed, and with what was read so far kept on
// the message for the review desk.

// settle finishes the classification of m: names are cleaned of forms of
// address, every address of the new text must be accounted for, and any
// uncertainty sends the message to review.
func settle(m *Message, env *enmime.Envelope) {
	if m.Kind != KindRegistration && m.Kind != KindOther {
		// bounces, automatic replies and calendar answers are read from
		// structured reports and headers; their readers send their own
		// doubts to review (bounce.go, autoreply.go), and they never carry
		// delegates.
		return
	}
	cleanNames(m)
	if env != nil {
		charsetProblems(m, env.Root)
	}
	if m.Kind == KindRegistration {
		for _, d := range m.Delegates {
			switch {
			case d.Name == "":
				m.problem("no name for the delegate %s", d.Email)
			case headerLabel(d.Name):
				// "Bcc: x@…" in the text (a quoted header block, or an
				// injected line): a header's label is not a person
				m.problem("%q is a mail header's label, not a delegate's name (%s)", d.Name, d.Email)
			}
		}
		for _, r := range m.Replaced {
			if r.New.Name == "" && r.New.Email != "" {
				m.problem("no name for the delegate %s", r.New.Email)
			}
		}
		if m.Declined && len(m.Withdrawn) > 0 {
			m.problem("the reply both declines and withdraws named delegates: a withdrawal or the whole mission?")
		}
		for _, a := range unaccounted(m) {
			m.problem("address %s was not read as a delegate", a)
		}
	}
	// what is not uncertain is a note, not a problem: every problem left
	// sends the message to review, so that `convene parse` and the review
	// desk show needs_review whenever there is one
	var doubts []string
	for _, p := range m.Problems {
		if uncertain(p) {
			doubts = append(doubts, p)
		} else {
			m.Notes = append(m.Notes, p)
		}
	}
	m.Problems = doubts
	if len(doubts) > 0 {
		m.review("not read with certainty: %s", strings.Join(doubts, "; "))
	}
}

// uncertain reports whether a problem the reader noted means that something
// may have been read wrongly or not at all. Everything is uncertain except
// these notes, which say nothing about the reading of the text:
//
//   - "no e-mail address for X": the delegate X was read with certainty
//     (a form's Name field, the new delegate of a correction); the mission
//     simply gave no address, and the workflow asks it for one (the
//     clarification answer) rather than a person guessing it.
//   - "Date: …": a malformed Date header; the date is not read from it
//     and nothing depends on it.
//   - enmime's missing Content-Type warning (the part is text/plain by
//     RFC 2046) and its missing-recipient warning (about the header).
func uncertain(p string) bool {
	switch {
	case strings.HasPrefix(p, "no e-mail address for "):
		return false
	case strings.HasPrefix(p, "Date: "):
		return false
	case strings.HasPrefix(p, "MIME: [W] "+enmime.ErrorMissingContentType+":"),
		strings.HasPrefix(p, "MIME: [W] "+enmime.ErrorMissingRecipient):
		return false
	}
	return true
}

// cleanNames takes the forms of address out of the names read (they belong
// on no badge or invitation), moving a rank written before a name into the
// title.
func cleanNames(m *Message) { cleanAll(m.Delegates, m.Withdrawn, m.Replaced) }

// cleanAll cleans the names of delegates, withdrawals and corrections in
// place.
func cleanAll(delegates []meeting.Delegate, withdrawn []string, replaced []Replacement) {
	for i := range delegates {
		delegates[i] = cleanDelegate(delegates[i])
	}
	for i := range replaced {
		replaced[i].New = cleanDelegate(replaced[i].New)
		if !strings.Contains(replaced[i].Old, "@") {
			replaced[i].Old, _ = splitHonorifics(replaced[i].Old)
		}
	}
	for i, w := range withdrawn {
		if !strings.Contains(w, "@") {
			withdrawn[i], _ = splitHonorifics(w)
		}
	}
}

// cleanDelegate strips the forms of address from d's name; a rank before the
// name ("Colonel Jean Martin") goes to the front of the title unless the
// title already names it.
func cleanDelegate(d meeting.Delegate) meeting.Delegate {
	name, rank := splitHonorifics(d.Name)
	d.Name = name
	if rank != "" && !strings.Contains(strings.ToLower(d.Title), strings.ToLower(rank)) {
		if d.Title == "" {
			d.Title = rank
		} else {
			d.Title = rank + ", " + d.Title
		}
	}
	return d
}

// unaccounted returns the addresses of the new text that are neither a
// delegate, a withdrawn or replaced delegate, the sender, nor an address
// known not to be a delegate's (a signature, a contact for questions).
func unaccounted(m *Message) []string {
	known := map[string]bool{m.From: true}
	for _, d := range m.Delegates {
		known[d.Email] = true
	}
	for _, w := range m.Withdrawn {
		known[strings.ToLower(w)] = true
	}
	for _, r := range m.Replaced {
		known[strings.ToLower(r.Old)] = true
		known[r.New.Email] = true
	}
	for _, a := range m.NotDelegates {
		known[a] = true
	}
	var out []string
	for _, loc := range emailRE.FindAllStringSubmatch(m.Body, 200) {
		a := strings.ToLower(loc[1])
		if !known[a] {
			known[a] = true
			out = append(out, a)
		}
	}
	return out
}

// charsetProblems notes the text parts whose characters were not read with
// certainty: a part with 8-bit text and no declared charset (enmime guessed
// one, or kept the bytes), or text holding undecodable characters.
func charsetProblems(m *Message, root *enmime.Part) {
	var walk func(p *enmime.Part)
	walk = func(p *enmime.Part) {
		for ; p != nil; p = p.NextSibling {
			if (p.ContentType == "text/plain" || p.ContentType == "text/html" || p.ContentType == "" && p.FirstChild == nil) && p.Disposition != "attachment" {
				declared := declaredCharset(p)
				switch {
				case declared == "" && !isASCII(p.Content) && p.Charset != "" && !strings.EqualFold(p.Charset, "utf-8"):
					m.problem("no charset declared: the text was read as %s, a guess", p.Charset)
				case !utf8.Valid(p.Content) || bytes.Contains(p.Content, replacementChar):
					m.problem("characters that could not be decoded (charset %q)", declared)
				}
			}
			walk(p.FirstChild)
		}
	}
	walk(root)
}

// replacementChar is U+FFFD in UTF-8, which a decoder writes for what it
// could not decode (bytes.ContainsRune of it decodes rune by rune).
var replacementChar = []byte("\uFFFD")

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// declaredCharset returns the charset parameter of a part's Content-Type
// header, or "" (enmime does not fill ContentTypeParams when parsing).
func declaredCharset(p *enmime.Part) string {
	ct := p.Header.Get("Content-Type")
	if _, params, err := mime.ParseMediaType(ct); err == nil {
		return params["charset"]
	}
	i := strings.Index(strings.ToLower(ct), "charset=")
	if i < 0 {
		return ""
	}
	v := strings.TrimLeft(ct[i+len("charset="):], `"' `)
	if j := strings.IndexAny(v, `"'; `); j >= 0 {
		v = v[:j]
	}
	return v
}

// unplaced notes the lines left unread that name a person with a form of
// address ("Mr. Paul Green, Adviser" without an address, "H.E. Mr. X will
// head the delegation"): a careful reader does not drop a person silently.
func (p *regParser) unplaced() {
	for i, line := range p.lines {
		if p.used[i] || strings.Contains(line, "@") {
			continue
		}
		t := strings.TrimSpace(stripBullet(line))
		if t == "" || len(t) > 300 || greetingRE.MatchString(t) || closingRE.MatchString(t) {
			continue
		}
		t = stripArticle(t)
		if loc := honorificRE.FindStringIndex(t); loc == nil || loc[1] == 0 {
			continue
		}
		if name := leadingName(t); len(strings.Fields(name)) >= 3 {
			// a form of address and at least two words of a name
			p.problem("%q names a person but gives no address: not read as a delegate", clip(t, 80))
		}
	}
}

// headerLabel reports whether name is the label of a mail header as clients
// write them in en/fr/es (To, Cc, Bcc, From, Sent, Date, Subject…): a line
// "Bcc: x@example" read as a delegate named "Bcc".
func headerLabel(name string) bool {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "to", "cc", "bcc", "from", "reply-to", "sender", "sent", "date", "subject",
		"à", "a", "de", "cci", "objet", "envoyé", "envoyé le", "répondre à",
		"para", "cco", "asunto", "enviado", "enviado el", "fecha", "responder a":
		return true
	}
	return false
}
