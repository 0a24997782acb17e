package inbox_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"convene/inbox"
)

// hostileBodies are bodies made of lines that nearly match what the parsers
// look for; each func returns a body of about n bytes.
var hostileBodies = []struct {
	name   string
	body   func(n int) string
	bounce bool // also as the text of a bounce
}{
	{"quote-marks", func(n int) string { return fill(n, strings.Repeat(">", 997)+"\n") }, false},
	{"colons", func(n int) string { return fill(n, strings.Repeat(":", 300)+"\n"+strings.Repeat(": ", 150)+"\n") }, false},
	{"near-attribution", func(n int) string {
		return fill(n, "On Mon, 8 Jun 2020 at 10:00, ISU Secretariat <registrations@isu.example> wrot\n"+
			"Le lun. 8 juin 2020 à 10:00, Secrétariat <a@b.example> a écri\nwrote wrote schrieb skrev "+strings.Repeat("x", 150)+"\n")
	}, false},
	{"near-headers", func(n int) string {
		return fill(n, "From: someone\nSent: Monday\nDe : quelqu'un\n________________\n-----Original Messag\n")
	}, true},
	{"form-labels", func(n int) string {
		return fill(n, "Name: Name: Name: Title: Email: Nom : Courriel : "+strings.Repeat("Name ", 40)+"\n")
	}, false},
	{"one-long-line", func(n int) string { return fill(n, "the delegation will no longer replace the regret of ") }, true},
	{"prose-paragraph", func(n int) string {
		return fill(n, "the delegation of arcadia would like to replace and withdraw and not attend the meeting of the\n")
	}, false},
	{"addresses", func(n int) string {
		return fill(n, "Mr. A B, Ambassador, a.b@x.example; Ms. C D, Counsellor, c.d@x.example; ")
	}, false},
}

func fill(n int, unit string) string {
	return strings.Repeat(unit, max(1, n/len(unit)))
}

// hostileMessage is a reply (or a bounce) with body.
func hostileMessage(body string, bounce bool) []byte {
	from, subject := `"Roe, Jane" <jane.roe@arcadia-mfa.example>`, "Re: Invitation"
	if bounce {
		from, subject = "Mail Delivery System <MAILER-DAEMON@mx.example>", "Undeliverable: Re: Invitation"
	}
	return []byte("From: " + from + "\nTo: registrations+k7qmzt4x@isu.example\nSubject: " + subject +
		"\nMessage-ID: <hostile@x.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" + body)
}

// parseTime is the least time of two parses of msg.
func parseTime(t *testing.T, msg []byte) time.Duration {
	best := time.Duration(1 << 62)
	for range 2 {
		start := time.Now()
		if _, err := inbox.Parse(bytes.NewReader(msg), replyTo, inbox.Limits{}); err != nil {
			t.Fatal(err)
		}
		best = min(best, time.Since(start))
	}
	return best
}

// TestParseLinear checks that Parse's time grows linearly with hostile
// input: a 1 MB body may take at most 30 times a 100 KB one (10 times is
// linear; a quadratic parser takes about 100 times). The least of two runs
// is compared, and a failed comparison is measured again (three attempts),
// so that a busy machine does not fail the test.
func TestParseLinear(t *testing.T) {
	// It compares wall-clock times, which a loaded machine (CI runs every
	// package at once) can distort: it runs on request only. The same bodies
	// are measured by BenchmarkParseHostile.
	if !timingTests {
		t.Skip("timing test: set CONVENE_TIMING_TESTS=1 to run it")
	}
	for _, h := range hostileBodies {
		kinds := []bool{false}
		if h.bounce {
			kinds = append(kinds, true)
		}
		for _, bounce := range kinds {
			name := h.name
			if bounce {
				name += "-bounce"
			}
			t.Run(name, func(t *testing.T) {
				// a busy machine can slow one measurement down: a parser
				// that is not linear fails every attempt
				var ratio float64
				for attempt := 0; attempt < 3; attempt++ {
					small := parseTime(t, hostileMessage(h.body(100<<10), bounce))
					large := parseTime(t, hostileMessage(h.body(1<<20), bounce))
					// below 5ms a parse is too quick for a ratio to mean much
					ratio = float64(large) / float64(max(small, 5*time.Millisecond))
					t.Logf("100 KB %v, 1 MB %v: ratio %.1f", small, large, ratio)
					if ratio <= 30 {
						return
					}
				}
				t.Errorf("1 MB took %.0f times as long as 100 KB, three times", ratio)
			})
		}
	}
}

// BenchmarkParseHostile parses each hostile body at 100 KB and 1 MB: the
// second should take about ten times the first (linear time).
func BenchmarkParseHostile(b *testing.B) {
	for _, h := range hostileBodies {
		for _, n := range []int{100 << 10, 1 << 20} {
			msg := hostileMessage(h.body(n), false)
			b.Run(fmt.Sprintf("%s/%dKB", h.name, n>>10), func(b *testing.B) {
				b.SetBytes(int64(len(msg)))
				for b.Loop() {
					if _, err := inbox.Parse(bytes.NewReader(msg), replyTo, inbox.Limits{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
