// Package inbox reads replies to the invitation and works out what each one
// means.
//
// The pure half ([Parse], [Identify], [ParseRegistration], [StripReply]) does
// no I/O: Parse turns one raw RFC 5322 message into a [Message], classified as
// a registration, a calendar reply (iMIP, RFC 6047), a delivery status
// notification (RFC 3464 and the common non-standard bounces), an automatic
// reply (RFC 3834 and the vendors' markers) or other; Identify decides which
// contact sent it. Parse never panics and never fails on a malformed message:
// what it cannot understand is marked NeedsReview with a reason, and non-fatal
// problems are listed in Message.Problems. Messages beyond the configured
// [Limits] are not parsed further and go to review.
//
// The IMAP half fetches messages and moves them once their effects are stored.
package inbox
