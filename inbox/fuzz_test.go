package inbox_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"

	"convene/inbox"
)

// maxFuzzInput caps what the fuzzers feed in: the parsers' time must stay
// bounded on any input of this size.
const maxFuzzInput = 64 << 10

func seedFiles(f *testing.F, patterns ...string) {
	for _, p := range patterns {
		files, _ := filepath.Glob(p)
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err == nil && len(data) <= maxFuzzInput {
				f.Add(data)
			}
		}
	}
}

// FuzzParse checks that Parse never panics, never fails on a readable
// message, and returns a consistent classification.
func FuzzParse(f *testing.F) {
	seedFiles(f, "testdata/*.eml",
		filepath.Join(mailCorpus, "*", "*.eml"), filepath.Join(imipCorpus, "*.eml"))
	f.Add([]byte("From: a@b.example\r\n\r\nName: Mr. A B\r\nEmail: a@b.example\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return
		}
		start := time.Now()
		m, err := inbox.Parse(bytes.NewReader(data), "registrations@isu.example", inbox.Limits{MaxSize: maxFuzzInput})
		if d := time.Since(start); fuzzing() && d > fuzzSlow {
			t.Fatalf("Parse took %v on %d bytes", d, len(data))
		}
		if err != nil {
			if len(bytes.TrimSpace(data)) != 0 {
				t.Fatalf("Parse: %v", err)
			}
			return
		}
		switch m.Kind {
		case inbox.KindRegistration:
			if len(m.Delegates)+len(m.Withdrawn)+len(m.Replaced) == 0 && !m.Declined {
				t.Errorf("registration without content")
			}
		case inbox.KindBounce:
			if m.Bounce == nil {
				t.Errorf("bounce without Bounce")
			}
		case inbox.KindAutoReply:
			if m.AutoReply == nil {
				t.Errorf("auto-reply without AutoReply")
			}
		case inbox.KindCalendarReply:
			if len(m.Calendar) == 0 {
				t.Errorf("calendar reply without a calendar part")
			}
		case inbox.KindOther:
			if !m.NeedsReview || m.ReviewReason == "" {
				t.Errorf("other without a review reason")
			}
		default:
			t.Errorf("unknown Kind %q", m.Kind)
		}
		if !utf8.ValidString(m.Body) {
			t.Errorf("Body is not UTF-8")
		}
		// the careful reader's property: in review, or every address of
		// the new text accounted for
		checkAccounted(t, m)
	})
}

// FuzzRegistration checks that the text parser never panics and returns
// only delegates with a name or an address.
func FuzzRegistration(f *testing.F) {
	for _, s := range []string{
		"Name: H.E. Mr. John Smith\nTitle: Ambassador\nEmail: j.smith@arcadia.example\n",
		"H.E. Mr. John Smith, Ambassador, j.smith@x.example; Ms. Jane Roe, First Secretary, jane.roe@x.example",
		"DOE, Jane (Ms.), Counsellor, jane.doe@mission.example",
		"Nom | Fonction | Courriel\nM. Paul Girard | Premier secrétaire | paul.girard@x.example",
		"Please replace Mr. John Smith by Ms. Jane Roe, jane.roe@x.example",
		"M. Jean Dupont ne participera plus.",
		"Lamentablemente, nuestra delegación no participará.",
		"Mr. John Smith will be replaced by:\nName: Mr. Paul Green\nEmail: p.green@x.example",
		// the careful reader's cases (careful_test.go)
		"- M. Omar Sarr, Deuxième Secrétaire, courriel : o.sarr@x.example.\n- Mme Aïssatou Faye (a.faye@x.example)",
		"Ms. Jane Roe - First Secretary -\njane.roe@x.example\nSMITH, John (Mr.)\nExpert, Federal Ministry for European and International Affairs\njohn.smith@x.example",
		"Please register NDIAYE Mamadou Lamine, Ambassadeur, m.ndiaye@x.example",
		"Excmo. Sr. D. Luis Mora, Embajador, lmora@x.example\nCoronel Juan Pérez, Agregado de Defensa, jperez@x.example",
		"Stefan Huber will not be able to attend; Katharina Moser remains registered.",
		"Katharina Moser will attend, but Stefan Huber will not attend.\nMr. A B and Ms. C D will no longer attend.",
		"Will the meeting be webcast?\n\nJane Roe\nFirst Secretary\nRue de Lausanne 45, 1202 Geneva\nTel. +41 22 555 55 55\njane.roe@x.example",
		"Please register the delegation below.\n\n---------- Forwarded message ---------\nFrom: Protocol <p@x.example>\nSubject: List\n\nMr. A B, Counsellor, a.b@x.example",
	} {
		f.Add(s)
	}
	bodies, _ := filepath.Glob(filepath.Join(mailCorpus, "reply", "body-only", "*.txt"))
	for _, b := range bodies {
		if data, err := os.ReadFile(b); err == nil && len(data) <= maxFuzzInput {
			f.Add(string(data))
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > maxFuzzInput {
			return
		}
		start := time.Now()
		wd := time.AfterFunc(2*fuzzSlow, func() { panic(fmt.Sprintf("WATCHDOG %q", text)) })
		defer wd.Stop()
		r := inbox.ParseRegistration(inbox.StripReply(text))
		r2 := inbox.ParseRegistration(text)
		if d := time.Since(start); fuzzing() && d > fuzzSlow {
			t.Fatalf("took %v on %d bytes", d, len(text))
		}
		for _, d := range append(r.Delegates, r2.Delegates...) {
			if d.Name == "" && d.Email == "" {
				t.Errorf("delegate with neither name nor address: %+v", d)
			}
		}
	})
}

// fuzzing reports whether the test runs under -fuzz: the time limits hold
// then, on one input at a time; a plain go test, which runs the seeds on a
// machine busy with every other package, asserts no wall-clock time.
func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}

// fuzzSlow is how long one fuzz input may take under -fuzz: far more than
// any input needs (milliseconds), so that only a parser that hangs or blows
// up fails, not a busy machine (the CI fuzz smoke runs beside other work).
// The watchdog that names a hanging input fires at twice that, also in a
// plain go test.
const fuzzSlow = 30 * time.Second

// timingTests is set by CONVENE_TIMING_TESTS=1: the tests that compare
// wall-clock times run then (they can fail on a loaded machine).
var timingTests = os.Getenv("CONVENE_TIMING_TESTS") != ""
