package inbox

import (
	"strings"
	"unicode/utf8"
)

// normalizeText turns CRLF and CR into LF, no-break and other odd spaces into
// spaces, drops zero-width and control characters (but tab and LF), and
// replaces each run of invalid UTF-8 bytes with U+FFFD. Text that needs none
// of it is returned as it is, without a copy; otherwise it is one pass that
// copies runs of plain ASCII whole (mail from an IMAP server has a CR at the
// end of every line).
func normalizeText(s string) string {
	if isPlainASCII(s) || isNormal(s) {
		return s // nothing to change
	}
	var b strings.Builder
	b.Grow(len(s))
	invalid := false // the byte before was part of a run of invalid UTF-8
	for i := 0; i < len(s); {
		// the run of bytes kept as they are
		j := i
		for j < len(s) {
			c := s[j]
			if c >= utf8.RuneSelf || c < 0x20 && c != '\n' && c != '\t' {
				break
			}
			j++
		}
		if j > i {
			b.WriteString(s[i:j])
			invalid = false
			i = j
			if i == len(s) {
				break
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '\r':
				if i+1 >= len(s) || s[i+1] != '\n' {
					b.WriteByte('\n') // a lone CR ends a line; before LF it goes
				}
			case '\v', '\f':
				b.WriteByte(' ')
			}
			// other control characters are dropped
			invalid = false
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r == utf8.RuneError && n == 1 {
			if !invalid {
				b.WriteRune(utf8.RuneError)
			}
			invalid = true
			continue
		}
		invalid = false
		switch r {
		case '\u00a0', '\u2007', '\u202f', '\u2009', '\u200a', '\u2002', '\u2003', '\u3000':
			b.WriteByte(' ')
		case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u200e', '\u200f':
		case '\u2028', '\u2029':
			b.WriteByte('\n')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isNormal reports whether normalizeText would leave s as it is: valid UTF-8
// without CR, other control characters (but tab and LF), odd spaces or
// zero-width characters. The parsers normalize the same text several times:
// after the first, this scan is all it costs.
func isNormal(s string) bool {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b < 0x20 && b != '\n' && b != '\t' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return false
		case r == '\u00a0', r == '\u00ad', r == '\u3000', r == '\ufeff', r >= '\u2002' && r <= '\u2060':
			// the odd spaces, zero-width characters and separators
			// normalizeText maps are all among these (a few more runes
			// of U+2002..U+2060 send the text the slow way, which is
			// then only slower)
			return false
		}
		i += n
	}
	return true
}

// isPlainASCII reports whether s is printable ASCII, tabs and LF only: text
// that normalizeText leaves as it is.
func isPlainASCII(s string) bool {
	// eight bytes at a time; a word with a byte below 0x20 or beyond
	// ASCII (the high bit of w or of w-0x2020…) is looked at byte by byte
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if (w|(w-0x20*ones))&highs != 0 && !plainBytes(s[i:i+8]) {
			return false
		}
	}
	return plainBytes(s[i:])
}

func plainBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 || c >= utf8.RuneSelf) && c != '\n' && c != '\t' {
			return false
		}
	}
	return true
}
