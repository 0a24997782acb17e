package inbox

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A dfaFilter tells in one pass over a line, a few table look-ups a rune,
// that a regexp cannot match anywhere in it (or, anchored, at its start).
// It is a deterministic automaton built from the regexp's program, with
// every empty-width assertion (^, $, \b) taken as true: it accepts whatever
// the regexp matches, and a little more. may is never false when the regexp
// matches; when it is true, the regexp itself must answer.
type dfaFilter struct {
	classes int
	ascii   [utf8.RuneSelf]uint8 // the class of each ASCII rune
	wideLo  []rune               // the runes beyond ASCII, in ranges from wideLo[i] …
	wideCl  []uint8              // … of class wideCl[i]
	next    []uint16             // next[state*classes+class]
	accept  []bool               // a match was reached: the regexp may match
	dead    []bool               // no match can follow (anchored only)
}

// maxDFAStates bounds the automaton; a regexp that needs more has no filter.
const maxDFAStates = 2000

// newDFAFilter builds the filter for expr, or returns nil when the automaton
// would be too large. Anchored, it looks for a match at the start of the
// text only.
func newDFAFilter(expr string, anchored bool) *dfaFilter {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		panic("inbox: " + expr + ": " + err.Error())
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		panic("inbox: " + expr + ": " + err.Error())
	}
	// the instructions that consume a rune
	var consumers []int
	for pc := range prog.Inst {
		switch prog.Inst[pc].Op {
		case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			consumers = append(consumers, pc)
		}
	}
	// cut the runes into ranges on which every consumer answers the same:
	// the first rune of each range stands for it
	bounds := []rune{0, utf8.RuneSelf, unicode.MaxRune + 1}
	for _, pc := range consumers {
		in := &prog.Inst[pc]
		switch {
		case in.Op == syntax.InstRuneAny:
		case in.Op == syntax.InstRuneAnyNotNL:
			bounds = append(bounds, '\n', '\n'+1)
		case len(in.Rune) == 1:
			r := in.Rune[0]
			bounds = append(bounds, r, r+1)
			if syntax.Flags(in.Arg)&syntax.FoldCase != 0 {
				for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
					bounds = append(bounds, f, f+1)
				}
			}
		default:
			for i := 0; i+1 < len(in.Rune); i += 2 {
				bounds = append(bounds, in.Rune[i], in.Rune[i+1]+1)
			}
		}
	}
	slices.Sort(bounds)
	bounds = slices.Compact(bounds)
	bounds = bounds[:len(bounds)-1] // MaxRune+1 ends the last range
	// a class is the set of consumers that match a rune, written as a row
	// of '0' and '1', one for each consumer
	f := &dfaFilter{}
	var rows []string
	classOf := map[string]uint8{}
	boundClass := make([]uint8, len(bounds))
	for b, lo := range bounds {
		row := classKey(prog, consumers, lo)
		cl, ok := classOf[row]
		if !ok {
			if len(rows) == 256 {
				return nil
			}
			cl = uint8(len(rows))
			classOf[row] = cl
			rows = append(rows, row)
		}
		boundClass[b] = cl
		if lo < utf8.RuneSelf {
			continue
		}
		if n := len(f.wideCl); n > 0 && f.wideCl[n-1] == cl {
			continue // the same class goes on
		}
		f.wideLo = append(f.wideLo, lo)
		f.wideCl = append(f.wideCl, cl)
	}
	for c := rune(0); c < utf8.RuneSelf; c++ {
		i, found := slices.BinarySearch(bounds, c)
		if !found {
			i--
		}
		f.ascii[c] = boundClass[i]
	}
	f.classes = len(rows)
	consumerOf := make([]int, len(prog.Inst)) // the row index of each consumer
	for k, pc := range consumers {
		consumerOf[pc] = k
	}

	// the states are sets of consumers (and whether a match was reached),
	// built breadth first from the start; unanchored, the start joins every
	// state, as the search starts a match at every rune
	start := dfaClosure(prog, nil, uint32(prog.Start))
	restart := start
	if anchored {
		restart = nil
	}
	ids := map[string]int{}
	var states [][]uint32
	add := func(set []uint32) (int, bool) {
		slices.Sort(set)
		set = slices.Compact(set)
		key := stateKey(set)
		if id, ok := ids[key]; ok {
			return id, true
		}
		if len(states) == maxDFAStates {
			return 0, false
		}
		id := len(states)
		ids[key] = id
		states = append(states, set)
		accept := false
		for _, pc := range set {
			accept = accept || prog.Inst[pc].Op == syntax.InstMatch
		}
		f.accept = append(f.accept, accept)
		f.dead = append(f.dead, len(set) == 0)
		return id, true
	}
	add(slices.Clone(start))
	closures := make([][]uint32, len(prog.Inst)) // dfaClosure of each pc, once
	for s := 0; s < len(states); s++ {
		for _, row := range rows {
			next := slices.Clone(restart)
			if !f.accept[s] {
				for _, pc := range states[s] {
					if in := &prog.Inst[pc]; in.Op != syntax.InstMatch && row[consumerOf[pc]] == '1' {
						if closures[in.Out] == nil {
							closures[in.Out] = dfaClosure(prog, []uint32{}, in.Out)
						}
						next = append(next, closures[in.Out]...)
					}
				}
			}
			id, ok := add(next)
			if !ok {
				return nil
			}
			f.next = append(f.next, uint16(id)) // next[s*classes+cl]
		}
	}
	return f
}

