package inbox_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"convene/inbox"
)

// TestAttachedLists reads delegation lists sent only as attachments, and
// sends to review, naming it, every attachment that may hold a list and was
// not read.
func TestAttachedLists(t *testing.T) {
	header := []string{"Nom et prénom", "Fonction", "Courriel"}
	tests := []struct {
		name      string
		text      string
		files     []attachment
		delegates []string // "Name <email>", in order
		titles    []string // the delegates' titles, when checked
		review    []string // parts of the review reason; none: not reviewed
	}{
		{
			name: "xlsx with a title above the header and a hidden sheet of lists",
			text: "Madame, Monsieur,\n\nVeuillez trouver ci-joint la liste de notre délégation.\n\nCordialement,\nAwa Diop",
			files: []attachment{{"Delegation Senegal.xlsx", ctXLSX, xlsxFile(t,
				sheet{"Délégation", [][]string{{"Délégation du Sénégal"}, {}, header,
					{"Chef de délégation"},
					{"M. Mamadou Ndiaye", "Conseiller", "m.ndiaye@diplomatie.gouv.sn"},
					{"Membres :"},
					{"Mme Awa Diop", "Première Secrétaire", "a.diop@diplomatie.gouv.sn"}}},
				sheet{"hidden:Listes", [][]string{{"Fonction"}, {"Ambassadeur"}, {"Conseiller"}, {"contact@x.example"}}},
			)}},
			delegates: []string{"Mamadou Ndiaye <m.ndiaye@diplomatie.gouv.sn>", "Awa Diop <a.diop@diplomatie.gouv.sn>"},
		},
		{
			name: "xlsx with columns the form has not",
			text: "Please find the list attached.",
			files: []attachment{{"participants.xlsx", ctXLSX, xlsxFile(t,
				sheet{"Participants", [][]string{
					{"N°", "Civilité", "Prénom", "Nom", "Sexe", "Fonction", "Adresse e-mail", "N° de passeport", "Date d'arrivée"},
					{"1", "M.", "Mamadou", "Ndiaye", "M", "Conseiller", "m.ndiaye@diplomatie.gouv.sn", "A1234567", "29/06/2020"},
					{"2", "Mme", "Awa", "Diop", "F", "Première Secrétaire", "a.diop@diplomatie.gouv.sn", "B7654321", "29/06/2020"}}})}},
			delegates: []string{"Mamadou Ndiaye <m.ndiaye@diplomatie.gouv.sn>", "Awa Diop <a.diop@diplomatie.gouv.sn>"},
		},
		{
			name: "xlsx whose Title column holds forms of address",
			text: "Please find the list attached.",
			files: []attachment{{"registration form.xlsx", ctXLSX, xlsxFile(t,
				sheet{"Form", [][]string{
					{"Last name", "First name", "Position", "Title", "E-mail", "Phone"},
					{"Smith", "John", "Counsellor", "Mr.", "john.smith@mfa.example", "+41 22 000 00 00"},
					{"Roe", "Jane", "Ambassador", "H.E.", "jane.roe@mfa.example", ""}}})}},
			delegates: []string{"John Smith <john.smith@mfa.example>", "Jane Roe <jane.roe@mfa.example>"},
			titles:    []string{"Counsellor", "Ambassador"},
		},
		{
			name: "docx table with bilingual headers",
			text: "Veuillez trouver ci-joint la liste.",
			files: []attachment{{"liste.docx", ctDOCX, docxFile(t, [][]string{
				{"Nom / Name", "Fonction / Position", "Courriel / E-mail", "Téléphone / Phone"},
				{"M. Paul Martin", "Conseiller", "p.martin@mfa.example", "+41 22 000 00 01"},
				{"Mme Claire Dubois", "Attachée", "c.dubois@mfa.example", ""}})}},
			delegates: []string{"Paul Martin <p.martin@mfa.example>", "Claire Dubois <c.dubois@mfa.example>"},
			titles:    []string{"Conseiller", "Attachée"},
		},
		{
			name: "xlsx without a header row",
			text: "Please find the list attached.",
			files: []attachment{{"list.xlsx", ctXLSX, xlsxFile(t,
				sheet{"Sheet1", [][]string{{"Ms. Jane Roe", "First Secretary", "jane.roe@mfa.example"}}})}},
			delegates: []string{"Jane Roe <jane.roe@mfa.example>"},
		},
		{
			name: "docx note verbale with a table",
			text: "Veuillez trouver ci-joint la note verbale.",
			files: []attachment{{"NV 2020-114.docx", ctDOCX, docxFile(t,
				"La Mission permanente de la République du Sénégal présente ses compliments à l'Unité d'appui et a l'honneur de lui communiquer la composition de sa délégation :",
				[][]string{header,
					{"S.E. M. Coly Seck", "Ambassadeur, Représentant permanent", "c.seck@diplomatie.gouv.sn"},
					{"Mme Aïssatou Faye", "Conseillère", "a.faye@diplomatie.gouv.sn"}},
				"Genève, le 10 juin 2020",
			)}},
			delegates: []string{"Coly Seck <c.seck@diplomatie.gouv.sn>", "Aïssatou Faye <a.faye@diplomatie.gouv.sn>"},
		},
		{
			name: "docx with the list in paragraphs",
			text: "Adjunto la lista.",
			files: []attachment{{"delegacion.docx", ctDOCX, docxFile(t,
				"Sr. Luis Mora, Consejero, lmora@mrree.example",
				"Sra. Ana Ruiz, Agregada, aruiz@mrree.example",
			)}},
			delegates: []string{"Luis Mora <lmora@mrree.example>", "Ana Ruiz <aruiz@mrree.example>"},
		},
		{
			name: "PDF with a text layer, a table",
			text: "Please find attached our note verbale.",
			files: []attachment{{"NV-114.pdf", ctPDF, pdfFile(
				pdfLine{72, 760, "Permanent Mission of Arcadia"},
				pdfLine{72, 700, "Name"}, pdfLine{250, 700, "Title"}, pdfLine{400, 700, "Email"},
				pdfLine{72, 686, "Ms. Ana Pérez"}, pdfLine{250, 686, "Counsellor"}, pdfLine{400, 686, "a.perez@mfa.example"},
				pdfLine{72, 672, "Mr. Jean Dupont"}, pdfLine{250, 672, "First Secretary"}, pdfLine{400, 672, "j.dupont@mfa.example"},
			)}},
			delegates: []string{"Ana Pérez <a.perez@mfa.example>", "Jean Dupont <j.dupont@mfa.example>"},
		},
		{
			name: "PDF with every word placed on its own, widths unknown",
			text: "Please find attached our note verbale.",
			files: []attachment{{"NV-words.pdf", ctPDF, wordsPDF(
				"The Permanent Mission of Arcadia has the honour to register:",
				"Ms. Jane Roe, First Secretary, jane.roe@mfa.example",
				"Mr. John Smith, Counsellor, john.smith@mfa.example",
			)}},
			delegates: []string{"Jane Roe <jane.roe@mfa.example>", "John Smith <john.smith@mfa.example>"},
		},
		{
			name:   "PDF without text: a scan",
			text:   "Please find attached our note verbale.",
			files:  []attachment{{"scan0001.pdf", ctPDF, scanPDF()}},
			review: []string{"scan0001.pdf", "a PDF without text (a scan)"},
		},
		{
			name:      "a list in the text and a scan beside it",
			text:      "We register Ms. Jane Roe, First Secretary, jane.roe@mfa.example\n\nThe note verbale is attached.",
			files:     []attachment{{"NV.pdf", ctPDF, scanPDF()}},
			delegates: []string{"Jane Roe <jane.roe@mfa.example>"},
			review:    []string{"NV.pdf", "a PDF without text (a scan)"},
		},
		{
			name:   "a Word 97 document and an old Excel workbook",
			text:   "Please find attached the list of our delegation.",
			files:  []attachment{{"Delegation.doc", "application/msword", []byte("\xd0\xcf\x11\xe0 not read")}, {"Liste.xls", "application/vnd.ms-excel", []byte("\xd0\xcf\x11\xe0")}},
			review: []string{"Delegation.doc", "Liste.xls"},
		},
		{
			name: "a note verbale in PDF that declines",
			text: "Please find attached our note verbale.",
			files: []attachment{{"NV-decline.pdf", ctPDF, pdfFile(
				pdfLine{72, 760, "The Permanent Mission of Arcadia presents its compliments"},
				pdfLine{72, 746, "and regrets that it will not be able to participate in the meeting."},
			)}},
			review: []string{"NV-decline.pdf", "declines"},
		},
		{
			name:   "an S/MIME encrypted message",
			text:   "",
			files:  []attachment{{"smime.p7m", "application/pkcs7-mime; smime-type=enveloped-data", []byte("0\x80\x06\x09*\x86H\x86\xf7\x0d\x01\x07\x03")}},
			review: []string{"smime.p7m", "S/MIME"},
		},
		{
			name:   "a damaged xlsx",
			text:   "Please find attached the list.",
			files:  []attachment{{"list.xlsx", ctXLSX, []byte("PK\x03\x04 damaged")}},
			review: []string{"list.xlsx", "not a readable .xlsx"},
		},
		{
			name: "an xlsx that holds no list",
			text: "Please find attached the agenda.",
			files: []attachment{{"agenda.xlsx", ctXLSX, xlsxFile(t,
				sheet{"Agenda", [][]string{{"Time", "Item"}, {"10:00", "Opening"}}})}},
			review: []string{"agenda.xlsx"},
		},
		{
			name: "a delegate without an address in a sheet",
			text: "Please find the list attached.",
			files: []attachment{{"list.xlsx", ctXLSX, xlsxFile(t,
				sheet{"Sheet1", [][]string{{"Name", "Title", "Email"}, {"Ms. Jane Roe", "First Secretary", "jane.roe@mfa.example"}, {"Mr. John Doe", "Adviser", ""}}})}},
			// read with certainty: the workflow asks the mission for the address
			delegates: []string{"Jane Roe <jane.roe@mfa.example>", "John Doe <>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := mailWith("Awa Diop <a.diop@diplomatie.gouv.sn>", "Registration", tt.text, tt.files...)
			m, err := inbox.Parse(bytes.NewReader(raw), "registrations@isu.example", inbox.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range m.Delegates {
				got = append(got, fmt.Sprintf("%s <%s>", d.Name, d.Email))
			}
			// the name may keep its honorific (the free-text reader strips them)
			ok := len(got) == len(tt.delegates)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasSuffix(got[i], tt.delegates[i])
			}
			if !ok {
				t.Errorf("delegates = %q, want %q (problems %q)", got, tt.delegates, m.Problems)
			}
			for i, want := range tt.titles {
				if i < len(m.Delegates) && m.Delegates[i].Title != want {
					t.Errorf("title of %s = %q, want %q", m.Delegates[i].Name, m.Delegates[i].Title, want)
				}
			}
			if len(tt.delegates) > 0 && m.Kind != inbox.KindRegistration {
				t.Errorf("kind = %s, want registration", m.Kind)
			}
			if len(tt.review) == 0 && m.NeedsReview {
				t.Errorf("needs review: %s (problems %q)", m.ReviewReason, m.Problems)
			}
			if len(tt.review) > 0 && !m.NeedsReview {
				t.Errorf("not reviewed, want a reason with %q", tt.review)
			}
			for _, r := range tt.review {
				if !strings.Contains(m.ReviewReason, r) {
					t.Errorf("review reason %q, want it to name %q", m.ReviewReason, r)
				}
			}
		})
	}
}

// TestAttachmentRows bounds the rows read from one attachment.
func TestAttachmentRows(t *testing.T) {
	rows := [][]string{{"Name", "Title", "Email"}}
	for i := range 30 {
		rows = append(rows, []string{fmt.Sprintf("Delegate Number%c", 'A'+i%26), "Adviser", fmt.Sprintf("d%d@mfa.example", i)})
	}
	raw := mailWith("a@mfa.example", "List", "Attached.", attachment{"big.xlsx", ctXLSX, xlsxFile(t, sheet{"S", rows})})
	m, err := inbox.Parse(bytes.NewReader(raw), "registrations@isu.example", inbox.Limits{AttachmentRows: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Delegates) > 10 {
		t.Errorf("%d delegates read, want at most 10", len(m.Delegates))
	}
	if !m.NeedsReview || !strings.Contains(m.ReviewReason, "more than 10 rows") {
		t.Errorf("review = %v %q, want the rows beyond the limit named", m.NeedsReview, m.ReviewReason)
	}
}
