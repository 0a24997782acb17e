// Package demo plays the missions and delegates of the sandbox demo: given
// what convene sent them, it writes the replies real ones write — filled-in
// forms, free text, an HTML table, a CSV attachment, a correction, a
// withdrawal, a decline, a bounce, an out-of-office, a message from an
// unknown address, and calendar answers — in English, French and Spanish.
package demo

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"mime"
	"strings"
	"time"
)

// Incoming is what the simulated party received from convene.
type Incoming struct {
	From      string // the secretariat's address
	ReplyTo   string // where the reply goes (plus-addressed for missions)
	To        string // the party's address
	Subject   string
	MessageID string // without <>
	Text      string // the plain-text body, quoted in replies
	Date      time.Time
}

// message builds an RFC 5322 message with CRLF line ends.
type message struct {
	from, to, subject, messageID, inReplyTo string
	date                                    time.Time
	headers                                 [][2]string
	contentType                             string
	body                                    string
}

func (m message) bytes() []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", m.from)
	h("To", m.to)
	h("Subject", mime.QEncoding.Encode("utf-8", m.subject))
	h("Date", m.date.Format(time.RFC1123Z))
	h("Message-ID", "<"+m.messageID+">")
	if m.inReplyTo != "" {
		h("In-Reply-To", "<"+m.inReplyTo+">")
		h("References", "<"+m.inReplyTo+">")
	}
	for _, kv := range m.headers {
		h(kv[0], kv[1])
	}
	h("MIME-Version", "1.0")
	ct := m.contentType
	if ct == "" {
		ct = "text/plain; charset=utf-8"
	}
	h("Content-Type", ct)
	if strings.HasPrefix(ct, "text/") {
		h("Content-Transfer-Encoding", "8bit")
	}
	b.WriteString("\r\n")
	b.WriteString(crlf(m.body))
	return b.Bytes()
}

func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// quote returns text as a mail client quotes it below a reply.
func quote(text string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		b.WriteString("> " + l + "\n")
	}
	return b.String()
}

func re(subject, prefix string) string { return prefix + " " + subject }

func replyID(in Incoming, tag string) string {
	// the message answered and its recipient make it unique: several
	// invitations can reach one mission in the same simulated second
	return fmt.Sprintf("%s.%d.%08x@%s", tag, in.Date.Unix(), crc32.ChecksumIEEE([]byte(in.MessageID+" "+in.To)), domainOf(in.To))
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.TrimSuffix(addr[i+1:], ">")
	}
	return "mission.example"
}

// OutlookForm is a filled-in reply form from Outlook, with the invitation
// (and its blank form) quoted below an Outlook header block.
func OutlookForm(in Incoming, at time.Time, delegation string, ds [][3]string) []byte {
	var body strings.Builder
	body.WriteString("Dear colleagues,\n\nPlease find below our registration.\n\n")
	for _, d := range ds {
		fmt.Fprintf(&body, "Delegation: %s\nName: %s\nTitle / function: %s\nEmail: %s\n\n", delegation, d[0], d[1], d[2])
	}
	body.WriteString("Best regards,\nProtocol Office\n\n")
	fmt.Fprintf(&body, "-----Original Message-----\nFrom: %s\nSent: %s\nTo: %s\nSubject: %s\n\n%s",
		in.From, in.Date.Format("Monday, January 2, 2006 3:04 PM"), in.To, in.Subject, in.Text)
	return message{
		from: in.To, to: in.ReplyTo, subject: re(in.Subject, "RE:"), messageID: replyID(in, "outlook-form"),
		inReplyTo: in.MessageID, date: at, body: body.String(),
		headers: [][2]string{{"X-Mailer", "Microsoft Outlook 16.0"}, {"Thread-Topic", in.Subject}},
	}.bytes()
}

// FrenchForm is the form filled in with French labels, quoted Gmail-style.
func FrenchForm(in Incoming, at time.Time, delegation string, ds [][3]string) []byte {
	var body strings.Builder
	body.WriteString("Madame, Monsieur,\n\nVeuillez trouver ci-dessous l'inscription de notre délégation.\n\n")
	for _, d := range ds {
		fmt.Fprintf(&body, "Délégation : %s\nNom : %s\nTitre ou fonction : %s\nCourriel : %s\n\n", delegation, d[0], d[1], d[2])
	}
	body.WriteString("Avec nos salutations distinguées,\nLa Mission permanente\n\n")
	fmt.Fprintf(&body, "Le %s, %s a écrit :\n%s", in.Date.Format("02/01/2006 à 15:04"), in.From, quote(in.Text))
	return message{
		from: in.To, to: in.ReplyTo, subject: re(in.Subject, "RE :"), messageID: replyID(in, "gmail-fr"),
		inReplyTo: in.MessageID, date: at, body: body.String(),
	}.bytes()
}

