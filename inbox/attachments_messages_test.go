package inbox_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"convene/inbox"
)

// attachmentMessages are replies whose list is only in an attachment, as
// real clients send them, kept in testdata/attachments (rewritten by
// go test -run TestAttachmentMessages -update). Each names what a careful
// reader finds: the addresses read, and the words the review reason must
// hold (none: applied without review).
var attachmentMessages = []struct {
	file   string
	make   func(tb testing.TB) string
	emails []string
	review []string
}{
	{"outlook-xlsx-fr.eml", func(tb testing.TB) string {
		x := xlsxFile(tb, sheet{"Délégation", [][]string{{"Délégation de la République du Sénégal"}, {},
			{"Nom et prénom", "Fonction", "Courriel"},
			{"S.E. M. Coly Seck", "Ambassadeur, Représentant permanent", "c.seck@diplomatie.gouv.sn"},
			{"Mme Aïssatou Faye", "Conseillère", "a.faye@diplomatie.gouv.sn"}}})
		return outlookMessage("Mission du Sénégal <mission.geneve@diplomatie.gouv.sn>", "RE: Invitation [REF k7m2q4x3ab]",
			"Madame, Monsieur,\r\n\r\nVeuillez trouver ci-joint la liste de notre délégation.\r\n\r\nCordialement,\r\nSecrétariat de la Mission",
			"Délégation Sénégal.xlsx", ctXLSX, x)
	}, []string{"c.seck@diplomatie.gouv.sn", "a.faye@diplomatie.gouv.sn"}, nil},
	{"applemail-docx-es.eml", func(tb testing.TB) string {
		d := docxFile(tb, "La Misión Permanente de Costa Verde saluda atentamente a la Dependencia y tiene el honor de comunicarle la composición de su delegación:",
			[][]string{{"Nombre", "Cargo", "Correo electrónico"},
				{"Sr. Luis Mora", "Consejero", "lmora@mrree-costaverde.example"},
				{"Sra. Ana Ruiz", "Agregada", "aruiz@mrree-costaverde.example"}})
		return appleMessage("Luis Mora <lmora@mrree-costaverde.example>", "Inscripción de la delegación [REF k7m2q4x3ab]",
			"Estimados señores:\n\nAdjunto la nota verbal con la lista de la delegación.\n\nAtentamente,\nLuis Mora", "Nota verbal 2020-114.docx", ctDOCX, d)
	}, []string{"lmora@mrree-costaverde.example", "aruiz@mrree-costaverde.example"}, nil},
	{"thunderbird-pdf-en.eml", func(tb testing.TB) string {
		p := pdfFile(pdfLine{72, 780, "Permanent Mission of Arcadia"}, pdfLine{72, 760, "Note No. 114/2020"},
			pdfLine{72, 700, "Name"}, pdfLine{250, 700, "Title"}, pdfLine{400, 700, "Email"},
			pdfLine{72, 686, "Ms. Jane Roe"}, pdfLine{250, 686, "First Secretary"}, pdfLine{400, 686, "jane.roe@arcadia-mfa.example"},
			pdfLine{72, 672, "Mr. John Smith"}, pdfLine{250, 672, "Counsellor"}, pdfLine{400, 672, "john.smith@arcadia-mfa.example"})
		return thunderbirdMessage("Arcadia Mission <mission@arcadia-mfa.example>", "Re: Invitation [REF k7m2q4x3ab]",
			"Dear colleagues,\n\nPlease find attached our note verbale with the delegation.\n\nKind regards,\nArcadia Mission", "NV-114-2020.pdf", ctPDF, p)
	}, []string{"jane.roe@arcadia-mfa.example", "john.smith@arcadia-mfa.example"}, nil},
	{"gmail-scan-pdf-en.eml", func(tb testing.TB) string {
		return gmailMessage("Arcadia Mission <arcadia.mission@gmail.example>", "Re: Invitation [REF k7m2q4x3ab]",
			"Dear Sir/Madam,\n\nAttached is the signed note verbale listing our delegation.\n\nBest regards", "scan0001.pdf", ctPDF, scanPDF())
	}, nil, []string{"scan0001.pdf", "a PDF without text (a scan)"}},
	{"outlook-doc-en.eml", func(tb testing.TB) string {
		return outlookMessage("Mission <mission@arcadia-mfa.example>", "RE: Invitation [REF k7m2q4x3ab]",
			"Dear colleagues,\r\n\r\nPlease find our delegation list attached.\r\n\r\nBest regards", "Delegation list.doc", "application/msword",
			[]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 a Word 97 file"))
	}, nil, []string{"Delegation list.doc", "Word 97-2003"}},
}

func TestAttachmentMessages(t *testing.T) {
	dir := filepath.Join("testdata", "attachments")
	for _, tt := range attachmentMessages {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			if *update {
				os.MkdirAll(dir, 0o755)
				if err := os.WriteFile(path, []byte(tt.make(t)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m, err := inbox.ParseBytes(raw, "registrations@isu.example", inbox.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range m.Delegates {
				got = append(got, d.Email)
			}
			if strings.Join(got, ",") != strings.Join(tt.emails, ",") {
				t.Errorf("delegates %q, want %q (problems %q)", got, tt.emails, m.Problems)
			}
			if (len(tt.review) > 0) != m.NeedsReview {
				t.Errorf("needs review %v (%s), want %v", m.NeedsReview, m.ReviewReason, len(tt.review) > 0)
			}
			for _, w := range tt.review {
				if !strings.Contains(m.ReviewReason, w) {
					t.Errorf("reason %q lacks %q", m.ReviewReason, w)
				}
			}
		})
	}
}

func b64Lines(data []byte) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	return b.String() + enc + "\r\n"
}

// outlookMessage: Outlook for Windows, multipart/mixed around a
// multipart/alternative, quoted-printable text, RFC 2047 file name.
func outlookMessage(from, subject, text, name, ct string, data []byte) string {
	qname := "=?utf-8?B?" + base64.StdEncoding.EncodeToString([]byte(name)) + "?="
	return "From: " + from + "\r\nTo: \"ISU Registrations\" <registrations+k7m2q4x3ab@isu.example>\r\nSubject: " + subject +
		"\r\nThread-Topic: Invitation\r\nThread-Index: AQHWP0z4Jk3T2l9nAU2kq8l2bMZ0Yg==\r\nDate: Thu, 11 Jun 2020 09:30:00 +0000\r\n" +
		"Message-ID: <AM0PR02MB5123ABCDEF" + strings.ReplaceAll(strings.ToUpper(name[:3]), " ", "") + "@AM0PR02MB5123.eurprd02.prod.outlook.com>\r\n" +
		"Accept-Language: fr-FR, en-US\r\nContent-Language: fr-FR\r\nX-MS-Has-Attach: yes\r\nX-MS-TNEF-Correlator:\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed;\r\n\tboundary=\"_004_AM0PR02MB5123_\"\r\n\r\n" +
		"--_004_AM0PR02MB5123_\r\nContent-Type: multipart/alternative;\r\n\tboundary=\"_000_AM0PR02MB5123_\"\r\n\r\n" +
		"--_000_AM0PR02MB5123_\r\nContent-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64Lines([]byte(text)) +
		"\r\n--_000_AM0PR02MB5123_\r\nContent-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		b64Lines([]byte("<html><body><div>"+strings.ReplaceAll(text, "\r\n", "<br>")+"</div></body></html>")) +
		"\r\n--_000_AM0PR02MB5123_--\r\n\r\n--_004_AM0PR02MB5123_\r\nContent-Type: " + ct + ";\r\n\tname=\"" + qname + "\"\r\n" +
		"Content-Description: " + qname + "\r\nContent-Disposition: attachment;\r\n\tfilename=\"" + qname + "\"; size=" + itoa(len(data)) + ";\r\n\tcreation-date=\"Thu, 11 Jun 2020 09:29:00 GMT\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + b64Lines(data) + "\r\n--_004_AM0PR02MB5123_--\r\n"
}

// appleMessage: Apple Mail, LF line ends, RFC 2231 file name.
func appleMessage(from, subject, text, name, ct string, data []byte) string {
	var enc strings.Builder
	for _, c := range []byte(name) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' {
			enc.WriteByte(c)
		} else {
			enc.WriteString("%" + strings.ToUpper(hex2(c)))
		}
	}
	msg := "From: " + from + "\nContent-Type: multipart/mixed;\n\tboundary=\"Apple-Mail=_6B2C3A1E-0000-4C2A-9F7E-1B2C3D4E5F60\"\nMime-Version: 1.0 (Mac OS X Mail 13.4 \\(3608.120.23.2.4\\))\n" +
		"Subject: " + subject + "\nDate: Thu, 11 Jun 2020 16:30:00 -0500\nMessage-Id: <6B2C3A1E-0000-4C2A-9F7E-1B2C3D4E5F60@mrree-costaverde.example>\nTo: registrations+k7m2q4x3ab@isu.example\nX-Mailer: Apple Mail (2.3608.120.23.2.4)\n\n\n" +
		"--Apple-Mail=_6B2C3A1E-0000-4C2A-9F7E-1B2C3D4E5F60\nContent-Transfer-Encoding: quoted-printable\nContent-Type: text/plain;\n\tcharset=utf-8\n\n" +
		qp(text) + "\n\n--Apple-Mail=_6B2C3A1E-0000-4C2A-9F7E-1B2C3D4E5F60\nContent-Disposition: attachment;\n\tfilename*=utf-8''" + enc.String() +
		"\nContent-Type: " + ct + ";\n\tx-unix-mode=0644;\n\tname*=utf-8''" + enc.String() + "\nContent-Transfer-Encoding: base64\n\n" +
		strings.ReplaceAll(b64Lines(data), "\r\n", "\n") + "\n--Apple-Mail=_6B2C3A1E-0000-4C2A-9F7E-1B2C3D4E5F60--\n"
	return msg
}

