package inbox

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// manyParts is a multipart message of n empty-ish parts, 10 bytes each:
// 200,000 parts make 2 MB.
func manyParts(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@b.example\r\nTo: registrations@isu.example\r\nSubject: parts\r\nMessage-ID: <parts@b.example>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	for range n {
		b.WriteString("--b\r\n\r\nx\r\n")
	}
	b.WriteString("--b--\r\n")
	return b.Bytes()
}

// nested is a message of depth multiparts one inside the other.
func nested(depth int) []byte {
	var b strings.Builder
	b.WriteString("From: a@b.example\nSubject: deep\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b0\n\n")
	for d := 1; d <= depth; d++ {
		fmt.Fprintf(&b, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", d-1, d)
	}
	fmt.Fprintf(&b, "--b%d\nContent-Type: text/plain\n\nName: Mr. A B\nEmail: a.b@x.example\n", depth)
	for d := depth; d >= 0; d-- {
		fmt.Fprintf(&b, "--b%d--\n", d)
	}
	return []byte(b.String())
}

// parts is a message with a multipart/mixed body whose boundary is declared
// by ctype, and whose delimiter lines are written as delim(i).
func partsWith(ctype string, n int, delim func(i int) string) []byte {
	var b strings.Builder
	b.WriteString("From: a@b.example\nSubject: x\nMIME-Version: 1.0\n" + ctype + "\n\npreamble\n")
	for i := range n {
		b.WriteString(delim(i) + "\nContent-Type: text/plain\n\nx\n")
	}
	b.WriteString("--b--\n")
	return []byte(b.String())
}

// TestParseRefusesBeforeMIME checks that a message beyond the part or depth
// limits goes to review with the reason, and that enmime never sees it.
func TestParseRefusesBeforeMIME(t *testing.T) {
	tests := []struct {
		name   string
		raw    []byte
		lim    Limits
		reason string // "": parsed (enmime called)
	}{
		{"200,000 parts (2 MB)", manyParts(200000), Limits{}, "more than 100 MIME parts"},
		{"20,000 parts", manyParts(20000), Limits{}, "more than 100 MIME parts"},
		{"101 parts", manyParts(101), Limits{}, "more than 100 MIME parts"},
		{"99 parts", manyParts(99), Limits{}, ""},
		{"a lower part limit", manyParts(30), Limits{MaxParts: 20}, "more than 20 MIME parts"},
		{"nesting 11 deep", nested(11), Limits{}, "MIME nesting deeper than 10"},
		{"nesting 9 deep", nested(9), Limits{}, ""},
		{"boundary in RFC 2231 continuations", partsWith("Content-Type: multipart/mixed; boundary*0=\"b\"; boundary*1=\"c\"", 200,
			func(int) string { return "--bc" }), Limits{}, "more than 100 MIME parts"},
		{"boundary on a continuation line not indented", partsWith("Content-Type: multipart/mixed;\nboundary=\"b\"", 200,
			func(int) string { return "--b" }), Limits{}, "more than 100 MIME parts"},
		{"field name in another case, space before the colon", partsWith("CONTENT-type : multipart/mixed; boundary=b", 200,
			func(int) string { return "--b" }), Limits{}, "more than 100 MIME parts"},
		{"delimiters one byte in, trailing junk", partsWith("Content-Type: multipart/mixed; boundary=b", 200,
			func(i int) string { return "x--b \t junk" }), Limits{}, "more than 100 MIME parts"},
		{"delimiters after lone carriage returns", partsWith("Content-Type: multipart/mixed; boundary=b", 200,
			func(i int) string { return "text\rx--b\r" }), Limits{}, "more than 100 MIME parts"},
		{"delimiter followed by a no-break space byte", partsWith("Content-Type: multipart/mixed; boundary=b", 200,
			func(i int) string { return "--b\xa0" }), Limits{}, "more than 100 MIME parts"},
		{"a boundary declared by a part that is not multipart", partsWith("Content-Type: multipart/mixed; boundary=a", 1,
			func(int) string {
				return "--a\nContent-Type: application/pdf; boundary=b\n\n" + strings.Repeat("--b\n\nx\n", 200)
			}), Limits{}, "more than 100 MIME parts"},
		{"many declarations", []byte("From: a@b.example\nSubject: x\n\n" + strings.Repeat("Content-Type: multipart/mixed; boundary=q\n", 150)),
			Limits{}, "MIME nesting deeper than 10"},
		{"many declarations, a high depth limit", []byte("From: a@b.example\nSubject: x\n\n" + strings.Repeat("Content-Type: multipart/mixed; boundary=q\n", 150)),
			Limits{MaxDepth: 1000}, "more than 100 MIME parts"},
		{"many close delimiters", []byte("From: a@b.example\nContent-Type: multipart/mixed; boundary=b\n\n" + strings.Repeat("--b--\n", 150)),
			Limits{}, "more than 100 MIME parts"},
		{"a Content-Type field cut by a delimiter", []byte("From: a@b.example\nContent-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed;\n--a\n boundary=b\n\n--b\n\nx\n--b--\n--a--\n"),
			Limits{}, ""},
		{"a Content-Type field cut by many delimiters", []byte("From: a@b.example\nContent-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed;\n" + strings.Repeat("--a\n", 6) + " boundary=b\n\n--b\n\nx\n--b--\n--a--\n"),
			Limits{}, "a Content-Type field broken by MIME delimiter lines"},
		{"a Content-Type field of 1 MB", []byte("From: a@b.example\nContent-Type: multipart/mixed; boundary=b;\n " + strings.Repeat("x;", 1<<19) + "\n\n--b\n\nx\n--b--\n"),
			Limits{}, "a Content-Type field longer than 16384 bytes"},
		{"lines like delimiters of unknown boundaries", []byte("From: a@b.example\nContent-Type: text/plain\n\n" + strings.Repeat("--b\n-- \n----------\n", 500)),
			Limits{}, ""},
		{"a signature separator in each of 30 parts", partsWith("Content-Type: multipart/mixed; boundary=b", 30,
			func(int) string { return "--b\nContent-Type: text/plain\n\nhello\n-- \nJane" }), Limits{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := enmimeCalls.Load()
			m, err := ParseBytes(tt.raw, "registrations@isu.example", tt.lim)
			if err != nil {
				t.Fatal(err)
			}
			called := enmimeCalls.Load() != before
			if tt.reason == "" {
				if !called || strings.Contains(m.ReviewReason, "MIME parts") || strings.Contains(m.ReviewReason, "nesting") {
					t.Errorf("enmime called %v, review %q; want the message parsed", called, m.ReviewReason)
				}
				return
			}
			if called {
				t.Errorf("enmime was given the message; want it refused before")
			}
			if !m.NeedsReview || !strings.Contains(m.ReviewReason, tt.reason) {
				t.Errorf("review %v %q, want %q", m.NeedsReview, m.ReviewReason, tt.reason)
			}
			if m.MessageID == "" && bytes.Contains(tt.raw, []byte("Message-ID")) {
				t.Errorf("the header was not read")
			}
		})
	}
}

// TestScanMIMEAgreesWithEnmime checks, on well-formed and odd messages the
// pre-pass lets through, that it never counts fewer parts or a shallower
// nesting than enmime builds.
func TestScanMIMEAgreesWithEnmime(t *testing.T) {
	msgs := map[string][]byte{
		"99 parts":   manyParts(99),
		"nesting 9":  nested(9),
		"crlf":       []byte("Content-Type: multipart/alternative; boundary=\"=_x y\"\r\n\r\n--=_x y\r\nContent-Type: text/plain\r\n\r\nhi\r\n--=_x y\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--=_x y--\r\n"),
		"same inner": []byte("Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=a\n\n--a\n\nx\n--a--\n--a--\n"),
		"preamble":   []byte("Content-Type: multipart/mixed; boundary=a\n\nsee --a here\n--a\n\nx\n--a\n\ny\n--a--\n"),
		"lone cr":    []byte("Content-Type: multipart/mixed; boundary=a\n\n--a\n\nx\rz--a \n--a\n\ny\n--a--\n"),
	}
	for name, raw := range msgs {
		checkScanBound(t, name, raw)
	}
	// and real mail: the test data and the shared corpus
	files, _ := filepath.Glob("testdata/*.eml")
	corpus, _ := filepath.Glob("../../shared/corpus/*/*.eml")
	more, _ := filepath.Glob("../../shared/corpus/*/*/*.eml")
	n := 0
	for _, f := range append(append(files, corpus...), more...) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, reason := scanMIME(context.Background(), raw, Limits{}.withDefaults()); reason != "" {
			t.Errorf("%s: refused by the pre-pass with the default limits: %s", f, reason)
		}
		checkScanBound(t, f, raw)
		n++
	}
	t.Logf("%d messages from testdata and the corpus", n)
}

