// Package calendar writes the iCalendar objects of a meeting (RFC 5545):
// iMIP invitations, updates and cancellations for each delegate and event
// (RFC 5546, RFC 6047), a PUBLISH calendar of the whole meeting, and reads
// the REPLY and COUNTER objects that delegates' clients send back. It also
// plans which invitations must go out so that every delegate's calendar
// matches meeting.yaml.
//
// The package is pure: it does no I/O. It builds on
// github.com/arran4/golang-ical and fills its gaps: CRLF line ends, a real
// VTIMEZONE generated from Go's zone data, DQUOTEd parameter values, local
// times with TZID, and a tolerant pre-pass before parsing what real clients
// send. The bytes returned go into a text/calendar MIME part whose method
// parameter is the METHOD of the object (see Method).
package calendar

import (
	"errors"
	"fmt"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"convene/meeting"
)

// ProdID is the PRODID of every object the package writes.
const ProdID = "-//convene//Meeting Invitations 1.0//EN"

// The iTIP methods the package writes and reads.
const (
	MethodRequest = "REQUEST"
	MethodCancel  = "CANCEL"
	MethodPublish = "PUBLISH"
	MethodReply   = "REPLY"
	MethodCounter = "COUNTER"
)

// UID returns the iCalendar UID of an event of m: stable for as long as the
// meeting id, the event id and the sender's domain are unchanged, so that
// every update and cancellation reaches the same calendar entry.
func UID(m *meeting.Meeting, eventID string) string {
	return m.ID + "-" + eventID + "@" + senderDomain(m)
}

func senderDomain(m *meeting.Meeting) string {
	for _, a := range []string{m.Sender.Address, m.Sender.ReplyTo} {
		if i := strings.LastIndexByte(a, '@'); i >= 0 && i+1 < len(a) {
			return strings.ToLower(strings.TrimRight(a[i+1:], ">"))
		}
	}
	return "convene.invalid"
}

// Invite is one invitation: an event of the meeting for one delegate.
type Invite struct {
	Meeting  *meeting.Meeting
	Event    meeting.Session // a session or the rehearsal, from Meeting.Events()
	Delegate meeting.Delegate
	Lang     meeting.Lang
	Sequence int       // 0 for the first REQUEST, then one more for each update or cancel
	Stamp    time.Time // DTSTAMP: when the object is generated
	UID      string    // empty: UID(Meeting, Event.ID)

	// For a CANCEL only. Shown is what the delegate was last sent (nil: the
	// event as it is now, in Lang). Withdrawn makes the CANCEL un-invite the
	// delegate alone: it then carries no STATUS:CANCELLED, which would
	// cancel the event for everyone (RFC 5546 §3.2.5).
	Shown     *Shown
	Withdrawn bool
}

func (in Invite) uid() string {
	if in.UID != "" {
		return in.UID
	}
	return UID(in.Meeting, in.Event.ID)
}

// ErrCancelledEvent is returned by Request for an event whose status is cancelled.
var ErrCancelledEvent = errors.New("calendar: the event is cancelled: send a CANCEL")

// Request returns the METHOD:REQUEST object inviting the delegate to the
// event, with the delegate as the only ATTENDEE and the secretariat's
// reply mailbox (Sender.ReplyTo) as ORGANIZER, since clients send their
// answer to the ORGANIZER. An update is a Request with the same UID and a
// higher Sequence.
func Request(in Invite) ([]byte, error) {
	if in.Event.Status == meeting.StatusCancelled {
		return nil, ErrCancelledEvent
	}
	return build(in, MethodRequest)
}