// FreeText is a note in the mission's own words, e.g.
// "H.E. Mr. X, Ambassador, x@…; Ms. Y, First Secretary, y@…".
func FreeText(in Incoming, at time.Time, text, lang string) []byte {
	body := text + "\n\n"
	switch lang {
	case "fr":
		body += "Envoyé de mon iPhone\n\n" + fmt.Sprintf("Le %s, %s a écrit :\n\n", in.Date.Format("2 Jan 2006 à 15:04"), in.From) + quote(in.Text)
	case "es":
		body += "Enviado desde mi iPhone\n\n" + fmt.Sprintf("El %s, %s escribió:\n\n", in.Date.Format("2 Jan 2006, a las 15:04"), in.From) + quote(in.Text)
	default:
		body += "Sent from my iPhone\n\n" + fmt.Sprintf("On %s, %s wrote:\n\n", in.Date.Format("Jan 2, 2006, at 3:04 PM"), in.From) + quote(in.Text)
	}
	return message{
		from: in.To, to: in.ReplyTo, subject: re(in.Subject, "Re:"), messageID: replyID(in, "free-"+lang),
		inReplyTo: in.MessageID, date: at, body: body,
		headers: [][2]string{{"X-Mailer", "iPhone Mail (17F80)"}},
	}.bytes()
}

// HTMLTable is an HTML-only reply listing delegates in a table (Spanish headings).
func HTMLTable(in Incoming, at time.Time, ds [][3]string) []byte {
	var rows strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&rows, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>\n", d[0], d[1], d[2])
	}
	body := fmt.Sprintf(`<html><body>
<p>Estimados colegas:</p>
<p>La Misi&oacute;n Permanente tiene el honor de comunicar la composici&oacute;n de su delegaci&oacute;n:</p>
<table border="1">
<tr><th>Nombre</th><th>Cargo</th><th>Correo electr&oacute;nico</th></tr>
%s</table>
<p>Atentamente,</p>
<div class="gmail_quote">El %s, %s escribi&oacute;:<br><blockquote>%s</blockquote></div>
</body></html>
`, rows.String(), in.Date.Format("2 Jan 2006"), in.From, strings.ReplaceAll(in.Text, "\n", "<br>"))
	return message{
		from: in.To, to: in.ReplyTo, subject: re(in.Subject, "RE:"), messageID: replyID(in, "html-es"),
		inReplyTo: in.MessageID, date: at, body: body, contentType: "text/html; charset=utf-8",
	}.bytes()
}

// CSVAttachment is a short note with the delegation as a CSV file.
func CSVAttachment(in Incoming, at time.Time, ds [][3]string) []byte {
	var csv strings.Builder
	csv.WriteString("Name,Title,Email\r\n")
	for _, d := range ds {
		fmt.Fprintf(&csv, "\"%s\",\"%s\",%s\r\n", d[0], d[1], d[2])
	}
	boundary := "demo-boundary-csv"
	body := fmt.Sprintf("--%[1]s\nContent-Type: text/plain; charset=utf-8\n\nDear colleagues,\n\nThe list of our delegation is attached.\n\nKind regards\n\n--%[1]s\nContent-Type: text/csv; charset=utf-8; name=\"delegation.csv\"\nContent-Disposition: attachment; filename=\"delegation.csv\"\nContent-Transfer-Encoding: base64\n\n%[2]s\n--%[1]s--\n",
		boundary, wrap(base64.StdEncoding.EncodeToString([]byte(csv.String()))))
	return message{
		from: in.To, to: in.ReplyTo, subject: re(in.Subject, "RE:"), messageID: replyID(in, "csv"),
		inReplyTo: in.MessageID, date: at, body: body, contentType: "multipart/mixed; boundary=\"" + boundary + "\"",
	}.bytes()
}

