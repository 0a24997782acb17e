package mailer_test

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/mailer"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var fixedDate = time.Date(2020, 6, 15, 10, 30, 0, 0, time.FixedZone("CEST", 2*3600))

// invite is a small valid iMIP REQUEST with a VTIMEZONE, ORGANIZER and ATTENDEE.
const invite = "BEGIN:VCALENDAR\r\n" +
	"VERSION:2.0\r\n" +
	"PRODID:-//convene//Meeting Invitations 1.0//EN\r\n" +
	"METHOD:REQUEST\r\n" +
	"CALSCALE:GREGORIAN\r\n" +
	"BEGIN:VTIMEZONE\r\n" +
	"TZID:Europe/Zurich\r\n" +
	"BEGIN:DAYLIGHT\r\n" +
	"TZOFFSETFROM:+0100\r\n" +
	"TZOFFSETTO:+0200\r\n" +
	"TZNAME:CEST\r\n" +
	"DTSTART:19700329T020000\r\n" +
	"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n" +
	"END:DAYLIGHT\r\n" +
	"BEGIN:STANDARD\r\n" +
	"TZOFFSETFROM:+0200\r\n" +
	"TZOFFSETTO:+0100\r\n" +
	"TZNAME:CET\r\n" +
	"DTSTART:19701025T030000\r\n" +
	"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n" +
	"END:STANDARD\r\n" +
	"END:VTIMEZONE\r\n" +
	"BEGIN:VEVENT\r\n" +
	"UID:ism2020-plenary-1@isu.example\r\n" +
	"DTSTAMP:20200615T083000Z\r\n" +
	"SEQUENCE:0\r\n" +
	"DTSTART;TZID=Europe/Zurich:20200630T100000\r\n" +
	"DTEND;TZID=Europe/Zurich:20200630T130000\r\n" +
	"SUMMARY:Intersessional Meetings\\, plenary session 1\r\n" +
	"LOCATION:Virtual meeting / https://meet.isu.example/j/123\r\n" +
	"STATUS:CONFIRMED\r\n" +
	"TRANSP:OPAQUE\r\n" +
	"ORGANIZER;CN=ISU Secretariat:mailto:registrations@isu.example\r\n" +
	"ATTENDEE;CN=Ms. Amélie Dupont;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;\r\n" +
	" PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:a.dupont@mission-fr.example\r\n" +
	"END:VEVENT\r\n" +
	"END:VCALENDAR\r\n"

