package templates_test

import (
	"strings"
	"testing"

	"convene/meeting"
	"convene/templates"
)

// "1 delegate", not "1 delegates".
func TestDigestOneDelegate(t *testing.T) {
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	m, cs := example(t)
	for n, want := range map[int]string{1: "1 delegate.", 2: "2 delegates."} {
		d := goldenData(t, m, cs, templates.Digest, meeting.EN)
		d.Digest.Delegates = n
		c, err := set.Render(templates.Digest, meeting.EN, d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(c.Text, want) || !strings.Contains(c.HTML, want) {
			t.Errorf("digest with %d delegates lacks %q:\n%s", n, want, c.Text)
		}
	}
}
