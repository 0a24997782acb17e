package secretariat

import (
	"strings"
	"testing"
	"time"

	"convene/inbox"
	"convene/store"
)

// delayReport is a delivery-delay report (RFC 3464, Action: delayed) about
// rcpt, as Postfix, Exchange and Gmail word it.
func delayReport(from, subject, intro, rcpt, status string) string {
	return "From: " + from + "\r\nTo: registrations+b-abcdefgh@isu.example\r\nSubject: " + subject + "\r\nMessage-ID: <delay-" + rcpt + "-" + status + ">\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"d\"\r\n\r\n--d\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + intro + "\r\n\r\n    " + rcpt + "\r\n\r\n" +
		"--d\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.relay.example\r\n\r\nFinal-Recipient: rfc822; " + rcpt + "\r\nAction: delayed\r\nStatus: " + status +
		"\r\nDiagnostic-Code: smtp; 451 " + status + " try again later\r\n\r\n--d--\r\n"
}

// TestDelayIsRecordedNeverReviewed: a 4.x.x delay is recorded and shown in
// the digest, and needs no person, whoever the address belongs to: a
// mission, a delegate, or an address outside contacts.csv.
func TestDelayIsRecordedNeverReviewed(t *testing.T) {
	ctx := t.Context()
	svc, _, db := exampleService(t, time.Date(2020, 6, 10, 8, 0, 0, 0, time.UTC))
	reports := []string{
		delayReport("MAILER-DAEMON@mx.relay.example (Mail Delivery System)", "Delayed Mail (still being retried)",
			"This is the mail system at host mx.relay.example.\r\n\r\n####################################################################\r\n#  THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\r\n####################################################################",
			"someone@unknown-ministry.example", "4.4.1"),
		delayReport("Microsoft Outlook <postmaster@outlook.example>", "Delivery delayed:Registration",
			"Delivery is delayed to these recipients or groups:", "mission@arcadia-mfa.example", "4.4.7"),
		delayReport("Mail Delivery Subsystem <mailer-daemon@googlemail.com>", "Delivery Status Notification (Delay)",
			"There was a temporary problem delivering your message to", "adviser@nowhere-listed.example", "4.2.2"),
	}
	for i, raw := range reports {
		var got inbox.Disposition
		if err := db.Update(ctx, func(tx *store.Tx) (err error) {
			got, err = svc.Handle(ctx, tx, inbox.Fetched{UID: uint32(i + 1), Raw: []byte(raw)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got != inbox.Processed {
			items, _ := db.ReviewItems(ctx, false)
			t.Errorf("report %d: disposition %v, want processed (review %+v)", i, got, items)
		}
	}
	bs, _ := db.Bounces(ctx)
	if len(bs) != len(reports) {
		t.Fatalf("bounces recorded: %+v, want %d", bs, len(reports))
	}
	for _, b := range bs {
		if b.Permanent {
			t.Errorf("a delay recorded as permanent: %+v", b)
		}
	}
	d, err := svc.digestData(ctx, svc.config(), time.Date(2020, 6, 9, 8, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var shown []string
	for _, b := range d.Bounces {
		if !b.Hard {
			shown = append(shown, b.Address)
		}
	}
	if g := strings.Join(shown, ","); g != "someone@unknown-ministry.example,mission@arcadia-mfa.example,adviser@nowhere-listed.example" {
		t.Errorf("delays in the digest: %q", g)
	}
}