// Cancel returns the METHOD:CANCEL object that removes the event from the
// delegate's calendar: same UID, in.Sequence (higher than the last one sent),
// and the DTSTART, DTEND, SUMMARY and LOCATION of the version the delegate
// was last sent (in.Shown, or in.Event as it is now in in.Lang), which
// Outlook needs to find the entry (MS-OXCICAL). A cancelled or removed event
// carries STATUS:CANCELLED; an un-invitation (in.Withdrawn) does not (RFC
// 5546 §3.2.5). in.Event may hold only an ID when the event is no longer in
// meeting.yaml and nothing was recorded of it; the object then has no times.
func Cancel(in Invite) ([]byte, error) {
	return build(in, MethodCancel)
}

func build(in Invite, method string) ([]byte, error) {
	m := in.Meeting
	if m == nil {
		return nil, errors.New("calendar: no meeting")
	}
	if in.Event.ID == "" {
		return nil, errors.New("calendar: no event id")
	}
	if err := checkAddress(in.Delegate.Email); err != nil {
		return nil, fmt.Errorf("calendar: attendee: %w", err)
	}
	if in.Stamp.IsZero() {
		return nil, errors.New("calendar: no DTSTAMP")
	}
	if in.Sequence < 0 {
		return nil, fmt.Errorf("calendar: negative SEQUENCE %d", in.Sequence)
	}
	cal := newCalendar(method)
	shown := ShownOf(m, in.Event, in.Lang)
	if method == MethodCancel && in.Shown != nil {
		shown = *in.Shown
	}
	var evs []meeting.Session
	if !shown.Start.IsZero() {
		evs = append(evs, meeting.Session{Start: shown.Start, End: shown.End})
	}
	z, err := addTimezone(cal, m, evs)
	if err != nil {
		return nil, err
	}
	ev := cal.AddEvent(in.uid())
	ev.SetDtStampTime(in.Stamp)
	ev.SetSequence(in.Sequence)
	if method == MethodCancel {
		setCancelProps(ev, z, shown, !in.Withdrawn)
	} else if err := setEventProps(ev, m, z, in.Event, in.Lang, false); err != nil {
		return nil, err
	}
	if err := addOrganizer(ev, m); err != nil {
		return nil, err
	}
	att := "ATTENDEE"
	if in.Delegate.Name != "" {
		att += ";CN=" + paramValue(in.Delegate.Name)
	}
	att += ";CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT"
	if method == MethodRequest {
		att += ";PARTSTAT=NEEDS-ACTION;RSVP=TRUE"
	}
	// golang-ical backslash-escapes parameter values, which RFC 5545 does not
	// allow; the parameters are written into the name, already quoted.
	ev.AddProperty(ics.ComponentProperty(att), "mailto:"+meeting.NormalizeEmail(in.Delegate.Email))
	if method == MethodRequest {
		a := ev.AddAlarm()
		a.SetAction(ics.ActionDisplay)
		a.SetTrigger("-PT15M")
		a.SetProperty(ics.ComponentPropertyDescription, text(label("reminder", in.Lang)+": "+in.Event.Title.In(in.Lang)))
	}
	return serialize(cal), nil
}

// FeedRefresh is how often a subscriber should fetch the PUBLISH feed again:
// its REFRESH-INTERVAL (RFC 7986 §5.7) and X-PUBLISHED-TTL (Outlook, Apple).
const FeedRefresh = "PT1H"

