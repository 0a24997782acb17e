package inbox

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// A gatedRE is a regular expression that cannot match an ASCII line unless
// the line holds one of its keywords, case aside. A line of prose is
// scanned once for all keywords (keywordMask); the regexps whose keywords
// are absent are not run. A line with a byte beyond ASCII runs them all.
type gatedRE struct {
	*regexp.Regexp
	need uint64 // keyword bits; one of them must be in the line
}

// keywords are the lower-case ASCII keywords of the gated regexps; byFirst
// lists them by their first letter.
var (
	keywords []string
	byFirst  [26][]int
)

// gated compiles expr with its space-separated keywords: every match of
// expr in an ASCII string must contain one of them, ignoring case.
func gated(keys, expr string) gatedRE {
	g := gatedRE{Regexp: regexp.MustCompile(expr)}
	for _, k := range strings.Fields(keys) {
		if k[0] < 'a' || k[0] > 'z' {
			panic(fmt.Sprintf("inbox: keyword %q must start with a lower-case letter", k))
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
			byFirst[k[0]-'a'] = append(byFirst[k[0]-'a'], i)
		}
		g.need |= 1 << i
	}
	return g
}

// allKeywords is the mask of a line that must run every regexp.
const allKeywords = ^uint64(0)

// keywordMask returns the bits of the keywords s holds, or allKeywords when
// s holds a byte beyond ASCII (case folding may then match runes such as
// U+212A KELVIN SIGN for k: the regexps decide).
func keywordMask(s string) uint64 {
	var mask uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return allKeywords
		}
		c |= 0x20
		if c < 'a' || c > 'z' {
			continue
		}
		for _, k := range byFirst[c-'a'] {
			if hasPrefixFold(s[i:], keywords[k]) {
				mask |= 1 << k
			}
		}
	}
	return mask
}
