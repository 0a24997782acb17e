package secretariat

import (
	"fmt"
	"strings"

	"convene/inbox"
	"convene/mailer"
	"convene/meeting"
)

// Sender authentication: which replies convene acts on.
//
// The reply token (registrations+TOKEN@… or "[REF TOKEN]") is the strongest
// proof: only the mission was sent it. A reply without a valid token is
// identified by its From address alone, and From is whatever the sender
// typed; such a reply is applied only when the receiving server that
// imap.trusted_authserv_id names vouches for the From domain in its
// Authentication-Results (dmarc=pass, or dkim=pass aligned with the From
// domain), and never when the From domain fails DMARC (not even with a
// token: a leaked token is not the mission). Without a trusted
// server configured, nothing vouches: a reply without a token goes to review.

// identify decides which mission sent a registration reply and whether that
// is proven enough to act on: the contact, or the reason for review.
func identify(c *config, msg *inbox.Message) (*meeting.Contact, string) {
	ct, reason := inbox.Identify(msg, c.cs, c.owners)
	if ct == nil || reason != "" {
		if reason == "" {
			reason = "sender not in the contact list"
		}
		return ct, reason
	}
	if reason := senderProof(c, msg, ct); reason != "" {
		return ct, reason
	}
	return ct, ""
}

// senderProof says why msg, identified as ct's, may not be acted on: "" when
// its token is ct's, or when the trusted server vouches for its From domain.
func senderProof(c *config, msg *inbox.Message, ct *meeting.Contact) string {
	a := msg.Auth
	trusted := c.m.IMAP.TrustedAuthservID != ""
	if msg.Token != "" && c.owners[msg.Token] == ct.Name {
		// The token proves the mission was sent our mail; a From domain that
		// the trusted server says fails DMARC is still a sign of forgery (a
		// token can be leaked by a forward): a person decides.
		if trusted && a.DMARCFail() {
			return fmt.Sprintf("sender authentication: the reply carries %s's token, but the From domain of %s fails DMARC (per %s)", ct.Name, msg.From, c.m.IMAP.TrustedAuthservID)
		}
		return ""
	}
	switch {
	case !trusted:
		return fmt.Sprintf("sender authentication: no reply token, and %s is only the From address (no receiving server is trusted to check it: imap.trusted_authserv_id is not set)", msg.From)
	case !a.Checked:
		return fmt.Sprintf("sender authentication: no reply token, and %s did not report on %s (no Authentication-Results of its own)", c.m.IMAP.TrustedAuthservID, msg.From)
	case a.DMARCFail():
		return fmt.Sprintf("sender authentication: the From domain of %s fails DMARC (per %s), and there is no reply token", msg.From, c.m.IMAP.TrustedAuthservID)
	case !a.Aligned():
		return fmt.Sprintf("sender authentication: no reply token, and no DMARC or aligned DKIM pass for %s (per %s)", msg.From, c.m.IMAP.TrustedAuthservID)
	}
	return ""
}

// calendarSender says why a calendar answer for attendee may not be applied:
// its From must be the attendee's own address, and its domain must not fail
// DMARC. A calendar answer changes only the attendance shown to staff and
// sends nothing, so From with no DMARC failure is enough.
func calendarSender(c *config, msg *inbox.Message, attendee string) string {
	switch {
	case msg.From == "":
		return fmt.Sprintf("calendar answer for %s without a sender address", attendee)
	case !strings.EqualFold(msg.From, attendee):
		return fmt.Sprintf("calendar answer for %s sent from another address (%s)", attendee, msg.From)
	case c.m.IMAP.TrustedAuthservID != "" && msg.Auth.DMARCFail():
		return fmt.Sprintf("calendar answer for %s: the From domain fails DMARC (per %s)", attendee, c.m.IMAP.TrustedAuthservID)
	}
	return ""
}

// verpTags returns the VERP tags of the addresses a message was delivered to
// (registrations+b-TAG@…, see mailer.EnvelopeSender): To, Cc, Delivered-To,
// X-Original-To.
func verpTags(c *config, msg *inbox.Message, raw []byte) []string {
	addrs := append([]string(nil), msg.To...)
	for _, h := range []string{"X-Original-To", "Envelope-To", "Delivered-To", "Return-Path"} {
		for _, v := range inbox.HeaderValues(raw, h) {
			addrs = append(addrs, strings.Trim(strings.TrimSpace(v), "<>"))
		}
	}
	rLocal, rDomain, ok := strings.Cut(meeting.NormalizeEmail(c.m.Sender.ReplyTo), "@")
	if !ok {
		return nil
	}
	if i := strings.IndexByte(rLocal, '+'); i >= 0 {
		rLocal = rLocal[:i]
	}
	var tags []string
	for _, a := range addrs {
		local, domain, ok := strings.Cut(meeting.NormalizeEmail(a), "@")
		if !ok || domain != rDomain {
			continue
		}
		base, detail, plus := strings.Cut(local, "+")
		tag, verp := strings.CutPrefix(detail, mailer.VERPPrefix)
		if plus && verp && base == rLocal && tag != "" && len(tags) < 10 {
			tags = append(tags, tag)
		}
	}
	return tags
}
