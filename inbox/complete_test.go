package inbox_test

import (
	"strings"
	"testing"

	"convene/inbox"
)

// TestCompleteList: a reply that names delegates and says it is the
// complete (full, updated, final) list is marked Complete; a plain reply,
// a list "to follow", and the confirmation's own words quoted are not.
func TestCompleteList(t *testing.T) {
	const person = "\n\nMs. Jane Roe, First Secretary, jane.roe@mfa.example\n"
	tests := []struct {
		name, subject, text string
		want                bool
	}{
		{"plain reply adds", "RE: Registration confirmed", "Please also register:" + person, false},
		{"complete list, en", "RE: Registration confirmed", "Please find below the complete list of our delegation:" + person, true},
		{"updated list in the subject", "Updated delegation list", "Dear colleagues," + person, true},
		{"full list, en", "RE: x", "The full list of delegates is as follows:" + person, true},
		{"liste complète, fr", "RE: Confirmation d'inscription", "Veuillez trouver ci-dessous la liste complète de notre délégation :" + person, true},
		{"liste mise à jour, fr", "RE: x", "Voici la liste mise à jour des délégués :" + person, true},
		{"la délégation sera désormais composée, fr", "RE: x", "La délégation sera désormais composée comme suit :" + person, true},
		{"lista completa, es", "RE: Confirmación de inscripción", "Adjuntamos a continuación la lista completa de la delegación:" + person, true},
		{"lista actualizada, es", "RE: x", "Les remitimos la lista actualizada:" + person, true},
		{"the complete list will follow", "RE: x", "Please register the following; the complete list will follow." + person, false},
		{"la liste complète suivra", "RE: x", "Veuillez inscrire la personne suivante, la liste complète suivra." + person, false},
		{"not the full list", "RE: x", "This is not the full list of our delegation." + person, false},
		{"our own sentence, quoted without marks", "RE: x", "Please add:" + person + "\nTo change the composition of the delegation, please reply to this message, keeping the reference in its subject. A reply that says it gives the complete list of delegates replaces the delegation.", false},
		{"further to, the complete list including", "RE: x", "Further to your message, please find the complete list of our delegation, including the Ambassador:" + person, true},
		{"add to the updated list", "RE: x", "Please add the following delegate to the updated list:" + person, false},
		{"ajouter à la liste complète", "RE: x", "Nous vous prions d'ajouter également à la liste complète :" + person, false},
		{"updated list in the subject, also add in the text", "Updated list", "Please also register:" + person, false},
		{"complete, but no delegate named", "RE: x", "The complete list will be sent by the capital.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := "From: mission@mfa.example\r\nTo: registrations+k7m2q4x3ab@isu.example\r\nSubject: " + tt.subject +
				"\r\nMessage-ID: <c@mfa.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + strings.ReplaceAll(tt.text, "\n", "\r\n")
			m, err := inbox.Parse(strings.NewReader(raw), "registrations@isu.example", inbox.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Complete != tt.want {
				t.Errorf("Complete = %v, want %v (kind %s, delegates %+v, body %q)", m.Complete, tt.want, m.Kind, m.Delegates, m.Body)
			}
		})
	}
}

// TestCompleteListInAttachment: a note verbale attached (docx, PDF) that
// gives "la liste complète" of the delegation makes the reply a complete
// list; one that only lists delegates adds.
func TestCompleteListInAttachment(t *testing.T) {
	table := [][]string{{"Nom", "Fonction", "Courriel"}, {"M. Coly Seck", "Ambassadeur", "c.seck@diplomatie.gouv.sn"}}
	tests := []struct {
		name string
		file attachment
		want bool
	}{
		{"docx, liste complète", attachment{"NV.docx", ctDOCX, docxFile(t, "La Mission a l'honneur de communiquer ci-dessous la liste complète de sa délégation :", table)}, true},
		{"docx, a list", attachment{"NV.docx", ctDOCX, docxFile(t, "La Mission a l'honneur de communiquer ci-dessous le nom de son délégué :", table)}, false},
		{"PDF, the updated list", attachment{"NV.pdf", ctPDF, pdfFile(pdfLine{72, 760, "The Mission has the honour to transmit the updated list of its delegation:"},
			pdfLine{72, 730, "Ms. Jane Roe, First Secretary, jane.roe@mfa.example"})}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := mailWith("mission@mfa.example", "RE: Registration confirmed", "Please find attached our note verbale.", tt.file)
			m, err := inbox.ParseBytes(raw, "registrations@isu.example", inbox.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Complete != tt.want || len(m.Delegates) != 1 {
				t.Errorf("Complete = %v with %d delegates, want %v with 1 (review %q)", m.Complete, len(m.Delegates), tt.want, m.ReviewReason)
			}
		})
	}
}
