package secretariat

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"convene/inbox"
	"convene/store"
)

// A reply that goes to review keeps what the desk shows: its text, date,
// attachments and the message itself (cut at reviewRawLimit).
func TestReviewKeepsMessage(t *testing.T) {
	ctx := t.Context()
	svc, _, db := exampleService(t, time.Date(2020, 5, 28, 9, 0, 0, 0, time.UTC))
	pdf := bytes.Repeat([]byte("%PDF-1.4 "), 500) // 4,500 bytes
	b64 := base64.StdEncoding.EncodeToString(pdf)
	var wrapped strings.Builder
	for len(b64) > 76 {
		wrapped.WriteString(b64[:76] + "\r\n")
		b64 = b64[76:]
	}
	wrapped.WriteString(b64 + "\r\n")
	raw := "From: attache@webmail.example\r\nTo: registrations@isu.example\r\nSubject: Our delegation\r\nDate: Thu, 28 May 2020 10:30:00 +0200\r\n" +
		"Message-ID: <pdf1@webmail.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n" +
		"--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n" +
		"--inner\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease find our delegation attached.\r\n<script>alert(1)</script>\r\n" +
		"--inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p onclick=\"x()\">Please find our delegation attached.</p><script>alert(1)</script>\r\n--inner--\r\n" +
		"--outer\r\nContent-Type: application/pdf; name=\"delegation.pdf\"\r\nContent-Disposition: attachment; filename=\"delegation.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		wrapped.String() + "--outer--\r\n"
	err := db.Update(ctx, func(tx *store.Tx) error {
		d, err := svc.Handle(ctx, tx, inbox.Fetched{Mailbox: "INBOX", UID: 9, Raw: []byte(raw)})
		if d != inbox.Review {
			t.Errorf("disposition %v, want review", d)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	items, total, err := (&Dashboard{s: svc}).Review(ctx, 0, 10)
	if err != nil || total != 1 || len(items) != 1 {
		t.Fatalf("Review = %+v, %d, %v", items, total, err)
	}
	it := items[0]
	if !strings.Contains(it.Text, "Please find our delegation attached.") || it.Date.IsZero() || it.Summary != "Our delegation" || !it.HasMessage {
		t.Errorf("item = %+v", it)
	}
	if len(it.Attachments) != 1 || it.Attachments[0].Name != "delegation.pdf" || it.Attachments[0].Type != "application/pdf" || it.Attachments[0].Size != len(pdf) {
		t.Errorf("attachments = %+v, want delegation.pdf of %d bytes", it.Attachments, len(pdf))
	}
	got, err := (&Dashboard{s: svc}).ReviewMessage(ctx, 1)
	if err != nil || string(got) != raw {
		t.Errorf("ReviewMessage = %d bytes, %v; want the message as received", len(got), err)
	}
	// The attachment downloads decoded, as the sender attached it.
	a, data, err := (&Dashboard{s: svc}).ReviewAttachment(ctx, 1, 0)
	if err != nil || a.Name != "delegation.pdf" || !bytes.Equal(data, pdf) {
		t.Errorf("ReviewAttachment = %+v, %d bytes, %v; want delegation.pdf as attached", a, len(data), err)
	}
	if _, _, err := (&Dashboard{s: svc}).ReviewAttachment(ctx, 1, 1); err == nil {
		t.Error("ReviewAttachment of a part that is not there: no error")
	}
}

func TestAttachmentDecoded(t *testing.T) {
	raw := "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n" +
		"--b\r\nContent-Type: text/csv; name=list.csv\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nName,E-mail\r\nZo=C3=AB,z@x.example=\r\n\r\n" +
		"--b\r\nContent-Type: application/octet-stream; name=b.bin\r\n\r\nraw bytes\r\n--b--\r\n"
	for n, want := range []string{"Name,E-mail\r\nZoë,z@x.example", "raw bytes"} {
		a, data, ok := attachmentData([]byte(raw), n)
		if !ok || string(data) != want || a.Size != len(want) {
			t.Errorf("attachment %d = %+v %q, %v; want %q", n, a, data, ok, want)
		}
	}
	if _, _, ok := attachmentData([]byte(raw), 2); ok {
		t.Error("a third attachment")
	}
}

func TestListAttachmentsBounded(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want int
	}{
		{"plain text", "Subject: x\r\n\r\nhello\r\n", 0},
		{"not a message", "\x00\x01", 0},
		{"no boundary", "Content-Type: multipart/mixed\r\n\r\n--x\r\n", 0},
		{"inline image", "Content-Type: multipart/related; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b\r\nContent-Type: image/png\r\n\r\nPNG\r\n--b--\r\n", 1},
		{"many parts", "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Repeat("--b\r\nContent-Type: application/octet-stream; name=a\r\n\r\nx\r\n", 5000) + "--b--\r\n", reviewMaxParts - 1},
		{"deep", deep(50), 0},
		{"not too deep", deep(reviewMaxDepth - 1), 1},
	}
	for _, tt := range tests {
		if got := listAttachments([]byte(tt.raw)); len(got) != tt.want {
			t.Errorf("%s: listAttachments = %d parts %+v, want %d", tt.name, len(got), got, tt.want)
		}
	}
}

// deep nests a PDF n multiparts deep.
func deep(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: application/pdf; name=a.pdf\r\n\r\nx\r\n")
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.String()
}
