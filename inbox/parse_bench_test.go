package inbox_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"convene/inbox"
)

// generatedMessage is a plain-text message of about size bytes of prose
// lines, like the shared scripts/mail-gen writes for the ingest benchmark.
func generatedMessage(n, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Sender %d <sender@example.net>\nTo: <isu@example.org>\nSubject: Test message %d\n"+
		"Date: Fri, 27 Nov 2026 00:30:59 +0000\nMessage-ID: <%d.1795739459@mail-gen.example>\nMIME-Version: 1.0\n"+
		"Content-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n", n, n, n)
	line := strings.Repeat("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 ", 2)[:75] + "\n"
	for b.Len()+len(line) <= size {
		b.WriteString(line)
	}
	return b.Bytes()
}

// proseMessage is a plain-text reply of about size bytes of sentences
// wrapped at 72 columns: the shape of a long message written by a person.
func proseMessage(size int) []byte {
	var b bytes.Buffer
	b.WriteString("From: \"Roe, Jane\" <jane.roe@arcadia-mfa.example>\nTo: registrations+k7qmzt4x@isu.example\n" +
		"Subject: Re: Intersessional Meetings 2020\nDate: Mon, 8 Jun 2020 11:00:00 +0200\nMessage-ID: <prose@arcadia-mfa.example>\n" +
		"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nDear colleagues,\n\n")
	words := strings.Fields("the delegation of Arcadia would like to thank the secretariat for its kind invitation to the " +
		"intersessional meetings of 2020 and wishes to inform you that it will be represented at the level of " +
		"ambassador while the experts will follow the work of the meetings from the capital on 12 June")
	col := 0
	for k := 0; b.Len() < size; k++ {
		w := words[k%len(words)]
		if col+len(w) > 72 {
			b.WriteByte('\n')
			col = 0
		} else if col > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += len(w)
		if k%37 == 36 {
			b.WriteString(".\n\n")
			col = 0
		}
	}
	b.WriteString("\n\nBest regards,\nJane Roe\n")
	return b.Bytes()
}

// longThread is a reply above a quoted history of depth replies, each
// quoting the one before with '>' and an attribution line.
func longThread(depth int) []byte {
	var hist []string
	for d := 0; d < depth; d++ {
		var part []string
		part = append(part, fmt.Sprintf("Message %d of the thread: the mission of Arcadia confirms the arrangements for the", d),
			"meeting and asks whether the room will be available in the afternoon of 12 June.", "",
			"Name: Mr. Paul Green", "Title: Counsellor", "Email: p.green@arcadia-mfa.example", "",
			"Best regards,", "Paul Green", "")
		part = append(part, fmt.Sprintf("On Mon, %d Jun 2020 at 10:%02d, ISU Secretariat <registrations@isu.example> wrote:", 1+d%28, d%60))
		for _, l := range hist {
			part = append(part, "> "+l)
		}
		hist = part
	}
	var b bytes.Buffer
	b.WriteString("From: \"Roe, Jane\" <jane.roe@arcadia-mfa.example>\nTo: registrations+k7qmzt4x@isu.example\n" +
		"Subject: Re: Re: Re: Intersessional Meetings 2020\nDate: Mon, 8 Jun 2020 11:00:00 +0200\nMessage-ID: <thread@arcadia-mfa.example>\n" +
		"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" +
		"Dear colleagues,\n\nOur delegation:\n\nName: H.E. Mr. John Smith\nTitle: Ambassador\nEmail: j.smith@arcadia-mfa.example\n\n" +
		"Best regards,\nJane Roe\n\nOn Tue, 9 Jun 2020 at 09:00, ISU Secretariat <registrations@isu.example> wrote:\n")
	for _, l := range hist {
		b.WriteString("> " + l + "\n")
	}
	return b.Bytes()
}

func benchParse(b *testing.B, msgs [][]byte) {
	b.Helper()
	var size int64
	for _, m := range msgs {
		size += int64(len(m))
	}
	b.SetBytes(size / int64(len(msgs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := inbox.Parse(bytes.NewReader(msgs[i%len(msgs)]), replyTo, inbox.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse measures Parse per message: the realistic replies, bounces
// and auto-replies of testdata (one op is one message, in turn), the
// generated 20 KB messages of the ingest benchmark, a 20 KB message of
// prose, and a reply above a long quoted thread.
func BenchmarkParse(b *testing.B) {
	b.Run("testdata", func(b *testing.B) {
		files, _ := filepath.Glob("testdata/*.eml")
		var msgs [][]byte
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			msgs = append(msgs, data)
		}
		if len(msgs) == 0 {
			b.Fatal("no testdata/*.eml")
		}
		benchParse(b, msgs)
	})
	b.Run("generated-20KB", func(b *testing.B) {
		benchParse(b, [][]byte{generatedMessage(1, 20000), generatedMessage(2, 20000)})
	})
	// IMAP servers hand messages over with CRLF line ends.
	b.Run("generated-20KB-CRLF", func(b *testing.B) {
		benchParse(b, [][]byte{toCRLF(generatedMessage(1, 20000)), toCRLF(generatedMessage(2, 20000))})
	})
	b.Run("prose-20KB", func(b *testing.B) {
		benchParse(b, [][]byte{proseMessage(20000)})
	})
	b.Run("thread-depth-30", func(b *testing.B) {
		benchParse(b, [][]byte{longThread(30)})
	})
}
