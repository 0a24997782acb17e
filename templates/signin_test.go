package templates_test

import (
	"strings"
	"testing"

	"convene/meeting"
	"convene/templates"
)

// The digest carries a sign-in line only while the OAuth2 sign-in fails.
func TestDigestSignInLine(t *testing.T) {
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	d := templates.SampleData(templates.Digest)
	d.Digest.SignIn = ""
	c, err := set.Render(templates.Digest, meeting.EN, d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.Text, "SIGN-IN") || strings.Contains(c.HTML, "Sign-in failing") {
		t.Error("a sign-in line without a sign-in problem")
	}
	d.Digest.SignIn = "convene cannot sign in to isu@isu.example since 1 Jun 07:00: nothing is sent or read until someone runs convene auth login"
	if c, err = set.Render(templates.Digest, meeting.EN, d); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Text, "\nSIGN-IN FAILING: convene cannot sign in to isu@isu.example since 1 Jun 07:00") ||
		!strings.Contains(c.HTML, "Sign-in failing:</strong> convene cannot sign in") {
		t.Errorf("no sign-in line:\n%s", c.Text)
	}
}