// checkScanBound fails when scanMIME, with room to spare, lets raw through
// but counts fewer parts or less depth than enmime builds.
func checkScanBound(t *testing.T, name string, raw []byte) {
	t.Helper()
	lim := Limits{MaxParts: 1 << 30, MaxDepth: 1 << 30}.withDefaults()
	shape, reason := scanMIME(context.Background(), raw, lim)
	if reason != "" {
		return
	}
	env, err := parser.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		return
	}
	depth, parts, _ := measure(env.Root, lim)
	if bound := shape.Parts + shape.Closes + shape.Declared; parts > bound {
		t.Errorf("%s: enmime built %d parts, the pre-pass bound %d (%+v)", name, parts, bound, shape)
	}
	if depth > shape.Depth {
		t.Errorf("%s: enmime nested %d deep, the pre-pass saw %d (%+v)", name, depth, shape.Depth, shape)
	}
}

// FuzzScanMIME checks that the pre-pass never panics, and never lets a
// message through with fewer parts or less depth than enmime then builds.
func FuzzScanMIME(f *testing.F) {
	f.Add(manyParts(3))
	f.Add(nested(3))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\n\nsee --a here\n--a\n\nx\n--a\n\ny\n--a--\n"))
	f.Add([]byte("Content-Type: multipart/mixed;\n boundary*0=a; boundary*1=b\n\n--ab\nContent-Type: multipart/alternative; boundary=\"c d\"\n\n--c d\n\nx\r--c d\t\n\ny\n--ab--\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: message/rfc822\r\n\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n--a\r\nContent-Type: text/plain\r\n\r\ny\rq--a \r\nz\r\n--a--\r\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=\"a b\"\n\n--a b\t\nContent-Type: multipart/related;\n\tboundary=\"a b c\"\n\n--a b c\n\nx\n--a b c--\n--a b--\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 16<<10 {
			return
		}
		checkScanBound(t, "input", data)
	})
}

