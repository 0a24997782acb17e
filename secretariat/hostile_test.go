package secretariat

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"convene/calendar"
	"convene/inbox"
	"convene/internal/testmail"
	"convene/mailer"
	"convene/meeting"
	"convene/store"
	"convene/templates"
	"convene/web"
)

// hostile is what a hostile-mail case can see and do.
type hostile struct {
	t      *testing.T
	svc    *Service
	m      *meeting.Meeting
	db     *store.DB
	tokens map[string]string // contact name → reply token
	sent   string            // Message-ID of a reminder sent to Arcadia (setup sendReminder)
}

const (
	arcadiaName = "Permanent Mission of Arcadia"
	arcadiaAddr = "mission@arcadia-mfa.example"
	trustedID   = "mx.isu.example"
)

// mail builds a message with CRLF line ends from a header (one field a
// line) and a body.
func rawMail(header []string, body string) []byte {
	return []byte(strings.ReplaceAll(strings.Join(header, "\n")+"\n\n"+body, "\n", "\r\n"))
}

func (h *hostile) registration(id, from, to, subject, authres, body string) []byte {
	hdr := []string{}
	if authres != "" {
		hdr = append(hdr, "Authentication-Results: "+trustedID+"; "+authres)
	}
	hdr = append(hdr, "Received: from mail.example (mail.example [192.0.2.1]) by "+trustedID, "From: "+from, "To: "+to,
		"Subject: "+subject, "Message-ID: <"+id+">", "Date: Mon, 1 Jun 2020 10:00:00 +0200", "Content-Type: text/plain; charset=utf-8")
	return rawMail(hdr, body)
}

// multipart is a reply from Arcadia with its token and a multipart/mixed
// body (boundary b) made of a short text and parts.
func (h *hostile) multipart(id, parts string) []byte {
	return rawMail([]string{"From: " + arcadiaAddr, "To: " + h.tokenAddr(arcadiaName), "Subject: RE: Invitation", "Message-ID: <" + id + ">",
		"Date: Mon, 1 Jun 2020 10:00:00 +0200", "MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b"},
		"--b\nContent-Type: text/plain\n\nPlease find our delegation attached.\n"+parts)
}

// csvPart is a CSV attachment of n delegates at domains third-party domains.
func csvPart(n, domains int) string {
	var b strings.Builder
	b.WriteString("--b\nContent-Type: text/csv; name=delegation.csv\nContent-Disposition: attachment; filename=delegation.csv\n\nName,Title,Email\n")
	for i := range n {
		fmt.Fprintf(&b, "Ms. Delegate Number%d,Adviser,d%d@victim%d.example\n", i, i, i%domains)
	}
	return b.String()
}

func (h *hostile) tokenAddr(contact string) string {
	return "registrations+" + h.tokens[contact] + "@isu.example"
}

// dsn is an RFC 3464 report to to, failing rcpts; returned, when set, is the
// Message-ID put in the returned headers.
func dsn(id, from, to string, rcpts []string, status, returned string) []byte {
	var b strings.Builder
	b.WriteString("--b\nContent-Type: text/plain\n\nYour message could not be delivered.\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n")
	action := "failed"
	if strings.HasPrefix(status, "4") {
		action = "delayed"
	}
	for _, r := range rcpts {
		fmt.Fprintf(&b, "\nFinal-Recipient: rfc822; %s\nAction: %s\nStatus: %s\nDiagnostic-Code: smtp; %s user unknown\n", r, action, status, strings.ReplaceAll(status, ".", ""))
	}
	if returned != "" {
		fmt.Fprintf(&b, "--b\nContent-Type: text/rfc822-headers\n\nFrom: isu@isu.example\nMessage-ID: <%s>\nSubject: Reminder\n", returned)
	}
	b.WriteString("--b--\n")
	return rawMail([]string{"From: " + from, "To: " + to, "Subject: Undelivered Mail Returned to Sender", "Message-ID: <" + id + ">",
		"Auto-Submitted: auto-replied", "MIME-Version: 1.0", "Content-Type: multipart/report; report-type=delivery-status; boundary=b"}, b.String())
}

