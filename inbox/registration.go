package inbox

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"convene/meeting"
)

// Registration is what the text of a reply says about a mission's delegation.
type Registration struct {
	Delegates []meeting.Delegate // delegates to register, in the order written
	Withdrawn []string           // e-mail addresses (or names, when no address was given) withdrawn
	Replaced  []Replacement      // corrections; their New delegates are not repeated in Delegates
	Declined  bool               // the mission will not attend at all
	Problems  []string           // what could not be read with certainty
	// NotDelegates are addresses the text gives as someone to contact, not
	// as a delegate ("for any question, please contact Mr. X, x@…")
	NotDelegates []string

	cut []string // what was not read at all (cuts.go): the reply goes to review
}

// Replacement is a correction: the delegate Old (an address, or a name when
// no address was given) is replaced by New.
type Replacement struct {
	Old string           `json:"old"`
	New meeting.Delegate `json:"new"`
}

// Empty reports whether r says nothing about the delegation.
func (r Registration) Empty() bool {
	return len(r.Delegates) == 0 && len(r.Withdrawn) == 0 && len(r.Replaced) == 0 && !r.Declined
}

// MaxRegistrationText is how much text ParseRegistration reads; the rest is
// ignored (and reported as a problem).
const MaxRegistrationText = 256 << 10

// ParseRegistration reads the new text of a reply (quotes and signature
// already stripped, see [StripReply]): the reply form with its labels in
// English, French or Spanish, text tables with a header row, free text with
// one delegate per line or several separated by semicolons, corrections
// ("replace X by Y") and withdrawals ("X will no longer attend"). An e-mail
// address anchors a delegate in free text; in the form a Name alone is
// enough, with a problem noted. It never panics.
func ParseRegistration(text string) Registration { return parseRegistration(text, false) }

// parseRegistration with formOnly reads only labelled form fields and
// tables: for text that may hold quoted headers and attributions.
func parseRegistration(text string, formOnly bool) Registration {
	p := &regParser{}
	if len(text) > MaxRegistrationText {
		text = text[:MaxRegistrationText]
		p.problem("text longer than %d bytes: the rest was not read", MaxRegistrationText)
		p.reg.cut = append(p.reg.cut, p.reg.Problems[len(p.reg.Problems)-1])
	}
	p.split(normalizeText(text))
	if !formOnly {
		p.corrections()
	}
	p.textTables()
	p.form()
	if !formOnly {
		p.freeText()
		p.unplaced() // careful.go
	}
	return p.result()
}

// found is a delegate and the logical line it was read from.
type found struct {
	d    meeting.Delegate
	line int
}

type regParser struct {
	lines    []string // logical lines (soft-wrapped prose joined)
	used     []bool
	found    []found
	reg      Registration
	replLine []int // line of each Replaced entry whose New is still to come
}

func (p *regParser) problem(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if !slices.Contains(p.reg.Problems, s) {
		p.reg.Problems = append(p.reg.Problems, s)
	}
}

var (
	emailRE = regexp.MustCompile(`(?i)(?:mailto:)?([a-z0-9][a-z0-9._%+'\-]*@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,})`)
)

// split cuts text into logical lines: prose soft-wrapped by the mail client
// is joined back, form lines and list items stay on their own.
func (p *regParser) split(text string) {
	// the raw lines are those of strings.Split(text, "\n"): raw is the
	// current one, rest the text after its line feed, when more
	p.lines = make([]string, 0, strings.Count(text, "\n")+1)
	// joined lines are written one after the other in one buffer, which
	// holds them all (a join replaces a line feed by a space)
	var b strings.Builder
	raw, rest, more := strings.Cut(text, "\n")
	for {
		line := strings.TrimRight(raw, " \t")
		// what the joined line holds is tracked as it grows, so that a long
		// paragraph costs its length, not its length squared
		n, cells, at := len(line), hasCellSep(line), strings.Contains(line, "@")
		start := -1
		for more && n > 50 && n < 2000 && !endsSentence(line[n-1]) && !cells && isContinuation(firstLine(rest), at) {
			if start < 0 {
				if b.Cap() == 0 {
					b.Grow(len(text))
				}
				start = b.Len()
				b.WriteString(line)
			}
			raw, rest, more = strings.Cut(rest, "\n")
			next := strings.TrimSpace(raw) // not empty: isContinuation
			b.WriteByte(' ')
			b.WriteString(next)
			line = b.String()[start:]
			n = len(line)
			cells = cells || hasCellSep(next)
			at = at || strings.Contains(next, "@")
		}
		p.lines = append(p.lines, line)
		if !more {
			break
		}
		raw, rest, more = strings.Cut(rest, "\n")
	}
	p.used = make([]bool, len(p.lines))
}

