package inbox

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"unicode"
	"unicode/utf8"
)

// A lineRE is a regular expression anchored at the start of the text (^,
// no (?m)) with the set of runes its matches can start with. Most lines of a
// message fail it at their first rune: MatchString then answers without
// running the regexp, whose backtracker costs the length of the line times
// the size of the program even when it fails at once. The answer is always
// the regexp's own.
type lineRE struct {
	*regexp.Regexp
	start *startFilter
}

// mustLineRE compiles expr, which must be anchored at the start of the text
// and must not match the empty string.
func mustLineRE(expr string) *lineRE {
	re := regexp.MustCompile(expr)
	start, err := newStartFilter(expr)
	if err != nil {
		panic(fmt.Sprintf("inbox: %s: %v", expr, err))
	}
	return &lineRE{Regexp: re, start: start}
}

// MatchString reports whether s contains a match of the regexp.
func (l *lineRE) MatchString(s string) bool {
	return l.start.may(s) && l.Regexp.MatchString(s)
}

// FindStringIndex returns the location of the leftmost match in s, or nil.
func (l *lineRE) FindStringIndex(s string) []int {
	if !l.start.may(s) {
		return nil
	}
	return l.Regexp.FindStringIndex(s)
}

// A startFilter tells from the first two runes of a string that an anchored
// regexp, which cannot match the empty string, cannot match it. The runes
// a match can start with are a set; for a first rune in ASCII, the ASCII
// runes that can follow it are a table, computed by running the regexp's
// program on every pair. Empty-width assertions are taken as true and a
// rune beyond ASCII in second place as possible: may is never false when
// the regexp matches.
type startFilter struct {
	first  runeSet
	any    [128]bool      // after this first rune, any rest may match
	second [128][2]uint64 // after this first rune, the ASCII runes that may follow
}

func newStartFilter(expr string) (*startFilter, error) {
	first, err := startRunes(expr)
	if err != nil {
		return nil, err
	}
	re, _ := syntax.Parse(expr, syntax.Perl)
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, err
	}
	f := &startFilter{first: first}
	// the ASCII runes each instruction consumes
	masks := make([][2]uint64, len(prog.Inst))
	for pc := range prog.Inst {
		in := &prog.Inst[pc]
		switch in.Op {
		case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			for c := rune(0); c < 128; c++ {
				if in.MatchRune(c) {
					masks[pc][c>>6] |= 1 << (c & 63)
				}
			}
		}
	}
	start := closure(prog, nil, uint32(prog.Start))
	for c := 0; c < 128; c++ {
		var next []uint32
		for _, pc := range start {
			if masks[pc][c>>6]&(1<<(c&63)) != 0 {
				next = closure(prog, next, prog.Inst[pc].Out)
			}
		}
		for _, pc := range next {
			switch prog.Inst[pc].Op {
			case syntax.InstMatch:
				f.any[c] = true
			case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
				f.second[c][0] |= masks[pc][0]
				f.second[c][1] |= masks[pc][1]
			}
		}
	}
	return f, nil
}

// closure adds to set the instructions reachable from pc without
// consuming a rune.
func closure(prog *syntax.Prog, set []uint32, pc uint32) []uint32 {
	if slices.Contains(set, pc) {
		return set
	}
	set = append(set, pc)
	in := &prog.Inst[pc]
	switch in.Op {
	case syntax.InstAlt, syntax.InstAltMatch:
		set = closure(prog, set, in.Out)
		set = closure(prog, set, in.Arg)
	case syntax.InstCapture, syntax.InstEmptyWidth, syntax.InstNop:
		set = closure(prog, set, in.Out)
	}
	return set
}

// may reports whether the regexp may match s.
func (f *startFilter) may(s string) bool {
	if s == "" {
		return false // the regexp does not match the empty string
	}
	c := s[0]
	if c >= utf8.RuneSelf {
		r, _ := utf8.DecodeRuneInString(s)
		return f.first.has(r)
	}
	if !f.first.ascii[c] {
		return false
	}
	if f.any[c] {
		return true
	}
	if len(s) == 1 {
		return false
	}
	c2 := s[1]
	return c2 >= utf8.RuneSelf || f.second[c][c2>>6]&(1<<(c2&63)) != 0
}