func calendarReply(m *meeting.Meeting, id, from, attendee string) []byte {
	ics := fmt.Sprintf("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nMETHOD:REPLY\nBEGIN:VEVENT\nUID:%s\nSEQUENCE:0\nDTSTAMP:20200601T100000Z\nATTENDEE;PARTSTAT=DECLINED:MAILTO:%s\nEND:VEVENT\nEND:VCALENDAR\n",
		calendar.UID(m, m.Events()[0].ID), attendee)
	hdr := []string{"To: registrations@isu.example", "Subject: Declined", "Message-ID: <" + id + ">", "Content-Type: text/calendar; method=REPLY; charset=utf-8"}
	if from != "" {
		hdr = append([]string{"From: " + from}, hdr...)
	}
	return rawMail(hdr, ics)
}

// delegateLines lists n delegates, one a line, at domains spread over
// domains third-party domains.
func delegateLines(n, domains int) string {
	var b strings.Builder
	b.WriteString("Dear colleagues,\n\nPlease register the following delegates:\n\n")
	for i := range n {
		fmt.Fprintf(&b, "Ms. Delegate Number%d, Adviser, d%d@victim%d.example\n", i, i, i%domains)
	}
	b.WriteString("\nBest regards\n")
	return b.String()
}

// TestHostileMail feeds convene messages an attacker can send, each through
// IMAP (the in-process go-imap server) to the watcher and the workflows, and
// checks that none makes convene act beyond what it may: nothing applied,
// review with the reason, no outgoing mail beyond the caps.
func TestHostileMail(t *testing.T) {
	type want struct {
		processed, review int
		reasons           []string // each review reason, in order: a part of it (alternatives separated by |)
		delegates         int      // Arcadia's active delegates after
		outboxMax         int      // outbox messages after, at most (beyond the setup's)
		confirmations     int      // answer-confirmation messages to Arcadia; -1: not checked
		hardBounced       []string // addresses marked permanently bounced after
		attendance        int      // attendance answers recorded
	}
	tests := []struct {
		name    string
		limits  string // meeting.yaml limits: section, if any
		setup   func(h *hostile)
		msgs    func(h *hostile) [][]byte
		want    want
		dismiss bool // dismiss every review item afterwards: nothing must stay
	}{
		{name: "500 delegates with a valid token", msgs: func(h *hostile) [][]byte {
			return [][]byte{h.registration("big@arcadia-mfa.example", arcadiaAddr, h.tokenAddr(arcadiaName), "RE: Invitation", "", delegateLines(500, 50))}
		}, want: want{review: 1, reasons: []string{"limits.delegates_per_reply (15)"}, confirmations: 0}},

		{name: "delegates per mission", limits: "limits: {delegates_per_mission: 11}\n", setup: func(h *hostile) {
			h.register(10)
		}, msgs: func(h *hostile) [][]byte {
			return [][]byte{h.registration("more@arcadia-mfa.example", arcadiaAddr, h.tokenAddr(arcadiaName), "RE: Invitation", "", delegateLines(3, 1))}
		}, want: want{review: 1, reasons: []string{"limits.delegates_per_mission (11)"}, delegates: 10, confirmations: 0}},

		{name: "calendar messages per reply", limits: "limits: {calendar_per_reply: 10}\n", msgs: func(h *hostile) [][]byte {
			return [][]byte{h.registration("cal@arcadia-mfa.example", arcadiaAddr, h.tokenAddr(arcadiaName), "RE: Invitation", "", delegateLines(3, 3))}
		}, want: want{review: 1, reasons: []string{"limits.calendar_per_reply (10)"}, confirmations: 0}},

		{name: "forged From with dmarc=fail and no token", msgs: func(h *hostile) [][]byte {
			return [][]byte{h.registration("forged@evil.example", arcadiaAddr, "registrations@isu.example", "Registration",
				"dmarc=fail (p=none) header.from=arcadia-mfa.example; spf=fail smtp.mailfrom=attacker@evil.example",
				"Please register Mr. Eve Mallory, Adviser, eve@evil.example\n")}
		}, want: want{review: 1, reasons: []string{"fails DMARC"}, confirmations: 0}},

		{name: "a valid token, but the From domain fails DMARC", msgs: func(h *hostile) [][]byte {
			return [][]byte{h.registration("leaked@evil.example", arcadiaAddr, h.tokenAddr(arcadiaName), "RE: Invitation",
				"dmarc=fail (p=reject) header.from=arcadia-mfa.example",
				"Please register Mr. Eve Mallory, Adviser, eve@evil.example\n")}
		}, want: want{review: 1, reasons: []string{"token, but the From domain"}, confirmations: 0}},

		{name: "From alone, the server says nothing", msgs: func(h *hostile) [][]byte {
			return [][]byte{h.registration("bare@evil.example", arcadiaAddr, "registrations@isu.example", "Registration", "",
				"Please register Mr. Eve Mallory, Adviser, eve@evil.example\n")}
		}, want: want{review: 1, reasons: []string{"did not report on " + arcadiaAddr}, confirmations: 0}},

		{name: "display-name trick", msgs: func(h *hostile) [][]byte {
			return [][]byte{h.registration("trick@evil.example", `"x" mission@arcadia-mfa.example <attacker@evil.example>`, "registrations@isu.example", "Registration",
				"dmarc=pass header.from=evil.example; dkim=pass header.d=evil.example",
				"Please register Mr. Eve Mallory, Adviser, eve@evil.example\n")}
		}, want: want{review: 1, reasons: []string{"no DMARC or aligned DKIM pass|unknown sender|one address"}, confirmations: 0}},

		{name: "an aligned pass without a token is applied", msgs: func(h *hostile) [][]byte {
			return [][]byte{h.registration("aligned@arcadia-mfa.example", arcadiaAddr, "registrations@isu.example", "Registration",
				"dkim=pass header.d=arcadia-mfa.example; dmarc=pass header.from=arcadia-mfa.example",
				"Please register Ms. Jane Roe, First Secretary, jane.roe@arcadia-mfa.example\n")}
		}, want: want{processed: 1, delegates: 1, outboxMax: 1 + 5, confirmations: 1}},

		{name: "five forged messages, then the genuine one still gets its confirmation", msgs: func(h *hostile) [][]byte {
			var out [][]byte
			for i := range 5 {
				out = append(out, h.registration(fmt.Sprintf("forged%d@evil.example", i), arcadiaAddr, "registrations@isu.example", "Registration",
					"dmarc=fail header.from=arcadia-mfa.example", fmt.Sprintf("Please register Mr. Eve Number%d, Adviser, eve%d@evil.example\n", i, i)))
			}
			return append(out, h.registration("genuine@arcadia-mfa.example", arcadiaAddr, h.tokenAddr(arcadiaName), "RE: Invitation", "",
				"Please register Ms. Jane Roe, First Secretary, jane.roe@arcadia-mfa.example\n"))
		}, want: want{processed: 1, review: 5, reasons: []string{"fails DMARC", "fails DMARC", "fails DMARC", "fails DMARC", "fails DMARC"},
			delegates: 1, outboxMax: 1 + 5, confirmations: 1}},

		{name: "forged bounce naming 16 missions", dismiss: true, msgs: func(h *hostile) [][]byte {
			var rcpts []string
			for _, ct := range h.svc.Contacts().List {
				if len(rcpts) < 16 {
					rcpts = append(rcpts, ct.Emails[0])
				}
			}
			return [][]byte{dsn("bounce@evil.example", "attacker@evil.example", "isu@isu.example", rcpts, "5.1.1", "")}
		}, want: want{review: 1, reasons: []string{"not tied to a message convene sent"}, confirmations: -1}},

		{name: "forged bounce returning a Message-ID of ours for other addresses", setup: func(h *hostile) { h.sendReminder() }, msgs: func(h *hostile) [][]byte {
			return [][]byte{dsn("bounce2@evil.example", "MAILER-DAEMON@mx.evil.example", "isu@isu.example",
				[]string{"geneve@borduria.example", arcadiaAddr}, "5.1.1", h.sent)}
		}, want: want{review: 1, reasons: []string{"which message cv."}, confirmations: -1, outboxMax: 1}},

		{name: "VERP-tagged genuine bounce is applied, and dismissing it undoes it", setup: func(h *hostile) { h.sendReminder() }, msgs: func(h *hostile) [][]byte {
			return [][]byte{dsn("verp@mx.arcadia-mfa.example", "MAILER-DAEMON@mx.arcadia-mfa.example",
				"registrations+b-"+mailer.VERPTag(h.sent)+"@isu.example", []string{arcadiaAddr}, "5.1.1", "")}
		}, want: want{review: 1, reasons: []string{"find the mission's current address"}, confirmations: -1, outboxMax: 1,
			hardBounced: []string{arcadiaAddr}}},

		{name: "a bounce returning our Message-ID is applied", setup: func(h *hostile) { h.sendReminder() }, msgs: func(h *hostile) [][]byte {
			return [][]byte{dsn("ret@mx.arcadia-mfa.example", "MAILER-DAEMON@mx.arcadia-mfa.example", "isu@isu.example", []string{arcadiaAddr}, "5.1.1", h.sent)}
		}, want: want{review: 1, reasons: []string{"find the mission's current address"}, confirmations: -1, outboxMax: 1,
			hardBounced: []string{arcadiaAddr}}},

		{name: "a delay is recorded, never reviewed, even outside the contacts", msgs: func(h *hostile) [][]byte {
			return [][]byte{dsn("delay@mx.example", "MAILER-DAEMON@mx.example", "isu@isu.example", []string{"someone@elsewhere.example"}, "4.4.1", "")}
		}, want: want{processed: 1, confirmations: -1}},

		{name: "200,000 MIME parts (2 MB) with a valid token", msgs: func(h *hostile) [][]byte {
			return [][]byte{h.multipart("parts@arcadia-mfa.example", strings.Repeat("--b\n\nx\n", 200000)+"--b--\n")}
		}, want: want{review: 1, reasons: []string{"more than 100 MIME parts"}, confirmations: 0}},

		{name: "CSV rows beyond attachment_rows", msgs: func(h *hostile) [][]byte {
			return [][]byte{h.multipart("rows@arcadia-mfa.example", csvPart(250, 1)+"--b--\n")}
		}, want: want{review: 1, reasons: []string{"beyond limits.attachment_rows (200)"}, confirmations: 0}},

		{name: "CSV over 256 KiB, cut", limits: "limits: {attachment_rows: 100000, delegates_per_reply: 100000, delegates_per_mission: 100000}\n", msgs: func(h *hostile) [][]byte {
			return [][]byte{h.multipart("cut@arcadia-mfa.example", csvPart(6000, 1)+"--b--\n")}
		}, want: want{review: 1, reasons: []string{"CSV longer than 262144 bytes"}, confirmations: 0}},

		{name: "an HTML table of 20,000 rows", msgs: func(h *hostile) [][]byte {
			var b strings.Builder
			b.WriteString("<html><body><table><tr><th>Name</th><th>Title</th><th>Email</th></tr>\n")
			for i := range 20000 {
				fmt.Fprintf(&b, "<tr><td>Ms. Delegate Number%d</td><td>Adviser</td><td>d%d@victim%d.example</td></tr>\n", i, i, i%50)
			}
			b.WriteString("</table></body></html>\n")
			return [][]byte{rawMail([]string{"From: " + arcadiaAddr, "To: " + h.tokenAddr(arcadiaName), "Subject: RE: Invitation",
				"Message-ID: <table@arcadia-mfa.example>", "MIME-Version: 1.0", "Content-Type: text/html; charset=utf-8"}, b.String())}
		}, want: want{review: 1, reasons: []string{"beyond limits.attachment_rows (200)"}, confirmations: 0}},

		{name: "text over 256 KiB after the delegates", msgs: func(h *hostile) [][]byte {
			return [][]byte{h.registration("long@arcadia-mfa.example", arcadiaAddr, h.tokenAddr(arcadiaName), "RE: Invitation", "",
				"Name: Ms. Jane Roe\nTitle: First Secretary\nEmail: jane.roe@arcadia-mfa.example\n\n"+
					strings.Repeat("The delegation of Arcadia thanks the secretariat for its kind invitation and support.\n", 3500))}
		}, want: want{review: 1, reasons: []string{"text longer than 262144 bytes"}, confirmations: 0}},

		{name: "a delegate whose name is all markup", msgs: func(h *hostile) [][]byte {
			return [][]byte{h.registration("markup@arcadia-mfa.example", arcadiaAddr, h.tokenAddr(arcadiaName), "RE: Invitation", "",
				"Name: <b><i></i></b>\nTitle: Adviser\nEmail: eve@arcadia-mfa.example\n")}
		}, want: want{review: 1, reasons: []string{"a delegate without a name"}, confirmations: 0}},

		{name: "a delegate at the secretariat's reply mailbox", msgs: func(h *hostile) [][]byte {
			return [][]byte{h.registration("own@arcadia-mfa.example", arcadiaAddr, h.tokenAddr(arcadiaName), "RE: Invitation", "",
				"Please register Ms. Alice Own, Counsellor, Registrations+x@ISU.example\n")}
		}, want: want{review: 1, reasons: []string{"the secretariat's own address"}, confirmations: 0}},

		{name: "a delegate at the secretariat's sender address", msgs: func(h *hostile) [][]byte {
			return [][]byte{h.registration("own2@arcadia-mfa.example", arcadiaAddr, h.tokenAddr(arcadiaName), "RE: Invitation", "",
				"Please register Ms. Alice Own, Counsellor, isu@isu.example\n")}
		}, want: want{review: 1, reasons: []string{"the secretariat's own address"}, confirmations: 0}},

		{name: "a delegate at another mission's address", msgs: func(h *hostile) [][]byte {
			return [][]byte{h.registration("other@arcadia-mfa.example", arcadiaAddr, h.tokenAddr(arcadiaName), "RE: Invitation", "",
				"Please register Mr. Bob Other, Counsellor, geneve@borduria.example\n")}
		}, want: want{review: 1, reasons: []string{"the address of Permanent Mission of Borduria"}, confirmations: 0}},

		{name: "a delegate at the mission's own address is applied", msgs: func(h *hostile) [][]byte {
			return [][]byte{h.registration("self@arcadia-mfa.example", arcadiaAddr, h.tokenAddr(arcadiaName), "RE: Invitation", "",
				"Please register Mr. Carl Self, Counsellor, mission@arcadia-mfa.example\n")}
		}, want: want{processed: 1, delegates: 1, outboxMax: 1 + 5, confirmations: 1}},

		{name: "calendar REPLY without From", setup: func(h *hostile) { h.register(1) }, msgs: func(h *hostile) [][]byte {
			return [][]byte{calendarReply(h.m, "cal1@evil.example", "", "d0@victim0.example")}
		}, want: want{review: 1, reasons: []string{"without a sender address"}, delegates: 1, confirmations: -1}},

		{name: "calendar REPLY from Mallory (no address here)", setup: func(h *hostile) { h.register(1) }, msgs: func(h *hostile) [][]byte {
			return [][]byte{calendarReply(h.m, "cal2@evil.example", "Mallory (no address here)", "d0@victim0.example")}
		}, want: want{review: 1, reasons: []string{"without a sender address|sent from another address"}, delegates: 1, confirmations: -1}},

		{name: "calendar REPLY from the attendee is applied", setup: func(h *hostile) { h.register(1) }, msgs: func(h *hostile) [][]byte {
			return [][]byte{calendarReply(h.m, "cal3@victim0.example", "Delegate <d0@victim0.example>", "d0@victim0.example")}
		}, want: want{processed: 1, delegates: 1, confirmations: -1, attendance: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			srv := testmail.StartIMAP(t, nil)
			host, port, _ := strings.Cut(srv.Addr, ":")
			t.Setenv("HOSTILE_IMAP_SECRET", srv.Password)
			_, m, cs := exampleMeeting(t, fmt.Sprintf("imap: {host: %s, port: %s, security: none, username: %s, auth: password, secret: {env: HOSTILE_IMAP_SECRET}, trusted_authserv_id: %s}\n%s",
				host, port, srv.Username, trustedID, tt.limits))
			db, err := store.Open(ctx, m.Store)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			now := func() time.Time { return time.Date(2020, 6, 1, 10, 0, 0, 0, time.UTC) }
			db.Now = now
			svc, err := New(ctx, m, cs, db, slog.New(slog.DiscardHandler), now)
			if err != nil {
				t.Fatal(err)
			}
			svc.parseTime = time.Hour // the cases are about limits that count, not the clock
			h := &hostile{t: t, svc: svc, m: m, db: db, tokens: svc.config().tokens}
			if tt.setup != nil {
				tt.setup(h)
			}
			outboxBefore := outboxTotal(t, db)
			testmail.AppendMessages(t, srv.Addr, srv.Username, srv.Password, "INBOX", tt.msgs(h)...)

			w, err := inbox.NewWatcher(db, inbox.Options{Server: m.IMAP.Server, Mailbox: m.IMAP.Mailbox, Processed: m.IMAP.Processed,
				Review: m.IMAP.Review, Logger: slog.New(slog.DiscardHandler), Prepare: svc.Prepare}, svc.Handle)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if _, err := w.Once(ctx); err != nil {
				t.Fatal(err)
			}

			counts := testmail.CountMailboxes(t, srv.Addr, srv.Username, srv.Password)
			if counts["INBOX"] != 0 || counts["Processed"] != tt.want.processed || counts["Review"] != tt.want.review {
				t.Errorf("mailboxes %v, want %d processed and %d in review", counts, tt.want.processed, tt.want.review)
			}
			items, _ := db.ReviewItems(ctx, false)
			if len(items) != len(tt.want.reasons) {
				t.Errorf("%d review items, want %d: %+v", len(items), len(tt.want.reasons), items)
			}
			for i, it := range items {
				if i < len(tt.want.reasons) && !containsAny(it.Reason, tt.want.reasons[i]) {
					t.Errorf("review item %d: reason %q, want one with %q", i, it.Reason, tt.want.reasons[i])
				}
			}
			ds, _ := db.Delegates(ctx, arcadiaName, false)
			if len(ds) != tt.want.delegates {
				t.Errorf("Arcadia has %d delegates, want %d", len(ds), tt.want.delegates)
			}
			if out := outboxTotal(t, db) - outboxBefore; out > tt.want.outboxMax {
				t.Errorf("%d messages queued to go out, want at most %d", out, tt.want.outboxMax)
			}
			if tt.want.confirmations >= 0 {
				confirm, _ := db.OutboxEntries(ctx, "answer-confirmation")
				if len(confirm) != tt.want.confirmations {
					t.Errorf("%d confirmations queued, want %d", len(confirm), tt.want.confirmations)
				}
			}
			bounced, _ := db.HardBounced(ctx)
			if len(bounced) != len(tt.want.hardBounced) {
				t.Errorf("hard-bounced addresses %v, want %v", bounced, tt.want.hardBounced)
			}
			for _, a := range tt.want.hardBounced {
				if _, ok := bounced[a]; !ok {
					t.Errorf("hard-bounced addresses %v, want %s among them", bounced, a)
				}
			}
			att, _ := db.Attendance(ctx)
			if len(att) != tt.want.attendance {
				t.Errorf("attendance %+v, want %d answers", att, tt.want.attendance)
			}

			// Staff dismiss every item: whatever an item recorded goes with it.
			d := &Dashboard{s: svc}
			for _, it := range items {
				if err := d.Resolve(ctx, web.ReviewAction{Item: it.ID, Kind: web.ActionDismiss, By: "anna"}); err != nil {
					t.Fatal(err)
				}
			}
			if bounced, _ := db.HardBounced(ctx); len(bounced) != 0 {
				t.Errorf("after dismissing every review item, hard-bounced addresses %v, want none", bounced)
			}
			if ds, _ := db.Delegates(ctx, arcadiaName, false); len(ds) != tt.want.delegates {
				t.Errorf("after dismissing, Arcadia has %d delegates, want %d", len(ds), tt.want.delegates)
			}
		})
	}
}

