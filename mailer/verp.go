package mailer

import (
	"strings"
)

// VERPPrefix starts the plus-address detail of an envelope sender that
// names one message: registrations+b-TAG@isu.example.
const VERPPrefix = "b-"

// EnvelopeSender is the envelope sender (MAIL FROM) of a message: the
// returnPath mailbox plus-addressed with the message's VERP tag
// ("registrations+b-TAG@isu.example", TAG the local part of a Message-ID
// that MessageID made, after "cv."), so that its bounces reach the inbox and
// name it. Without a returnPath it is from; for a Message-ID MessageID did
// not make it is returnPath itself.
func EnvelopeSender(returnPath, messageID, from string) string {
	if returnPath == "" {
		return from
	}
	local, domain, ok := strings.Cut(returnPath, "@")
	if !ok {
		return from
	}
	local, _, _ = strings.Cut(local, "+")
	tag := VERPTag(messageID)
	if tag == "" {
		return local + "@" + domain
	}
	return local + "+" + VERPPrefix + tag + "@" + domain
}

// VERPTag is the tag of a Message-ID that MessageID made ("cv.TAG@domain"),
// or "".
func VERPTag(messageID string) string {
	local, _, ok := strings.Cut(strings.Trim(messageID, "<> "), "@")
	tag, ours := strings.CutPrefix(local, "cv.")
	if !ok || !ours || tag == "" || strings.Trim(tag, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		return ""
	}
	return tag
}

// MessageIDOfTag is the Message-ID (without <>) of the message whose VERP
// tag is tag, sent from an address of domain: the inverse of VERPTag.
func MessageIDOfTag(tag, domain string) string {
	return "cv." + strings.ToLower(tag) + "@" + strings.ToLower(domain)
}
