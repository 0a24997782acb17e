package inbox

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/jhillyerd/enmime/v2/mediatype"
)

// The MIME pre-pass. enmime builds its tree with Part.AddChild, which walks
// the list of siblings on every insert: n parts cost n²/2 steps (200,000
// parts of 10 bytes ran for minutes), and each level of nesting puts another
// boundary reader under every byte. scanMIME reads the raw message once,
// before enmime, and bounds what enmime would build: it collects the
// boundary parameters of Content-Type fields as it meets them, and checks
// each line start against all of them at once (a trie of "--" + boundary,
// walked from the line start, so a line costs at most its length). A
// message beyond the part or depth limits is refused there, without enmime
// ever seeing it.
//
// What counts as a delimiter follows enmime's boundary reader, generously:
// after a line feed or a carriage return, "--" + boundary at the line start
// or one byte in, followed by a white-space byte (unicode.IsSpace of the
// byte, as enmime tests it) or by "--" (the close delimiter). enmime also
// accepts the first delimiter of a multipart anywhere in a preamble line,
// and one line after each stop; both are bounded by the counts kept here
// (at most one extra part per multipart and per delimiter), which is why
// declarations and close delimiters are capped as well.
//
// Every Content-Type field of the message counts as a declaration, in a
// header or not (a superset of what enmime reads): its value is unfolded as
// enmime.ReadHeader unfolds it and parsed with enmime's own mediatype
// parser, so the boundaries known here include every boundary enmime uses.

// mimeShape is what scanMIME saw.
type mimeShape struct {
	Parts    int // parts as enmime would count them for well-formed MIME (root included)
	Depth    int // deepest nesting of a part (the root is 0)
	Declared int // Content-Type fields with a boundary parameter
	Closes   int // close delimiters
}

// scanMIME reads raw once and returns its shape, or the reason it is beyond
// lim (then the message must not be given to the MIME parser). It checks ctx
// every few thousand lines.
func scanMIME(ctx context.Context, raw []byte, lim Limits) (mimeShape, string) {
	s := &mimeScanner{raw: raw, lim: lim}
	s.trie.init()
	s.shape.Parts = 1
	return s.shape, s.run(ctx)
}

type mimeScanner struct {
	raw   []byte
	lim   Limits
	trie  boundaryTrie
	stack []int32 // boundary ids of the open multiparts, outermost first
	shape mimeShape

	ct      []byte // the Content-Type field being unfolded
	inCT    bool
	ctSnaps int     // delimiter lines met inside it
	match   []int32 // scratch: boundaries matched at a line start
}

func (s *mimeScanner) run(ctx context.Context) string {
	raw := s.raw
	lines := 0
	for pos := 0; pos < len(raw); {
		end := bytes.IndexByte(raw[pos:], '\n')
		next := len(raw)
		if end < 0 {
			end = len(raw)
		} else {
			end += pos
			next = end + 1
		}
		if lines++; lines%4096 == 0 && ctx.Err() != nil {
			return budgetReason(s.lim)
		}
		if reason := s.line(pos, end); reason != "" {
			return reason
		}
		pos = next
	}
	if s.inCT {
		return s.endCT()
	}
	return ""
}

// line reads the line raw[start:end] (without its line feed).
func (s *mimeScanner) line(start, end int) string {
	raw := s.raw
	// delimiters: at the line start, and after each lone carriage return
	// (enmime's reader also stops there, two bytes on)
	if s.trie.n > 0 {
		if reason, _ := s.delimiterAt(start, end); reason != "" {
			return reason
		}
		for i := start; i < end; {
			j := bytes.IndexByte(raw[i:end], '\r')
			if j < 0 {
				break
			}
			i += j + 1
			if i < end { // not the CR of CRLF
				if reason, _ := s.delimiterAt(i+1, end); reason != "" {
					return reason
				}
			}
		}
	}
	line := raw[start:end]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	if s.inCT {
		// a delimiter line inside the field was declared as its end
		// (delimiterAt); enmime reads on when that boundary is not open
		// for it, and so does this
		if len(s.ct) > maxContentType {
			return fmt.Sprintf("a Content-Type field longer than %d bytes", maxContentType)
		}
		switch {
		case len(line) == 0:
			return s.endCT()
		case line[0] == ' ' || line[0] == '\t' || line[0] == '\r':
			s.ct = append(append(s.ct, ' '), bytes.TrimFunc(line, isASCIISpace)...)
			return ""
		}
		colon := bytes.IndexByte(line, ':')
		switch {
		case colon == 0:
			return "" // enmime skips the line and goes on with the field
		case colon < 0:
			s.ct = append(append(s.ct, ' '), line...) // a continuation not indented
			return ""
		case !validFieldName(line[:colon]):
			return "" // skipped by enmime too
		}
		if reason := s.endCT(); reason != "" {
			return reason
		}
	}
	if v, ok := contentTypeField(line); ok {
		s.inCT, s.ctSnaps = true, 0
		s.ct = append(s.ct[:0], bytes.TrimFunc(v, isASCIISpace)...)
	}
	return ""
}

