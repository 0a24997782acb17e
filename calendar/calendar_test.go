package calendar

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	ics "github.com/arran4/golang-ical"

	"convene/meeting"
)

var delegate = meeting.Delegate{Name: `Ms. Ana "Ani" Pérez, Jr.`, Title: "Counsellor", Email: "Ana.Perez@Mission.example"}

func invite(t *testing.T, lang meeting.Lang, eventID string, seq int) Invite {
	t.Helper()
	m := exampleMeeting(t)
	ev, ok := m.Session(eventID)
	if !ok {
		t.Fatalf("no event %s", eventID)
	}
	return Invite{Meeting: m, Event: ev, Delegate: delegate, Lang: lang, Sequence: seq, Stamp: stamp}
}

func TestGolden(t *testing.T) {
	files := map[string][]byte{}
	for _, lang := range meeting.Langs {
		b, err := Request(invite(t, lang, "oap-panels-1", 0))
		if err != nil {
			t.Fatal(err)
		}
		files["request_"+string(lang)+".ics"] = b
	}
	b, err := Request(invite(t, meeting.FR, meeting.RehearsalID, 0))
	if err != nil {
		t.Fatal(err)
	}
	files["request_rehearsal_fr.ics"] = b
	b, err = Cancel(invite(t, meeting.EN, "article-5", 2))
	if err != nil {
		t.Fatal(err)
	}
	files["cancel.ics"] = b
	for _, lang := range []meeting.Lang{meeting.EN, meeting.ES} {
		b, err = Publish(exampleMeeting(t), lang, stamp, map[string]int{"article-5": 2})
		if err != nil {
			t.Fatal(err)
		}
		files["publish_"+string(lang)+".ics"] = b
	}
	for name, b := range files {
		golden(t, name, b)
		checkLines(t, name, b)
	}
	icscheck(t, files)
}

func TestRequestContent(t *testing.T) {
	in := invite(t, meeting.FR, "oap-panels-1", 4)
	b, err := Request(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"METHOD:REQUEST",
		"UID:ism-2020-oap-panels-1@isu.example",
		"SEQUENCE:4",
		"DTSTAMP:20200601T080000Z",
		"DTSTART;TZID=Europe/Zurich:20200630T130000",
		"DTEND;TZID=Europe/Zurich:20200630T153000",
		"STATUS:CONFIRMED",
		"TRANSP:OPAQUE",
		"URL:https://meet.isu.example/ism-2020",
		`LOCATION:Interprefy: https://meet.isu.example/ism-2020`,
		`ORGANIZER;CN=APMBC Implementation Support Unit:mailto:registrations@isu.example`,
		`ATTENDEE;CN="Ms. Ana 'Ani' Pérez, Jr.";CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ana.perez@mission.example`,
		"TRIGGER:-PT15M",
		"ACTION:DISPLAY",
		"TZID:Europe/Zurich",
	} {
		if line(b, want) != want {
			t.Errorf("Request: no line %q in\n%s", want, b)
		}
	}
	if d := line(b, "DESCRIPTION:"); !strings.Contains(d, "https://meet.isu.example/ism-2020") || !strings.Contains(d, "interprétation") {
		t.Errorf("DESCRIPTION lacks the link or the interpretation notes: %s", d)
	}

	// Round trip through golang-ical's parser.
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("golang-ical cannot parse the request: %v", err)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	ev := evs[0]
	m := in.Meeting
	checks := []struct{ prop, want string }{
		{"SUMMARY", in.Event.Title.In(meeting.FR)},
		{"DESCRIPTION", description(m, in.Event, meeting.FR)},
		{"LOCATION", location(m)},
		{"UID", UID(m, "oap-panels-1")},
	}
	for _, c := range checks {
		p := ev.GetProperty(ics.ComponentProperty(c.prop))
		if p == nil || p.Value != c.want {
			t.Errorf("round trip %s = %v, want %q", c.prop, p, c.want)
		}
	}
	atts := ev.Attendees()
	if len(atts) != 1 || atts[0].Email() != "ana.perez@mission.example" || atts[0].ParticipationStatus() != ics.ParticipationStatusNeedsAction {
		t.Fatalf("round trip attendees = %+v", atts)
	}
	if cn, want := decodeParam(atts[0].ICalParameters["CN"][0]), strings.ReplaceAll(delegate.Name, `"`, "'"); cn != want {
		t.Errorf("round trip CN = %q, want %q", cn, want)
	}
	// The times, read back with golang-ical (the TZID is an IANA name).
	start, err := ev.GetStartAt()
	if err != nil || !start.Equal(in.Event.Start) {
		t.Errorf("round trip DTSTART = %v, %v; want %v", start, err, in.Event.Start)
	}
	end, err := ev.GetEndAt()
	if err != nil || !end.Equal(in.Event.End) {
		t.Errorf("round trip DTEND = %v, %v; want %v", end, err, in.Event.End)
	}
}

func TestRequestRefusesCancelled(t *testing.T) {
	in := invite(t, meeting.EN, "article-5", 1)
	in.Event.Status = meeting.StatusCancelled
	if _, err := Request(in); !errors.Is(err, ErrCancelledEvent) {
		t.Errorf("Request(cancelled) = %v, want ErrCancelledEvent", err)
	}
	in.Delegate.Email = "no-at-sign"
	if _, err := Cancel(in); err == nil {
		t.Error("Cancel with a bad address: no error")
	}
}