// firstLine returns s up to its first line feed.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// hasCellSep is strings.ContainsAny(s, "|\t"), faster.
func hasCellSep(s string) bool {
	return strings.IndexByte(s, '|') >= 0 || strings.IndexByte(s, '\t') >= 0
}

// endsSentence reports whether c, the last byte of a line, is sentence
// punctuation ([.:;!?)]$).
func endsSentence(c byte) bool { return strings.IndexByte(".:;!?)", c) >= 0 }

func isContinuation(next string, hasAddress bool) bool {
	t := strings.TrimSpace(next)
	if t == "" {
		return false
	}
	// the cheap test first: the bullet and label tests only veto
	r, _ := utf8.DecodeRuneInString(t)
	if !unicode.IsLower(r) && (hasAddress || !strings.Contains(t, "@") || strings.ContainsAny(t, "|\t")) {
		return false
	}
	if loc := bulletRE.FindStringIndex(next); loc != nil && next[loc[1]:] != t {
		return false // a bullet: stripBullet(next) is not t
	}
	f, _, sep := matchLabel(t)
	return f == fNone || !sep
}

// ---- result ----

func (p *regParser) result() Registration {
	// a correction whose new delegate was given below it, in the form
	for k, at := range p.replLine {
		if at < 0 {
			continue
		}
		for j, f := range p.found {
			if f.line > at {
				p.reg.Replaced[k].New = f.d
				p.found = slices.Delete(p.found, j, j+1)
				break
			}
		}
		if p.reg.Replaced[k].New == (meeting.Delegate{}) {
			p.problem("the replacement of %s is not named", p.reg.Replaced[k].Old)
		}
	}
	slices.SortStableFunc(p.found, func(a, b found) int { return a.line - b.line })
	byEmail := map[string]int{}
	byName := map[string]int{}
	for _, f := range p.found {
		d := f.d
		d.Name = collapseSpaces(d.Name)
		d.Title = collapseSpaces(d.Title)
		d = cleanDelegate(d) // honorifics.go
		if d.Email != "" {
			if k, ok := byEmail[d.Email]; ok {
				mergeDelegate(&p.reg.Delegates[k], d)
				continue
			}
		}
		if key := strings.ToLower(d.Name); key != "" {
			if k, ok := byName[key]; ok && (p.reg.Delegates[k].Email == "" || d.Email == "") {
				mergeDelegate(&p.reg.Delegates[k], d)
				if d.Email != "" {
					byEmail[d.Email] = k
				}
				continue
			}
		}
		if d.Email != "" {
			byEmail[d.Email] = len(p.reg.Delegates)
		}
		if d.Name != "" {
			byName[strings.ToLower(d.Name)] = len(p.reg.Delegates)
		}
		p.reg.Delegates = append(p.reg.Delegates, d)
	}
	cleanAll(nil, p.reg.Withdrawn, p.reg.Replaced) // honorifics.go
	var withdrawn []string
	for _, w := range p.reg.Withdrawn {
		withdrawn = appendUnique(withdrawn, w)
	}
	p.reg.Withdrawn = withdrawn
	for _, d := range p.reg.Delegates {
		if d.Email == "" {
			p.problem("no e-mail address for %s", d.Name)
		}
	}
	return p.reg
}

func mergeDelegate(dst *meeting.Delegate, d meeting.Delegate) {
	if dst.Name == "" {
		dst.Name = d.Name
	}
	if dst.Title == "" {
		dst.Title = d.Title
	}
	if dst.Email == "" {
		dst.Email = d.Email
	}
}

func collapseSpaces(s string) string { return strings.Join(strings.Fields(s), " ") }
