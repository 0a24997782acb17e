package inbox_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"convene/inbox"
)

// toCRLF ends every line with CRLF, as an IMAP server hands a message over
// (the files here end theirs with LF, or with a mix).
func toCRLF(raw []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}

// TestParseSameWithCRLF parses every message of testdata and of the shared
// corpora twice, as stored and with CRLF line ends, and wants the same
// result: what the watcher reads over IMAP must be understood as the files
// the other tests check.
func TestParseSameWithCRLF(t *testing.T) {
	var files []string
	for _, p := range []string{"testdata/*.eml", mailCorpus + "/*/*.eml", imipCorpus + "/*/*.eml", imipCorpus + "/*.eml"} {
		fs, _ := filepath.Glob(p)
		files = append(files, fs...)
	}
	if len(files) == 0 {
		t.Fatal("no messages")
	}
	n := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		a, errA := inbox.ParseBytes(raw, replyTo, inbox.Limits{})
		b, errB := inbox.ParseBytes(toCRLF(raw), replyTo, inbox.Limits{})
		if (errA == nil) != (errB == nil) {
			t.Errorf("%s: error %v as stored, %v with CRLF", f, errA, errB)
			continue
		}
		if errA != nil {
			continue
		}
		// Problems may name byte offsets, and the calendar parts are kept
		// raw, line ends and all; the rest must be equal.
		a.Problems, b.Problems = nil, nil
		for i := range b.Calendar {
			b.Calendar[i] = bytes.ReplaceAll(b.Calendar[i], []byte("\r\n"), []byte("\n"))
		}
		for i := range a.Calendar {
			a.Calendar[i] = bytes.ReplaceAll(a.Calendar[i], []byte("\r\n"), []byte("\n"))
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("%s: parsed differently with CRLF:\nas stored %s\nwith CRLF %s", f, ja, jb)
		}
		n++
	}
	t.Logf("%d messages parsed the same with CRLF line ends", n)
}
