package templates

import (
	"time"

	"convene/meeting"
)

// Content is one rendered message: a one-line subject, a plain-text body and
// an HTML body.
type Content struct{ Subject, Text, HTML string }

// Data is what a template is executed with. Only Meeting is required; each
// template uses the fields its comment names.
type Data struct {
	Meeting   *meeting.Meeting
	Contact   *meeting.Contact   // the addressee (a mission), nil for delegate mail
	Token     string             // the contact's reference token; adds meeting.SubjectRef to the subject
	ReplyTo   string             // the plus-address to reply to (meeting.ReplyAddress)
	WebLink   string             // the mission's registration page, "" when registration.web is not set
	Delegates []meeting.Delegate // the mission's registered delegates (confirmation)
	Delegate  *meeting.Delegate  // the delegate addressed (invite, day-before, rehearsal)
	Session   *meeting.Session   // the session of a calendar cover note
	Update    bool               // invite: the invitation changed
	Previous  *meeting.Session   // invite, update: the version replaced (times, title), nil if unknown
	Cancelled bool               // invite: the session is cancelled
	Withdrawn bool               // invite: the delegate no longer attends (the session goes on)
	Rehearsed bool               // day-before: the delegate was invited to the rehearsal
	Reason    string             // clarification: what is unclear
	Body      string             // circular: the staff-written body, Markdown or plain text
	Subject   string             // circular: the subject; else a first body line "Subject: ..."; else the meeting title
	Digest    *DigestData        // digest
	Now       time.Time

	// PreviousLink is, for an invite that updates, the joining link it
	// replaces ("" when the link did not change).
	PreviousLink string
}

// DigestData is the content of the staff's morning digest.
type DigestData struct {
	Since time.Time // start of the period covered

	// Registration counts over all invited contacts.
	Invited, Registered, Declined, NoAnswer, Late int
	Delegates                                     int      // registered delegates
	NewSince                                      []string // contacts that registered or changed since Since

	Review  []ReviewLine // open items of the review queue
	Bounces []BounceLine // delivery failures since Since

	Outbox OutboxHealth
	Inbox  InboxHealth

	// SignIn, when not "", says that convene cannot sign in (auth oauth2).
	SignIn string
}

// ReviewLine is one open item of the review queue.
type ReviewLine struct {
	At      time.Time
	Kind    string // registration, bounce, auto-reply, other
	From    string
	Contact string // the matched contact, if any
	Summary string
}

// BounceLine is one delivery failure.
type BounceLine struct {
	At      time.Time
	Address string
	Contact string
	Reason  string // the server's reply or the DSN's diagnostic
	Hard    bool   // permanent failure
}

// OutboxHealth summarises the outbox.
type OutboxHealth struct {
	Sent, Queued, Failed int
}

// InboxHealth summarises the reply mailbox.
type InboxHealth struct {
	LastPoll    time.Time // zero if never polled
	LastError   string    // the last poll's error, empty if it succeeded
	Processed   int       // replies processed since Since
	Unprocessed int       // messages waiting in the mailbox
}
