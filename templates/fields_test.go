package templates_test

import (
	"strings"
	"testing"

	"convene/meeting"
	"convene/templates"
)

// The confirmation lists each delegate's answers to the meeting's fields
// (registration.fields) in its language, in text and HTML; a delegate
// without answers is listed as before.
func TestConfirmationFields(t *testing.T) {
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	m, cs := example(t)
	mm := *m
	mm.Registration.Fields = []meeting.Field{{Name: "participation",
		Label: meeting.Text{meeting.EN: "Participation", meeting.FR: "Participation", meeting.ES: "Participación"},
		Choices: []meeting.Choice{
			{Value: "in-person", Label: meeting.Text{meeting.EN: "In person", meeting.FR: "En personne", meeting.ES: "En persona"}},
			{Value: "online", Label: meeting.Text{meeting.EN: "Online <remote>", meeting.FR: "En ligne", meeting.ES: "En línea"}},
		}}}
	for lang, want := range map[meeting.Lang]string{meeting.EN: "Participation: Online <remote>", meeting.FR: "Participation\u00a0: En ligne", meeting.ES: "Participación: En línea"} {
		d := goldenData(t, &mm, cs, templates.Confirmation, lang)
		d.Delegates = []meeting.Delegate{
			{Name: "Ada Lovelace", Email: "ada@arcadia-mfa.example", Fields: meeting.EncodeFields(map[string]string{"participation": "online"})},
			{Name: "Blaise Pascal", Email: "blaise@arcadia-mfa.example"},
		}
		c, err := set.Render(templates.Confirmation, lang, d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(c.Text, "- Ada Lovelace <ada@arcadia-mfa.example> ("+want+")\n") ||
			!strings.Contains(c.Text, "- Blaise Pascal <blaise@arcadia-mfa.example>\n") {
			t.Errorf("%s text:\n%s", lang, c.Text)
		}
		html := strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(want)
		if !strings.Contains(c.HTML, "&lt;ada@arcadia-mfa.example&gt; ("+html+")</li>") {
			t.Errorf("%s html:\n%s", lang, c.HTML)
		}
	}
}