// TestParseTimeBudget checks that a message still being read when its
// deadline passes goes to review, and that a cancelled parse is an error.
func TestParseTimeBudget(t *testing.T) {
	raw := manyParts(50)
	expired, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	m, err := ParseBytesContext(expired, raw, "registrations@isu.example", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !m.NeedsReview || !strings.Contains(m.ReviewReason, "time budget (10s)") {
		t.Errorf("review %v %q, want the time budget named", m.NeedsReview, m.ReviewReason)
	}
	if len(m.Delegates) != 0 {
		t.Errorf("delegates %v read past the deadline", m.Delegates)
	}
	cancelled, stop := context.WithCancel(context.Background())
	stop()
	if m, err := ParseBytesContext(cancelled, raw, "registrations@isu.example", Limits{}); err == nil {
		t.Errorf("a cancelled parse returned %+v, want an error", m)
	}
}

// BenchmarkScanMIME measures the pre-pass alone and Parse on messages of
// many parts (refused) and of a few (parsed).
func BenchmarkScanMIME(b *testing.B) {
	for _, n := range []int{20000, 200000} {
		raw := manyParts(n)
		b.Run(fmt.Sprintf("parse-%dparts", n), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, err := ParseBytes(raw, "registrations@isu.example", Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		// the whole message scanned: the limit is set above its parts
		b.Run(fmt.Sprintf("scan-all-%dparts", n), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			lim := Limits{MaxParts: 1 << 30}.withDefaults()
			for b.Loop() {
				if _, reason := scanMIME(context.Background(), raw, lim); reason != "" {
					b.Fatal(reason)
				}
			}
		})
	}
	// a 20 MB attachment in base64 lines: what the pre-pass adds to a
	// large genuine message
	var att strings.Builder
	att.WriteString("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\n--=_b\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n" +
		"--=_b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	line := strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo", 3)[:76] + "\r\n"
	for att.Len() < 20<<20 {
		att.WriteString(line)
	}
	att.WriteString("--=_b--\r\n")
	big := []byte(att.String())
	b.Run("scan-20MB-base64", func(b *testing.B) {
		b.SetBytes(int64(len(big)))
		lim := Limits{}.withDefaults()
		for b.Loop() {
			if _, reason := scanMIME(context.Background(), big, lim); reason != "" {
				b.Fatal(reason)
			}
		}
	})
	raw := manyParts(99)
	b.Run("parse-99parts", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			if _, err := ParseBytes(raw, "registrations@isu.example", Limits{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
