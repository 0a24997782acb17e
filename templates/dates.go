package templates

import (
	"fmt"
	"strings"
	"time"

	"convene/meeting"
)

// Weekday and month names, written out so that output does not depend on the
// host's locale.
var (
	weekdayNames = map[meeting.Lang][7]string{
		meeting.EN: {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		meeting.FR: {"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		meeting.ES: {"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
	}
	monthNames = map[meeting.Lang][12]string{
		meeting.EN: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		meeting.FR: {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		meeting.ES: {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	}
)

func known(lang meeting.Lang) meeting.Lang {
	if lang.Valid() {
		return lang
	}
	return meeting.EN
}

// dayMonth writes "Tuesday 30 June", "mardi 30 juin", "martes 30 de junio";
// French writes the first of the month "1er".
func dayMonth(lang meeting.Lang, t time.Time) string {
	lang = known(lang)
	wd, mo, d := weekdayNames[lang][t.Weekday()], monthNames[lang][t.Month()-1], fmt.Sprint(t.Day())
	switch lang {
	case meeting.FR:
		if t.Day() == 1 {
			d = "1er"
		}
		return wd + " " + d + " " + mo
	case meeting.ES:
		return wd + " " + d + " de " + mo
	}
	return wd + " " + d + " " + mo
}

// longDate adds the year: "Tuesday 30 June 2020", "martes 30 de junio de 2020".
func longDate(lang meeting.Lang, t time.Time) string {
	if known(lang) == meeting.ES {
		return dayMonth(lang, t) + " de " + fmt.Sprint(t.Year())
	}
	return dayMonth(lang, t) + " " + fmt.Sprint(t.Year())
}

// clock writes a time of day: "09:00", or in French "9 h 00".
func clock(lang meeting.Lang, t time.Time) string {
	if known(lang) == meeting.FR {
		return fmt.Sprintf("%d h %02d", t.Hour(), t.Minute())
	}
	return t.Format("15:04")
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// when writes a moment in loc and in UTC:
// "Friday 12 June 2020, 18:00 CEST (16:00 UTC)".
func when(lang meeting.Lang, t time.Time, loc *time.Location) string {
	l, u := t.In(loc), t.UTC()
	s := longDate(lang, l) + ", " + clock(lang, l) + " " + l.Format("MST") + " ("
	if !sameDay(l, u) {
		s += longDate(lang, u) + ", "
	}
	return s + clock(lang, u) + " UTC)"
}

// span writes a range in loc and in UTC:
// "Tuesday 30 June 2020, 13:00–15:30 CEST (11:00–13:30 UTC)"; a range that
// crosses midnight shows both dates.
func span(lang meeting.Lang, a, b time.Time, loc *time.Location) string {
	la, lb, ua, ub := a.In(loc), b.In(loc), a.UTC(), b.UTC()
	s := longDate(lang, la) + ", " + clockRange(lang, la, lb) + " " + la.Format("MST") + " ("
	if !sameDay(la, ua) {
		s += longDate(lang, ua) + ", "
	}
	return s + clockRange(lang, ua, ub) + " UTC)"
}

// clockRange writes "13:00–15:30", or, when b is on a later day than a (an
// end at midnight exactly is not), "23:00 – Wednesday 1 July, 01:30".
func clockRange(lang meeting.Lang, a, b time.Time) string {
	if sameDay(a, b.Add(-time.Nanosecond)) || !b.After(a) {
		return clock(lang, a) + "–" + clock(lang, b)
	}
	return clock(lang, a) + " – " + dayMonth(lang, b) + ", " + clock(lang, b)
}

// localSpan writes a range in the mission's zone, "09:00–11:30 in New York",
// with the day when it differs from the day in the meeting's zone, and both
// days when the range crosses midnight there. It is
// empty when the mission's zone shows the same clock as the meeting's.
func localSpan(lang meeting.Lang, a, b time.Time, meet, own *time.Location) string {
	if own == nil || meet == nil {
		return ""
	}
	_, offMeet := a.In(meet).Zone()
	_, offOwn := a.In(own).Zone()
	_, offMeetB := b.In(meet).Zone()
	_, offOwnB := b.In(own).Zone()
	if offMeet == offOwn && offMeetB == offOwnB {
		return ""
	}
	la, lb := a.In(own), b.In(own)
	s := clockRange(lang, la, lb)
	if !sameDay(la, a.In(meet)) || !sameDay(la, lb.Add(-time.Nanosecond)) {
		s = dayMonth(lang, la) + ", " + s
	}
	in := map[meeting.Lang]string{meeting.EN: " in ", meeting.FR: " à ", meeting.ES: " en "}[known(lang)]
	return s + in + city(lang, own)
}

// localWhen writes a moment in the mission's zone, "12:00 in New York",
// with the day when it differs from the day in the meeting's zone. It is
// empty when the mission's zone shows the same clock as the meeting's.
func localWhen(lang meeting.Lang, t time.Time, meet, own *time.Location) string {
	if own == nil || meet == nil {
		return ""
	}
	_, offMeet := t.In(meet).Zone()
	_, offOwn := t.In(own).Zone()
	if offMeet == offOwn {
		return ""
	}
	l := t.In(own)
	s := clock(lang, l)
	if !sameDay(l, t.In(meet)) {
		s = dayMonth(lang, l) + ", " + s
	}
	in := map[meeting.Lang]string{meeting.EN: " in ", meeting.FR: " à ", meeting.ES: " en "}[known(lang)]
	return s + in + city(lang, own)
}

// city names a zone by its last element, America/New_York is "New York",
// or by the name lang gives the city (cityNames).
func city(lang meeting.Lang, loc *time.Location) string {
	if n, ok := cityNames[loc.String()][known(lang)]; ok {
		return n
	}
	name := loc.String()
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return strings.ReplaceAll(name, "_", " ")
}

// cityNames are the zone cities whose name in a language is not the zone's
// (accents the zone names leave out, or another name); French names that
// would need "au" or "aux" after "à" are left out.
var cityNames = map[string]map[meeting.Lang]string{
	"America/Asuncion":    {meeting.EN: "Asunción", meeting.FR: "Asunción", meeting.ES: "Asunción"},
	"America/Bogota":      {meeting.EN: "Bogotá", meeting.ES: "Bogotá"},
	"America/Mexico_City": {meeting.FR: "Mexico", meeting.ES: "Ciudad de México"},
	"America/New_York":    {meeting.ES: "Nueva York"},
	"America/Panama":      {meeting.ES: "Panamá"},
	"America/Sao_Paulo":   {meeting.EN: "São Paulo", meeting.FR: "São Paulo", meeting.ES: "São Paulo"},
	"Africa/Addis_Ababa":  {meeting.FR: "Addis-Abeba", meeting.ES: "Adís Abeba"},
	"Africa/Algiers":      {meeting.FR: "Alger", meeting.ES: "Argel"},
	"Africa/Cairo":        {meeting.ES: "El Cairo"},
	"Asia/Tokyo":          {meeting.ES: "Tokio"},
	"Europe/Brussels":     {meeting.FR: "Bruxelles", meeting.ES: "Bruselas"},
	"Europe/London":       {meeting.FR: "Londres", meeting.ES: "Londres"},
	"Europe/Vienna":       {meeting.FR: "Vienne", meeting.ES: "Viena"},
}