// delimiterAt checks whether raw[p:] (p within the line ending at end)
// holds "--" + a known boundary at p or p+1 followed by white space or
// "--", and applies it.
func (s *mimeScanner) delimiterAt(p, end int) (string, bool) {
	s.match = s.match[:0]
	s.trie.sawOpen = false
	closing := false
	for off := p; off <= p+1 && off < end; off++ {
		if s.raw[off] == '-' {
			s.match, closing = s.trie.walk(s.raw[off:end], s.raw[off:], s.match, closing)
		}
	}
	if len(s.match) == 0 {
		return "", false
	}
	if s.inCT {
		// the field may end here (the boundary is open for enmime) or go
		// on (it is not): both readings are declared
		if s.ctSnaps++; s.ctSnaps > 4 {
			return "a Content-Type field broken by MIME delimiter lines", true
		}
		if reason := s.declare(string(s.ct)); reason != "" {
			return reason, true
		}
	}
	// the outermost open multipart with one of these boundaries ends its
	// part there; the multiparts inside it end too
	at := -1
	for i, id := range s.stack {
		for _, m := range s.match {
			if id == m {
				at = i
				break
			}
		}
		if at >= 0 {
			break
		}
	}
	if closing {
		s.shape.Closes++
		if s.shape.Closes > s.lim.MaxParts {
			return fmt.Sprintf("more than %d MIME parts", s.lim.MaxParts), true
		}
		if at >= 0 && !s.delimiterToo() {
			s.stack = s.stack[:at]
			return "", true
		}
	}
	s.shape.Parts++
	if s.shape.Parts > s.lim.MaxParts {
		return fmt.Sprintf("more than %d MIME parts", s.lim.MaxParts), true
	}
	depth := len(s.stack) + 1 // under an unknown multipart: as deep as can be
	if at >= 0 {
		s.stack = s.stack[:at+1]
		depth = at + 1
	}
	s.shape.Depth = max(s.shape.Depth, depth)
	if depth > s.lim.MaxDepth {
		return fmt.Sprintf("MIME nesting deeper than %d", s.lim.MaxDepth), true
	}
	return "", true
}

// delimiterToo reports whether the last walk also found a plain delimiter
// (a boundary ending in "--" can make one line both).
func (s *mimeScanner) delimiterToo() bool { return s.trie.sawOpen }

// endCT parses the Content-Type field just unfolded and, when it has a
// boundary, declares it: a multipart opens.
func (s *mimeScanner) endCT() string {
	s.inCT = false
	value := string(s.ct)
	s.ct = s.ct[:0]
	return s.declare(value)
}

// declare reads the boundary of a Content-Type value, if any: a multipart
// opens.
func (s *mimeScanner) declare(value string) string {
	if len(value) > maxContentType {
		// no genuine one is near this; the tolerant parser is not made
		// for megabytes
		return fmt.Sprintf("a Content-Type field longer than %d bytes", maxContentType)
	}
	var boundaries []string
	if _, params, _, err := mediatype.Parse(value); err == nil && params["boundary"] != "" {
		boundaries = append(boundaries, params["boundary"])
	}
	// a second, plain reading, in case the tolerant parser and this one
	// ever disagree: knowing one boundary too many costs nothing
	if b := looseBoundary(value); b != "" && (len(boundaries) == 0 || boundaries[0] != b) {
		boundaries = append(boundaries, b)
	}
	if len(boundaries) == 0 {
		return ""
	}
	s.shape.Declared++
	if s.shape.Declared > s.lim.MaxParts {
		return fmt.Sprintf("more than %d MIME parts", s.lim.MaxParts)
	}
	for i, b := range boundaries {
		if strings.ContainsAny(b, "\r\n") {
			return "a MIME boundary with a line break in it"
		}
		id := s.trie.add("--" + b)
		if i == 0 {
			s.stack = append(s.stack, id)
		}
	}
	// its parts, even one started by a delimiter enmime finds in the
	// middle of a preamble line, are one level down
	s.shape.Depth = max(s.shape.Depth, len(s.stack))
	if s.shape.Depth > s.lim.MaxDepth {
		return fmt.Sprintf("MIME nesting deeper than %d", s.lim.MaxDepth)
	}
	return ""
}