func containsAny(s, alternatives string) bool {
	for _, a := range strings.Split(alternatives, "|") {
		if strings.Contains(s, a) {
			return true
		}
	}
	return false
}

func outboxTotal(t *testing.T, db *store.DB) int {
	t.Helper()
	batches, err := db.OutboxBatches(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, b := range batches {
		n += b.Total
	}
	return n
}

// register registers n of Arcadia's delegates (d0@victim0.example, …)
// directly in the store.
func (h *hostile) register(n int) {
	h.t.Helper()
	var ds []meeting.Delegate
	for i := range n {
		ds = append(ds, meeting.Delegate{Name: fmt.Sprintf("Delegate Number%d", i), Email: fmt.Sprintf("d%d@victim%d.example", i, i)})
	}
	err := h.db.Update(h.t.Context(), func(tx *store.Tx) error {
		_, err := tx.RegisterDelegates(arcadiaName, ds, store.Source{Actor: "test"})
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// sendReminder queues a reminder to Arcadia, as the reminder job does, and
// keeps its Message-ID in h.sent.
func (h *hostile) sendReminder() {
	h.t.Helper()
	c := h.svc.config()
	ct, _ := c.cs.ByName(arcadiaName)
	msg, err := h.svc.missionMessage(c, templates.Reminder, ct, nil, templates.Data{})
	if err != nil {
		h.t.Fatal(err)
	}
	err = h.db.Update(h.t.Context(), func(tx *store.Tx) error {
		return enqueueOne(tx, "reminder-7d", templates.Reminder, ct.Name, ct.Name, msg)
	})
	if err != nil {
		h.t.Fatal(err)
	}
	entries, err := h.db.OutboxEntries(h.t.Context(), "reminder-7d")
	if err != nil || len(entries) != 1 {
		h.t.Fatalf("reminder queued: %+v, %v", entries, err)
	}
	h.sent = entries[0].MessageID
	var sender string
	if err := h.db.SQL().QueryRow(`SELECT sender FROM outbox_messages WHERE message_id = $1`, h.sent).Scan(&sender); err != nil {
		h.t.Fatal(err)
	}
	if want := "registrations+b-" + mailer.VERPTag(h.sent) + "@isu.example"; mailer.VERPTag(h.sent) == "" || sender != want {
		h.t.Fatalf("the reminder %s goes out with envelope sender %q, want %q", h.sent, sender, want)
	}
}
