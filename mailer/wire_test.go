package mailer

import (
	"bytes"
	"testing"
)

// wireFormSlow is the definition wireForm implements in one pass.
func wireFormSlow(raw []byte) bool {
	return len(raw) > 0 && raw[0] != '.' && bytes.HasSuffix(raw, crlf) &&
		!bytes.Contains(raw, []byte("\n.")) && bytes.Count(raw, []byte("\n")) == bytes.Count(raw, crlf)
}

func FuzzWireForm(f *testing.F) {
	for _, s := range []string{"", "\r\n", "\n", ".\r\n", "a\r\n", "a\r\n.b\r\n", "a\nb\r\n", "a\r\nb", "a\r\r\n",
		"Subject: x\r\n\r\nbody\r\n", "a\r\n..\r\n", "\r\n.", "x\r\n\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if got, want := wireForm(raw), wireFormSlow(raw); got != want {
			t.Fatalf("wireForm(%q) = %v, want %v", raw, got, want)
		}
	})
}
