package inbox

import (
	"strings"
	"testing"
)

// normalizeText must give what the straightforward chain of ToValidUTF8,
// CRLF and CR replacements and strings.Map gives (normalizeTextSlow).
var normalizeCases = []string{
	"",
	"plain\nascii\ttext",
	"crlf\r\nline\r\n",
	"lone\rcr\r",
	"\r\r\n\r",
	"cr before invalid\r\xff\n",
	"invalid run \xff\xfe\xfd end",
	"invalid \xff then cr \r\n then \xc3",
	"two runs \xff.\xff",
	"valid replacement \ufffd\xff\ufffd",
	"nbsp\u00a0thin\u2009ideo\u3000",
	"zero\u200bwidth\u200d soft\u00adhyphen\ufeff",
	"line\u2028sep\u2029para",
	"controls \x00\x01\x1b\x7f \v\f end",
	"José Müller, Ministère des Affaires étrangères\r\n",
	"cut rune \xe2\x80",
	"\xe2\x80\r\n",
}

func TestNormalizeText(t *testing.T) {
	for _, s := range normalizeCases {
		if got, want := normalizeText(s), normalizeTextSlow(s); got != want {
			t.Errorf("normalizeText(%q) = %q, want %q", s, got, want)
		}
	}
	// the result is normal: a second pass changes nothing
	for _, s := range normalizeCases {
		n := normalizeText(s)
		if again := normalizeText(n); again != n {
			t.Errorf("normalizeText twice on %q: %q then %q", s, n, again)
		}
	}
}

func FuzzNormalizeText(f *testing.F) {
	for _, s := range normalizeCases {
		f.Add(s)
	}
	f.Add(strings.Repeat("abc def\r\n", 100))
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := normalizeText(s), normalizeTextSlow(s); got != want {
			t.Fatalf("normalizeText(%q) = %q, want %q", s, got, want)
		}
	})
}
