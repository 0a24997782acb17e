package calendar

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ics "github.com/arran4/golang-ical"
)

const corpusDir = "../../shared/corpus/imip"

// calendarParts walks a message's MIME tree (multipart/*, message/rfc822)
// and returns the decoded text/calendar, application/ics and *.ics parts.
func calendarParts(raw []byte) ([][]byte, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	var out [][]byte
	err = walkPart(textproto.MIMEHeader(msg.Header), msg.Body, &out, 0)
	return out, err
}

func walkPart(h textproto.MIMEHeader, body io.Reader, out *[][]byte, depth int) error {
	if depth > 10 {
		return errors.New("too deep")
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	}
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walkPart(p.Header, p, out, depth+1); err != nil {
				return err
			}
		}
	case mt == "message/rfc822":
		b, err := io.ReadAll(decode(h, body))
		if err != nil {
			return err
		}
		msg, err := mail.ReadMessage(bytes.NewReader(b))
		if err != nil {
			return nil // not a message after all
		}
		return walkPart(textproto.MIMEHeader(msg.Header), msg.Body, out, depth+1)
	}
	name := params["name"]
	if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && dp["filename"] != "" {
		name = dp["filename"]
	}
	if mt == "text/calendar" || mt == "application/ics" || strings.HasSuffix(strings.ToLower(name), ".ics") {
		b, err := io.ReadAll(decode(h, body))
		if err != nil {
			return err
		}
		*out = append(*out, b)
	}
	return nil
}

func decode(h textproto.MIMEHeader, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &stripSpace{r: bufio.NewReader(r)})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// stripSpace drops the line breaks between base64 lines.
type stripSpace struct{ r *bufio.Reader }

func (s *stripSpace) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c, err := s.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if c == '\r' || c == '\n' || c == ' ' || c == '\t' {
			continue
		}
		p[n] = c
		n++
	}
	return n, nil
}

// corpusCalendars returns every calendar body of the corpus, by file name.
func corpusCalendars(t testing.TB) map[string][][]byte {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*"))
	if len(files) == 0 {
		t.Skipf("no corpus at %s", corpusDir)
	}
	out := map[string][][]byte{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(f)
		switch filepath.Ext(f) {
		case ".ics":
			out[base] = [][]byte{raw}
		case ".eml":
			parts, err := calendarParts(raw)
			if err != nil {
				t.Errorf("%s: MIME: %v", base, err)
			}
			out[base] = parts
		}
	}
	return out
}

func TestCorpusReplies(t *testing.T) {
	cals := corpusCalendars(t)
	// What each REPLY and COUNTER sample must yield (from the file names and
	// a reading of the samples).
	want := map[string]struct {
		method, attendee, partstat string
		proposal                   bool
	}{
		"android_reply_accepted.eml":                {MethodReply, "david.phan@blue-mind.net", "ACCEPTED", false},
		"apple-ical3_reply_accepted_attachment.eml": {MethodReply, "xyzzy@example.com", "ACCEPTED", false},
		"apple-ios_reply_accepted_fr.eml":           {MethodReply, "admin@willow.vmw", "ACCEPTED", false},
		"apple-ios_reply_tentative_fr.eml":          {MethodReply, "admin@willow.vmw", "TENTATIVE", false},
		"apple-ios_reply_proposed-new-time.ics":     {MethodReply, "david@b-m.lan", "TENTATIVE", true},
		"google_reply_accepted.eml":                 {MethodReply, "tcataldo@gmail.com", "ACCEPTED", false},
		"google_reply_declined.eml":                 {MethodReply, "tcataldo@gmail.com", "DECLINED", false},
		"google_reply_accepted_fr-qp.eml":           {MethodReply, "marieg@isynet.org", "ACCEPTED", false},
		"google_counter_mime-method-reply.eml":      {MethodCounter, "max@gmail.com", "TENTATIVE", true},
		"outlook-mac_reply_accepted.eml":            {MethodReply, "admin@willow.vmw", "ACCEPTED", false},
		"outlook-mac_reply_declined.eml":            {MethodReply, "tom@willow.vmw", "DECLINED", false},
		"outlook-mac_reply_tentative.eml":           {MethodReply, "tom@willow.vmw", "TENTATIVE", false},
		"thunderbird-lightning_reply_accepted.ics":  {MethodReply, "alice@linagora.com", "ACCEPTED", false},
		"bluemind_counter.ics":                      {MethodCounter, "user1@domain.lan", "NEEDS-ACTION", true},
	}
	var parts, parsed, notReply, replyFiles, right, strict int
	for name, bodies := range cals {
		w, isReply := want[name]
		if isReply {
			replyFiles++
		}
		var got []Reply
		for _, b := range bodies {
			parts++
			if _, err := ics.ParseCalendar(bytes.NewReader(b)); err != nil {
				strict++
			}
			rs, err := ParseReplies(b)
			switch {
			case errors.Is(err, ErrNotReply):
				notReply++
				if isReply {
					t.Errorf("%s: %v", name, err)
				}
			case err != nil:
				t.Errorf("%s: ParseReplies: %v", name, err)
			default:
				parsed++
				got = append(got, rs...)
			}
		}
		if strings.HasPrefix(name, "NEGATIVE_") {
			if len(got) != 0 {
				t.Errorf("%s: replies from a REPLY without ATTENDEE: %+v", name, got)
			}
			continue
		}
		if !isReply {
			if len(got) != 0 {
				t.Errorf("%s: not a reply sample but ParseReplies found %+v", name, got)
			}
			continue
		}
		if len(got) == 0 {
			t.Errorf("%s: no reply found", name)
			continue
		}
		// Every reply must be well formed; the expected attendee must be among
		// them (the Google COUNTER sample's attachment names another attendee
		// than its inline part).
		ok, found := true, w.attendee == ""
		for _, r := range got {
			if r.Method != w.method || r.UID == "" || (w.partstat != "" && r.Partstat != w.partstat) ||
				!strings.Contains(r.Attendee, "@") || strings.Contains(strings.ToLower(r.Attendee), "mailto") {
				ok = false
				t.Errorf("%s: got %+v, want method %s partstat %s", name, r, w.method, w.partstat)
			}
			found = found || r.Attendee == w.attendee
		}
		if !found {
			ok = false
			t.Errorf("%s: attendee %q not among %+v", name, w.attendee, got)
		}
		if w.proposal && got[0].ProposedStart.IsZero() {
			ok = false
			t.Errorf("%s: no proposed start in %+v", name, got[0])
		}
		if ok {
			right++
		}
		t.Logf("%s: %s %s %s seq=%d org=%q proposed=%v comment=%q", name, got[0].Method, got[0].Attendee, got[0].Partstat, got[0].Sequence, got[0].Organizer, got[0].ProposedStart, got[0].Comment)
	}
	if replyFiles != len(want) {
		t.Errorf("%d of the %d expected reply samples are in the corpus", replyFiles, len(want))
	}
	t.Logf("score: %d calendar parts in %d files (golang-ical alone rejects %d); %d parsed as REPLY/COUNTER, %d other methods; %d/%d reply samples with the right attendee and PARTSTAT",
		parts, len(cals), strict, parsed, notReply, right, len(want))
}
