package inbox

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// containsLower reports whether strings.ToLower(s) contains pat, a
// lower-case ASCII string holding at least one byte that is not a letter,
// without lowering s. Candidates are found by that byte (no rune lowers to
// an ASCII byte that is not a letter) and checked rune by rune.
func containsLower(s, pat string) bool {
	k := strings.IndexFunc(pat, func(r rune) bool { return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') })
	if k < 0 {
		panic("inbox: containsLower needs a byte that is not a letter")
	}
	c := pat[k]
	for i := 0; ; {
		j := strings.IndexByte(s[i:], c)
		if j < 0 {
			return false
		}
		at := i + j
		if hasSuffixLower(s[:at], pat[:k]) && hasPrefixLower(s[at+1:], pat[k+1:]) {
			return true
		}
		i = at + 1
	}
}

// hasPrefixLower reports whether strings.ToLower(s) starts with pat
// (lower-case ASCII).
func hasPrefixLower(s, pat string) bool {
	for i := 0; i < len(pat); i++ {
		r, size := utf8.DecodeRuneInString(s)
		if size == 0 || unicode.ToLower(r) != rune(pat[i]) {
			return false
		}
		s = s[size:]
	}
	return true
}

// hasSuffixLower reports whether strings.ToLower(s) ends with pat
// (lower-case ASCII).
func hasSuffixLower(s, pat string) bool {
	for i := len(pat) - 1; i >= 0; i-- {
		r, size := utf8.DecodeLastRuneInString(s)
		if size == 0 || unicode.ToLower(r) != rune(pat[i]) {
			return false
		}
		s = s[:len(s)-size]
	}
	return true
}
