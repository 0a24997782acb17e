package calendar

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"convene/meeting"
)

// Hash returns a digest of the significant properties of the event as a
// delegate writing in lang sees them: start, end, status, title, location
// and link, description. A change of anything else (DTSTAMP, the alarm, the
// sender's name, the delegate's name, the VTIMEZONE text) leaves it as it
// is, so it sends no update.
func Hash(m *meeting.Meeting, ev meeting.Session, lang meeting.Lang) string {
	status := ev.Status
	if status == "" {
		status = meeting.StatusConfirmed
	}
	var b strings.Builder
	field := func(k, v string) { fmt.Fprintf(&b, "%s=%d:%s\n", k, len(v), v) }
	field("start", ev.Start.UTC().Format(time.RFC3339))
	field("end", ev.End.UTC().Format(time.RFC3339))
	field("status", status)
	field("summary", text(ev.Title.In(lang)))
	field("location", text(location(m)))
	field("url", m.Platform.URL)
	field("description", text(description(m, ev, lang)))
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:16])
}

// Shown is what a delegate's calendar shows of an event: the times, title
// and location of the last REQUEST sent, in the language it was written in.
// A CANCEL repeats it, even once the event has left meeting.yaml.
type Shown struct {
	Lang       meeting.Lang
	Start, End time.Time
	Summary    string
	Location   string
}

// ShownOf is what a REQUEST for ev in lang shows.
func ShownOf(m *meeting.Meeting, ev meeting.Session, lang meeting.Lang) Shown {
	return Shown{Lang: lang, Start: ev.Start, End: ev.End, Summary: text(ev.Title.In(lang)), Location: text(location(m))}
}

// Sent is the last object sent for a (delegate, event).
type Sent struct {
	Email, EventID, UID string
	Sequence            int
	Hash                string
	Cancelled           bool   // the last object was a CANCEL
	Shown               Shown  // zero when not recorded (before it was); Shown.Lang may still be set
	Name                string // the delegate's name, for the ATTENDEE's CN of a cancel ("" if unknown)
}

// Want is an active delegate and a confirmed event that should be in the
// delegate's calendar.
type Want struct {
	Delegate meeting.Delegate
	Lang     meeting.Lang
	EventID  string
	// Since is when the delegate was registered (zero: unknown). A delegate
	// never invited to an event that had ended by then is not invited now.
	Since time.Time
}

// Kinds of Action.
const (
	KindRequest = "request" // first invitation (SEQUENCE 0), or again after a cancel
	KindUpdate  = "update"  // a significant change: same UID, SEQUENCE+1
	KindCancel  = "cancel"  // event removed or cancelled, or delegate withdrawn
)

// Action is one object to send.
type Action struct {
	Kind     string // KindRequest, KindUpdate or KindCancel
	Delegate meeting.Delegate
	Lang     meeting.Lang // the delegate's; for a cancel, that of the version last sent (English if unknown)
	EventID  string
	UID      string // the UID sent before, or UID(m, EventID) for a new one
	Sequence int
	Hash     string // Hash of the event as sent; empty for a cancel of a removed event
	// Shown is what the object shows: for a request or an update the event
	// now, for a cancel the version last sent. Previous is, for an update,
	// the version it replaces (zero when not recorded).
	Shown, Previous Shown
	// Withdrawn marks a cancel that un-invites the delegate from an event
	// that goes on: no STATUS:CANCELLED (RFC 5546 §3.2.5).
	Withdrawn bool
}

// Method returns the iTIP method of the object the action sends.
func (a Action) Method() string {
	if a.Kind == KindCancel {
		return MethodCancel
	}
	return MethodRequest
}