// thunderbirdMessage: Thunderbird, format=flowed text, CRLF.
func thunderbirdMessage(from, subject, text, name, ct string, data []byte) string {
	return strings.ReplaceAll("Message-ID: <3f1e2d4c-aaaa-bbbb-cccc-0123456789ab@arcadia-mfa.example>\nDate: Thu, 11 Jun 2020 10:15:00 +0200\nMIME-Version: 1.0\n"+
		"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:68.0) Gecko/20100101 Thunderbird/68.9.0\nContent-Language: en-GB\n"+
		"From: "+from+"\nTo: registrations+k7m2q4x3ab@isu.example\nSubject: "+subject+"\n"+
		"Content-Type: multipart/mixed;\n boundary=\"------------8C1E2D3F4A5B6C7D8E9F0A1B\"\n\nThis is a multi-part message in MIME format.\n"+
		"--------------8C1E2D3F4A5B6C7D8E9F0A1B\nContent-Type: text/plain; charset=utf-8; format=flowed\nContent-Transfer-Encoding: 7bit\n\n"+text+"\n\n"+
		"--------------8C1E2D3F4A5B6C7D8E9F0A1B\nContent-Type: "+ct+";\n name=\""+name+"\"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment;\n filename=\""+name+"\"\n\n", "\n", "\r\n") +
		b64Lines(data) + "\r\n--------------8C1E2D3F4A5B6C7D8E9F0A1B--\r\n"
}

