package inbox_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"convene/inbox"
)

// The shared corpora of real-world messages (see their README.md and
// PROVENANCE.md). Not copied into the repository.
const (
	mailCorpus = "../../shared/corpus/mail"
	imipCorpus = "../../shared/corpus/imip"
)

// corpusExpect is what the corpus says a file is.
type corpusExpect struct {
	kinds []inbox.Kind // acceptable kinds; nil: any
	check func(m *inbox.Message, raw []byte) error
}

// sidecar is the subset of the *.expected.json files the test reads.
type sidecar struct {
	Category         string         `json:"category"`
	ExpectedBySource map[string]any `json:"expected_by_source"`
	Derived          map[string]any `json:"derived_from_message"`
	RecipientHeaders []string       `json:"recipient_headers_in_message"`
}

// notBounces are the files in bounce/ that must not be read as bounces
// (README.md: feedback reports, read receipts, delivery-success reports).
var notBounces = map[string][]inbox.Kind{
	"flanker-complaint-aol.eml":                {inbox.KindOther},
	"mimekit-feedback-report-arf.eml":          {inbox.KindOther},
	"flanker-disposition-notification-mdn.eml": {inbox.KindAutoReply},
	"sisimai-lhost-amazonses-12.eml":           {inbox.KindAutoReply, inbox.KindOther}, // an Amazon SNS JSON notice
	"sisimai-rfc3464-28.eml":                   {inbox.KindAutoReply},
}

var human = []inbox.Kind{inbox.KindRegistration, inbox.KindOther}