func TestCancel(t *testing.T) {
	b, err := Cancel(invite(t, meeting.EN, "article-5", 2))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"METHOD:CANCEL", "UID:ism-2020-article-5@isu.example", "SEQUENCE:2", "STATUS:CANCELLED", "DTSTART;TZID=Europe/Zurich:20200701T153000", "SUMMARY:Committee on Article 5 Implementation"} {
		if line(b, want) != want {
			t.Errorf("Cancel: no line %q", want)
		}
	}
	if strings.Contains(string(b), "PARTSTAT") || strings.Contains(string(b), "VALARM") {
		t.Errorf("Cancel carries PARTSTAT or an alarm:\n%s", b)
	}
}

func TestPublish(t *testing.T) {
	m := exampleMeeting(t)
	m.Sessions[1].Status = meeting.StatusCancelled
	b, err := Publish(m, meeting.EN, stamp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "BEGIN:VEVENT"); n != len(m.Events()) {
		t.Errorf("Publish: %d events, want %d", n, len(m.Events()))
	}
	if strings.Contains(string(b), "ATTENDEE") {
		t.Error("Publish has ATTENDEEs")
	}
	if n := strings.Count(string(b), "STATUS:CANCELLED"); n != 1 {
		t.Errorf("Publish: %d cancelled events, want 1", n)
	}
	if n := strings.Count(string(b), "BEGIN:VTIMEZONE"); n != 1 {
		t.Errorf("Publish: %d VTIMEZONEs, want 1", n)
	}
	icscheck(t, map[string][]byte{"publish_cancelled.ics": b})
}

func TestFoldingAndEscaping(t *testing.T) {
	m := exampleMeeting(t)
	titles := meeting.Text{
		meeting.FR: "Réunion d'experts sur l'élimination des stocks de mines antipersonnel, la dépollution et l'assistance aux victimes – séance générale « ouverte » à Genève",
		meeting.ES: "Reunión de expertos sobre la destrucción de existencias, el desminado y la asistencia a las víctimas — sesión pública en Ginebra, año 2020 ñÑáéíóú€😀",
		meeting.EN: "Back\\slash; semi, comma\nnew line: colon, \"quotes\" and a CR\r\nLF",
	}
	m.Sessions[0].Title = titles
	m.Sessions[0].Description = meeting.Text{meeting.EN: strings.Repeat("Déjà vu, à la carte; ", 20)}
	files := map[string][]byte{}
	for _, lang := range meeting.Langs {
		in := Invite{Meeting: m, Event: m.Sessions[0], Delegate: meeting.Delegate{Name: `Doe, John "JJ" Ñandú: the 3rd; ok`, Email: "jd@x.example"}, Lang: lang, Stamp: stamp}
		b, err := Request(in)
		if err != nil {
			t.Fatal(err)
		}
		name := "fold_" + string(lang) + ".ics"
		files[name] = b
		checkLines(t, name, b)
		cal, err := ics.ParseCalendar(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ev := cal.Events()[0]
		want := text(titles.In(lang))
		if got := ev.GetProperty(ics.ComponentPropertySummary).Value; got != want {
			t.Errorf("%s: SUMMARY unfolds to %q, want %q", name, got, want)
		}
		if got, want := ev.GetProperty(ics.ComponentPropertyDescription).Value, text(description(m, m.Sessions[0], lang)); got != want {
			t.Errorf("%s: DESCRIPTION unfolds to %q, want %q", name, got, want)
		}
		att := line(b, "ATTENDEE")
		if !strings.HasPrefix(att, `ATTENDEE;CN="Doe, John 'JJ' Ñandú: the 3rd; ok";`) {
			t.Errorf("%s: CN not quoted as it must be: %s", name, att)
		}
		rs, err := ParseReplies(bytes.Replace(b, []byte("METHOD:REQUEST"), []byte("METHOD:REPLY"), 1))
		if err != nil || len(rs) != 1 || rs[0].CN != strings.ReplaceAll(in.Delegate.Name, `"`, "'") {
			t.Errorf("%s: CN read back = %+v, %v", name, rs, err)
		}
	}
	en := files["fold_en.ics"]
	if s := line(en, "SUMMARY:"); s != `SUMMARY:Back\\slash\; semi\, comma\nnew line: colon\, "quotes" and a CR\nLF` {
		t.Errorf("escaped SUMMARY = %s", s)
	}
	icscheck(t, files)
}

func TestParamValue(t *testing.T) {
	// No RFC 6868 caret escapes: most parsers show ^' and ^n literally.
	tests := []struct{ in, want string }{
		{"Plain Name", "Plain Name"},
		{"Doe, John", `"Doe, John"`},
		{"a;b", `"a;b"`},
		{"a:b", `"a:b"`},
		{`say "hi"`, `say 'hi'`},
		{`Doe, "JJ"`, `"Doe, 'JJ'"`},
		{"caret^", "caret^"},
		{"two\nlines", "two lines"},
		{"two\r\nlines", "two lines"},
		{"bell\x07", "bell"},
		{"Ñandú “quoted”", "Ñandú “quoted”"},
	}
	for _, tt := range tests {
		got := paramValue(tt.in)
		if got != tt.want {
			t.Errorf("paramValue(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if strings.Contains(got, "^'") || strings.Contains(got, "^n") || strings.Count(got, `"`) > 2 {
			t.Errorf("paramValue(%q) = %s: a caret escape or an inner quote", tt.in, got)
		}
	}
}

func TestUID(t *testing.T) {
	m := exampleMeeting(t)
	if got, want := UID(m, "article-5"), "ism-2020-article-5@isu.example"; got != want {
		t.Errorf("UID = %q, want %q", got, want)
	}
}
