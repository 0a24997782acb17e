// Package web serves the staff dashboard, the registration exports, the
// meeting's calendar feed and the Prometheus metrics over HTTP.
//
// The package reads everything through Source, which the command wires to
// the store; it knows nothing of the mailer, the inbox or the scheduler.
package web

import (
	"context"
	"errors"
	"fmt"
	"time"

	"convene/meeting"
)

// Source is what the dashboard reads and the one write it makes (Resolve).
// Its methods are called from concurrent requests and must be safe for
// concurrent use. Times are shown as given, in their own location.
type Source interface {
	Overview(ctx context.Context) (Overview, error)
	// Missions returns the contacts matching f (an empty field matches all).
	Missions(ctx context.Context, f MissionFilter) ([]Mission, error)
	Delegates(ctx context.Context) ([]DelegateAttendance, error)
	Sessions(ctx context.Context) ([]SessionInfo, error)
	// Review returns at most limit open review items from offset, oldest
	// first, and how many are open in all.
	Review(ctx context.Context, offset, limit int) ([]ReviewItem, int, error)
	// ReviewMessage returns the message of a review item as it was received
	// (RFC 5322, possibly cut at the store's limit), or ErrNotFound.
	ReviewMessage(ctx context.Context, id int64) ([]byte, error)
	// ReviewAttachment returns attachment n (0-based, in ReviewItem.Attachments
	// order) of a review item's message, decoded, or ErrNotFound.
	ReviewAttachment(ctx context.Context, id int64, n int) (Attachment, []byte, error)
	// Resolve applies a staff decision to a review item and closes it, in one
	// transaction. It returns ErrNotFound when the item is unknown or already
	// closed, and an InputError when the action cannot apply (an unknown
	// mission, say); the dashboard shows the InputError's text.
	Resolve(ctx context.Context, a ReviewAction) error
	Outbox(ctx context.Context) ([]Batch, []Failure, error)
	Registrations(ctx context.Context) ([]RegistrationRow, error)
	// Calendar returns the meeting as an iCalendar (METHOD:PUBLISH) object.
	Calendar(ctx context.Context) ([]byte, error)
	Metrics(ctx context.Context) (Metrics, error)
	// Mission returns one mission's page, or ErrNotFound.
	Mission(ctx context.Context, name string) (MissionDetail, error)
	// Health returns the inbox's health, read on every page for its banner.
	Health(ctx context.Context) (InboxHealth, error)
}

// ErrNotFound is returned by Source.Resolve for an unknown or closed item.
var ErrNotFound = errors.New("web: not found")

// InputError is a refusal that the person acting can fix; its text is shown
// on the page.
type InputError string

func (e InputError) Error() string { return string(e) }

// Overview is the dashboard's first page.
type Overview struct {
	Title    string
	Start    time.Time // first day of the meeting
	End      time.Time
	Deadline time.Time // registration deadline; zero if none
	Counts   Counts
	Timeline []Job
	// Registrations is the cumulative number of registered missions at the
	// end of each day, oldest first (days without change may be left out).
	Registrations []DayCount
	Inbox         InboxHealth
	Cluster       *Cluster // several instances on PostgreSQL; nil on SQLite (metrics_cluster.go)
}

// Counts are the overview's figures.
type Counts struct {
	Invited    int // contacts invited
	Registered int // missions with at least one delegate
	Delegates  int
	Declined   int
	InReview   int // missions whose reply waits in review
	NoReply    int
	Bounced    int
	ReviewOpen int
	// The outbox, all batches together.
	OutboxSent   int
	OutboxFailed int
	OutboxQueued int
}

// JobState is where a timeline job stands.
type JobState string

// The job states.
const (
	JobPending JobState = "pending"
	JobRunning JobState = "running"
	JobDone    JobState = "done"
	JobMissed  JobState = "missed"
	JobFailed  JobState = "failed"
)

// Job is one step of the meeting's timeline (an invitation, a reminder, an
// inbox poll).
type Job struct {
	Label  string
	Kind   string
	Due    time.Time
	State  JobState
	DoneAt time.Time // zero unless done or failed
}

// DayCount is a cumulative count at the end of a day.
type DayCount struct {
	Day   time.Time
	Count int
}