func classKey(prog *syntax.Prog, consumers []int, r rune) string {
	var key strings.Builder
	for _, pc := range consumers {
		if matchRune(&prog.Inst[pc], r) {
			key.WriteByte('1')
		} else {
			key.WriteByte('0')
		}
	}
	return key.String()
}

func stateKey(set []uint32) string {
	var b strings.Builder
	for _, pc := range set {
		b.WriteString(string(rune(pc + 1)))
	}
	return b.String()
}

// matchRune reports whether the consuming instruction in matches r, as the
// regexp package matches it.
func matchRune(in *syntax.Inst, r rune) bool {
	switch in.Op {
	case syntax.InstRuneAny:
		return true
	case syntax.InstRuneAnyNotNL:
		return r != '\n'
	}
	return in.MatchRune(r)
}

// dfaClosure adds to set the consumers and matches reachable from pc
// without consuming a rune, empty-width assertions taken as true.
func dfaClosure(prog *syntax.Prog, set []uint32, pc uint32) []uint32 {
	var seen []uint32
	var walk func(pc uint32)
	walk = func(pc uint32) {
		if slices.Contains(seen, pc) {
			return
		}
		seen = append(seen, pc)
		in := &prog.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			walk(in.Out)
			walk(in.Arg)
		case syntax.InstCapture, syntax.InstEmptyWidth, syntax.InstNop:
			walk(in.Out)
		case syntax.InstFail:
		default: // a consumer or a match
			set = append(set, pc)
		}
	}
	walk(pc)
	return set
}

// may reports whether the regexp may match s (anywhere in it).
func (f *dfaFilter) may(s string) bool {
	if f == nil {
		return true
	}
	st := 0
	if f.accept[0] {
		return true // the regexp matches the empty string
	}
	for i := 0; i < len(s); {
		var cl uint8
		if c := s[i]; c < utf8.RuneSelf {
			cl = f.ascii[c]
			i++
		} else {
			r, n := utf8.DecodeRuneInString(s[i:])
			cl = f.wideClass(r)
			i += n
		}
		st = int(f.next[st*f.classes+int(cl)])
		if f.accept[st] {
			return true
		}
		if f.dead[st] {
			return false
		}
	}
	return false
}

// wideClass returns the class of r, beyond ASCII.
func (f *dfaFilter) wideClass(r rune) uint8 {
	i, found := slices.BinarySearch(f.wideLo, r)
	if !found {
		i--
	}
	return f.wideCl[i]
}
