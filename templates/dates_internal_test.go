package templates

import (
	"testing"
	"time"

	"convene/meeting"
)

func mustLoc(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

func TestDates(t *testing.T) {
	zurich, tokyo := mustLoc(t, "Europe/Zurich"), mustLoc(t, "Asia/Tokyo")
	a := time.Date(2020, 6, 30, 13, 0, 0, 0, zurich)
	b := time.Date(2020, 6, 30, 15, 30, 0, 0, zurich)
	first := time.Date(2020, 7, 1, 9, 5, 0, 0, zurich)
	early := time.Date(2020, 7, 1, 8, 0, 0, 0, tokyo) // 23:00 UTC the day before
	late := func(loc *time.Location) time.Time { return time.Date(2020, 6, 30, 23, 0, 0, 0, loc) }
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"span en", span(meeting.EN, a, b, zurich), "Tuesday 30 June 2020, 13:00–15:30 CEST (11:00–13:30 UTC)"},
		{"span fr", span(meeting.FR, a, b, zurich), "mardi 30 juin 2020, 13 h 00–15 h 30 CEST (11 h 00–13 h 30 UTC)"},
		{"span es", span(meeting.ES, a, b, zurich), "martes 30 de junio de 2020, 13:00–15:30 CEST (11:00–13:30 UTC)"},
		{"first of the month fr", longDate(meeting.FR, first), "mercredi 1er juillet 2020"},
		{"first of the month es", longDate(meeting.ES, first), "miércoles 1 de julio de 2020"},
		{"when en", when(meeting.EN, first, zurich), "Wednesday 1 July 2020, 09:05 CEST (07:05 UTC)"},
		{"when fr", when(meeting.FR, first, zurich), "mercredi 1er juillet 2020, 9 h 05 CEST (7 h 05 UTC)"},
		{"UTC on the day before", when(meeting.EN, early, tokyo), "Wednesday 1 July 2020, 08:00 JST (Tuesday 30 June 2020, 23:00 UTC)"},
		{"span UTC day before es", span(meeting.ES, early, early.Add(time.Hour), tokyo),
			"miércoles 1 de julio de 2020, 08:00–09:00 JST (martes 30 de junio de 2020, 23:00–00:00 UTC)"},
		{"span across midnight", span(meeting.EN, late(zurich), late(zurich).Add(3*time.Hour), zurich),
			"Tuesday 30 June 2020, 23:00 – Wednesday 1 July, 02:00 CEST (21:00–00:00 UTC)"},
		{"winter time", when(meeting.EN, time.Date(2020, 12, 1, 10, 0, 0, 0, zurich), zurich), "Tuesday 1 December 2020, 10:00 CET (09:00 UTC)"},
		{"unknown language is English", longDate("de", a), "Tuesday 30 June 2020"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestLocalSpan(t *testing.T) {
	zurich := mustLoc(t, "Europe/Zurich")
	a := time.Date(2020, 6, 30, 13, 0, 0, 0, zurich)
	b := time.Date(2020, 6, 30, 15, 30, 0, 0, zurich)
	late := time.Date(2020, 6, 30, 20, 0, 0, 0, zurich)
	tests := []struct {
		lang meeting.Lang
		zone string
		a, b time.Time
		want string
	}{
		{meeting.EN, "America/New_York", a, b, "07:00–09:30 in New York"},
		{meeting.FR, "America/New_York", a, b, "7 h 00–9 h 30 à New York"},
		{meeting.ES, "America/Mexico_City", a, b, "06:00–08:30 en Ciudad de México"},
		{meeting.EN, "America/Mexico_City", a, b, "06:00–08:30 in Mexico City"},
		{meeting.ES, "America/Bogota", a, b, "06:00–08:30 en Bogotá"},
		{meeting.FR, "America/Bogota", a, b, "6 h 00–8 h 30 à Bogota"},
		{meeting.EN, "Europe/Paris", a, b, ""}, // same clock as Geneva
		{meeting.EN, "Europe/Zurich", a, b, ""},
		{meeting.EN, "Asia/Kabul", a, b, "15:30–18:00 in Kabul"},
		{meeting.EN, "Asia/Bangkok", late, late.Add(time.Hour), "Wednesday 1 July, 01:00–02:00 in Bangkok"},
		{meeting.FR, "Asia/Bangkok", late, late.Add(time.Hour), "mercredi 1er juillet, 1 h 00–2 h 00 à Bangkok"},
		{meeting.ES, "Asia/Bangkok", late, late.Add(time.Hour), "miércoles 1 de julio, 01:00–02:00 en Bangkok"},
		// Crossing midnight in the mission's zone: both dates.
		{meeting.EN, "Pacific/Auckland", a, b, "Tuesday 30 June, 23:00 – Wednesday 1 July, 01:30 in Auckland"},
		{meeting.FR, "Pacific/Auckland", a, b, "mardi 30 juin, 23 h 00 – mercredi 1er juillet, 1 h 30 à Auckland"},
		{meeting.EN, "Asia/Tokyo", late.Add(-4 * time.Hour), late, "Tuesday 30 June, 23:00 – Wednesday 1 July, 03:00 in Tokyo"},
		{meeting.EN, "Asia/Tokyo", late.Add(-5 * time.Hour), late.Add(-3 * time.Hour), "22:00–00:00 in Tokyo"}, // ends at midnight
	}
	for _, tc := range tests {
		got := localSpan(tc.lang, tc.a, tc.b, zurich, mustLoc(t, tc.zone))
		if got != tc.want {
			t.Errorf("localSpan(%s, %s) = %q, want %q", tc.lang, tc.zone, got, tc.want)
		}
	}
	if got := localSpan(meeting.EN, a, b, zurich, nil); got != "" {
		t.Errorf("localSpan(no zone) = %q, want empty", got)
	}
}

func TestGreeting(t *testing.T) {
	tests := []struct {
		lang meeting.Lang
		c    *meeting.Contact
		want string
	}{
		{meeting.EN, &meeting.Contact{Salutation: "Excellency"}, "Excellency,"},
		{meeting.ES, &meeting.Contact{Salutation: "Excelencia"}, "Excelencia:"},
		{meeting.ES, &meeting.Contact{Salutation: "Estimados colegas:"}, "Estimados colegas:"},
		{meeting.FR, &meeting.Contact{Salutation: "Chers collègues,"}, "Chers collègues,"},
		{meeting.FR, &meeting.Contact{}, "Madame, Monsieur,"},
		{meeting.EN, nil, "Dear Sir or Madam,"},
	}
	for _, tc := range tests {
		v := newView(Data{Contact: tc.c}, tc.lang)
		if got := v.Greeting(); got != tc.want {
			t.Errorf("Greeting(%s, %+v) = %q, want %q", tc.lang, tc.c, got, tc.want)
		}
	}
}

func TestCircularSubject(t *testing.T) {
	m := &meeting.Meeting{Title: meeting.Text{meeting.EN: "The meeting"}}
	tests := []struct{ subject, body, wantSubject, wantBody string }{
		{"", "Subject: Documents\n\nText.", "Documents", "Text."},
		{"", "\ufeffsubject:  Documents \r\n\r\nText.\r\n", "Documents", "Text."},
		{"Given", "Subject: Documents\n\nText.", "Given", "Text."},
		{"", "Dear colleagues: text.\n", "The meeting", "Dear colleagues: text."},
	}
	for _, tc := range tests {
		v := newView(Data{Meeting: m, Subject: tc.subject, Body: tc.body}, meeting.EN)
		if s, b := v.CircularSubject(), v.CircularBody(); s != tc.wantSubject || b != tc.wantBody {
			t.Errorf("circular(%q, %q) = %q, %q, want %q, %q", tc.subject, tc.body, s, b, tc.wantSubject, tc.wantBody)
		}
	}
}

// TestLocalWhen: the registration deadline (a moment) in the mission's zone,
// with the day when it is not the meeting's day.
func TestLocalWhen(t *testing.T) {
	zurich := mustLoc(t, "Europe/Zurich")
	deadline := time.Date(2020, 6, 12, 18, 0, 0, 0, zurich)
	tests := []struct {
		lang meeting.Lang
		zone string
		want string
	}{
		{meeting.EN, "America/New_York", "12:00 in New York"},
		{meeting.FR, "America/New_York", "12 h 00 à New York"},
		{meeting.ES, "America/Bogota", "11:00 en Bogotá"},
		{meeting.EN, "Pacific/Auckland", "Saturday 13 June, 04:00 in Auckland"},
		{meeting.FR, "Pacific/Auckland", "samedi 13 juin, 4 h 00 à Auckland"},
		{meeting.ES, "Asia/Tokyo", "sábado 13 de junio, 01:00 en Tokio"},
		{meeting.EN, "Europe/Paris", ""}, // the meeting's clock
	}
	for _, tc := range tests {
		if got := localWhen(tc.lang, deadline, zurich, mustLoc(t, tc.zone)); got != tc.want {
			t.Errorf("localWhen(%s, %s) = %q, want %q", tc.lang, tc.zone, got, tc.want)
		}
	}
	v := newView(Data{Meeting: &meeting.Meeting{Location: zurich}, Contact: &meeting.Contact{Location: mustLoc(t, "America/New_York")}}, meeting.EN)
	if got := v.LocalAt(deadline); got != "12:00 in New York" {
		t.Errorf("LocalAt = %q", got)
	}
	if got := newView(Data{Meeting: &meeting.Meeting{Location: zurich}}, meeting.EN).LocalAt(deadline); got != "" {
		t.Errorf("LocalAt without a contact = %q, want empty", got)
	}
}

// TestUpcomingRehearsal: the confirmation announces the rehearsal only
// before it starts.
func TestUpcomingRehearsal(t *testing.T) {
	start := time.Date(2020, 6, 16, 12, 0, 0, 0, time.UTC)
	m := &meeting.Meeting{Rehearsal: &meeting.Rehearsal{Start: start, Duration: time.Hour}}
	for _, tc := range []struct {
		now  time.Time
		want bool
	}{{start.Add(-time.Minute), true}, {start, false}, {start.Add(48 * time.Hour), false}, {time.Time{}, true}} {
		if got := newView(Data{Meeting: m, Now: tc.now}, meeting.EN).UpcomingRehearsal() != nil; got != tc.want {
			t.Errorf("UpcomingRehearsal at %v = %v, want %v", tc.now, got, tc.want)
		}
	}
	if newView(Data{Meeting: &meeting.Meeting{}}, meeting.EN).UpcomingRehearsal() != nil {
		t.Error("UpcomingRehearsal without a rehearsal is not nil")
	}
}