func wrap(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

// Bounce is a delivery status notification (RFC 3464) for a message to rcpt.
func Bounce(in Incoming, at time.Time, rcpt string, permanent bool) []byte {
	action, status, diag := "failed", "5.1.1", "550 5.1.1 <"+rcpt+">: Recipient address rejected: User unknown"
	if !permanent {
		action, status, diag = "delayed", "4.4.1", "421 4.4.1 Connection timed out"
	}
	boundary := "demo-boundary-dsn"
	body := fmt.Sprintf(`This is a MIME-encapsulated message.

--%[1]s
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.%[2]s.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<%[3]s>: %[4]s

--%[1]s
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.%[2]s
Arrival-Date: %[5]s

Final-Recipient: rfc822; %[3]s
Original-Recipient: rfc822; %[3]s
Action: %[6]s
Status: %[7]s
Diagnostic-Code: smtp; %[4]s

--%[1]s
Content-Type: text/rfc822-headers

From: %[8]s
To: %[3]s
Subject: %[9]s
Message-ID: <%[10]s>

--%[1]s--
`, boundary, domainOf(rcpt), rcpt, diag, in.Date.Format(time.RFC1123Z), action, status, in.From, in.Subject, in.MessageID)
	return message{
		from: "MAILER-DAEMON@mx." + domainOf(rcpt) + " (Mail Delivery System)", to: in.From,
		subject: "Undelivered Mail Returned to Sender", messageID: replyID(in, "dsn"), date: at, body: body,
		headers:     [][2]string{{"Auto-Submitted", "auto-replied"}},
		contentType: "multipart/report; report-type=delivery-status; boundary=\"" + boundary + "\"",
	}.bytes()
}

// OutOfOffice is an Exchange-style automatic reply naming a colleague.
func OutOfOffice(in Incoming, at time.Time, until, colleague string) []byte {
	body := fmt.Sprintf("I am out of the office until %s with limited access to email.\n"+
		"For urgent matters, please contact %s.\n", until, colleague)
	return message{
		from: in.To, to: in.From, subject: "Automatic reply: " + in.Subject, messageID: replyID(in, "oof"),
		inReplyTo: in.MessageID, date: at, body: body,
		headers: [][2]string{{"Auto-Submitted", "auto-replied"}, {"X-Auto-Response-Suppress", "All"}, {"X-MS-Exchange-Inbox-Rules-Loop", in.To}},
	}.bytes()
}

// FromUnknown is a registration sent from a personal address that is not in
// the contact list (it must go to review, never be applied).
func FromUnknown(in Incoming, at time.Time, from, text string) []byte {
	return message{
		from: from, to: strings.Split(in.ReplyTo, "+")[0] + "@" + domainOf(in.ReplyTo), subject: "Registration for the Intersessional Meetings",
		messageID: replyID(in, "unknown"), date: at, body: text + "\n",
	}.bytes()
}

// Plain is a short reply with the invitation quoted (corrections, withdrawals, declines).
func Plain(in Incoming, at time.Time, tag, text string) []byte {
	body := text + "\n\nOn " + in.Date.Format("Jan 2, 2006") + ", " + in.From + " wrote:\n" + quote(in.Text)
	return message{
		from: in.To, to: in.ReplyTo, subject: re(in.Subject, "Re:"), messageID: replyID(in, tag),
		inReplyTo: in.MessageID, date: at, body: body,
	}.bytes()
}

// CalendarReply is a delegate's calendar client answering an invitation
// (METHOD:REPLY), shaped as Outlook sends it.
func CalendarReply(in Incoming, at time.Time, uid string, sequence int, attendee, name, partstat string) []byte {
	word := map[string]string{"ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Tentative"}[partstat]
	ics := strings.Join([]string{
		"BEGIN:VCALENDAR",
		"METHOD:REPLY",
		"PRODID:Microsoft Exchange Server 2010",
		"VERSION:2.0",
		"BEGIN:VEVENT",
		"ATTENDEE;PARTSTAT=" + partstat + ";CN=\"" + name + "\":MAILTO:" + attendee,
		"UID:" + uid,
		fmt.Sprintf("SEQUENCE:%d", sequence),
		"DTSTAMP:" + at.UTC().Format("20060102T150405Z"),
		"ORGANIZER:MAILTO:" + strings.Split(in.ReplyTo, "+")[0] + "@" + domainOf(in.ReplyTo),
		"END:VEVENT",
		"END:VCALENDAR",
		"",
	}, "\r\n")
	boundary := "demo-boundary-cal"
	body := fmt.Sprintf("--%[1]s\nContent-Type: text/plain; charset=utf-8\n\n%[2]s\n\n--%[1]s\nContent-Type: text/calendar; charset=utf-8; method=REPLY\nContent-Transfer-Encoding: base64\n\n%[3]s\n--%[1]s--\n",
		boundary, word, wrap(base64.StdEncoding.EncodeToString([]byte(ics))))
	return message{
		from: fmt.Sprintf("%q <%s>", name, attendee), to: strings.Split(in.ReplyTo, "+")[0] + "@" + domainOf(in.ReplyTo),
		subject: word + ": " + strings.TrimPrefix(in.Subject, "Invitation: "), messageID: replyID(in, "cal-"+strings.ToLower(partstat)),
		date: at, body: body, contentType: "multipart/alternative; boundary=\"" + boundary + "\"",
	}.bytes()
}
