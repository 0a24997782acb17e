package secretariat

import (
	"strings"
	"testing"
	"time"

	"convene/calendar"
	"convene/inbox"
	"convene/meeting"
	"convene/store"
)

// outlookCounter is Outlook's "New Time Proposed" as Exchange sends it
// over SMTP: text, HTML and a text/calendar METHOD:COUNTER part, with a
// Windows time zone name.
func outlookCounter(uid, attendee string) string {
	ics := "BEGIN:VCALENDAR\r\nMETHOD:COUNTER\r\nPRODID:Microsoft Exchange Server 2010\r\nVERSION:2.0\r\n" +
		"BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\nBEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n" +
		"BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n" +
		"BEGIN:VEVENT\r\nATTENDEE;PARTSTAT=TENTATIVE;CN=Jane Roe:mailto:" + attendee + "\r\n" +
		"COMMENT;LANGUAGE=en-US:Could we start one hour later? Our delegate arrives \r\n from New York that morning.\\n\r\n" +
		"SUMMARY;LANGUAGE=en-US:New Time Proposed: Committee on Article 5 Implementation\r\n" +
		"DTSTART;TZID=W. Europe Standard Time:20200701T163000\r\nDTEND;TZID=W. Europe Standard Time:20200701T180000\r\n" +
		"UID:" + uid + "\r\nCLASS:PUBLIC\r\nPRIORITY:5\r\nDTSTAMP:20200615T101500Z\r\nTRANSP:OPAQUE\r\nSTATUS:CONFIRMED\r\nSEQUENCE:0\r\n" +
		"X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	return "From: Jane Roe <" + attendee + ">\r\nTo: ISU <isu@isu.example>\r\nSubject: New Time Proposed: Committee on Article 5 Implementation\r\n" +
		"Thread-Topic: Committee on Article 5 Implementation\r\nMessage-ID: <counter-" + attendee + "@arcadia-mfa.example>\r\nDate: Mon, 15 Jun 2020 12:15:00 +0200\r\n" +
		"Content-Language: en-US\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"_000_counter_\"\r\n\r\n" +
		"--_000_counter_\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\n\r\nCould we start one hour later? Our delegate arrives from New York that morning.\r\n\r\n" +
		"--_000_counter_\r\nContent-Type: text/calendar; charset=\"utf-8\"; method=COUNTER\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" + ics +
		"\r\n--_000_counter_--\r\n"
}

// TestCounterShowsProposal: a proposed new time goes to review, with the
// proposal, the session's own time and the comment in the reason; nothing
// is recorded as an answer.
func TestCounterShowsProposal(t *testing.T) {
	ctx := t.Context()
	svc, m, db := exampleService(t, time.Date(2020, 6, 15, 10, 0, 0, 0, time.UTC))
	const jane = "jane@arcadia-mfa.example"
	if err := db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.RegisterDelegates("Permanent Mission of Arcadia", []meeting.Delegate{{Name: "Jane Roe", Email: jane}}, store.Source{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var got inbox.Disposition
	if err := db.Update(ctx, func(tx *store.Tx) (err error) {
		got, err = svc.Handle(ctx, tx, inbox.Fetched{Raw: []byte(outlookCounter(calendar.UID(m, "article-5"), jane))})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got != inbox.Review {
		t.Fatalf("disposition %v, want review", got)
	}
	items, _ := db.ReviewItems(ctx, false)
	if len(items) != 1 {
		t.Fatalf("%d review items", len(items))
	}
	reason := items[0].Reason
	for _, want := range []string{"Jane Roe <" + jane + ">", "Committee on Article 5 Implementation", "Wed 1 Jul 2020 16:30 CEST", "14:30 UTC", "instead of Wed 1 Jul 2020 15:30–17:00 CEST", "Could we start one hour later?"} {
		if !strings.Contains(reason, want) {
			t.Errorf("reason %q lacks %q", reason, want)
		}
	}
	if att, _ := db.Attendance(ctx); len(att) != 0 {
		t.Errorf("a proposal recorded as an answer: %+v", att)
	}
}
