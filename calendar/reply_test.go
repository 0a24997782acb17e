package calendar

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/meeting"
)

func TestParseReplies(t *testing.T) {
	crlf := func(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }
	tests := []struct {
		name string
		in   []byte
		want []Reply
		err  error
	}{
		{
			name: "outlook for mac: MAILTO, underscore names, no ORGANIZER, property after the event",
			in: crlf(`BEGIN:VCALENDAR
METHOD:REPLY
PRODID:Microsoft CDO for Microsoft Exchange
VERSION:2.0
BEGIN:VEVENT
UID:ism-2020-article-5@isu.example
X-ENTOURAGE_UUID:abc
SEQUENCE:2
ATTENDEE;ROLE=OPT-PARTICIPANT;RSVP=FALSE;CN="Doe, Jane";PARTSTAT=declined:MAILTO:Jane.Doe@Mission.Example
DTSTART;TZID="W. Europe Standard Time":20200701T153000
END:VEVENT
X-MS-OLK-FORCEINSPECTOROPEN:TRUE
END:VCALENDAR
`),
			want: []Reply{{Method: MethodReply, UID: "ism-2020-article-5@isu.example", Sequence: 2, Attendee: "jane.doe@mission.example", CN: "Doe, Jane", Partstat: "DECLINED"}},
		},
		{
			name: "google: LF only, folded, raw quote in X-RESPONSE-COMMENT",
			in:   []byte("BEGIN:VCALENDAR\nMETHOD:REPLY\nBEGIN:VEVENT\nUID:u1\nDTSTAMP:20200620T071500Z\nORGANIZER;CN=Sec:mailto:rsvp@isu.example\nATTENDEE;PARTSTAT=ACCEPTED;CN=Ana;X-RESPONSE-COMMENT=\"I'll be \"there\" early\";X-NUM-GUESTS=0:mai\n lto:ana@x.example\nEND:VEVENT\nEND:VCALENDAR\n"),
			want: []Reply{{Method: MethodReply, UID: "u1", Attendee: "ana@x.example", CN: "Ana", Partstat: "ACCEPTED", Organizer: "rsvp@isu.example", Comment: `I'll be there early`, Stamp: time.Date(2020, 6, 20, 7, 15, 0, 0, time.UTC)}},
		},
		{
			name: "counter with a Windows TZID resolved through its VTIMEZONE",
			in: crlf(`BEGIN:VCALENDAR
METHOD:COUNTER
BEGIN:VTIMEZONE
TZID:Romance Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:u2
SEQUENCE:1
DTSTART;TZID=Romance Standard Time:20200701T100000
ORGANIZER:mailto:rsvp@isu.example
ATTENDEE;PARTSTAT=TENTATIVE:mailto:b@y.example
COMMENT:Could we start later?
END:VEVENT
END:VCALENDAR
`),
			want: []Reply{{Method: MethodCounter, UID: "u2", Sequence: 1, Attendee: "b@y.example", Partstat: "TENTATIVE", Organizer: "rsvp@isu.example", Comment: "Could we start later?", ProposedStart: time.Date(2020, 7, 1, 8, 0, 0, 0, time.UTC)}},
		},
		{
			name: "a request is not a reply",
			in:   crlf("BEGIN:VCALENDAR\nMETHOD:REQUEST\nBEGIN:VEVENT\nUID:x\nEND:VEVENT\nEND:VCALENDAR\n"),
			err:  ErrNotReply,
		},
		{
			name: "missing END lines are closed",
			in:   crlf("junk before\nBEGIN:VCALENDAR\nMETHOD:REPLY\nBEGIN:VEVENT\nUID:x\nATTENDEE;PARTSTAT=ACCEPTED:mailto:c@z.example\nnot a property\n"),
			want: []Reply{{Method: MethodReply, UID: "x", Attendee: "c@z.example", Partstat: "ACCEPTED"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseReplies(tt.in)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("ParseReplies err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseReplies: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("ParseReplies = %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("ParseReplies[%d] = %+v\nwant %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestReplyToOurRequest answers one of our own requests as a client would
// and reads it back: the loop the inbox relies on.
func TestReplyToOurRequest(t *testing.T) {
	b, err := Request(invite(t, meeting.ES, "article-5", 3))
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("METHOD:REQUEST"), []byte("METHOD:REPLY"), 1)
	b = bytes.Replace(b, []byte("PARTSTAT=NEEDS-ACTION"), []byte("PARTSTAT=ACCEPTED"), 1)
	rs, err := ParseReplies(b)
	if err != nil || len(rs) != 1 {
		t.Fatalf("ParseReplies = %+v, %v", rs, err)
	}
	want := Reply{Method: MethodReply, UID: "ism-2020-article-5@isu.example", Sequence: 3, Attendee: "ana.perez@mission.example",
		CN: strings.ReplaceAll(delegate.Name, `"`, "'"), Partstat: "ACCEPTED", Organizer: "registrations@isu.example", Stamp: stamp}
	if rs[0] != want {
		t.Errorf("got %+v\nwant %+v", rs[0], want)
	}
}

func FuzzParseReplies(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.ics")
	corpus, _ := filepath.Glob(filepath.Join(corpusDir, "*.ics"))
	for _, p := range append(seeds, corpus...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("BEGIN:VCALENDAR\nMETHOD:REPLY\nBEGIN:VEVENT\nATTENDEE;CN=\"a\"\"b\";X=\"\\\":mailto:a@b\nEND:VEVENT\nEND:VCALENDAR"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := ParseReplies(data)
		if errors.Is(err, errParserPanic) {
			t.Fatalf("golang-ical panicked: %v", err)
		}
		if err != nil && len(rs) != 0 {
			t.Fatalf("replies with an error: %+v, %v", rs, err)
		}
		for _, r := range rs {
			if r.Method != MethodReply && r.Method != MethodCounter {
				t.Fatalf("reply with method %q", r.Method)
			}
			if r.Partstat == "" || strings.ToUpper(r.Partstat) != r.Partstat {
				t.Fatalf("PARTSTAT %q", r.Partstat)
			}
			if strings.HasPrefix(strings.ToLower(r.Attendee), "mailto:") || strings.ToLower(r.Attendee) != r.Attendee {
				t.Fatalf("attendee %q not normalised", r.Attendee)
			}
		}
	})
}

func TestParseRepliesLargeInput(t *testing.T) {
	// One property folded a hundred thousand times must not take quadratic time.
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:u\r\nCOMMENT:x")
	for range 100000 {
		b.WriteString("\r\n yy")
	}
	b.WriteString("\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	start := time.Now()
	rs, err := ParseReplies([]byte(b.String()))
	if err != nil || len(rs) != 1 || len(rs[0].Comment) != 200001 {
		t.Fatalf("ParseReplies = %d replies, %v", len(rs), err)
	}
	if d := time.Since(start); os.Getenv("CONVENE_TIMING_TESTS") != "" && d > 5*time.Second {
		t.Errorf("ParseReplies took %v", d)
	}
}