func expectationFor(t *testing.T, dir, name string) corpusExpect {
	var sc *sidecar
	if data, err := os.ReadFile(filepath.Join(mailCorpus, dir, strings.TrimSuffix(name, ".eml")+".expected.json")); err == nil {
		sc = new(sidecar)
		if err := json.Unmarshal(data, sc); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	switch dir {
	case "bounce":
		if k, ok := notBounces[name]; ok {
			return corpusExpect{kinds: k}
		}
		return corpusExpect{kinds: []inbox.Kind{inbox.KindBounce}, check: func(m *inbox.Message, raw []byte) error { return checkBounce(m, raw, sc) }}
	case "autoreply":
		return corpusExpect{kinds: []inbox.Kind{inbox.KindAutoReply}, check: func(m *inbox.Message, _ []byte) error { return checkHeaders(m, sc) }}
	case "reply":
		return corpusExpect{kinds: human, check: func(m *inbox.Message, _ []byte) error { return checkHeaders(m, sc) }}
	case "calendar":
		if sc != nil && sc.Derived != nil {
			if meth, _ := sc.Derived["itip_method"].(string); meth == "REPLY" || meth == "COUNTER" {
				return corpusExpect{kinds: []inbox.Kind{inbox.KindCalendarReply}}
			}
		}
		if sc != nil && sc.ExpectedBySource["itip_method"] == "REPLY" {
			return corpusExpect{kinds: []inbox.Kind{inbox.KindCalendarReply}}
		}
		return corpusExpect{kinds: []inbox.Kind{inbox.KindOther, inbox.KindRegistration}}
	case "charset", "malformed":
		var wantText string
		if data, err := os.ReadFile(filepath.Join(mailCorpus, dir, strings.TrimSuffix(name, ".eml")+".expected.txt")); err == nil {
			wantText = strings.TrimSpace(strings.SplitN(strings.TrimSpace(string(data)), "\n", 2)[0])
		}
		return corpusExpect{check: func(m *inbox.Message, _ []byte) error {
			if wantText != "" && !strings.Contains(strings.Join(strings.Fields(m.Body), " "), strings.Join(strings.Fields(wantText), " ")) {
				return fmt.Errorf("Body = %q, want it to contain %q", clip(m.Body), wantText)
			}
			return checkHeaders(m, sc)
		}}
	}
	return corpusExpect{}
}

// checkBounce compares the recipients and hard/soft verdict with the sidecar.
func checkBounce(m *inbox.Message, raw []byte, sc *sidecar) error {
	b := m.Bounce
	if b == nil {
		return fmt.Errorf("no Bounce")
	}
	if sc == nil {
		return nil
	}
	var want []string
	for _, h := range sc.RecipientHeaders {
		if strings.HasPrefix(strings.ToLower(h), "final-recipient") {
			if _, a, ok := strings.Cut(h, ";"); ok && strings.Contains(a, "@") {
				want = append(want, strings.ToLower(strings.Trim(strings.TrimSpace(a), "<>")))
			}
		}
	}
	e := sc.ExpectedBySource
	if addrs, ok := e["addresses"].([]any); ok {
		want = want[:0]
		for _, a := range addrs {
			want = append(want, strings.ToLower(a.(string)))
		}
	}
	for _, k := range []string{"final_recipient", "recipient_in_notification"} {
		if s, ok := e[k].(string); ok && strings.Contains(s, "@") {
			_, a, found := strings.Cut(s, ";")
			if !found {
				a = s
			}
			want = append(want, strings.ToLower(strings.TrimSpace(a)))
		}
	}
	if dsns, ok := e["recipient_dsns"].([]any); ok {
		for _, d := range dsns {
			if s, ok := d.(map[string]any)["final_recipient"].(string); ok {
				_, a, _ := strings.Cut(s, ";")
				want = append(want, strings.ToLower(strings.TrimSpace(a)))
			}
		}
	}
	for _, w := range want {
		if !slices.Contains(b.Recipients, w) {
			return fmt.Errorf("Recipients = %q, want %s among them", b.Recipients, w)
		}
	}
	// hard or soft, where the source says so by status or verdict
	var permanent *bool
	set := func(v bool) { permanent = &v }
	if st, ok := e["status"].(string); ok && st != "" {
		set(strings.HasPrefix(st, "5"))
	}
	if st, ok := e["error_status"].(string); ok && st != "" {
		set(strings.HasPrefix(st, "5"))
	}
	if bt, ok := e["bounce_type"].(string); ok {
		set(bt == "hard")
	}
	if res, ok := e["results"].([]any); ok && len(res) > 0 {
		st, _ := res[0].(map[string]any)["status"].(string)
		if strings.HasPrefix(st, "5") {
			set(true)
		} else if strings.HasPrefix(st, "4") {
			set(false)
		}
	}
	for _, k := range []string{"code", "status", "error_status", "bounce_error_code"} {
		// only where the code is written in the message (some sources infer it)
		if st, ok := e[k].(string); ok && strings.Count(st, ".") == 2 && bytes.Contains(raw, []byte(st)) && b.Status != st {
			return fmt.Errorf("Status = %q, want %q", b.Status, st)
		}
	}
	if permanent != nil && b.Permanent != *permanent {
		return fmt.Errorf("Permanent = %v, want %v (status %q)", b.Permanent, *permanent, b.Status)
	}
	return nil
}

// checkHeaders compares the decoded subject and sender with the sidecar.
func checkHeaders(m *inbox.Message, sc *sidecar) error {
	if sc == nil {
		return nil
	}
	e := sc.ExpectedBySource
	if s, ok := e["subject"].(string); ok && strings.Join(strings.Fields(m.Subject), " ") != strings.Join(strings.Fields(s), " ") {
		return fmt.Errorf("Subject = %q, want %q", m.Subject, s)
	}
	if s, ok := e["from_"].(string); ok {
		if addr := strings.ToLower(strings.Trim(s[strings.LastIndex(s, "<")+1:], "<> ")); strings.Contains(addr, "@") && m.From != addr {
			return fmt.Errorf("From = %q, want %q", m.From, addr)
		}
	}
	return nil
}

// TestCorpus classifies every message of the shared corpora, checks the
// expectations where the corpus gives some, and prints a score.
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(mailCorpus); err != nil {
		t.Skipf("corpus not found: %v", err)
	}
	type result struct {
		file string
		ok   bool
		why  string
	}
	var results []result
	perDir := map[string][2]int{}
	run := func(dir, path string, exp corpusExpect) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		m, err := inbox.Parse(bytes.NewReader(data), "registrations@isu.example", inbox.Limits{})
		if d := time.Since(start); timingTests && d > 2*time.Second {
			t.Errorf("%s: Parse took %v", path, d)
		}
		r := result{file: filepath.Join(dir, filepath.Base(path)), ok: true}
		switch {
		case err != nil:
			r.ok, r.why = false, err.Error()
		case exp.kinds != nil && !slices.Contains(exp.kinds, m.Kind):
			r.ok, r.why = false, fmt.Sprintf("Kind = %s (%s), want %v", m.Kind, m.ReviewReason, exp.kinds)
		case exp.check != nil:
			if err := exp.check(m, data); err != nil {
				r.ok, r.why = false, err.Error()
			}
		}
		c := perDir[dir]
		if r.ok {
			c[0]++
		} else {
			c[1]++
		}
		perDir[dir] = c
		results = append(results, r)
	}
	for _, dir := range []string{"autoreply", "bounce", "calendar", "charset", "malformed", "reply"} {
		files, _ := filepath.Glob(filepath.Join(mailCorpus, dir, "*.eml"))
		for _, f := range files {
			run(dir, f, expectationFor(t, dir, filepath.Base(f)))
		}
	}
	if files, _ := filepath.Glob(filepath.Join(imipCorpus, "*.eml")); len(files) > 0 {
		for _, f := range files {
			name := filepath.Base(f)
			exp := corpusExpect{kinds: []inbox.Kind{inbox.KindOther, inbox.KindRegistration}}
			switch {
			case strings.Contains(name, "dsn-bounce"):
				exp.kinds = []inbox.Kind{inbox.KindBounce}
			case strings.Contains(name, "_reply_") || strings.Contains(name, "_counter"):
				exp.kinds = []inbox.Kind{inbox.KindCalendarReply}
			}
			run("imip", f, exp)
		}
	}
	sort.Slice(results, func(i, j int) bool { return results[i].file < results[j].file })
	passed, failed := 0, 0
	for _, r := range results {
		if r.ok {
			passed++
			continue
		}
		failed++
		t.Logf("FAIL %s: %s", r.file, r.why)
	}
	dirs := make([]string, 0, len(perDir))
	for d := range perDir {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		t.Logf("%-10s %3d passed, %d failed", d, perDir[d][0], perDir[d][1])
	}
	t.Logf("corpus score: %d passed, %d failed of %d messages", passed, failed, passed+failed)
	if min := 0.9; float64(passed) < min*float64(passed+failed) {
		t.Errorf("corpus score below %.0f%%: %d of %d", min*100, passed, passed+failed)
	}
}
