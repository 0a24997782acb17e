package templates

import (
	"time"

	"convene/meeting"
)

// Span writes a range in loc and in UTC, as the messages do:
// "Tuesday 30 June 2020, 13:00–15:30 CEST (11:00–13:30 UTC)". The web
// registration page (regweb) uses it.
func Span(lang meeting.Lang, a, b time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return span(lang, a, b, loc)
}

// LocalSpan writes a range in a mission's own zone, "09:00–11:30 in New
// York"; "" when own is nil or shows the same clock as meet.
func LocalSpan(lang meeting.Lang, a, b time.Time, meet, own *time.Location) string {
	return localSpan(lang, a, b, meet, own)
}

// When writes a moment in loc and in UTC.
func When(lang meeting.Lang, t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return when(lang, t, loc)
}