// Plan returns what must be sent so that every delegate's calendar matches
// the meeting, given what was sent before and what is wanted now:
//   - a wanted (delegate, event) never sent: a request with SEQUENCE 0;
//   - one whose last object was a cancel: a request with SEQUENCE+1;
//   - one whose Hash changed: an update with SEQUENCE+1 and the same UID;
//   - one sent and not wanted any more (event removed from meeting.yaml or
//     cancelled, delegate withdrawn): a cancel with SEQUENCE+1, once,
//     repeating what was last sent; for a withdrawn delegate (the event goes
//     on) it is an un-invitation, without STATUS:CANCELLED.
//
// A wanted (delegate, event) never sent, or cancelled, whose event ended
// before the delegate registered (Want.Since) is left out.
//
// Nothing is planned for an unchanged one. Wants for an event that is not
// in the meeting or is cancelled count as not wanted. Actions are ordered by
// delegate address, then by the order of m.Events(), then by event id.
func Plan(m *meeting.Meeting, sent []Sent, want []Want) []Action {
	events := map[string]meeting.Session{}
	order := map[string]int{}
	for i, ev := range m.Events() {
		events[ev.ID] = ev
		order[ev.ID] = i
	}
	type key struct{ email, event string }
	last := map[key]Sent{}
	for _, s := range sent {
		k := key{meeting.NormalizeEmail(s.Email), s.EventID}
		if p, ok := last[k]; !ok || s.Sequence >= p.Sequence {
			last[k] = s
		}
	}
	var out []Action
	wanted := map[key]bool{}
	for _, w := range want {
		k := key{meeting.NormalizeEmail(w.Delegate.Email), w.EventID}
		ev, ok := events[w.EventID]
		if !ok || ev.Status == meeting.StatusCancelled || wanted[k] {
			continue
		}
		s, sentBefore := last[k]
		if (!sentBefore || s.Cancelled) && !w.Since.IsZero() && !ev.End.IsZero() && ev.End.Before(w.Since) {
			continue // over before the delegate registered (or registered again)
		}
		wanted[k] = true
		d := w.Delegate
		d.Email = k.email
		a := Action{Delegate: d, Lang: w.Lang, EventID: w.EventID, Hash: Hash(m, ev, w.Lang), Shown: ShownOf(m, ev, w.Lang)}
		switch {
		case !sentBefore:
			a.Kind, a.UID, a.Sequence = KindRequest, UID(m, w.EventID), 0
		case s.Cancelled:
			a.Kind, a.UID, a.Sequence = KindRequest, s.UID, s.Sequence+1
		case s.Hash != a.Hash:
			a.Kind, a.UID, a.Sequence, a.Previous = KindUpdate, s.UID, s.Sequence+1, s.Shown
		default:
			continue
		}
		if a.UID == "" {
			a.UID = UID(m, w.EventID)
		}
		out = append(out, a)
	}
	for k, s := range last {
		if wanted[k] || s.Cancelled {
			continue
		}
		lang := s.Shown.Lang
		if !lang.Valid() {
			lang = meeting.EN
		}
		a := Action{Kind: KindCancel, Delegate: meeting.Delegate{Email: k.email, Name: s.Name}, Lang: lang, EventID: s.EventID, UID: s.UID, Sequence: s.Sequence + 1, Shown: s.Shown}
		if a.UID == "" {
			a.UID = UID(m, s.EventID)
		}
		if ev, ok := events[s.EventID]; ok {
			a.Hash = Hash(m, ev, lang)
			a.Withdrawn = ev.Status != meeting.StatusCancelled
			if a.Shown.Start.IsZero() { // not recorded: the event as it is now
				a.Shown = ShownOf(m, ev, lang)
			}
		}
		a.Shown.Lang = lang
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Delegate.Email != b.Delegate.Email {
			return a.Delegate.Email < b.Delegate.Email
		}
		oa, okA := order[a.EventID]
		ob, okB := order[b.EventID]
		if okA != okB {
			return okA // events still in the meeting first
		}
		if oa != ob {
			return oa < ob
		}
		return a.EventID < b.EventID
	})
	return out
}

// Invite returns the invitation that carries the action.
func (a Action) Invite(m *meeting.Meeting, stamp time.Time) Invite {
	ev, ok := m.Session(a.EventID)
	if !ok {
		ev = meeting.Session{ID: a.EventID}
	}
	in := Invite{Meeting: m, Event: ev, Delegate: a.Delegate, Lang: a.Lang, Sequence: a.Sequence, Stamp: stamp, UID: a.UID}
	if a.Kind == KindCancel {
		sh := a.Shown
		in.Shown, in.Withdrawn = &sh, a.Withdrawn
	}
	return in
}

// Render returns the object that carries the action: a REQUEST for a
// request or an update, a CANCEL for a cancel.
func Render(m *meeting.Meeting, a Action, stamp time.Time) ([]byte, error) {
	in := a.Invite(m, stamp)
	if a.Kind == KindCancel {
		return Cancel(in)
	}
	return Request(in)
}

// Wanted returns what delegate d, writing in lang and registered at since
// (zero: unknown), should have in the calendar: every event of m (rehearsal
// and sessions) that is not cancelled. Plan leaves out those that ended
// before since.
func Wanted(m *meeting.Meeting, d meeting.Delegate, lang meeting.Lang, since time.Time) []Want {
	var out []Want
	for _, ev := range m.Events() {
		if ev.Status != meeting.StatusCancelled {
			out = append(out, Want{Delegate: d, Lang: lang, EventID: ev.ID, Since: since})
		}
	}
	return out
}

// String describes the action in one line, for `convene plan`.
func (a Action) String() string {
	kind := a.Kind
	if a.Withdrawn {
		kind = "uninvite"
	}
	return fmt.Sprintf("%-7s %s %s SEQUENCE %d", kind, a.Delegate.Email, a.EventID, a.Sequence)
}
