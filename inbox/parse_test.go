package inbox_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"convene/inbox"
)

const replyTo = "registrations@isu.example"

func parseFile(t testing.TB, name string) *inbox.Message {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := inbox.Parse(bytes.NewReader(data), replyTo, inbox.Limits{})
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return m
}

func TestParseTestdata(t *testing.T) {
	tests := []struct {
		file      string
		kind      inbox.Kind
		token     string
		from      string
		subject   string // substring
		delegates []del
		withdrawn []string
		replaced  []inbox.Replacement
		declined  bool
		bounce    *inbox.Bounce
		suggested []string
		review    bool
	}{
		{
			file: "outlook-form-en.eml", kind: inbox.KindRegistration, token: "k7qmzt4x", from: "jane.roe@arcadia-mfa.example",
			subject: "RE: Intersessional Meetings 2020",
			delegates: []del{
				{Name: "John Smith", Title: "Ambassador, Permanent Representative", Email: "j.smith@arcadia-mfa.example"},
				{Name: "Jane Roe", Title: "First Secretary", Email: "jane.roe@arcadia-mfa.example"},
			},
		},
		{
			file: "gmail-form-fr.eml", kind: inbox.KindRegistration, token: "b4n6xq2w", from: "sophie.bernard@belavie.example",
			subject: "Re: Réunions intersessions 2020 : invitation",
			delegates: []del{
				{Name: "Jean Dupont", Title: "Ambassadeur", Email: "jean.dupont@belavie.example"},
				{Name: "Sophie Bernard", Title: "Conseillère", Email: "sophie.bernard@belavie.example"},
			},
		},
		{
			file: "iphone-free-es.eml", kind: inbox.KindRegistration, token: "m3p5rt6y", from: "cdiaz@mrree-costaverde.example",
			subject: "Reuniones entre períodos de sesiones",
			delegates: []del{
				{Name: "Juan Pérez", Title: "Embajador", Email: "jperez@mrree-costaverde.example"},
				{Name: "Carmen Díaz", Title: "Primera Secretaria", Email: "cdiaz@mrree-costaverde.example"},
			},
		},
		{
			file: "html-table-fr.eml", kind: inbox.KindRegistration, token: "b4n6xq2w", from: "mission@belavie.example",
			subject: "TR : Réunions",
			delegates: []del{
				{Name: "Paul Girard", Title: "Premier secrétaire", Email: "paul.girard@belavie.example"},
				{Name: "Claire Roux", Title: "Conseillère juridique", Email: "claire.roux@belavie.example"},
			},
		},
		{
			file: "csv-attachment-es.eml", kind: inbox.KindRegistration, token: "m3p5rt6y", from: "lmora@mrree-costaverde.example",
			subject: "Inscripción de la delegación",
			delegates: []del{
				{Name: "Luis Mora", Title: "Consejero", Email: "lmora@mrree-costaverde.example"},
				{Name: "Ana Ruiz", Title: "Agregada", Email: "aruiz@mrree-costaverde.example"},
			},
		},
		{
			file: "correction-en.eml", kind: inbox.KindRegistration, token: "k7qmzt4x", from: "jane.roe@arcadia-mfa.example",
			replaced: []inbox.Replacement{{Old: "John Smith", New: del{Name: "Paul Green", Title: "Counsellor", Email: "p.green@arcadia-mfa.example"}}},
		},
		{
			file: "withdrawal-fr.eml", kind: inbox.KindRegistration, token: "b4n6xq2w", from: "sophie.bernard@belavie.example",
			subject: "Retrait d’un délégué", withdrawn: []string{"Jean Dupont"},
		},
		{
			file: "decline-es.eml", kind: inbox.KindRegistration, token: "m3p5rt6y", from: "mision@mrree-costaverde.example",
			subject: "Re: Invitación", declined: true,
		},
		{
			file: "autoreply-outlook-fr.eml", kind: inbox.KindAutoReply, token: "b4n6xq2w", from: "jean.dupont@belavie.example",
			subject: "Réponse automatique", suggested: []string{"claire.roux@belavie.example", "Mme Claire Roux"},
		},
		{
			file: "autoreply-gmail-en.eml", kind: inbox.KindAutoReply, token: "q2w3e4r5", from: "kofi.mensah@mfa-ghanaland.example",
			suggested: []string{"ama.owusu@mfa-ghanaland.example", "Ms. Ama Owusu"},
		},
		{
			file: "autoreply-es.eml", kind: inbox.KindAutoReply, token: "m3p5rt6y", from: "jperez@mrree-costaverde.example",
			subject: "Respuesta automática",
		},
		{
			file: "bounce-postfix-dsn.eml", kind: inbox.KindBounce, from: "mailer-daemon@mx.isu.example",
			bounce: &inbox.Bounce{Recipients: []string{"old.contact@arcadia-mfa.example"}, Permanent: true, Status: "5.1.1",
				Diagnostic: "smtp; 550 5.1.1 <old.contact@arcadia-mfa.example>: Recipient address rejected: User unknown in virtual mailbox table",
				MessageIDs: []string{"invitation-k7qmzt4x@isu.example"}},
		},
		{
			file: "bounce-exchange-ndr.eml", kind: inbox.KindBounce, token: "b4n6xq2w", from: "postmaster@belavie.example",
			bounce: &inbox.Bounce{Recipients: []string{"ancien.contact@belavie.example"}, Permanent: true, Status: "5.1.10",
				Diagnostic: "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'"},
		},
		{
			file: "bounce-delayed.eml", kind: inbox.KindBounce, from: "mailer-daemon@mx.isu.example",
			bounce: &inbox.Bounce{Recipients: []string{"mission@costaverde-slow.example"}, Permanent: false, Status: "4.4.7", Diagnostic: "smtp; 421 4.4.7 connection timed out"},
		},
		{file: "calendar-accept.eml", kind: inbox.KindCalendarReply, from: "j.smith@arcadia-mfa.example"},
		{file: "question-en.eml", kind: inbox.KindOther, token: "k7qmzt4x", review: true},
		{
			file: "form-koi8r.eml", kind: inbox.KindRegistration, token: "z2x3c4v5", subject: "登録代表團",
			delegates: []del{{Name: "Ivan Petrov", Title: "Counsellor", Email: "i.petrov@mid-severia.example"}},
		},
		{
			file: "free-gbk.eml", kind: inbox.KindRegistration, token: "n6m7b2v3", subject: "代表团登记",
			delegates: []del{{Name: "Wang Wei", Title: "Counsellor", Email: "wang.wei@mfa-zhongland.example"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m := parseFile(t, tt.file)
			if m.Kind != tt.kind {
				t.Errorf("Kind = %s (%s), want %s", m.Kind, m.ReviewReason, tt.kind)
			}
			if m.Token != tt.token {
				t.Errorf("Token = %q, want %q", m.Token, tt.token)
			}
			if tt.from != "" && m.From != tt.from {
				t.Errorf("From = %q, want %q", m.From, tt.from)
			}
			if !strings.Contains(m.Subject, tt.subject) {
				t.Errorf("Subject = %q, want it to contain %q", m.Subject, tt.subject)
			}
			if !reflect.DeepEqual(m.Delegates, tt.delegates) {
				t.Errorf("Delegates = %#v\nwant %#v", m.Delegates, tt.delegates)
			}
			if !reflect.DeepEqual(m.Withdrawn, tt.withdrawn) {
				t.Errorf("Withdrawn = %q, want %q", m.Withdrawn, tt.withdrawn)
			}
			if !reflect.DeepEqual(m.Replaced, tt.replaced) {
				t.Errorf("Replaced = %#v, want %#v", m.Replaced, tt.replaced)
			}
			if m.Declined != tt.declined {
				t.Errorf("Declined = %v, want %v", m.Declined, tt.declined)
			}
			if !reflect.DeepEqual(m.Bounce, tt.bounce) {
				t.Errorf("Bounce = %#v\nwant %#v", m.Bounce, tt.bounce)
			}
			if tt.kind == inbox.KindAutoReply {
				if m.AutoReply == nil {
					t.Fatalf("AutoReply = nil")
				}
				if !reflect.DeepEqual(m.AutoReply.Suggested, tt.suggested) {
					t.Errorf("AutoReply.Suggested = %q, want %q", m.AutoReply.Suggested, tt.suggested)
				}
			}
			if m.NeedsReview != tt.review {
				t.Errorf("NeedsReview = %v (%s), want %v", m.NeedsReview, m.ReviewReason, tt.review)
			}
			if m.MessageID == "" || m.Date.IsZero() {
				t.Errorf("MessageID = %q, Date = %v: want both", m.MessageID, m.Date)
			}
			if t.Failed() {
				t.Logf("Body:\n%s\nProblems: %q", m.Body, m.Problems)
			}
		})
	}
}

func TestParseCalendarPartsAndHeaders(t *testing.T) {
	m := parseFile(t, "calendar-accept.eml")
	if len(m.Calendar) != 1 || !bytes.Contains(m.Calendar[0], []byte("PARTSTAT=ACCEPTED")) {
		t.Errorf("Calendar = %q, want the REPLY part", m.Calendar)
	}
	m = parseFile(t, "outlook-form-en.eml")
	if m.InReplyTo != "invitation-k7qmzt4x@isu.example" || !reflect.DeepEqual(m.References, []string{"invitation-k7qmzt4x@isu.example"}) {
		t.Errorf("InReplyTo = %q, References = %q", m.InReplyTo, m.References)
	}
	if m.FromName != "Roe, Jane" || !reflect.DeepEqual(m.To, []string{"registrations+k7qmzt4x@isu.example"}) {
		t.Errorf("FromName = %q, To = %q", m.FromName, m.To)
	}
	if strings.Contains(m.Body, "Title / function:\nEmail:") || strings.Contains(m.Body, "Tel.") {
		t.Errorf("Body keeps the quoted form or the signature:\n%s", m.Body)
	}
}

func TestParseLimits(t *testing.T) {
	data, err := os.ReadFile("testdata/outlook-form-en.eml")
	if err != nil {
		t.Fatal(err)
	}
	nested := func(depth int) []byte {
		var b bytes.Buffer
		b.WriteString("From: a@b.example\r\nSubject: deep\r\nMIME-Version: 1.0\r\n")
		for i := range depth {
			fmt := "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n"
			b.WriteString(strings.NewReplacer("%d", string(rune('a'+i%26))+strings.Repeat("x", i)).Replace(fmt))
		}
		b.WriteString("Content-Type: text/plain\r\n\r\nName: Mr. Deep Nest\r\nEmail: deep@nest.example\r\n")
		return b.Bytes()
	}
	tests := []struct {
		name   string
		data   []byte
		lim    inbox.Limits
		reason string
	}{
		{"size", data, inbox.Limits{MaxSize: 1000}, "larger than 1000 bytes"},
		{"depth", nested(15), inbox.Limits{}, "nesting deeper than 10"},
		{"parts", nested(15), inbox.Limits{MaxParts: 5}, "more than 5 MIME parts"},
		{"attachment", data, inbox.Limits{MaxAttachment: 100}, "larger than 100 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := inbox.Parse(bytes.NewReader(tt.data), replyTo, tt.lim)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if m.Kind != inbox.KindOther || !m.NeedsReview || !strings.Contains(m.ReviewReason, tt.reason) {
				t.Errorf("Kind = %s, NeedsReview = %v, ReviewReason = %q; want other, review, %q", m.Kind, m.NeedsReview, m.ReviewReason, tt.reason)
			}
			if len(m.Delegates) > 0 {
				t.Errorf("Delegates = %v, want none beyond limits", m.Delegates)
			}
		})
	}
	m, err := inbox.Parse(bytes.NewReader(nested(5)), replyTo, inbox.Limits{})
	if err != nil || m.Kind != inbox.KindRegistration {
		t.Errorf("nested(5): Kind = %v, err = %v; want a registration within limits", m.Kind, err)
	}
}