// gmailMessage: Gmail, multipart/mixed with an alternative, X-Attachment-Id.
func gmailMessage(from, subject, text, name, ct string, data []byte) string {
	return strings.ReplaceAll("MIME-Version: 1.0\nDate: Thu, 11 Jun 2020 11:02:00 +0200\nMessage-ID: <CAFx1Y2z3abcDEF=ghiJKL4mnoPQR5stUVW6xyz@mail.gmail.example>\n"+
		"Subject: "+subject+"\nFrom: "+from+"\nTo: registrations+k7m2q4x3ab@isu.example\n"+
		"Content-Type: multipart/mixed; boundary=\"000000000000a1b2c3d4e5f6a7b8\"\n\n--000000000000a1b2c3d4e5f6a7b8\n"+
		"Content-Type: multipart/alternative; boundary=\"000000000000a1b2c3d4e5f6a7b6\"\n\n--000000000000a1b2c3d4e5f6a7b6\n"+
		"Content-Type: text/plain; charset=\"UTF-8\"\n\n"+text+"\n\n--000000000000a1b2c3d4e5f6a7b6\nContent-Type: text/html; charset=\"UTF-8\"\n\n<div dir=\"ltr\">"+
		strings.ReplaceAll(text, "\n", "<br>")+"</div>\n\n--000000000000a1b2c3d4e5f6a7b6--\n--000000000000a1b2c3d4e5f6a7b8\n"+
		"Content-Type: "+ct+"; name=\""+name+"\"\nContent-Disposition: attachment; filename=\""+name+"\"\nContent-Transfer-Encoding: base64\n"+
		"Content-ID: <f_kb9x2m3k0>\nX-Attachment-Id: f_kb9x2m3k0\n\n", "\n", "\r\n") + b64Lines(data) + "\r\n--000000000000a1b2c3d4e5f6a7b8--\r\n"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func hex2(c byte) string {
	const h = "0123456789abcdef"
	return string([]byte{h[c>>4], h[c&15]})
}

// qp is quoted-printable for a short text (lines under 76 bytes).
func qp(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c == '\n' || c >= 32 && c < 127 && c != '=':
			b.WriteByte(c)
		default:
			b.WriteString("=" + strings.ToUpper(hex2(c)))
		}
	}
	return b.String()
}
