package inbox

import (
	"bytes"
	"strings"

	"github.com/emersion/go-msgauth/authres"
	"golang.org/x/net/publicsuffix"

	"convene/meeting"
)

// Auth is what the trusted receiving server said about a message's sender
// in its Authentication-Results header fields (RFC 8601).
type Auth struct {
	// Checked is set when a header field of the trusted server was read;
	// when it is false the other fields say nothing.
	Checked bool
	// DMARC is the dmarc result for the From domain (pass, fail, none,
	// temperror, …), "" when not reported.
	DMARC string
	// DKIMAligned: a dkim=pass whose header.d is aligned (same
	// organisational domain, relaxed) with the From domain.
	DKIMAligned bool
	// SPFAligned: spf=pass whose smtp.mailfrom domain is aligned with the
	// From domain. SPF alone does not authenticate the From header.
	SPFAligned bool
	// Ignored counts Authentication-Results fields that were not counted:
	// other servers' (forgeable), and our server's id below its own block.
	Ignored int
}

// Aligned reports whether the From domain is authenticated: dmarc=pass, or
// a dkim=pass aligned with the From domain.
func (a Auth) Aligned() bool { return a.DMARC == "pass" || a.DKIMAligned }

// DMARCFail reports whether the From domain failed DMARC.
func (a Auth) DMARCFail() bool { return a.DMARC == "fail" }

// maxAuthHeader bounds how much of a message's header is read for
// Authentication-Results.
const maxAuthHeader = 256 << 10

// ReadAuth reads the Authentication-Results header fields of raw (a whole
// message, or its header) that the server named trustedID added, and judges
// them against from, the From address. As RFC 8601 §5 requires, only the
// fields whose authserv-id is trustedID count, and only the topmost run of
// them (the border server prepends its own and removes look-alikes; one of
// our id further down came with the message and may be forged). An empty
// trustedID counts nothing. ReadAuth is pure and never panics.
func ReadAuth(raw []byte, trustedID, from string) Auth {
	var a Auth
	trustedID = strings.ToLower(strings.TrimSpace(trustedID))
	fromDomain := domainOfAddr(from)
	run := 0 // 0 before our block, 1 inside it, 2 after it
	for name, value := range rawHeaderFields(raw) {
		if !strings.EqualFold(name, "Authentication-Results") {
			if run == 1 {
				run = 2
			}
			continue
		}
		id, results := parseAuthResults(value)
		if trustedID == "" || id != trustedID || run == 2 {
			a.Ignored++
			continue
		}
		run = 1
		a.Checked = true
		for _, r := range results {
			switch r := r.(type) {
			case *authres.DMARCResult:
				v := strings.ToLower(string(r.Value))
				hf := strings.ToLower(unquote(r.From))
				if hf != "" && fromDomain != "" && hf != fromDomain {
					continue // a result for another From domain
				}
				// a fail anywhere in our block wins over a pass
				if a.DMARC == "" || v == "fail" || a.DMARC != "fail" && v == "pass" {
					a.DMARC = v
				}
			case *authres.DKIMResult:
				if strings.EqualFold(string(r.Value), "pass") && aligned(unquote(r.Domain), fromDomain) {
					a.DKIMAligned = true
				}
			case *authres.SPFResult:
				if strings.EqualFold(string(r.Value), "pass") && aligned(domainOfAddr(unquote(r.From)), fromDomain) {
					a.SPFAligned = true
				}
			}
		}
	}
	return a
}

// parseAuthResults reads one Authentication-Results field with go-msgauth's
// authres, after removing RFC 5322 comments (which authres does not
// understand: "mx.example.org (Postfix); dkim=pass (2048-bit key) …").
// The authserv-id comes back lower case.
func parseAuthResults(v string) (string, []authres.Result) {
	v = stripComments(v)
	id, results, err := authres.Parse(v)
	if err != nil {
		// a result authres cannot read: keep those before it, but only
		// when the authserv-id itself was read
		if id == "" {
			return "", nil
		}
	}
	return strings.ToLower(unquote(id)), results
}

// stripComments removes the (nested) comments of a structured header value,
// leaving quoted strings alone; unfolds it, and drops control characters.
func stripComments(s string) string {
	var b strings.Builder
	depth, quoted, escaped := 0, false, false
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			r = ' '
		}
		switch {
		case escaped:
			escaped = false
		case r == '\\' && (quoted || depth > 0):
			escaped = true
			if depth > 0 {
				continue
			}
		case quoted:
			if r == '"' {
				quoted = false
			}
		case r == '"' && depth == 0:
			quoted = true
		case r == '(':
			depth++
			continue
		case r == ')' && depth > 0:
			depth--
			if depth == 0 {
				r = ' '
			} else {
				continue
			}
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = strings.ReplaceAll(s[1:len(s)-1], `\`, "")
	}
	return strings.TrimSpace(s)
}

// domainOfAddr is the lower-case domain of an address ("" if none).
func domainOfAddr(addr string) string {
	addr = meeting.NormalizeEmail(strings.Trim(strings.TrimSpace(addr), "<>"))
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		if strings.Contains(addr, ".") {
			return strings.ToLower(strings.TrimSuffix(addr, "."))
		}
		return ""
	}
	return strings.ToLower(strings.TrimSuffix(addr[i+1:], "."))
}

// aligned reports relaxed DMARC alignment: both domains have the same
// organisational domain (the public suffix list's registrable domain).
func aligned(d, fromDomain string) bool {
	d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
	if d == "" || fromDomain == "" {
		return false
	}
	if d == fromDomain {
		return true
	}
	a, err1 := publicsuffix.EffectiveTLDPlusOne(d)
	b, err2 := publicsuffix.EffectiveTLDPlusOne(fromDomain)
	return err1 == nil && err2 == nil && a == b
}

// rawHeaderFields yields the fields of raw's header in order, unfolded, up to
// the first empty line (or maxAuthHeader bytes).
func rawHeaderFields(raw []byte) func(yield func(name, value string) bool) {
	return func(yield func(name, value string) bool) {
		if len(raw) > maxAuthHeader {
			raw = raw[:maxAuthHeader]
		}
		var name string
		var value []byte
		flush := func() bool {
			if name == "" {
				return true
			}
			ok := yield(name, string(value))
			name, value = "", value[:0]
			return ok
		}
		for len(raw) > 0 {
			line := raw
			if i := bytes.IndexByte(raw, '\n'); i >= 0 {
				line, raw = raw[:i], raw[i+1:]
			} else {
				raw = nil
			}
			line = bytes.TrimSuffix(line, []byte("\r"))
			if len(line) == 0 {
				break // end of the header
			}
			if line[0] == ' ' || line[0] == '\t' {
				if name != "" {
					value = append(append(value, ' '), bytes.TrimSpace(line)...)
				}
				continue
			}
			if !flush() {
				return
			}
			k, v, ok := bytes.Cut(line, []byte(":"))
			if !ok {
				continue // not a field: skip it
			}
			name = string(bytes.TrimSpace(k))
			value = append(value[:0], bytes.TrimSpace(v)...)
		}
		flush()
	}
}

// HeaderValues returns the values of the header fields of raw called name,
// in order (unfolded; at most the first maxAuthHeader bytes are read).
func HeaderValues(raw []byte, name string) []string {
	var out []string
	for k, v := range rawHeaderFields(raw) {
		if strings.EqualFold(k, name) {
			out = append(out, v)
		}
	}
	return out
}
