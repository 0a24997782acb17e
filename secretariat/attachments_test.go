package secretariat

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"convene/inbox"
	"convene/store"
)

// TestAttachedListThroughHandle: a reply whose list is only in an attached
// workbook registers the delegates and confirms; one with a scanned note
// verbale goes to review naming the file; Outlook's meeting forward
// notification goes to review with who forwarded the invitation to whom.
func TestAttachedListThroughHandle(t *testing.T) {
	f := excelize.NewFile()
	rows := [][]any{{"Name", "Title", "Email"}, {"Ms. Jane Roe", "First Secretary", "jane.roe@arcadia-mfa.example"}, {"Mr. John Doe", "Counsellor", "john.doe@arcadia-mfa.example"}}
	for r, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var xlsx bytes.Buffer
	if err := f.Write(&xlsx); err != nil {
		t.Fatal(err)
	}
	withFile := func(tok, id, name, ct string, data []byte) []byte {
		return []byte("From: mission@arcadia-mfa.example\r\nTo: registrations+" + tok + "@isu.example\r\nSubject: RE: Invitation\r\nMessage-ID: <" + id + "@arcadia-mfa.example>\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease find our delegation attached.\r\n" +
			"--b\r\nContent-Type: " + ct + "; name=\"" + name + "\"\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			base64.StdEncoding.EncodeToString(data) + "\r\n--b--\r\n")
	}
	scan := []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n")
	scan = append(scan, []byte("xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n"+itoa(int64(len(scan)))+"\n%%EOF\n")...)
	mfn := []byte("From: Jane Roe <jane.roe@arcadia-mfa.example>\r\nTo: isu@isu.example\r\nSubject: Meeting Forward Notification: Committee on Article 5 Implementation\r\nMessage-ID: <mfn@arcadia-mfa.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Your meeting was forwarded\r\n\r\nJane Roe has forwarded your meeting request to additional recipients.\r\n\r\nMeeting\r\n\r\nCommittee on Article 5 Implementation\r\n\r\nMeeting Time\r\n\r\nWednesday, July 1, 2020 3:30 PM-5:00 PM.\r\n\r\nRecipients\r\n\r\nPaul Martin <paul.martin@arcadia-mfa.example>\r\n")

	svc, _, db := exampleService(t, time.Date(2020, 6, 10, 8, 0, 0, 0, time.UTC))
	tok := svc.config().tokens["Permanent Mission of Arcadia"]
	for _, tc := range []struct {
		name   string
		raw    []byte
		want   inbox.Disposition
		reason []string
	}{
		{"xlsx", withFile(tok, "x1", "Delegation.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx.Bytes()), inbox.Processed, nil},
		{"scan", withFile(tok, "x2", "NV scan.pdf", "application/pdf", scan), inbox.Review, []string{"NV scan.pdf", "a PDF without text (a scan)"}},
		{"forward notification", mfn, inbox.Review, []string{"meeting forward notification", "Paul Martin <paul.martin@arcadia-mfa.example>", "Wednesday, July 1, 2020 3:30 PM-5:00 PM"}},
	} {
		var got inbox.Disposition
		if err := db.Update(t.Context(), func(tx *store.Tx) (err error) {
			got, err = svc.Handle(t.Context(), tx, inbox.Fetched{Raw: tc.raw})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s: disposition %v, want %v", tc.name, got, tc.want)
		}
		if len(tc.reason) > 0 {
			items, _ := db.ReviewItems(t.Context(), false)
			last := items[len(items)-1].Reason
			for _, w := range tc.reason {
				if !strings.Contains(last, w) {
					t.Errorf("%s: reason %q lacks %q", tc.name, last, w)
				}
			}
		}
	}
	ds, _ := db.Delegates(t.Context(), "Permanent Mission of Arcadia", false)
	if len(ds) != 2 {
		t.Errorf("delegates from the workbook: %+v, want 2", ds)
	}
	if ds, _ := db.Delegates(t.Context(), "", false); len(ds) != 2 {
		t.Errorf("the forward notification registered someone: %+v", ds)
	}
}