// Publish returns a METHOD:PUBLISH calendar of every event of the meeting
// (rehearsal and sessions, cancelled ones with STATUS:CANCELLED) in lang,
// without attendees: for `convene ics` and a subscription feed. seq gives
// each event's current SEQUENCE by event id (the highest sent to any
// delegate; missing ids are 0), so that a subscriber sees an update as one.
func Publish(m *meeting.Meeting, lang meeting.Lang, stamp time.Time, seq map[string]int) ([]byte, error) {
	if m == nil {
		return nil, errors.New("calendar: no meeting")
	}
	cal := newCalendar(MethodPublish)
	if t := m.Title.In(lang); t != "" {
		cal.SetName(text(t))
		cal.SetXWRCalName(text(t))
	}
	cal.SetXWRTimezone(m.TimeZone)
	cal.CalendarProperties = append(cal.CalendarProperties,
		ics.CalendarProperty{BaseProperty: ics.BaseProperty{IANAToken: "REFRESH-INTERVAL", ICalParameters: map[string][]string{"VALUE": {"DURATION"}}, Value: FeedRefresh}},
		ics.CalendarProperty{BaseProperty: ics.BaseProperty{IANAToken: "X-PUBLISHED-TTL", Value: FeedRefresh}})
	evs := m.Events()
	z, err := addTimezone(cal, m, evs)
	if err != nil {
		return nil, err
	}
	for _, s := range evs {
		ev := cal.AddEvent(UID(m, s.ID))
		ev.SetDtStampTime(stamp)
		ev.SetSequence(seq[s.ID])
		if err := setEventProps(ev, m, z, s, lang, s.Status == meeting.StatusCancelled); err != nil {
			return nil, err
		}
		if err := addOrganizer(ev, m); err != nil {
			return nil, err
		}
	}
	return serialize(cal), nil
}

func newCalendar(method string) *ics.Calendar {
	cal := ics.NewCalendar()
	cal.SetProductId(ProdID)
	cal.SetCalscale("GREGORIAN")
	cal.SetMethod(ics.Method(method))
	return cal
}

func serialize(cal *ics.Calendar) []byte {
	return []byte(cal.Serialize(ics.WithNewLineWindows))
}

// zone returns the meeting's time zone.
func zone(m *meeting.Meeting) (*time.Location, error) {
	if m.Location != nil {
		return m.Location, nil
	}
	if m.TimeZone == "" {
		return nil, errors.New("calendar: the meeting has no time zone")
	}
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	return loc, nil
}

// timeWriter writes the DATE-TIMEs of one object: as local times with the
// TZID of the meeting's zone, or in UTC where a local time would be read
// wrong (see utcOnly and ambiguous).
type timeWriter struct {
	loc  *time.Location
	tzid string
	utc  bool // every time in UTC: the zone has no VTIMEZONE in the object
}

// addTimezone adds the VTIMEZONE of the meeting's zone covering evs (none
// when evs is empty, or when the times are all written in UTC) and returns
// how to write the times.
func addTimezone(cal *ics.Calendar, m *meeting.Meeting, evs []meeting.Session) (timeWriter, error) {
	if len(evs) == 0 {
		return timeWriter{}, nil
	}
	loc, err := zone(m)
	if err != nil {
		return timeWriter{}, err
	}
	from, to := evs[0].Start, evs[0].End
	for _, e := range evs {
		if e.Start.Before(from) {
			from = e.Start
		}
		if e.End.After(to) {
			to = e.End
		}
	}
	if to.Before(from) {
		to = from
	}
	w := timeWriter{loc: loc, tzid: tzid(m, loc)}
	if utcOnly(loc, from, to) {
		w.utc = true
		return w, nil
	}
	cal.AddVTimezone(vtimezone(w.tzid, loc, from, to))
	return w, nil
}

// utcOnly reports whether the VTIMEZONE of loc between from and to would
// need one-off observances (no RRULE) next to others, as Africa/Casablanca's
// Ramadan changes do: node-ical and vobject read such zones an hour off, so
// the times are written in UTC instead.
func utcOnly(loc *time.Location, from, to time.Time) bool {
	trs := transitions(loc, from, to)
	if len(trs) == 0 || (len(trs) == 1 && !hasNext(loc, to)) {
		return false
	}
	for _, o := range observances(loc, trs) {
		if o.rule == nil {
			return true
		}
	}
	return false
}

func tzid(m *meeting.Meeting, loc *time.Location) string {
	if m.TimeZone != "" {
		return m.TimeZone
	}
	return loc.String()
}

