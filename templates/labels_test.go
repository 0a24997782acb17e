package templates_test

import (
	"strings"
	"testing"

	"convene/meeting"
	"convene/templates"
)

// TestFormLabelsInInvitation checks that the reply form of each language's
// invitation is made of the FormLabels the inbox parser looks for.
func TestFormLabelsInInvitation(t *testing.T) {
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	m, cs := example(t)
	for _, lang := range meeting.Langs {
		l, ok := templates.FormLabels[lang]
		if !ok {
			t.Fatalf("no FormLabels for %s", lang)
		}
		for _, name := range []string{templates.Invitation, templates.Reminder, templates.Clarification} {
			got, err := set.Render(name, lang, goldenData(t, m, cs, name, lang))
			if err != nil {
				t.Fatal(err)
			}
			block := l.Delegation + ":\n" + l.Name + ":\n" + l.Title + ":\n" + l.Email + ":\n"
			if n := strings.Count(got.Text, block); n != templates.FormSlots {
				t.Errorf("Render(%s, %s).Text has %d form blocks %q, want %d", name, lang, n, block, templates.FormSlots)
			}
			for _, label := range []string{l.Delegation, l.Name, l.Title, l.Email} {
				if !strings.Contains(got.HTML, label+":<br>") && !strings.Contains(got.HTML, label+":\n</td>") {
					t.Errorf("Render(%s, %s).HTML lacks the form label %q", name, lang, label)
				}
			}
		}
	}
}