func goldenMessages() map[string]mailer.Message {
	return map[string]mailer.Message{
		"circular_en": {
			From:      mailer.Address{Name: "ISU Secretariat", Email: "isu@isu.example"},
			To:        []mailer.Address{{Name: "Permanent Mission of Norway", Email: "geneva@mission-no.example"}},
			ReplyTo:   mailer.Address{Email: "registrations+k7d2mq4x9a@isu.example"},
			Subject:   "Intersessional Meetings 2020: invitation [REF k7d2mq4x9a]",
			Text:      "Excellency,\r\n\r\nThe Implementation Support Unit has the honour to invite...\r\n",
			HTML:      "<p>Excellency,</p>\r\n<p>The Implementation Support Unit has the honour to invite&hellip;</p>\r\n",
			MessageID: mailer.MessageID("invitation-20200415", "Norway", "isu.example"),
			Date:      fixedDate, Automated: true,
		},
		"circular_fr_attachment": {
			From:    mailer.Address{Name: "Unité d'appui à l'application", Email: "isu@isu.example"},
			To:      []mailer.Address{{Name: "Mission permanente de la République de Côte d'Ivoire", Email: "geneve@mission-ci.example"}, {Email: "protocole@mission-ci.example"}},
			ReplyTo: mailer.Address{Email: "registrations+p3vq8c2n6b@isu.example"},
			Subject: "Réunions intersessionnelles : rappel — délai d'inscription [REF p3vq8c2n6b]",
			Text:    "Excellence,\r\n\r\nL'Unité d'appui à l'application rappelle que le délai d'inscription échoit le 23 juin 2020.\r\n",
			HTML:    "<p>Excellence,</p>\r\n<p>L'Unité d'appui à l'application rappelle que le délai d'inscription échoit le 23&nbsp;juin&nbsp;2020.</p>\r\n",
			Attachments: []mailer.Attachment{{Name: "Note d'orientation.pdf", ContentType: "application/pdf",
				Data: []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")}},
			MessageID: mailer.MessageID("reminder-7d-20200616", "Côte d'Ivoire", "isu.example"),
			Date:      fixedDate, Automated: true,
		},
		"calendar_request": {
			From:      mailer.Address{Name: "ISU Secretariat", Email: "registrations@isu.example"},
			To:        []mailer.Address{{Name: "Ms. Amélie Dupont", Email: "a.dupont@mission-fr.example"}},
			Subject:   "Invitation: Intersessional Meetings, plenary session 1 (30 June 2020, 10:00 Geneva)",
			Text:      "You are invited to the plenary session 1.\r\n",
			HTML:      "<p>You are invited to the plenary session 1.</p>\r\n",
			Calendar:  &mailer.Calendar{Method: "REQUEST", Data: []byte(invite)},
			MessageID: mailer.MessageID("calendar-plenary-1", "a.dupont@mission-fr.example", "isu.example"),
			Date:      fixedDate, Automated: true,
		},
		"reply_text_only": {
			From:       mailer.Address{Name: "ISU Secretariat", Email: "registrations@isu.example"},
			To:         []mailer.Address{{Name: "José Pérez", Email: "jperez@mision-es.example"}},
			Subject:    "Re: Inscripción [REF x2m9q7c4ta]",
			Text:       "Estimado Sr. Pérez:\r\n\r\nHemos registrado a su delegación.\r\n",
			InReplyTo:  "<CAF=abc123@mail.mision-es.example>",
			References: "<CAF=abc123@mail.mision-es.example>",
			MessageID:  mailer.MessageID("confirmation", "Spain", "isu.example"),
			Date:       fixedDate,
		},
	}
}

func TestRenderGolden(t *testing.T) {
	for name, m := range goldenMessages() {
		t.Run(name, func(t *testing.T) {
			got, err := mailer.Render(m)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := mailer.Render(m)
			if !bytes.Equal(got, again) {
				t.Fatal("Render is not deterministic")
			}
			path := filepath.Join("testdata", name+".eml")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Render(%s) differs from %s (go test -update to accept):\n%s", name, path, got)
			}
			checkStructure(t, m, got)
		})
	}
}

// checkStructure parses the rendered bytes back and checks headers and parts.
func checkStructure(t *testing.T, m mailer.Message, raw []byte) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subj, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subj != m.Subject {
		t.Errorf("Subject decodes to %q, %v; want %q", subj, err, m.Subject)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != len(m.To) || to[0].Name != m.To[0].Name || to[0].Address != m.To[0].Email {
		t.Errorf("To = %v, %v; want %v", to, err, m.To)
	}
	if got := msg.Header.Get("Message-Id"); got != "<"+m.MessageID+">" {
		t.Errorf("Message-ID %q", got)
	}
	if auto := msg.Header.Get("Auto-Submitted"); (auto == "auto-generated") != m.Automated || (msg.Header.Get("X-Auto-Response-Suppress") == "OOF, AutoReply") != m.Automated {
		t.Errorf("Automated %v but Auto-Submitted %q", m.Automated, auto)
	}
	if s := msg.Header.Get("X-Auto-Response-Suppress"); strings.Contains(s, "All") || strings.Contains(s, "DR") {
		t.Errorf("X-Auto-Response-Suppress: %s suppresses delivery reports", s)
	}
	if m.InReplyTo != "" && msg.Header.Get("In-Reply-To") != m.InReplyTo {
		t.Errorf("In-Reply-To %q", msg.Header.Get("In-Reply-To"))
	}
	// Walk the MIME tree: leaf content types in order, with their decoded bodies.
	var leaves []string
	bodies := map[string][]byte{}
	var walk func(ct string, body io.Reader, cte string, disp string)
	walk = func(ct string, body io.Reader, cte, disp string) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("content type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			leaves = append(leaves, mt+"(")
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header.Get("Content-Type"), p, p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"))
			}
			leaves = append(leaves, ")")
			return
		}
		b, _ := io.ReadAll(body)
		if strings.EqualFold(cte, "base64") {
			b, err = io.ReadAll(base64Reader(b))
			if err != nil {
				t.Fatal(err)
			}
		}
		if mt == "text/calendar" {
			mt += ";method=" + params["method"]
		}
		if strings.HasPrefix(disp, "attachment") {
			mt += "[att]"
		}
		leaves = append(leaves, mt)
		bodies[mt] = b
	}
	walk(msg.Header.Get("Content-Type"), msg.Body, msg.Header.Get("Content-Transfer-Encoding"), "")
	shape := strings.Join(leaves, " ")
	var want string
	switch {
	case m.Calendar != nil:
		want = "multipart/mixed( multipart/alternative( text/plain text/html text/calendar;method=REQUEST ) application/ics[att] )"
	case len(m.Attachments) > 0:
		want = "multipart/mixed( multipart/alternative( text/plain text/html ) application/pdf[att] )"
	case m.HTML != "":
		want = "multipart/alternative( text/plain text/html )"
	default:
		want = "text/plain"
	}
	if shape != want {
		t.Errorf("MIME shape\n%s\nwant\n%s", shape, want)
	}
	if m.Calendar != nil {
		if !bytes.Equal(bodies["text/calendar;method=REQUEST"], m.Calendar.Data) || !bytes.Equal(bodies["application/ics[att]"], m.Calendar.Data) {
			t.Error("calendar bytes changed on the way")
		}
	}
	if len(m.Attachments) > 0 && !bytes.Equal(bodies["application/pdf[att]"], m.Attachments[0].Data) {
		t.Error("attachment bytes changed on the way")
	}
}

