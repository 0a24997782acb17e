package mailer_test

import (
	"bytes"
	"net/mail"
	"testing"
	"time"

	"convene/mailer"
)

// FuzzRender feeds contact-list fields into Render: whatever they hold, the
// output has only the headers Compose writes and one recipient, the given one.
func FuzzRender(f *testing.F) {
	f.Add("Permanent Mission of Norway", "Invitation [REF k7d2mq4x9a]", "Dear colleague")
	f.Add("Mission permanente de la République de Côte d'Ivoire", "Réunions : rappel — délai", "Excellence,")
	f.Add("X\r\nBcc: evil@x", "Hello\nBcc: evil@x", "body\r\n.\r\n")
	f.Add(`"Quoted" <name>`, "=?UTF-8?q?already_encoded?=", "")
	allowed := map[string]bool{"Date": true, "Mime-Version": true, "Message-Id": true, "Subject": true, "From": true,
		"To": true, "Reply-To": true, "Content-Type": true, "Auto-Submitted": true, "X-Auto-Response-Suppress": true,
		"Content-Transfer-Encoding": true}
	f.Fuzz(func(t *testing.T, name, subject, text string) {
		m := mailer.Message{
			From:    mailer.Address{Name: "ISU", Email: "isu@isu.example"},
			To:      []mailer.Address{{Name: name, Email: "rcpt@mission.example"}},
			Subject: subject, Text: text + "x", MessageID: mailer.MessageID("b", name, "isu.example"),
			Date: time.Date(2020, 6, 15, 10, 30, 0, 0, time.UTC), Automated: true,
		}
		raw, err := mailer.Render(m)
		if err != nil {
			return
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, raw)
		}
		for k := range msg.Header {
			if !allowed[k] {
				t.Fatalf("unexpected header %q from name %q subject %q\n%s", k, name, subject, raw)
			}
		}
		to, err := msg.Header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Address != "rcpt@mission.example" {
			t.Fatalf("To = %v, %v from name %q\n%s", to, err, name, raw)
		}
	})
}
