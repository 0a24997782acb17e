package inbox_test

import (
	"strings"
	"testing"

	"convene/inbox"
)

func TestReadAuth(t *testing.T) {
	const from = "mission@arcadia-mfa.example"
	tests := []struct {
		name    string
		header  string
		trusted string
		from    string
		want    inbox.Auth
		aligned bool
	}{
		{"dmarc pass", "Authentication-Results: mx.isu.example; dmarc=pass header.from=arcadia-mfa.example\r\n", "mx.isu.example", from,
			inbox.Auth{Checked: true, DMARC: "pass"}, true},
		{"dmarc fail", "Authentication-Results: mx.isu.example; dmarc=fail (p=reject dis=none) header.from=arcadia-mfa.example\r\n", "mx.isu.example", from,
			inbox.Auth{Checked: true, DMARC: "fail"}, false},
		{"other server's results are ignored", "Authentication-Results: mx.evil.example; dmarc=pass header.from=arcadia-mfa.example\r\n", "mx.isu.example", from,
			inbox.Auth{Ignored: 1}, false},
		{"no trusted id: nothing counts", "Authentication-Results: mx.isu.example; dmarc=pass\r\n", "", from,
			inbox.Auth{Ignored: 1}, false},
		{"authserv-id with a comment and a version, case-insensitive", "Authentication-Results: MX.isu.example 1 (Postfix; OpenDKIM);\r\n\tdkim=pass (2048-bit key; unprotected) header.d=mail.arcadia-mfa.example header.i=@arcadia-mfa.example\r\n", "mx.isu.example", from,
			inbox.Auth{Checked: true, DKIMAligned: true}, true},
		{"dkim pass of another domain is not aligned", "Authentication-Results: mx.isu.example; dkim=pass header.d=evil.example\r\n", "mx.isu.example", from,
			inbox.Auth{Checked: true}, false},
		{"spf aligned alone does not authenticate From", "Authentication-Results: mx.isu.example; spf=pass smtp.mailfrom=bounce@arcadia-mfa.example\r\n", "mx.isu.example", from,
			inbox.Auth{Checked: true, SPFAligned: true}, false},
		{"our id below our block came with the message", "Authentication-Results: mx.isu.example; dmarc=fail header.from=arcadia-mfa.example\r\nReceived: from x by y\r\nAuthentication-Results: mx.isu.example; dmarc=pass header.from=arcadia-mfa.example; dkim=pass header.d=arcadia-mfa.example\r\n", "mx.isu.example", from,
			inbox.Auth{Checked: true, DMARC: "fail", Ignored: 1}, false},
		{"several fields of our block", "Authentication-Results: mx.isu.example; spf=pass smtp.mailfrom=arcadia-mfa.example\r\nAuthentication-Results: mx.isu.example; dkim=pass header.d=arcadia-mfa.example\r\nAuthentication-Results: mx.isu.example; dmarc=pass header.from=arcadia-mfa.example\r\n", "mx.isu.example", from,
			inbox.Auth{Checked: true, DMARC: "pass", DKIMAligned: true, SPFAligned: true}, true},
		{"a dmarc result for another From domain", "Authentication-Results: mx.isu.example; dmarc=pass header.from=evil.example\r\n", "mx.isu.example", from,
			inbox.Auth{Checked: true}, false},
		{"a fail wins over a pass", "Authentication-Results: mx.isu.example; dmarc=pass header.from=arcadia-mfa.example; dmarc=fail header.from=arcadia-mfa.example\r\n", "mx.isu.example", from,
			inbox.Auth{Checked: true, DMARC: "fail"}, false},
		{"in the body it is not a header", "Subject: x\r\n\r\nAuthentication-Results: mx.isu.example; dmarc=pass\r\n", "mx.isu.example", from,
			inbox.Auth{}, false},
		{"quoted header.d", "Authentication-Results: mx.isu.example; dkim=pass header.d=\"arcadia-mfa.example\"\r\n", "mx.isu.example", from,
			inbox.Auth{Checked: true, DKIMAligned: true}, true},
		{"no From", "Authentication-Results: mx.isu.example; dkim=pass header.d=arcadia-mfa.example\r\n", "mx.isu.example", "",
			inbox.Auth{Checked: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.header + "From: x\r\nSubject: test\r\n\r\nbody\r\n"
			got := inbox.ReadAuth([]byte(raw), tt.trusted, tt.from)
			if got != tt.want {
				t.Errorf("ReadAuth(%q) = %+v, want %+v", tt.header, got, tt.want)
			}
			if got.Aligned() != tt.aligned {
				t.Errorf("ReadAuth(%q).Aligned() = %v, want %v", tt.header, got.Aligned(), tt.aligned)
			}
		})
	}
}

// FuzzAuthResults checks that the Authentication-Results reader never
// panics, counts nothing without a trusted id, and reads only results of
// the trusted server: a header naming another server changes nothing.
func FuzzAuthResults(f *testing.F) {
	for _, s := range []string{
		"mx.isu.example; dmarc=pass header.from=arcadia-mfa.example",
		"mx.isu.example 1 (comment (nested) \\) ); dkim=pass (2048-bit) header.d=\"a.example\"; spf=fail smtp.mailfrom=x@y",
		"mx.isu.example; none",
		"mx.isu.example; arc=pass header.oldest-pass=0",
		"mx.isu.example 2; dmarc=pass",
		"(; dmarc=pass",
		"\"mx.isu.example\"; dkim=pass header.d=arcadia-mfa.example",
		"mx.isu.example; dmarc",
	} {
		f.Add(s, "mission@arcadia-mfa.example")
	}
	f.Fuzz(func(t *testing.T, value, from string) {
		if len(value) > 8<<10 || strings.ContainsAny(value, "\r\n") {
			return
		}
		raw := []byte("Authentication-Results: " + value + "\r\nSubject: x\r\n\r\n")
		a := inbox.ReadAuth(raw, "mx.isu.example", from)
		if a.Aligned() && !a.Checked {
			t.Fatalf("aligned without a trusted result: %+v", a)
		}
		if none := inbox.ReadAuth(raw, "", from); none != (inbox.Auth{Ignored: none.Ignored}) || none.Ignored != 1 {
			t.Fatalf("without a trusted id: %+v", none)
		}
		other := inbox.ReadAuth(raw, "other.example", from)
		if other.Checked && !strings.Contains(strings.ToLower(value), "other.example") {
			t.Fatalf("results of %q counted for other.example: %+v", value, other)
		}
	})
}
