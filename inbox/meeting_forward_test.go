package inbox_test

import (
	"strings"
	"testing"

	"convene/inbox"
)

// TestMeetingForwardNotification: Outlook's notice that a delegate forwarded
// our invitation goes to review with who forwarded it, the meeting, its time
// and the new recipients; the recipients are never registered.
func TestMeetingForwardNotification(t *testing.T) {
	tests := []struct {
		name, subject, text string
		want                []string
	}{
		{"Exchange, English", "Meeting Forward Notification: Committee on Article 5 Implementation",
			"Your meeting was forwarded\n\nJane Roe has forwarded your meeting request to additional recipients.\n\nMeeting\n\nCommittee on Article 5 Implementation\n\n" +
				"Meeting Time\n\nWednesday, July 1, 2020 3:30 PM-5:00 PM. (UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna\n\n" +
				"Recipients\n\nPaul Martin <paul.martin@arcadia-mfa.example>\n\nAll times listed are in the following time zone: (UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna\n",
			[]string{"Jane Roe", "Committee on Article 5 Implementation", "Wednesday, July 1, 2020 3:30 PM-5:00 PM", "Paul Martin <paul.martin@arcadia-mfa.example>"}},
		{"Exchange, French", "Notification de transfert de réunion : Comité sur la mise en œuvre de l'article 5",
			"Votre réunion a été transférée\n\nMarie Curie a transféré votre demande de réunion à des destinataires supplémentaires.\n\nRéunion\n\nComité sur la mise en œuvre de l'article 5\n\n" +
				"Heure de la réunion\n\nmercredi 1 juillet 2020 15:30-17:00. (UTC+01:00) Amsterdam, Berlin, Berne, Rome, Stockholm, Vienne\n\n" +
				"Destinataires\n\nPaul Martin <paul.martin@arcadia-mfa.example>\n",
			[]string{"Marie Curie", "mercredi 1 juillet 2020 15:30-17:00", "Paul Martin"}},
		{"Exchange, Spanish, subject only", "Notificación de reenvío de reunión: Comité del artículo 5",
			"Reunión\n\nComité del artículo 5\n\nHora de la reunión\n\nmiércoles, 1 de julio de 2020 15:30-17:00.\n\nDestinatarios\n\nLuis Mora <lmora@mrree.example>\n",
			[]string{"miércoles, 1 de julio de 2020 15:30-17:00", "Luis Mora <lmora@mrree.example>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := "From: Microsoft Outlook <jane@arcadia-mfa.example>\r\nTo: isu@isu.example\r\nSubject: " + tt.subject +
				"\r\nMessage-ID: <mfn@arcadia-mfa.example>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + strings.ReplaceAll(tt.text, "\n", "\r\n")
			m, err := inbox.Parse(strings.NewReader(raw), "registrations@isu.example", inbox.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !m.NeedsReview || m.Kind == inbox.KindRegistration || len(m.Delegates) > 0 {
				t.Fatalf("kind %s, review %v, delegates %+v: want review and nobody registered", m.Kind, m.NeedsReview, m.Delegates)
			}
			for _, w := range append(tt.want, "meeting forward notification") {
				if !strings.Contains(m.ReviewReason, w) {
					t.Errorf("reason %q lacks %q", m.ReviewReason, w)
				}
			}
		})
	}
}
