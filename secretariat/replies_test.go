package secretariat

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"convene/calendar"
	"convene/inbox"
	"convene/meeting"
	"convene/store"
)

// TestHandleMessage feeds the inbox handler one message at a time and checks
// where it goes and what it changed.
func TestHandleMessage(t *testing.T) {
	const arcadia = "Permanent Mission of Arcadia"
	type want struct {
		disposition inbox.Disposition
		delegates   int    // Arcadia's active delegates after
		batches     string // outbox batches with messages, sorted, comma-separated
		review      string // part of the review reason
		cancelled   int    // calendar cancellations recorded
	}
	tests := []struct {
		name   string
		late   bool   // after the deadline
		policy string // late policy
		setup  func(t *testing.T, tx *store.Tx, s *Service)
		msg    func(tok string) string
		want   want
	}{
		{"form with the token", false, "", nil, func(tok string) string {
			return "From: mission@arcadia-mfa.example\r\nTo: registrations+" + tok + "@isu.example\r\nSubject: RE: Invitation [REF " + tok + "]\r\nMessage-ID: <a1@x>\r\n\r\n" +
				"Delegation: Arcadia\r\nName: Ms. Jane Roe\r\nTitle / function: First Secretary\r\nEmail: jane.roe@arcadia-mfa.example\r\n"
		}, want{inbox.Processed, 1, "answer-confirmation,calendar", "", 0}},
		{"a delegate without an address", false, "", nil, func(tok string) string {
			return "From: mission@arcadia-mfa.example\r\nTo: registrations@isu.example\r\nSubject: Registration [REF " + tok + "]\r\nMessage-ID: <a2@x>\r\n\r\n" +
				"Name: Mr. John Doe\r\nTitle / function: Counsellor\r\n"
		}, want{inbox.Processed, 0, "answer-clarification", "", 0}},
		{"a reply read without certainty applies nothing", false, "", nil, func(tok string) string {
			return "From: mission@arcadia-mfa.example\r\nTo: registrations+" + tok + "@isu.example\r\nSubject: RE: Invitation [REF " + tok + "]\r\nMessage-ID: <a2b@x>\r\n\r\n" +
				"Our delegation:\r\nMs. Jane Roe, First Secretary, jane.roe@arcadia-mfa.example\r\n\r\n" +
				"Mr. Paul Green may join later; his address would be p.green@arcadia-mfa.example if he comes with the others.\r\n"
		}, want{inbox.Review, 0, "", "p.green@arcadia-mfa.example", 0}},
		{"unknown sender", false, "", nil, func(string) string {
			return "From: someone@webmail.example\r\nTo: registrations@isu.example\r\nSubject: Registration\r\nMessage-ID: <a3@x>\r\n\r\nPlease register Ms. X Y, Adviser, x.y@webmail.example\r\n"
		}, want{inbox.Review, 0, "", "unknown sender", 0}},
		{"token of another mission", false, "", nil, func(string) string {
			return "From: mission@arcadia-mfa.example\r\nTo: registrations@isu.example\r\nSubject: Registration [REF " + "TOKEN_OF_GENOVIA" + "]\r\nMessage-ID: <a4@x>\r\n\r\nPlease register Ms. Jane Roe, First Secretary, jane.roe@arcadia-mfa.example\r\n"
		}, want{inbox.Review, 0, "", "", 0}},
		{"out-of-office", false, "", nil, func(string) string {
			return "From: mission@arcadia-mfa.example\r\nTo: isu@isu.example\r\nSubject: Automatic reply: Invitation\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <a5@x>\r\n\r\nI am out of the office.\r\n"
		}, want{inbox.Processed, 0, "", "", 0}},
		{"our own mail", false, "", nil, func(string) string {
			return "From: isu@isu.example\r\nTo: registrations@isu.example\r\nSubject: Invitation\r\nMessage-ID: <a6@x>\r\n\r\nName: Ms. Jane Roe\r\nEmail: jane.roe@arcadia-mfa.example\r\n"
		}, want{inbox.Processed, 0, "", "", 0}},
		{"late, refused", true, meeting.LateRefuse, nil, func(tok string) string {
			return "From: mission@arcadia-mfa.example\r\nTo: registrations@isu.example\r\nSubject: Registration [REF " + tok + "]\r\nMessage-ID: <a7@x>\r\n\r\nPlease register Ms. Jane Roe, First Secretary, jane.roe@arcadia-mfa.example\r\n"
		}, want{inbox.Processed, 0, "answer-late", "", 0}},
		{"late, reviewed", true, meeting.LateReview, nil, func(tok string) string {
			return "From: mission@arcadia-mfa.example\r\nTo: registrations@isu.example\r\nSubject: Registration [REF " + tok + "]\r\nMessage-ID: <a8@x>\r\n\r\nPlease register Ms. Jane Roe, First Secretary, jane.roe@arcadia-mfa.example\r\n"
		}, want{inbox.Review, 0, "", "after the deadline", 0}},
		{"late withdrawal applied", true, meeting.LateReview, func(t *testing.T, tx *store.Tx, s *Service) {
			tx.RegisterDelegates(arcadia, []meeting.Delegate{{Name: "Ms. Jane Roe", Email: "jane.roe@arcadia-mfa.example"}}, store.Source{})
			if n, err := s.planInvites(tx, s.config(), arcadia); err != nil || n == 0 {
				t.Fatalf("planInvites = %d, %v", n, err)
			}
		}, func(tok string) string {
			return "From: mission@arcadia-mfa.example\r\nTo: registrations@isu.example\r\nSubject: Registration [REF " + tok + "]\r\nMessage-ID: <a9@x>\r\n\r\nMs. Jane Roe (jane.roe@arcadia-mfa.example) will no longer attend.\r\n"
		}, want{inbox.Processed, 0, "answer-confirmation,calendar", "", 5}},
		{"hard bounce of the mission's address, tied to nothing we sent", false, "", nil, func(string) string {
			return "From: MAILER-DAEMON@mx.arcadia-mfa.example\r\nTo: isu@isu.example\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <a10@x>\r\n" +
				"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nUser unknown\r\n--b\r\n" +
				"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.arcadia-mfa.example\r\n\r\nFinal-Recipient: rfc822; mission@arcadia-mfa.example\r\nAction: failed\r\nStatus: 5.1.1\r\n--b--\r\n"
		}, want{inbox.Review, 0, "", "not tied to a message convene sent", 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			_, m, cs := exampleMeeting(t, "")
			if tt.policy != "" {
				m.Registration.Late = tt.policy
			}
			now := m.Registration.Opens.Add(24 * time.Hour)
			if tt.late {
				now = m.Registration.Deadline.Add(24 * time.Hour)
			}
			db, err := store.Open(ctx, m.Store)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.Now = func() time.Time { return now }
			svc, err := New(ctx, m, cs, db, slog.New(slog.DiscardHandler), db.Now)
			if err != nil {
				t.Fatal(err)
			}
			c := svc.config()
			raw := strings.ReplaceAll(tt.msg(c.tokens[arcadia]), "TOKEN_OF_GENOVIA", c.tokens["Permanent Mission of Genovia"])
			var got inbox.Disposition
			err = db.Update(ctx, func(tx *store.Tx) (err error) {
				if tt.setup != nil {
					tt.setup(t, tx, svc)
				}
				got, err = svc.Handle(ctx, tx, inbox.Fetched{Mailbox: "INBOX", UID: 1, Raw: []byte(raw)})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want.disposition {
				t.Errorf("disposition = %v, want %v", got, tt.want.disposition)
			}
			ds, _ := db.Delegates(ctx, arcadia, false)
			if len(ds) != tt.want.delegates {
				t.Errorf("Arcadia's delegates = %+v, want %d", ds, tt.want.delegates)
			}
			batches, _ := db.OutboxBatches(ctx, "")
			var names []string
			for _, b := range batches {
				if b.Total > 0 {
					names = append(names, b.ID)
				}
			}
			if g := strings.Join(names, ","); g != tt.want.batches {
				t.Errorf("outbox batches = %q, want %q", g, tt.want.batches)
			}
			invites, _ := db.SentInvites(ctx)
			cancelled := 0
			for _, inv := range invites {
				if inv.Cancelled {
					cancelled++
				}
			}
			if cancelled != tt.want.cancelled {
				t.Errorf("cancellations = %d, want %d", cancelled, tt.want.cancelled)
			}
			items, _ := db.ReviewItems(ctx, false)
			if (got == inbox.Review) != (len(items) == 1) {
				t.Errorf("disposition %v with %d review items", got, len(items))
			}
			if tt.want.review != "" && (len(items) == 0 || !strings.Contains(items[0].Reason, tt.want.review)) {
				t.Errorf("review items %+v, want a reason with %q", items, tt.want.review)
			}
		})
	}
}

// A calendar answer from a registered delegate sets the attendance; one from
// an address that is not a delegate goes to review.
func TestHandleCalendarAnswer(t *testing.T) {
	ctx := t.Context()
	svc, m, db := exampleService(t, time.Now())
	db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.RegisterDelegates("Permanent Mission of Arcadia", []meeting.Delegate{{Name: "Jane Roe", Email: "jane@arcadia-mfa.example"}}, store.Source{})
		return err
	})
	answer := func(from, attendee string) []byte {
		ics := fmt.Sprintf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:%s\r\nSEQUENCE:0\r\nDTSTAMP:20200601T100000Z\r\nATTENDEE;PARTSTAT=DECLINED:MAILTO:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
			calendar.UID(m, "article-5"), attendee)
		return []byte(fmt.Sprintf("From: %s\r\nTo: registrations@isu.example\r\nSubject: Declined\r\nMessage-ID: <%s@x>\r\nContent-Type: text/calendar; method=REPLY; charset=utf-8\r\n\r\n%s", from, attendee, ics))
	}
	for _, tc := range []struct {
		from, attendee string
		want           inbox.Disposition
	}{
		{"jane@arcadia-mfa.example", "JANE@arcadia-mfa.example", inbox.Processed},
		{"stranger@x.example", "stranger@x.example", inbox.Review},
		{"other@arcadia-mfa.example", "jane@arcadia-mfa.example", inbox.Review},
	} {
		var got inbox.Disposition
		db.Update(ctx, func(tx *store.Tx) (err error) {
			got, err = svc.Handle(ctx, tx, inbox.Fetched{Raw: answer(tc.from, tc.attendee)})
			return err
		})
		if got != tc.want {
			t.Errorf("answer from %s for %s: %v, want %v", tc.from, tc.attendee, got, tc.want)
		}
	}
	att, _ := db.Attendance(ctx)
	if len(att) != 1 || att[0].EventID != "article-5" || att[0].Partstat != meeting.PartstatDeclined {
		t.Errorf("attendance = %+v", att)
	}
}
