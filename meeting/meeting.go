// Package meeting holds the nouns every part of convene shares: the meeting
// described in meeting.yaml, its sessions, the contact list from contacts.csv,
// delegates and registrations. It also loads and checks those two files.
//
// The package does no network I/O and imports only the standard library and a
// YAML decoder.
package meeting

import (
	"strings"
	"time"
)

// Lang is a language of correspondence: en, fr or es.
type Lang string

// The languages convene writes and reads.
const (
	EN Lang = "en"
	FR Lang = "fr"
	ES Lang = "es"
)

// Langs lists the supported languages in a stable order.
var Langs = []Lang{EN, FR, ES}

// Valid reports whether l is one of Langs.
func (l Lang) Valid() bool { return l == EN || l == FR || l == ES }

// Text is a string in several languages.
type Text map[Lang]string

// In returns the text in lang, falling back to English, then to any language.
func (t Text) In(lang Lang) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	if s := t[EN]; s != "" {
		return s
	}
	for _, l := range Langs {
		if s := t[l]; s != "" {
			return s
		}
	}
	return ""
}

// Category is the kind of a contact.
type Category string

// The contact categories.
const (
	StateParty    Category = "state-party"
	StateNotParty Category = "state-not-party"
	Organisation  Category = "organisation"
)

// Categories lists the valid categories.
var Categories = []Category{StateParty, StateNotParty, Organisation}

// Valid reports whether c is one of Categories.
func (c Category) Valid() bool {
	return c == StateParty || c == StateNotParty || c == Organisation
}

// Meeting is a meeting as described in meeting.yaml, with every time resolved
// in the meeting's time zone.
type Meeting struct {
	ID       string
	Title    Text
	TimeZone string         // IANA name, e.g. Europe/Zurich
	Location *time.Location // loaded from TimeZone (embedded tzdata)

	Platform     Platform
	Sender       Sender
	Registration Registration
	Rehearsal    *Rehearsal // nil when there is none
	Sessions     []Session
	Invite       []Category // categories that receive the invitation

	SMTP      SMTP
	IMAP      IMAP
	Store     string // path of the embedded store, absolute ("" on PostgreSQL)
	Dashboard string // listen address of the dashboard, e.g. 127.0.0.1:8025
	Contacts  string // path of contacts.csv, absolute
	Templates string // optional directory of template overrides, absolute
	Limits    Limits // caps on what one inbound message may cause

	OAuth2 *OAuth2 // the oauth2 block, when given (smtp or imap with auth oauth2)

	DashboardOptions DashboardOptions // TLS, public host names, trusted proxy
	StoreConfig      StoreConfig      // store: on PostgreSQL (store_config.go)

	Path string // the meeting.yaml this was loaded from
}

// Platform is the virtual meeting platform.
type Platform struct {
	Name  string
	URL   string
	Notes Text // e.g. how to reach interpretation
}

// Sender is who circulars come from and where replies go.
type Sender struct {
	Name    string
	Address string // From
	ReplyTo string // where registrations are read; plus-addressed per contact
}

// Late policies: what happens to a registration after the deadline.
const (
	LateAccept = "accept" // apply it and confirm as usual
	LateReview = "review" // put it in front of staff
	LateRefuse = "refuse" // send the late-registration answer, apply nothing
)

// Registration holds the registration window.
type Registration struct {
	Opens     time.Time
	Deadline  time.Time
	Reminders []time.Duration  // offsets before Deadline, e.g. 7d, 2d
	Late      string           // LateAccept, LateReview or LateRefuse
	Web       *WebRegistration // the public registration page (webreg.go), nil when not configured
	Fields    []Field          // optional questions about each delegate, asked on the page (fields.go)
}

// Rehearsal is the technical rehearsal before the meeting.
type Rehearsal struct {
	Start    time.Time
	Duration time.Duration
	Title    Text
	Notice   time.Duration // how long before Start the notice goes out
}

// End returns when the rehearsal ends.
func (r Rehearsal) End() time.Time { return r.Start.Add(r.Duration) }

// Session statuses.
const (
	StatusConfirmed = "confirmed"
	StatusCancelled = "cancelled"
)

// Session is one session of the meeting.
type Session struct {
	ID          string
	Title       Text
	Start, End  time.Time
	Description Text
	Status      string // StatusConfirmed (default) or StatusCancelled
}

// RehearsalID is the event id of the rehearsal in Events.
const RehearsalID = "rehearsal"