// InboxHealth tells whether the inbox is being read.
type InboxHealth struct {
	LastContact time.Time // last successful exchange with the IMAP server (IDLE included)
	LastMessage time.Time // newest message processed
	// Status is the watcher's state: InboxOK, InboxAuthFailed or
	// InboxUnreachable ("" before its first connection), since StatusSince;
	// Detail is the server's answer.
	Status      string
	StatusSince time.Time
	Detail      string

	// SignIn, when not "", is why convene cannot obtain an OAuth2 token
	// (auth oauth2), failing since SignInSince: nothing is sent or read.
	SignIn      string
	SignInSince time.Time
}

// The inbox watcher's states (InboxHealth.Status).
const (
	InboxOK          = "ok"
	InboxAuthFailed  = "auth-failed"
	InboxUnreachable = "unreachable"
)

// MissionState is where a contact stands.
type MissionState string

// The mission states.
const (
	StateInvited    MissionState = "invited"
	StateInReview   MissionState = "in-review" // a reply waits in review
	StateRegistered MissionState = "registered"
	StateDeclined   MissionState = "declined"
	StateNoReply    MissionState = "no-reply"
	StateBounced    MissionState = "bounced"
)

// MissionFilter selects missions; empty fields match everything.
type MissionFilter struct {
	Category meeting.Category
	Language meeting.Lang
}

// Mission is one contact and its registration.
type Mission struct {
	Name        string
	Category    meeting.Category
	Language    meeting.Lang
	State       MissionState
	Since       time.Time // when it entered State; zero if unknown
	Delegates   int
	LastMessage time.Time // zero if none
	LastSummary string
	Via         string // how its registration last changed: "mail", "web", "staff", or "" (regweb)
}

// MissionDetail is everything about one mission: its contact, state, the
// history of its registration, its delegates and every message in and out.
type MissionDetail struct {
	Mission
	Salutation, Country string
	Addresses           []Address
	History             []HistoryEntry // oldest first
	People              []Person       // delegates, withdrawn ones too
	Messages            []MessageEntry // in and out, oldest first
}

// Address is one address of a mission and whether it bounced permanently.
type Address struct {
	Email     string
	BouncedAt time.Time // zero if it did not
}

// HistoryEntry is a change of a mission's registration.
type HistoryEntry struct {
	At        time.Time
	What      string // "registered Ada Lovelace, …", "withdrew x@y", "declined"
	By        string // "inbox", or the staff member
	MessageID string // the message that carried it, if any
}

// Person is a delegate of a mission, active or withdrawn.
type Person struct {
	Name, Title, Email string
	Withdrawn          bool
	Since              time.Time    // registered, or withdrawn
	Unreachable        time.Time    // when mail to Email last bounced permanently; zero if it did not
	Fields             []FieldValue // answers to the meeting's registration.fields
}

// FieldValue is a delegate's answer to one of the meeting's fields
// (registration.fields), labelled in English: one per field, in the
// meeting's order, Value "" when not answered.
type FieldValue struct {
	Label, Value string
}

// MessageEntry is a message to or from a mission.
type MessageEntry struct {
	At      time.Time
	In      bool   // from the mission
	Kind    string // in: registration, bounce…; out: the template (invitation, reminder…)
	Summary string // in: what was made of it; out: the recipients
	State   string // in: processed or review; out: queued, sent, failed…
	Detail  string // out: the server's reply for a failure
}

// DelegateAttendance is a registered delegate and their answer per session.
type DelegateAttendance struct {
	Mission string
	Name    string
	Title   string
	Email   string
	Fields  []FieldValue // answers to the meeting's registration.fields
	// Partstat maps a session id to meeting.PartstatAccepted, Declined,
	// Tentative or NeedsAction; a missing session reads as NeedsAction.
	Partstat map[string]string
}

// SessionInfo is a session of the meeting, as a column of the delegates page.
type SessionInfo struct {
	ID    string
	Title string
	Start time.Time
	End   time.Time
}

// ReviewItem is an open item of the review queue.
type ReviewItem struct {
	ID      int64
	Kind    string // what the message looked like
	Reason  string // why a person must look
	Summary string
	From    string
	Contact string // the matched contact, if any
	Created time.Time

	// The message as received, for the desk. Text is shown as text, never
	// as HTML (an HTML message's text is what the reader extracted).
	Date        time.Time // its Date header; zero if none
	Text        string    // the new text, quotes and signature removed
	Attachments []Attachment
	Problems    []string           // what the reader noted
	Delegates   []meeting.Delegate // the reader's (partial) reading, pre-filled for registering
	Withdrawn   []string           // withdrawals the reader found
	HasMessage  bool               // the message is kept and can be downloaded

	// What the desk offers and the effects it announces.
	Suggested     []string // addresses an out-of-office named (a colleague)
	Late          bool     // a registration after the deadline, held by the late policy
	ContactEmails []string // where a confirmation to Contact goes
}