// maxContentType bounds the value of a Content-Type field.
const maxContentType = 16 << 10

// contentTypeField returns the value of a "Content-Type:" line (any case,
// spaces allowed before the colon, as enmime allows them).
func contentTypeField(line []byte) ([]byte, bool) {
	const name = "content-type"
	if len(line) <= len(name) || line[0]|0x20 != 'c' || !bytes.EqualFold(line[:len(name)], []byte(name)) {
		return nil, false
	}
	rest := bytes.TrimLeft(line[len(name):], " ")
	if len(rest) == 0 || rest[0] != ':' {
		return nil, false
	}
	return rest[1:], true
}

// looseBoundary is the value after the first "boundary=" (any case) of a
// Content-Type value: a quoted string or a token.
func looseBoundary(v string) string {
	i := indexFoldASCII([]byte(v), "boundary")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(v[i+len("boundary"):], " \t")
	if !strings.HasPrefix(rest, "=") {
		return ""
	}
	rest = strings.TrimLeft(rest[1:], " \t")
	if strings.HasPrefix(rest, `"`) {
		if j := strings.IndexByte(rest[1:], '"'); j >= 0 {
			return rest[1 : 1+j]
		}
		return rest[1:]
	}
	if j := strings.IndexAny(rest, "; \t"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// validFieldName is enmime's test of a header field name: printable ASCII
// but the colon, and spaces.
func validFieldName(b []byte) bool {
	for _, c := range b {
		if c != ' ' && (c < 33 || c > 126) {
			return false
		}
	}
	return true
}

func isASCIISpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// isSpaceByte8 is enmime's test of the byte after a boundary:
// unicode.IsSpace of the byte taken as a rune.
func isSpaceByte8(c byte) bool { return unicode.IsSpace(rune(c)) }

// boundaryTrie holds the delimiters ("--" + boundary) known so far. A walk
// from a line start follows the bytes of the line while they spell a prefix
// of some delimiter, so it costs at most the length of the line: delimiters
// hold no line break.
type boundaryTrie struct {
	next    map[uint64]int32 // node<<8 | byte → child node
	term    []int32          // node → boundary id ending there, or -1
	n       int32            // boundaries
	sawOpen bool             // the last walk found a delimiter (not a close)
}

func (t *boundaryTrie) init() {
	t.next = map[uint64]int32{}
	t.term = []int32{-1}
}

// add adds a delimiter and returns its id (the same id for the same text).
func (t *boundaryTrie) add(delim string) int32 {
	node := int32(0)
	for i := 0; i < len(delim); i++ {
		k := uint64(node)<<8 | uint64(delim[i])
		child, ok := t.next[k]
		if !ok {
			child = int32(len(t.term))
			t.term = append(t.term, -1)
			t.next[k] = child
		}
		node = child
	}
	if t.term[node] < 0 {
		t.term[node] = t.n
		t.n++
	}
	return t.term[node]
}

// walk matches line (which ends at the line's end; after is the same text
// to the end of the message) against the delimiters, appending the ids of
// those followed by white space or "--". closing is set when one is
// followed by "--".
func (t *boundaryTrie) walk(line, after []byte, match []int32, closing bool) ([]int32, bool) {
	node := int32(0)
	for i := 0; i < len(line); i++ {
		child, ok := t.next[uint64(node)<<8|uint64(line[i])]
		if !ok {
			break
		}
		node = child
		if id := t.term[node]; id >= 0 {
			rest := after[i+1:]
			switch {
			case len(rest) >= 2 && rest[0] == '-' && rest[1] == '-':
				match, closing = append(match, id), true
			case len(rest) >= 1 && isSpaceByte8(rest[0]):
				match = append(match, id)
				t.sawOpen = true
			}
		}
	}
	return match, closing
}

// budgetReason is the review reason for a parse stopped by its deadline.
func budgetReason(lim Limits) string {
	return fmt.Sprintf("reading the message took longer than its time budget (%v)", lim.MaxTime)
}