// Events returns the rehearsal (if any) and the sessions as calendar events,
// in time order of the file: rehearsal first.
func (m *Meeting) Events() []Session {
	var ev []Session
	if r := m.Rehearsal; r != nil {
		title := r.Title
		if len(title) == 0 {
			title = Text{EN: "Meeting rehearsal", FR: "Répétition de la réunion", ES: "Ensayo de la reunión"}
		}
		ev = append(ev, Session{ID: RehearsalID, Title: title, Start: r.Start, End: r.End(), Status: StatusConfirmed})
	}
	return append(ev, m.Sessions...)
}

// Session returns the event with the given id (a session or the rehearsal).
func (m *Meeting) Session(id string) (Session, bool) {
	for _, s := range m.Events() {
		if s.ID == id {
			return s, true
		}
	}
	return Session{}, false
}

// Start returns the start of the first session.
func (m *Meeting) Start() time.Time {
	var t time.Time
	for _, s := range m.Sessions {
		if t.IsZero() || s.Start.Before(t) {
			t = s.Start
		}
	}
	return t
}

// End returns the end of the last session.
func (m *Meeting) End() time.Time {
	var t time.Time
	for _, s := range m.Sessions {
		if s.End.After(t) {
			t = s.End
		}
	}
	return t
}

// Invites reports whether contacts of category c are invited.
func (m *Meeting) Invites(c Category) bool {
	for _, x := range m.Invite {
		if x == c {
			return true
		}
	}
	return false
}

// Contact is one row of contacts.csv: a mission or an organisation.
type Contact struct {
	Name       string
	Category   Category
	Emails     []string // lower-cased addresses; the first is the primary
	Language   Lang
	Salutation string
	Country    string
	TimeZone   string         // optional IANA zone of the mission
	Location   *time.Location // loaded from TimeZone, nil when empty
	Notes      string
	Line       int // line in contacts.csv
}

// HasEmail reports whether addr is one of the contact's addresses.
func (c *Contact) HasEmail(addr string) bool {
	addr = NormalizeEmail(addr)
	for _, e := range c.Emails {
		if e == addr {
			return true
		}
	}
	return false
}

// NormalizeEmail lower-cases and trims an address for comparison.
func NormalizeEmail(addr string) string {
	return strings.ToLower(strings.TrimSpace(addr))
}

// Contacts is the contact list with lookups by name and address.
type Contacts struct {
	List    []*Contact
	byName  map[string]*Contact
	byEmail map[string]*Contact
}

// NewContacts indexes list. Later duplicates of a name or address are ignored
// by the lookups (Load reports them as errors).
func NewContacts(list []*Contact) *Contacts {
	cs := &Contacts{List: list, byName: map[string]*Contact{}, byEmail: map[string]*Contact{}}
	for _, c := range list {
		if _, ok := cs.byName[strings.ToLower(c.Name)]; !ok {
			cs.byName[strings.ToLower(c.Name)] = c
		}
		for _, e := range c.Emails {
			if _, ok := cs.byEmail[e]; !ok {
				cs.byEmail[e] = c
			}
		}
	}
	return cs
}

// ByName finds a contact by its name, case-insensitively.
func (cs *Contacts) ByName(name string) (*Contact, bool) {
	c, ok := cs.byName[strings.ToLower(strings.TrimSpace(name))]
	return c, ok
}

// ByEmail finds the contact that has addr among its addresses.
func (cs *Contacts) ByEmail(addr string) (*Contact, bool) {
	c, ok := cs.byEmail[NormalizeEmail(addr)]
	return c, ok
}

// InCategories returns the contacts whose category is one of cats, in file order.
func (cs *Contacts) InCategories(cats ...Category) []*Contact {
	var out []*Contact
	for _, c := range cs.List {
		for _, cat := range cats {
			if c.Category == cat {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// Delegate is a person a contact registered for the meeting.
type Delegate struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Email string `json:"email"`
	// Fields are the answers to the meeting's registration.fields, "" when
	// none were given (e-mail replies): see Fields.
	Fields Fields `json:"fields,omitempty"`
}

// Attendance values for a delegate and a session (iCalendar PARTSTAT).
const (
	PartstatNeedsAction = "NEEDS-ACTION"
	PartstatAccepted    = "ACCEPTED"
	PartstatDeclined    = "DECLINED"
	PartstatTentative   = "TENTATIVE"
)