// Attachment is a part of a message that is not its text.
type Attachment struct {
	Name string
	Type string // media type, e.g. application/pdf
	Size int    // bytes, decoded
}

// ActionKind is what staff decided about a review item.
type ActionKind string

// The review actions.
const (
	// ActionAssign attaches the message to Mission (a contact name).
	ActionAssign ActionKind = "assign"
	// ActionRegister registers Delegates for Mission, typed in by hand.
	ActionRegister ActionKind = "register"
	// ActionDismiss closes the item with nothing else done.
	ActionDismiss ActionKind = "dismiss"
	// ActionAcceptLate registers Delegates for Mission though they came
	// after the deadline (recorded as late).
	ActionAcceptLate ActionKind = "accept-late"
	// ActionAddAddress records Address as an address of Mission: reminders
	// go there too (the colleague an out-of-office named).
	ActionAddAddress ActionKind = "add-address"
)

// ReviewAction is a staff decision, with who made it and when.
type ReviewAction struct {
	Item      int64
	Kind      ActionKind
	Mission   string             // contact name, for assign and register
	Delegates []meeting.Delegate // for register and accept-late, at least one
	Address   string             // for add-address
	Note      string             // optional free text
	By        string             // the operator
	At        time.Time
}

// Batch is one sending of the outbox (an invitation round, a reminder).
type Batch struct {
	ID      string
	Label   string
	Created time.Time
	Queued  int
	Sent    int
	Failed  int
}

// Failure is a message the outbox could not deliver.
type Failure struct {
	Batch    string // Batch.ID
	Mission  string
	To       string
	Subject  string
	Reply    string // the server's reply, e.g. "550 5.1.1 <x@y>: user unknown"
	Attempts int
	At       time.Time
}

// RegistrationRow is one registered delegate, a row of the exports.
type RegistrationRow struct {
	Mission      string
	Category     meeting.Category
	Language     meeting.Lang
	Name         string
	Title        string
	Email        string
	RegisteredAt time.Time
	// Fields are the answers to the meeting's registration.fields, one per
	// field in the same order on every row: a column each, after the others.
	Fields []FieldValue
}

// Metrics are the values exposed at /metrics, read at scrape time.
type Metrics struct {
	MessagesSent   int64
	MessagesFailed int64
	// InboxByKind counts processed inbox messages by classification
	// (registration, bounce, auto-reply, ...).
	InboxByKind map[string]int64
	ReviewQueue int
	// JobLag is how late the most overdue pending job is (zero if none).
	JobLag           time.Duration
	InboxLastContact time.Time // zero if never
	InboxStatus      string    // InboxHealth.Status

	// SignInFailing: convene cannot obtain an OAuth2 token (auth oauth2).
	SignInFailing bool
	Cluster       *Cluster // several instances on PostgreSQL; nil on SQLite (metrics_cluster.go)
}

// String describes the action for the review item's resolution and the
// registration history: "assigned to Permanent Mission of Arcadia",
// "registered 2 delegates for …", "dismissed: spam". Who and when are not
// included; they are stored beside it.
func (a ReviewAction) String() string {
	var s string
	switch a.Kind {
	case ActionAssign:
		s = "assigned to " + a.Mission
	case ActionRegister:
		n := "1 delegate"
		if len(a.Delegates) != 1 {
			n = fmt.Sprintf("%d delegates", len(a.Delegates))
		}
		s = "registered " + n + " for " + a.Mission
	case ActionAcceptLate:
		n := "1 delegate"
		if len(a.Delegates) != 1 {
			n = fmt.Sprintf("%d delegates", len(a.Delegates))
		}
		s = "accepted the late registration of " + n + " for " + a.Mission
	case ActionAddAddress:
		s = "added " + a.Address + " to " + a.Mission
	case ActionDismiss:
		s = "dismissed"
	default:
		s = string(a.Kind)
	}
	if a.Note != "" {
		s += ": " + a.Note
	}
	return s
}