func TestComposeRefusesInjection(t *testing.T) {
	good := goldenMessages()["circular_en"]
	for _, tc := range []struct {
		name string
		mod  func(*mailer.Message)
	}{
		{"to name CRLF Bcc", func(m *mailer.Message) { m.To[0].Name = "X\r\nBcc: evil@x" }},
		{"to name LF", func(m *mailer.Message) { m.To[0].Name = "X\nBcc: evil@x" }},
		{"to name CR", func(m *mailer.Message) { m.To[0].Name = "X\rBcc: evil@x" }},
		{"to name NUL", func(m *mailer.Message) { m.To[0].Name = "X\x00" }},
		{"to address", func(m *mailer.Message) { m.To[0].Email = "a@b.example\r\nBcc: evil@x" }},
		{"from name", func(m *mailer.Message) { m.From.Name = "ISU\r\nBcc: evil@x" }},
		{"reply-to", func(m *mailer.Message) { m.ReplyTo.Name = "R\nBcc: evil@x" }},
		{"subject", func(m *mailer.Message) { m.Subject = "Hello\r\nBcc: evil@x" }},
		{"message-id", func(m *mailer.Message) { m.MessageID = "a@b\r\nBcc: evil@x" }},
		{"in-reply-to", func(m *mailer.Message) { m.InReplyTo = "<a@b>\nBcc: evil@x" }},
		{"references", func(m *mailer.Message) { m.References = "<a@b>\r\n\r\nbody" }},
		{"attachment name", func(m *mailer.Message) {
			m.Attachments = []mailer.Attachment{{Name: "a.pdf\r\nBcc: evil@x", Data: []byte("x")}}
		}},
		{"attachment type", func(m *mailer.Message) {
			m.Attachments = []mailer.Attachment{{Name: "a.pdf", ContentType: "application/pdf\r\nBcc: evil@x", Data: []byte("x")}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := good
			m.To = append([]mailer.Address(nil), good.To...)
			tc.mod(&m)
			raw, err := mailer.Render(m)
			if !errors.Is(err, mailer.ErrHeaderInjection) {
				t.Fatalf("Render = %v; want ErrHeaderInjection\n%s", err, raw)
			}
		})
	}
}

func TestComposeRefusesBadInput(t *testing.T) {
	good := goldenMessages()["calendar_request"]
	for _, tc := range []struct {
		name string
		mod  func(*mailer.Message)
	}{
		{"no recipients", func(m *mailer.Message) { m.To = nil }},
		{"bad address", func(m *mailer.Message) { m.To = []mailer.Address{{Email: "not an address"}} }},
		{"address with name", func(m *mailer.Message) { m.To = []mailer.Address{{Email: "Evil <e@x.example>"}} }},
		{"message-id with brackets", func(m *mailer.Message) { m.MessageID = "<a@b>" }},
		{"no date", func(m *mailer.Message) { m.Date = time.Time{} }},
		{"no body", func(m *mailer.Message) { m.Text, m.HTML = "", "" }},
		{"calendar method", func(m *mailer.Message) { m.Calendar = &mailer.Calendar{Method: "REQUEST; x=y", Data: []byte(invite)} }},
		{"calendar method mismatch", func(m *mailer.Message) { m.Calendar = &mailer.Calendar{Method: "CANCEL", Data: []byte(invite)} }},
		{"calendar LF only", func(m *mailer.Message) {
			m.Calendar = &mailer.Calendar{Method: "REQUEST", Data: []byte(strings.ReplaceAll(invite, "\r\n", "\n"))}
		}},
		{"attachment quote", func(m *mailer.Message) {
			m.Attachments = []mailer.Attachment{{Name: `a".pdf`, Data: []byte("x")}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := good
			tc.mod(&m)
			if _, err := mailer.Render(m); err == nil {
				t.Fatal("Render accepted it")
			}
		})
	}
}

func TestMessageID(t *testing.T) {
	a := mailer.MessageID("invitation-1", "Norway", "isu.example")
	if a != mailer.MessageID("invitation-1", "Norway", "isu.example") {
		t.Fatal("MessageID is not deterministic")
	}
	for _, other := range []string{
		mailer.MessageID("invitation-2", "Norway", "isu.example"),
		mailer.MessageID("invitation-1", "Norway ", "isu.example"),
		mailer.MessageID("invitation-1N", "orway", "isu.example"),
	} {
		if other == a {
			t.Fatalf("MessageID collision: %s", a)
		}
	}
	if _, err := mail.ParseAddress(a); err != nil || !strings.HasSuffix(a, "@isu.example") {
		t.Fatalf("MessageID %q: %v", a, err)
	}
}

// TestCalendarICSCheck runs the shared iMIP validator on the composed
// invitation when TEST_ICSCHECK names it.
func TestCalendarICSCheck(t *testing.T) {
	tool := os.Getenv("TEST_ICSCHECK")
	if tool == "" {
		t.Skip("TEST_ICSCHECK not set (path to ../shared/tools/icscheck/icscheck)")
	}
	raw, err := mailer.Render(goldenMessages()["calendar_request"])
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "invite.eml")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), tool, "--strict", path).CombinedOutput()
	t.Logf("icscheck:\n%s", out)
	if err != nil {
		t.Fatalf("icscheck --strict: %v", err)
	}
}