// union returns a filter that may pass what f or g may pass.
func (f *startFilter) union(g *startFilter) *startFilter {
	u := &startFilter{first: f.first.union(g.first)}
	for c := range 128 {
		u.any[c] = f.any[c] || g.any[c]
		u.second[c][0] = f.second[c][0] | g.second[c][0]
		u.second[c][1] = f.second[c][1] | g.second[c][1]
	}
	return u
}

// startRunes returns the runes that a match of expr (anchored at the start of
// the text) can start with. An invalid byte is seen as utf8.RuneError, by
// the regexp as here.
func startRunes(expr string) (runeSet, error) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return runeSet{}, err
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return runeSet{}, err
	}
	if prog.StartCond()&syntax.EmptyBeginText == 0 {
		return runeSet{}, fmt.Errorf("not anchored at the start of the text")
	}
	ranges, nullable := firstRunes(re)
	if nullable {
		return runeSet{}, fmt.Errorf("matches the empty string")
	}
	return newRuneSet(ranges), nil
}

// firstRunes returns the runes (as lo, hi pairs) that a string matched by re
// can start with, and whether re can match the empty string. Empty-width
// assertions are taken as always true: the set is never too small.
func firstRunes(re *syntax.Regexp) (ranges []rune, nullable bool) {
	switch re.Op {
	case syntax.OpNoMatch:
		return nil, false
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return nil, true
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return nil, true
		}
		r := re.Rune[0]
		ranges = append(ranges, r, r)
		if re.Flags&syntax.FoldCase != 0 {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				ranges = append(ranges, f, f)
			}
		}
		return ranges, false
	case syntax.OpCharClass:
		return slices.Clone(re.Rune), false
	case syntax.OpAnyCharNotNL:
		return []rune{0, '\n' - 1, '\n' + 1, unicode.MaxRune}, false
	case syntax.OpAnyChar:
		return []rune{0, unicode.MaxRune}, false
	case syntax.OpCapture, syntax.OpPlus:
		return firstRunes(re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		ranges, _ = firstRunes(re.Sub[0])
		return ranges, true
	case syntax.OpRepeat:
		ranges, nullable = firstRunes(re.Sub[0])
		return ranges, nullable || re.Min == 0
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			r, n := firstRunes(sub)
			ranges = append(ranges, r...)
			if !n {
				return ranges, false
			}
		}
		return ranges, true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			r, n := firstRunes(sub)
			ranges = append(ranges, r...)
			nullable = nullable || n
		}
		return ranges, nullable
	}
	// an operator not known here: any rune
	return []rune{0, unicode.MaxRune}, true
}

// runeSet is a set of runes: a table for ASCII, sorted ranges above.
type runeSet struct {
	ascii [128]bool
	wide  []rune // lo, hi pairs, sorted, above ASCII
}

func newRuneSet(ranges []rune) runeSet {
	var s runeSet
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		for r := lo; r <= hi && r < 128; r++ {
			s.ascii[r] = true
		}
		if hi >= 128 {
			s.wide = append(s.wide, max(lo, 128), hi)
		}
	}
	// sort the pairs by their low end
	type pair struct{ lo, hi rune }
	ps := make([]pair, 0, len(s.wide)/2)
	for i := 0; i < len(s.wide); i += 2 {
		ps = append(ps, pair{s.wide[i], s.wide[i+1]})
	}
	slices.SortFunc(ps, func(a, b pair) int { return int(a.lo - b.lo) })
	s.wide = s.wide[:0]
	for _, p := range ps {
		s.wide = append(s.wide, p.lo, p.hi)
	}
	return s
}

func (s *runeSet) has(r rune) bool {
	if r >= 0 && r < 128 {
		return s.ascii[r]
	}
	for i := 0; i < len(s.wide); i += 2 {
		if r < s.wide[i] {
			return false
		}
		if r <= s.wide[i+1] {
			return true
		}
	}
	return false
}

// union returns the runes of s and t.
func (s runeSet) union(t runeSet) runeSet {
	var ranges []rune
	for r := rune(0); r < 128; r++ {
		if s.ascii[r] || t.ascii[r] {
			ranges = append(ranges, r, r)
		}
	}
	ranges = append(append(ranges, s.wide...), t.wide...)
	return newRuneSet(ranges)
}
