package templates

import (
	"strings"
	"time"

	"convene/meeting"
)

// view is what templates execute on: the Data and the language, with
// methods that format for that language.
type view struct {
	Data
	Lang meeting.Lang
	Form Labels
}

func newView(d Data, lang meeting.Lang) *view {
	return &view{Data: d, Lang: lang, Form: FormLabels[lang]}
}

// Slots returns 1..FormSlots, for ranging over the reply form's blocks.
func (v *view) Slots() []int {
	s := make([]int, FormSlots)
	for i := range s {
		s[i] = i + 1
	}
	return s
}

// T returns t in the view's language.
func (v *view) T(t meeting.Text) string { return t.In(v.Lang) }

// Answers writes a delegate's answers to the meeting's fields
// (registration.fields) in the view's language, "Participation: Online; …",
// or "" when there are none.
func (v *view) Answers(d meeting.Delegate) string {
	return strings.Join(d.Fields.Labels(v.Meeting, v.Lang), "; ")
}

// MeetingTitle returns the meeting's title in the view's language.
func (v *view) MeetingTitle() string { return v.Meeting.Title.In(v.Lang) }

// Sessions returns the sessions that are not cancelled.
func (v *view) Sessions() []meeting.Session {
	var out []meeting.Session
	for _, s := range v.Meeting.Sessions {
		if s.Status != meeting.StatusCancelled {
			out = append(out, s)
		}
	}
	return out
}

func (v *view) loc() *time.Location {
	if v.Meeting.Location != nil {
		return v.Meeting.Location
	}
	return time.UTC
}

// Date writes t's day in the meeting's zone: "Tuesday 30 June 2020".
func (v *view) Date(t time.Time) string { return longDate(v.Lang, t.In(v.loc())) }

// When writes t in the meeting's zone and in UTC.
func (v *view) When(t time.Time) string { return when(v.Lang, t, v.loc()) }

// Span writes a range in the meeting's zone and in UTC.
func (v *view) Span(a, b time.Time) string { return span(v.Lang, a, b, v.loc()) }

// Local writes a range in the contact's own zone ("09:00–11:30 in New
// York"), or "" when there is no contact zone or it shows the meeting's clock.
func (v *view) Local(a, b time.Time) string {
	if v.Contact == nil {
		return ""
	}
	return localSpan(v.Lang, a, b, v.loc(), v.Contact.Location)
}

// LocalAt writes a moment in the contact's own zone ("12:00 in New York"),
// or "" when there is no contact zone or it shows the meeting's clock.
func (v *view) LocalAt(t time.Time) string {
	if v.Contact == nil {
		return ""
	}
	return localWhen(v.Lang, t, v.loc(), v.Contact.Location)
}

// UpcomingRehearsal is the meeting's rehearsal when it has not started at
// Now (nil otherwise), for the texts that announce it.
func (v *view) UpcomingRehearsal() *meeting.Rehearsal {
	r := v.Meeting.Rehearsal
	if r == nil || (!v.Now.IsZero() && !v.Now.Before(r.Start)) {
		return nil
	}
	return r
}

// PreviousSpan writes, for an update, the time it replaces ("" when the
// time did not change).
func (v *view) PreviousSpan() string {
	p, s := v.Previous, v.Session
	if p == nil || p.Start.IsZero() || (s != nil && p.Start.Equal(s.Start) && p.End.Equal(s.End)) {
		return ""
	}
	return span(v.Lang, p.Start, p.End, v.loc())
}

// PreviousTitle is, for an update, the title it replaces ("" when the
// title did not change).
func (v *view) PreviousTitle() string {
	if v.Previous == nil {
		return ""
	}
	t := v.Previous.Title.In(v.Lang)
	if v.Session != nil && t == v.Session.Title.In(v.Lang) {
		return ""
	}
	return t
}

// Greeting opens mail to a contact: its salutation with the language's
// punctuation ("Excellency,", "Excelencia:"), or a neutral greeting.
func (v *view) Greeting() string {
	if v.Contact != nil && v.Contact.Salutation != "" {
		punct := ","
		if v.Lang == meeting.ES {
			punct = ":"
		}
		return strings.TrimRight(v.Contact.Salutation, ",:; ") + punct
	}
	switch v.Lang {
	case meeting.FR:
		return "Madame, Monsieur,"
	case meeting.ES:
		return "De nuestra consideración:"
	}
	return "Dear Sir or Madam,"
}

// DelegateGreeting opens mail to a delegate: "Dear NAME," in English, and
// neutral forms in French and Spanish, where a name alone reads badly.
func (v *view) DelegateGreeting() string {
	switch v.Lang {
	case meeting.FR:
		return "Madame, Monsieur,"
	case meeting.ES:
		return "Estimada delegada, estimado delegado:"
	}
	if v.Delegate != nil && v.Delegate.Name != "" {
		return "Dear " + v.Delegate.Name + ","
	}
	return "Dear delegate,"
}

// Addressee names the addressee inside a sentence of a note verbale: "the
// Permanent Mission", "l'organisation", "la delegación".
func (v *view) Addressee() string {
	names := map[meeting.Lang][3]string{
		meeting.EN: {"the Permanent Mission", "the organisation", "the delegation"},
		meeting.FR: {"la Mission permanente", "l'organisation", "la délégation"},
		meeting.ES: {"la Misión Permanente", "la organización", "la delegación"},
	}[known(v.Lang)]
	switch {
	case v.Contact == nil:
		return names[2]
	case v.Contact.Category == meeting.Organisation:
		return names[1]
	}
	return names[0]
}

// Signature is the sender's name.
func (v *view) Signature() string { return v.Meeting.Sender.Name }

// CircularSubject is the circular's subject: Data.Subject, else the text of
// a first body line "Subject: ...", else the meeting title.
func (v *view) CircularSubject() string {
	if v.Subject != "" {
		return v.Subject
	}
	if s, _, ok := splitSubject(v.Body); ok {
		return s
	}
	return v.MeetingTitle()
}

// CircularBody is the circular's body without its "Subject:" line.
func (v *view) CircularBody() string {
	if _, rest, ok := splitSubject(v.Body); ok {
		return rest
	}
	return strings.TrimSpace(v.Body)
}

func splitSubject(body string) (subject, rest string, ok bool) {
	body = strings.TrimLeft(strings.TrimPrefix(body, "\ufeff"), "\r\n")
	first, rest, _ := strings.Cut(body, "\n")
	k, s, found := strings.Cut(first, ":")
	if !found || !strings.EqualFold(strings.TrimSpace(k), "subject") {
		return "", "", false
	}
	return strings.TrimSpace(s), strings.TrimSpace(rest), true
}
