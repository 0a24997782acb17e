package inbox_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"convene/inbox"
)

// csvRows is a CSV file of n delegates at arcadia-mfa.example.
func csvRows(n int) string {
	var b strings.Builder
	b.WriteString("Name,Title,Email\r\n")
	for i := range n {
		fmt.Fprintf(&b, "Mr. Delegate Number%d,Adviser,delegate.number%d@arcadia-mfa.example\r\n", i, i)
	}
	return b.String()
}

// withCSV is a reply with a short text and the CSV file attached.
func withCSV(csv string) []byte {
	return []byte("From: \"Roe, Jane\" <jane.roe@arcadia-mfa.example>\r\nTo: registrations+k7qmzt4x@isu.example\r\nSubject: Re: Invitation\r\n" +
		"Message-ID: <csv@arcadia-mfa.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease find our delegation attached.\r\n" +
		"--b\r\nContent-Type: text/csv; name=\"delegation.csv\"\r\nContent-Disposition: attachment; filename=\"delegation.csv\"\r\n\r\n" +
		csv + "\r\n--b--\r\n")
}

// withBody is a reply whose body is text of type ctype.
func withBody(ctype, body string) []byte {
	return []byte("From: \"Roe, Jane\" <jane.roe@arcadia-mfa.example>\r\nTo: registrations+k7qmzt4x@isu.example\r\nSubject: Re: Invitation\r\n" +
		"Message-ID: <body@arcadia-mfa.example>\r\nMIME-Version: 1.0\r\nContent-Type: " + ctype + "; charset=utf-8\r\n\r\n" + body)
}

func htmlTable(n int) string {
	var b strings.Builder
	b.WriteString("<html><body><p>Our delegation:</p><table><tr><th>Name</th><th>Title</th><th>Email</th></tr>\n")
	for i := range n {
		fmt.Fprintf(&b, "<tr><td>Mr. Delegate Number%d</td><td>Adviser</td><td>delegate.number%d@arcadia-mfa.example</td></tr>\n", i, i)
	}
	b.WriteString("</table></body></html>\n")
	return b.String()
}

// TestNothingCutSilently checks that whatever is left unread (text, a CSV
// file, an HTML table, rows beyond limits.attachment_rows) or a delegate
// left without a name sends the reply to review, saying why, and that no
// address is ever read from half a row.
func TestNothingCutSilently(t *testing.T) {
	longText := "Dear colleagues,\n\nName: H.E. Mr. John Smith\nTitle: Ambassador\nEmail: j.smith@arcadia-mfa.example\n\n" +
		strings.Repeat("The delegation of Arcadia thanks the secretariat for its kind invitation and its support.\n", 300<<10/88)
	tests := []struct {
		name   string
		raw    []byte
		lim    inbox.Limits
		reason string // "": no review for this (the reason must not mention what was cut)
	}{
		{"CSV over 256 KiB, cut between rows", withCSV(csvRows(4000)), inbox.Limits{AttachmentRows: 100000}, "CSV longer than 262144 bytes"},
		{"CSV rows beyond attachment_rows (200)", withCSV(csvRows(250)), inbox.Limits{}, "beyond limits.attachment_rows (200)"},
		{"CSV rows beyond a configured attachment_rows", withCSV(csvRows(30)), inbox.Limits{AttachmentRows: 20}, "beyond limits.attachment_rows (20)"},
		{"CSV rows within attachment_rows", withCSV(csvRows(150)), inbox.Limits{}, ""},
		{"CSV without a header row", withCSV("Mr. A B,Adviser,a.b@arcadia-mfa.example\r\n"), inbox.Limits{}, "no header row"},
		{"text over 256 KiB", withBody("text/plain", longText), inbox.Limits{}, "text longer than 262144 bytes"},
		{"text over 1 MB", withBody("text/plain", longText+strings.Repeat("x", 1<<20)), inbox.Limits{}, "text longer than 1048576 bytes"},
		{"HTML table of 20,000 rows", withBody("text/html", htmlTable(20000)), inbox.Limits{}, "not read"},
		{"HTML table beyond attachment_rows", withBody("text/html", htmlTable(250)), inbox.Limits{}, "beyond limits.attachment_rows (200)"},
		{"HTML table within attachment_rows", withBody("text/html", htmlTable(12)), inbox.Limits{}, ""},
		{"a name that is all markup", withBody("text/plain", "Name: <b></b>\nTitle: Adviser\nEmail: a.b@arcadia-mfa.example\n"), inbox.Limits{}, "a delegate without a name (a.b@arcadia-mfa.example)"},
		{"a name that is punctuation", withBody("text/plain", "Name: **\nEmail: a.b@arcadia-mfa.example\n"), inbox.Limits{}, "a delegate without a name"},
		{"a CSV name that is markup", withCSV("Name,Title,Email\r\n<b></b>,Adviser,a.b@arcadia-mfa.example\r\n"), inbox.Limits{}, "a delegate without a name"},
		{"a named delegate", withBody("text/plain", "Name: Ms. Ann Bell\nEmail: a.b@arcadia-mfa.example\n"), inbox.Limits{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := tt.lim
			lim.MaxTime = time.Hour // the cases are about limits that count, not the clock (TestParseTimeBudget tests that one)
			m, err := inbox.Parse(bytes.NewReader(tt.raw), "registrations@isu.example", lim)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range m.Delegates {
				if d.Email != "" && !strings.HasSuffix(d.Email, "@arcadia-mfa.example") {
					t.Errorf("delegate %+v: an address read from half a row", d)
				}
			}
			if tt.reason == "" {
				for _, w := range []string{"not read", "without a name", "attachment_rows"} {
					if strings.Contains(m.ReviewReason, w) {
						t.Errorf("review reason %q, want nothing cut", m.ReviewReason)
					}
				}
				if len(m.Delegates) == 0 {
					t.Errorf("no delegates read")
				}
				return
			}
			if !m.NeedsReview || !strings.Contains(m.ReviewReason, tt.reason) {
				t.Errorf("needs_review %v, reason %q; want review saying %q (problems %q)", m.NeedsReview, m.ReviewReason, tt.reason, m.Problems)
			}
			found := false
			for _, p := range m.Problems {
				found = found || strings.Contains(p, tt.reason)
			}
			if !found {
				t.Errorf("problems %q, want one saying %q", m.Problems, tt.reason)
			}
		})
	}
}
