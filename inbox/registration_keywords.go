package inbox

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"unicode/utf8"
)

// A gatedRE is a regular expression whose every match holds one of its
// keywords, ASCII case aside (U+017F LATIN SMALL LETTER LONG S matching s and
// U+212A KELVIN SIGN k, as they do in (?i) regexps). A line is scanned once
// for all keywords (keywordMask); the regexps whose keywords are absent are
// not run.
type gatedRE struct {
	*regexp.Regexp
	need []uint64 // clauses of keyword bits: each must have one in the line
	// filter tells that the regexp cannot match a line (built on first
	// use); for a regexp with a lazy subject, ^(?P<who>.+?)\s+REST, it is
	// that of \s(?:REST), whose match must follow the first rune (subject)
	filter  func() *dfaFilter
	subject bool
}

// may reports whether the regexp may match a line with the keywords of mask.
func (g gatedRE) may(mask uint64) bool {
	for _, c := range g.need {
		if c&mask == 0 {
			return false
		}
	}
	return true
}

// keywords are the lower-case ASCII keywords of the gated regexps; byPair
// lists them by their first two letters, and thirds holds for each pair the
// bits of their third letters (bit 26: a keyword of two letters).
var (
	keywords []string
	byPair   [26 * 26][]uint8
	thirds   [26 * 26]uint32
)

// gated compiles expr with its keywords: clauses separated by "+", each a
// list of words separated by spaces. Every match of expr holds a word of
// each clause (folded as keywordMask folds).
func gated(keys, expr string) gatedRE {
	g := gatedRE{Regexp: regexp.MustCompile(expr)}
	filterExpr := expr
	if tail := subjectTail(expr); tail != "" {
		filterExpr, g.subject = tail, true
	}
	g.filter = sync.OnceValue(func() *dfaFilter { return newDFAFilter(filterExpr, false) })
	for clause := range strings.SplitSeq(keys, "+") {
		g.need = append(g.need, keywordBits(clause))
	}
	return g
}

// subjectTail returns \s(?:REST) for a regexp (?i)^(?P<name>.+?)\s+REST,
// whose lazy subject any line can start with, or "" for another regexp.
func subjectTail(expr string) string {
	m := subjectRE.FindStringSubmatch(expr)
	if m == nil {
		return ""
	}
	// REST in brackets must be what it was: the regexp rebuilt from the
	// same subject and the bracketed tail must parse as expr does
	if same, err := sameRegexp(expr, m[1]+"(?:"+m[2]+")"); err != nil || !same {
		panic(fmt.Sprintf("inbox: %s: the tail after the subject is not one piece", expr))
	}
	return `(?i)\s(?:` + m[2] + ")"
}

// subjectRE matches the start of a regexp with a lazy subject.
var subjectRE = regexp.MustCompile(`^(\(\?i\)\^\(\?P<\w+>\.\+\?\)\\s\+)(.+)$`)

// sameRegexp reports whether two regexps parse to the same program.
func sameRegexp(a, b string) (bool, error) {
	ra, err := syntax.Parse(a, syntax.Perl)
	if err != nil {
		return false, err
	}
	rb, err := syntax.Parse(b, syntax.Perl)
	if err != nil {
		return false, err
	}
	return ra.Simplify().Equal(rb.Simplify()), nil
}

// mayMatch reports whether the regexp may match s, by its filter: a match
// of a regexp with a lazy subject, ^(?P<who>.+?)\s+REST, has white space
// and REST after the first rune of s.
func (g gatedRE) mayMatch(s string) bool {
	if g.subject {
		_, n := utf8.DecodeRuneInString(s)
		s = s[n:]
	}
	return g.filter().may(s)
}

// match reports whether the regexp matches s, a line with the keywords of
// mask.
func (g gatedRE) match(s string, mask uint64) bool {
	return g.may(mask) && g.mayMatch(s) && g.MatchString(s)
}

// find is FindStringSubmatch on s, a line with the keywords of mask.
func (g gatedRE) find(s string, mask uint64) []string {
	if !g.may(mask) || !g.mayMatch(s) {
		return nil
	}
	return g.FindStringSubmatch(s)
}

// keywordBits returns the bits of the space-separated keywords, adding the
// new ones to keywords.
func keywordBits(keys string) uint64 {
	var bits uint64
	for _, k := range strings.Fields(keys) {
		if len(k) < 2 || strings.TrimFunc(k, func(r rune) bool { return r >= 'a' && r <= 'z' }) != "" {
			panic(fmt.Sprintf("inbox: keyword %q must be two lower-case letters or more", k))
		}
		i := len(keywords)
		for j, w := range keywords {
			if w == k {
				i = j
			}
		}
		if i == len(keywords) {
			if i == 64 {
				panic("inbox: more than 64 keywords")
			}
			keywords = append(keywords, k)
			pair := int(k[0]-'a')*26 + int(k[1]-'a')
			byPair[pair] = append(byPair[pair], uint8(i))
			thirds[pair] |= thirdBit(k[2:])
		}
		bits |= 1 << i
	}
	if bits == 0 {
		panic("inbox: a keyword clause without keywords")
	}
	return bits
}

// keywordMask returns the bits of the keywords s holds.
func keywordMask(s string) uint64 {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			var buf [1024]byte // a line of corrections fits
			return asciiKeywordMask(foldASCII(buf[:0], s))
		}
	}
	return asciiKeywordMask(s)
}

// foldASCII appends s to b with U+017F replaced by s, U+212A by k and the
// other runes beyond ASCII by a NUL byte, which no keyword holds.
func foldASCII(b []byte, s string) []byte {
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b = append(b, byte(r))
		case r == '\u017f':
			b = append(b, 's')
		case r == '\u212a':
			b = append(b, 'k')
		default:
			b = append(b, 0)
		}
	}
	return b
}

// asciiKeywordMask returns the bits of the keywords s holds, ignoring ASCII
// case. Keywords are looked for where two letters start one.
func asciiKeywordMask[T string | []byte](s T) uint64 {
	var mask uint64
	for i := 0; i+1 < len(s); i++ {
		c1, c2 := s[i]|0x20, s[i+1]|0x20 // lower case, for letters
		if c1 < 'a' || c1 > 'z' || c2 < 'a' || c2 > 'z' {
			continue
		}
		pair := int(c1-'a')*26 + int(c2-'a')
		if thirds[pair] == 0 {
			continue
		}
		third := uint32(1 << 26) // no third letter
		if i+2 < len(s) {
			if c3 := s[i+2] | 0x20; c3 >= 'a' && c3 <= 'z' {
				third = 1 << (c3 - 'a')
			}
		}
		if thirds[pair]&(third|1<<26) == 0 {
			continue
		}
		for _, k := range byPair[pair] {
			if hasPrefixFold(s[i:], keywords[k]) {
				mask |= 1 << k
			}
		}
	}
	return mask
}

// thirdBit is the bit of the third letter of a keyword, rest what follows
// its first two: bit 26 when there is none.
func thirdBit(rest string) uint32 {
	if rest == "" {
		return 1 << 26
	}
	return 1 << (rest[0] - 'a')
}
