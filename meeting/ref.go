package meeting

import (
	"regexp"
	"strings"
)

// A contact's reference token ties a reply to the contact. It travels in the
// reply address (plus-addressing: registrations+TOKEN@isu.example) and in the
// subject ("[REF TOKEN]"), so that either survives a client that drops the other.

// ReplyAddress returns replyTo with the token as its plus-address detail.
func ReplyAddress(replyTo, token string) string {
	local, domain, ok := strings.Cut(replyTo, "@")
	if !ok || token == "" {
		return replyTo
	}
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	return local + "+" + token + "@" + domain
}

// SubjectRef returns the marker put at the end of subjects: "[REF TOKEN]".
func SubjectRef(token string) string { return "[REF " + token + "]" }

var (
	reSubjectRef = regexp.MustCompile(`(?i)\[\s*REF[\s:]+([a-z2-7]{6,32})\s*\]`)
	reTokenChars = regexp.MustCompile(`^[a-z2-7]{6,32}$`)
)

// TokenFromSubject finds the token of a "[REF TOKEN]" marker in a subject
// (replies keep it behind "Re:", "RE :", "AW:" and the like).
func TokenFromSubject(subject string) string {
	m := reSubjectRef.FindStringSubmatch(subject)
	if m == nil {
		return ""
	}
	return strings.ToLower(m[1])
}

// TokenFromAddress returns the plus-address detail of addr if it is an
// address of replyTo's mailbox: TokenFromAddress("registrations+abc234defg@isu.example",
// "registrations@isu.example") is "abc234defg".
func TokenFromAddress(addr, replyTo string) string {
	local, domain, ok := strings.Cut(NormalizeEmail(addr), "@")
	rLocal, rDomain, rok := strings.Cut(NormalizeEmail(replyTo), "@")
	if !ok || !rok || domain != rDomain {
		return ""
	}
	base, tok, plus := strings.Cut(local, "+")
	if !plus || base != rLocal || !reTokenChars.MatchString(tok) {
		return ""
	}
	return tok
}
