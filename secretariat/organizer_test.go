package secretariat

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/calendar"
	"convene/mailer"
	"convene/meeting"
)

// The REQUESTs Google's and Microsoft's own servers and clients send, from
// the shared corpus (../shared/corpus/imip, PROVENANCE.md).
var organizerCorpus = []string{
	"google_request_meet.eml",
	"google_request_vtimezone.eml",
	"exchange-online_request.eml",
	"exchange-online_request_teams.eml",
	"office365_request_skype_multipart-related.eml",
	"exchange2007_request.eml",
	"exchange2010_request_recurring.eml",
	"exchange-cdo_request_zoom_sent-by.eml",
}

// organizerAgrees checks the rule every message of organizerCorpus keeps:
// From is the ORGANIZER (same address; the same name when both give one),
// and a Sender header that differs from From is the ORGANIZER's SENT-BY
// when there is one (Exchange sending for another) or a robot of the
// provider without SENT-BY (Google's calendar-notification@). A SENT-BY
// comes with that Sender.
func organizerAgrees(raw []byte) error {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	var dec mime.WordDecoder
	hdr := func(k string) (*mail.Address, error) {
		v := msg.Header.Get(k)
		if v == "" {
			return nil, nil
		}
		p := mail.AddressParser{WordDecoder: &dec}
		return p.Parse(v)
	}
	from, err := hdr("From")
	if err != nil || from == nil {
		return fmt.Errorf("From %q: %v", msg.Header.Get("From"), err)
	}
	sender, err := hdr("Sender")
	if err != nil {
		return err
	}
	cal, err := calendarPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	if err != nil {
		return err
	}
	if cal == nil {
		return fmt.Errorf("no text/calendar part")
	}
	params, addr, ok := organizerLine(cal)
	if !ok {
		return fmt.Errorf("no ORGANIZER")
	}
	if !strings.EqualFold(addr, from.Address) {
		return fmt.Errorf("ORGANIZER %s, From %s", addr, from.Address)
	}
	if cn := params["CN"]; cn != "" && from.Name != "" && cn != from.Name && !strings.EqualFold(cn, from.Address) {
		return fmt.Errorf("ORGANIZER CN %q, From name %q", cn, from.Name)
	}
	sentBy := strings.TrimPrefix(strings.ToLower(params["SENT-BY"]), "mailto:")
	switch {
	case sentBy != "" && (sender == nil || !strings.EqualFold(sender.Address, sentBy)):
		return fmt.Errorf("SENT-BY %s without that Sender (%v)", sentBy, sender)
	case sender != nil && !strings.EqualFold(sender.Address, from.Address) && sentBy == "" && !strings.HasSuffix(sender.Address, "@google.com"):
		return fmt.Errorf("Sender %s differs from From %s without SENT-BY", sender.Address, from.Address)
	}
	return nil
}

// calendarPart returns the first text/calendar (or application/ics) body,
// decoded, walking nested multiparts.
func calendarPart(ctype, cte string, body io.Reader) ([]byte, error) {
	mt, ps, err := mime.ParseMediaType(ctype)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(body, ps["boundary"])
		for {
			p, err := r.NextRawPart()
			if err == io.EOF {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			b, err := calendarPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			if b != nil || err != nil {
				return b, err
			}
		}
	}
	if mt != "text/calendar" && mt != "application/ics" {
		return nil, nil
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), ""))
	case "quoted-printable":
		return io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
	}
	return b, nil
}