func TestParseErrors(t *testing.T) {
	if _, err := inbox.Parse(strings.NewReader(" \r\n"), replyTo, inbox.Limits{}); err == nil {
		t.Errorf("Parse(empty) = nil error, want one")
	}
	if _, err := inbox.Parse(iotestErrReader{}, replyTo, inbox.Limits{}); err == nil {
		t.Errorf("Parse(failing reader) = nil error, want one")
	}
	m, err := inbox.Parse(strings.NewReader("this is not an e-mail at all"), replyTo, inbox.Limits{})
	if err != nil || !m.NeedsReview {
		t.Errorf("Parse(garbage) = %+v, %v; want a message for review", m, err)
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, os.ErrClosed }

func TestParseFormFilledInQuote(t *testing.T) {
	msg := "From: Jane Roe <jane.roe@arcadia-mfa.example>\r\nTo: registrations+k7qmzt4x@isu.example\r\nSubject: RE: invitation\r\n" +
		"Message-ID: <inline@x.example>\r\nDate: Tue, 9 Jun 2020 10:00:00 +0200\r\n\r\n" +
		"Please see below.\r\n\r\nFrom: ISU Secretariat <registrations+k7qmzt4x@isu.example>\r\nSent: Monday, 8 June 2020 10:00\r\n" +
		"To: Mission\r\nSubject: invitation\r\n\r\nName: Mr. Paul Green\r\nTitle / function: Counsellor\r\nEmail: p.green@arcadia-mfa.example\r\n"
	m, err := inbox.Parse(strings.NewReader(msg), replyTo, inbox.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []del{{Name: "Paul Green", Title: "Counsellor", Email: "p.green@arcadia-mfa.example"}}
	if m.Kind != inbox.KindRegistration || !reflect.DeepEqual(m.Delegates, want) || !m.NeedsReview || !strings.Contains(m.ReviewReason, "quoted invitation") {
		t.Errorf("Kind = %s, Delegates = %v, NeedsReview = %v (%s); want the delegate, for review", m.Kind, m.Delegates, m.NeedsReview, m.ReviewReason)
	}
}

func TestParseListRegistration(t *testing.T) {
	// a mission's shared mailbox run as a mailing list: the registration wins
	// over List-Id and Precedence, for review
	msg := "From: Jane Roe <jane.roe@arcadia-mfa.example>\r\nTo: registrations@isu.example\r\nSubject: Re: invitation\r\n" +
		"List-Id: <mission.arcadia-mfa.example>\r\nPrecedence: list\r\nMessage-ID: <l@x.example>\r\nDate: Tue, 9 Jun 2020 10:00:00 +0200\r\n\r\n" +
		"Name: Mr. Paul Green\r\nEmail: p.green@arcadia-mfa.example\r\n"
	m, err := inbox.Parse(strings.NewReader(msg), replyTo, inbox.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != inbox.KindRegistration || len(m.Delegates) != 1 || !m.NeedsReview || !strings.Contains(m.ReviewReason, "Precedence: list") {
		t.Errorf("Kind = %s, Delegates = %v, NeedsReview = %v (%s)", m.Kind, m.Delegates, m.NeedsReview, m.ReviewReason)
	}
	// the same without delegates is an automatic message
	m, _ = inbox.Parse(strings.NewReader(strings.Replace(msg, "Name: Mr. Paul Green\r\nEmail: p.green@arcadia-mfa.example\r\n", "Newsletter\r\n", 1)), replyTo, inbox.Limits{})
	if m.Kind != inbox.KindAutoReply || m.AutoReply == nil {
		t.Errorf("without delegates: Kind = %s, want auto-reply", m.Kind)
	}
}

func TestParseOwnMail(t *testing.T) {
	msg := "From: ISU <registrations+k7qmzt4x@isu.example>\r\nTo: registrations@isu.example\r\nSubject: invitation\r\n\r\nName:\r\nEmail:\r\n"
	m, err := inbox.Parse(strings.NewReader(msg), replyTo, inbox.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != inbox.KindAutoReply || m.AutoReply == nil || !strings.Contains(m.AutoReply.Reason, "our own address") {
		t.Errorf("Kind = %s, AutoReply = %+v; want our own mail as automatic", m.Kind, m.AutoReply)
	}
}

func TestParseCSVByRFC2231Name(t *testing.T) {
	// an Excel export sent as application/octet-stream: only its file name,
	// split and encoded per RFC 2231, says it is CSV
	msg := "From: Luis Mora <lmora@mrree-costaverde.example>\r\nTo: registrations@isu.example\r\nSubject: lista\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAdjunto la lista.\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Disposition: attachment;\r\n filename*0*=utf-8''delega;\r\n filename*1*=ci%C3%B3n.csv\r\n\r\n" +
		"Nombre,Cargo,Correo\r\nSr. Luis Mora,Consejero,lmora@mrree-costaverde.example\r\n--b--\r\n"
	m, err := inbox.Parse(strings.NewReader(msg), replyTo, inbox.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []del{{Name: "Luis Mora", Title: "Consejero", Email: "lmora@mrree-costaverde.example"}}
	if m.Kind != inbox.KindRegistration || !reflect.DeepEqual(m.Delegates, want) {
		t.Errorf("Kind = %s (%s), Delegates = %v; want %v", m.Kind, m.ReviewReason, m.Delegates, want)
	}
}