// setEventProps writes the significant properties of ev: those Hash covers.
func setEventProps(ev *ics.VEvent, m *meeting.Meeting, z timeWriter, s meeting.Session, lang meeting.Lang, cancelled bool) error {
	if s.Start.IsZero() {
		return errors.New("calendar: event " + s.ID + " has no start")
	}
	z.set(ev, ics.ComponentPropertyDtStart, s.Start)
	if !s.End.IsZero() && !s.End.Before(s.Start) {
		z.set(ev, ics.ComponentPropertyDtEnd, s.End)
	}
	if t := s.Title.In(lang); t != "" {
		ev.SetSummary(text(t))
	}
	if d := description(m, s, lang); d != "" {
		ev.SetDescription(text(d))
	}
	if l := location(m); l != "" {
		ev.SetLocation(text(l))
	}
	if m.Platform.URL != "" {
		ev.SetURL(m.Platform.URL)
	}
	if cancelled {
		ev.SetStatus(ics.ObjectStatusCancelled)
	} else {
		ev.SetStatus(ics.ObjectStatusConfirmed)
	}
	ev.SetTimeTransparency(ics.TransparencyOpaque)
	return nil
}

// setCancelProps writes what a CANCEL repeats of the version last sent, and
// STATUS:CANCELLED when the whole event is cancelled.
func setCancelProps(ev *ics.VEvent, z timeWriter, sh Shown, cancelled bool) {
	if !sh.Start.IsZero() {
		z.set(ev, ics.ComponentPropertyDtStart, sh.Start)
		if !sh.End.IsZero() && !sh.End.Before(sh.Start) {
			z.set(ev, ics.ComponentPropertyDtEnd, sh.End)
		}
	}
	if sh.Summary != "" {
		ev.SetSummary(text(sh.Summary))
	}
	if sh.Location != "" {
		ev.SetLocation(text(sh.Location))
	}
	if cancelled {
		ev.SetStatus(ics.ObjectStatusCancelled)
	}
}

// set writes t as a local time with TZID (golang-ical's SetStartAt only
// writes UTC), or in UTC when the object has no VTIMEZONE or the local time
// occurs twice in the zone: RFC 5545 says to take the first occurrence, but
// ical.js, node-ical, python-icalendar and go-ical read the second.
func (z timeWriter) set(ev *ics.VEvent, p ics.ComponentProperty, t time.Time) {
	l := t.In(z.loc)
	if z.utc || ambiguous(l, z.loc) {
		ev.SetProperty(p, t.UTC().Format(localLayout)+"Z")
		return
	}
	ev.SetProperty(p, l.Format(localLayout), ics.WithTZID(z.tzid))
}

// ambiguous reports whether the wall-clock time of l occurs twice in loc
// (either occurrence) because the clocks go back.
func ambiguous(l time.Time, loc *time.Location) bool {
	return len(meeting.Instants(l, loc)) > 1
}

// Organizer is the ORGANIZER's address: the secretariat's reply mailbox
// (Sender.ReplyTo, else Sender.Address), where clients send their answers.
// The mail that carries an object should come From it.
func Organizer(m *meeting.Meeting) string {
	if m.Sender.ReplyTo != "" {
		return m.Sender.ReplyTo
	}
	return m.Sender.Address
}

func addOrganizer(ev *ics.VEvent, m *meeting.Meeting) error {
	addr := Organizer(m)
	if err := checkAddress(addr); err != nil {
		return fmt.Errorf("calendar: organizer: %w", err)
	}
	name := "ORGANIZER"
	if m.Sender.Name != "" {
		name += ";CN=" + paramValue(m.Sender.Name)
	}
	ev.AddProperty(ics.ComponentProperty(name), "mailto:"+meeting.NormalizeEmail(addr))
	return nil
}

// checkAddress rejects addresses that cannot be written as a mailto: URI
// without escaping.
func checkAddress(a string) error {
	a = strings.TrimSpace(a)
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 {
		return fmt.Errorf("invalid address %q", a)
	}
	if strings.ContainsAny(a, ",;\\\"<> \t\r\n") {
		return fmt.Errorf("address %q has characters a calendar address cannot hold", a)
	}
	return nil
}