// organizerLine returns the ORGANIZER's parameters (names upper-cased,
// quotes removed) and address.
func organizerLine(cal []byte) (map[string]string, string, bool) {
	text := strings.NewReplacer("\r\n ", "", "\r\n\t", "", "\n ", "", "\n\t", "").Replace(string(cal))
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if !strings.HasPrefix(strings.ToUpper(l), "ORGANIZER") {
			continue
		}
		var fields []string // split at ; and the first : outside quotes
		quoted, start, value := false, 0, ""
		for i := 0; i < len(l); i++ {
			switch c := l[i]; {
			case c == '"':
				quoted = !quoted
			case !quoted && c == ';':
				fields, start = append(fields, l[start:i]), i+1
			case !quoted && c == ':':
				fields, value = append(fields, l[start:i]), l[i+1:]
				i = len(l)
			}
		}
		params := map[string]string{}
		for _, f := range fields[1:] {
			k, v, _ := strings.Cut(f, "=")
			params[strings.ToUpper(k)] = strings.Trim(v, `"`)
		}
		addr := value
		if len(addr) > 7 && strings.EqualFold(addr[:7], "mailto:") {
			addr = addr[7:]
		}
		return params, addr, true
	}
	return nil, "", false
}

// TestOrganizerAsGoogleAndMicrosoft: the corpus's Google and Microsoft
// invitations keep one rule (From is the ORGANIZER; SENT-BY only with a
// Sender, for mail sent on another's behalf), and convene's calendar mail,
// sent by the secretariat for itself, keeps it the same way: From the
// ORGANIZER with its CN, no SENT-BY, no Sender; Reply-To the sender's
// address for people.
func TestOrganizerAsGoogleAndMicrosoft(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "corpus", "imip")
	if _, err := os.Stat(dir); err == nil {
		for _, name := range organizerCorpus {
			raw, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := organizerAgrees(raw); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		// The rule is not vacuous: a From that is not the ORGANIZER fails.
		raw, _ := os.ReadFile(filepath.Join(dir, organizerCorpus[2]))
		bad := bytes.Replace(raw, []byte("From: Marge <marge@example.org>"), []byte("From: Robot <robot@example.org>"), 1)
		if organizerAgrees(bad) == nil {
			t.Errorf("a From other than the ORGANIZER passes")
		}
	} else {
		t.Logf("no corpus at %s: checking convene's messages only", dir)
	}

	svc, m, _ := exampleService(t, time.Date(2020, 6, 5, 9, 0, 0, 0, time.UTC))
	if strings.EqualFold(m.Sender.Address, calendar.Organizer(m)) {
		t.Fatalf("the example's sender and ORGANIZER are both %s: the test would not see From taken from the wrong one", m.Sender.Address)
	}
	a5, _ := m.Session("article-5")
	del := meeting.Delegate{Name: "Pedro Gómez", Email: "pedro@freedonia.example"}
	for _, a := range []calendar.Action{
		{Kind: calendar.KindRequest, Delegate: del, Lang: meeting.ES, EventID: a5.ID, UID: calendar.UID(m, a5.ID), Shown: calendar.ShownOf(m, a5, meeting.ES)},
		{Kind: calendar.KindCancel, Withdrawn: true, Delegate: del, Lang: meeting.ES, EventID: a5.ID, UID: calendar.UID(m, a5.ID), Sequence: 1, Shown: calendar.ShownOf(m, a5, meeting.ES)},
	} {
		o, err := svc.inviteOutgoing(svc.config(), a, "Permanent Mission of Freedonia")
		if err != nil {
			t.Fatal(err)
		}
		o.Message.MessageID = "test-" + a.Kind + "@isu.example"
		raw, err := mailer.Render(o.Message)
		if err != nil {
			t.Fatal(err)
		}
		if err := organizerAgrees(raw); err != nil {
			t.Errorf("%s: %v", a, err)
		}
		msg, _ := mail.ReadMessage(bytes.NewReader(raw))
		if s := msg.Header.Get("Sender"); s != "" {
			t.Errorf("%s: Sender %q: the secretariat sends for itself", a, s)
		}
		if r := msg.Header.Get("Reply-To"); !strings.Contains(r, m.Sender.Address) {
			t.Errorf("%s: Reply-To %q, want the sender's address %s", a, r, m.Sender.Address)
		}
		if bytes.Contains(o.Message.Calendar.Data, []byte("SENT-BY")) {
			t.Errorf("%s: SENT-BY in\n%s", a, o.Message.Calendar.Data)
		}
	}
}
