package inbox

import (
	"math/rand/v2"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
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

// splitSlow is regParser.split as it was: strings.Split, then each line
// joined with those that continue it.
func splitSlow(text string) []string {
	raw := strings.Split(text, "\n")
	var lines []string
	for i := 0; i < len(raw); i++ {
		line := strings.TrimRight(raw[i], " \t")
		for i+1 < len(raw) && len(line) > 50 && len(line) < 2000 && !endsSentence(line[len(line)-1]) &&
			!strings.ContainsAny(line, "|\t") && isContinuationSlow(raw[i+1], strings.Contains(line, "@")) {
			i++
			line += " " + strings.TrimSpace(raw[i])
		}
		lines = append(lines, line)
	}
	return lines
}

func isContinuationSlow(next string, hasAddress bool) bool {
	t := strings.TrimSpace(next)
	if t == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t)
	if !unicode.IsLower(r) && (hasAddress || !strings.Contains(t, "@") || strings.ContainsAny(t, "|\t")) {
		return false
	}
	if bulletRE.MatchString(next) && stripBullet(next) != t {
		return false
	}
	f, _, sep := matchLabel(t)
	return f == fNone || !sep
}

func checkSplit(t *testing.T, text string) {
	t.Helper()
	p := &regParser{}
	p.split(text)
	if want := splitSlow(text); !slices.Equal(p.lines, want) {
		t.Fatalf("split(%q) = %q, want %q", text, p.lines, want)
	}
	if len(p.used) != len(p.lines) {
		t.Fatalf("split(%q): %d used for %d lines", text, len(p.used), len(p.lines))
	}
}

// splitTexts are the test messages, and texts made of their lines and of
// random lines.
func splitTexts(t testing.TB, n int) []string {
	var texts []string
	for _, data := range testTexts(t) {
		texts = append(texts, normalizeText(data))
	}
	r := rand.New(rand.NewPCG(2, 9))
	long := []string{
		"the delegation of Arcadia would like to thank the secretariat for its kind",
		"invitation to the meetings and wishes to inform you that it will be represented",
		"Name: Mr. John Smith, who will attend the meetings of the Convention in June",
		"- first item of a list that is long enough to be joined with the next line",
		"| a cell | another cell that is long enough to be a line of more than fifty",
		"write to j.smith@x.example about the meetings of the Convention in June and",
		"jane.roe@x.example", "  ", "", "Mr. John Smith", "1. Ms. Jane Roe", "name: x",
	}
	for range n {
		var b strings.Builder
		for k := r.IntN(10); k >= 0; k-- {
			switch r.IntN(3) {
			case 0:
				b.WriteString(randomFilterLine(r))
			default:
				b.WriteString(long[r.IntN(len(long))])
			}
			b.WriteString([]string{"\n", "\n", " ", ".\n", "\n\n"}[r.IntN(5)])
		}
		texts = append(texts, b.String())
	}
	return texts
}

func TestSplitAgrees(t *testing.T) {
	for _, text := range splitTexts(t, 5000) {
		checkSplit(t, text)
	}
}

// FuzzSplit checks regParser.split against splitSlow.
func FuzzSplit(f *testing.F) {
	for _, text := range splitTexts(f, 200) {
		if len(text) <= 16<<10 {
			f.Add(text)
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 16<<10 {
			return
		}
		checkSplit(t, text)
	})
}
