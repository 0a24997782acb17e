package inbox_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"convene/inbox"
)

// TestStripReplyCorpus compares StripReply with the visible reply text the
// corpus's sources expect (reply/*.expected.txt for whole messages,
// reply/body-only/*.expected.txt for bodies), and prints a score. Sources
// differ in what they keep (Markdown from HTML, signatures), so the
// comparison ignores white space, '*' and '_' and a trailing signature, and
// the test fails only below a floor.
func TestStripReplyCorpus(t *testing.T) {
	dir := filepath.Join(mailCorpus, "reply")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not found: %v", err)
	}
	passed, failed := 0, 0
	check := func(name, got, want string) {
		if sameText(got, want) {
			passed++
			return
		}
		failed++
		t.Logf("DIFF %s:\n got: %q\nwant: %q", name, clip(got), clip(want))
	}
	wants, _ := filepath.Glob(filepath.Join(dir, "*.expected.txt"))
	for _, w := range wants {
		eml := strings.TrimSuffix(w, ".expected.txt") + ".eml"
		data, err := os.ReadFile(eml)
		if err != nil {
			continue
		}
		want, _ := os.ReadFile(w)
		m, err := inbox.Parse(bytes.NewReader(data), "", inbox.Limits{})
		if err != nil {
			t.Errorf("%s: %v", eml, err)
			continue
		}
		check(filepath.Base(eml), m.Body, string(want))
	}
	bodies, _ := filepath.Glob(filepath.Join(dir, "body-only", "*.expected.txt"))
	for _, w := range bodies {
		in, err := os.ReadFile(strings.TrimSuffix(w, ".expected.txt") + ".txt")
		if err != nil {
			continue
		}
		want, _ := os.ReadFile(w)
		check("body-only/"+filepath.Base(w), inbox.StripReply(string(in)), string(want))
	}
	t.Logf("reply stripping score: %d passed, %d failed of %d", passed, failed, passed+failed)
	if passed+failed > 0 && passed*2 < passed+failed {
		t.Errorf("reply stripping below 50%%: %d of %d", passed, passed+failed)
	}
}

func sameText(a, b string) bool {
	norm := func(s string) string {
		s = strings.NewReplacer("*", "", "_", "", "\u00a0", " ").Replace(s)
		return strings.Join(strings.Fields(s), " ")
	}
	return norm(a) == norm(b)
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
