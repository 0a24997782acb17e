package inbox

import (
	"math/rand/v2"
	"regexp/syntax"
	"strings"
	"unicode"
)

// The fast paths of the registration parser are checked against their
// regexps by checkFilters (guard_test.go), on the lines of filterLines. The
// lines below are written from the regexps themselves, so that every regexp
// matches some of them and nearly matches others.

// subjectPieces stand for the "any rune" of a regexp: the subjects and
// objects of the sentences, and what makes a line hard for a fast path.
var subjectPieces = []string{
	"Mr. John Smith", "H.E. Ms. Jane Roe", "we", "Our delegation", "the Mission", "j.smith@x.example", "Jane", "x", "é", "ſ", "\u212a",
	" ", "  ", "\t", ",", ".", ";", ":", "(", ")", "'", "’", "will", " will ", " is ", "is", " not ", " no ", " ne ", " ya ", " by ",
	" instead of ", " replaced by ", " no longer ", "\xff", "写道",
}

// sampleLine writes a string that re may match: random choices at each
// alternation and repetition, cases folded at random.
func sampleLine(r *rand.Rand, b *strings.Builder, re *syntax.Regexp) {
	switch re.Op {
	case syntax.OpLiteral:
		for _, c := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 && r.IntN(3) == 0 {
				// another rune of its fold orbit: upper case, ſ, K
				for n := r.IntN(3); n >= 0; n-- {
					c = unicode.SimpleFold(c)
				}
			}
			b.WriteRune(c)
		}
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return
		}
		k := r.IntN(len(re.Rune) / 2)
		lo, hi := re.Rune[2*k], re.Rune[2*k+1]
		hi = min(hi, lo+64)
		b.WriteRune(lo + rune(r.IntN(int(hi-lo)+1)))
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		b.WriteString(subjectPieces[r.IntN(len(subjectPieces))])
	case syntax.OpCapture:
		sampleLine(r, b, re.Sub[0])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 2
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 || hi > lo+2 {
				hi = lo + 2
			}
		}
		for n := lo + r.IntN(hi-lo+1); n > 0; n-- {
			sampleLine(r, b, re.Sub[0])
		}
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			sampleLine(r, b, sub)
		}
	case syntax.OpAlternate:
		sampleLine(r, b, re.Sub[r.IntN(len(re.Sub))])
	}
	// empty-width assertions write nothing
}

// sampledLines returns n lines per regexp of exprs: written from the
// regexp, then some of them changed (cut, a piece inserted, lead-ins).
func sampledLines(r *rand.Rand, exprs []string, n int) []string {
	var lines []string
	for _, expr := range exprs {
		re, err := syntax.Parse(expr, syntax.Perl)
		if err != nil {
			panic(err)
		}
		re = re.Simplify()
		for range n {
			var b strings.Builder
			if r.IntN(4) == 0 {
				b.WriteString(subjectPieces[r.IntN(len(subjectPieces))])
			}
			sampleLine(r, &b, re)
			s := b.String()
			switch r.IntN(6) {
			case 0:
				s = s[:r.IntN(len(s)+1)]
			case 1:
				k := r.IntN(len(s) + 1)
				s = s[:k] + filterPieces[r.IntN(len(filterPieces))] + s[k:]
			case 2:
				s = "Please note that " + s + " " + filterPieces[r.IntN(len(filterPieces))]
			}
			lines = append(lines, s)
		}
	}
	return lines
}

// gatedExprs are the expressions of the gated regexps.
func gatedExprs() []string {
	var out []string
	for _, list := range [][]gatedRE{replaceREs, withdrawREs, notAttendREs, declineREs} {
		for _, re := range list {
			out = append(out, re.String())
		}
	}
	return out
}

// labelExprs are the expressions of the label regexps.
func labelExprs() []string {
	var out []string
	for _, re := range labelREs {
		out = append(out, re.String())
	}
	return out
}
