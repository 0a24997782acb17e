package meeting_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"convene/meeting"
)

const participation = `  fields:
    - name: participation
      label: {en: Participation, fr: Participation, es: Participación}
      choices:
        - {value: in-person, label: {en: In person, fr: En personne, es: En persona}}
        - {value: online, label: {en: Online, fr: En ligne, es: En línea}}
      required: true`

func TestRegistrationFields(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       string // a problem (file:line: field: message), or "" for none
		noWeb      bool   // without registration.web
	}{
		{name: "without the page", yaml: participation, noWeb: true, want: ":30: registration.fields: only the registration page asks them"},
		{name: "participation", yaml: participation},
		{name: "bad name", yaml: "  fields:\n    - {name: Part icipation, label: P, choices: [{value: a, label: A}, {value: b, label: B}]}", want: ":30: registration.fields.name: want a lower-case name"},
		{name: "no label", yaml: "  fields:\n    - {name: p, choices: [{value: a, label: A}, {value: b, label: B}]}", want: ":30: registration.fields.label: is required"},
		{name: "one choice", yaml: "  fields:\n    - {name: p, label: P, choices: [{value: a, label: A}]}", want: ":30: registration.fields.choices: want at least two"},
		{name: "duplicate choice", yaml: "  fields:\n    - name: p\n      label: P\n      choices:\n        - {value: a, label: A}\n        - {value: a, label: B}", want: ":34: registration.fields.choices.value: a appears twice"},
		{name: "choice without label", yaml: "  fields:\n    - name: p\n      label: P\n      choices:\n        - {value: a, label: A}\n        - {value: b}", want: ":34: registration.fields.choices.label: is required"},
		{name: "bad required", yaml: "  fields:\n    - name: p\n      label: P\n      choices: [{value: a, label: A}, {value: b, label: B}]\n      required: maybe", want: ":33: registration.fields.required: want true or false"},
		{name: "twice", yaml: "  fields:\n    - {name: p, label: P, choices: [{value: a, label: A}, {value: b, label: B}]}\n    - {name: p, label: Q, choices: [{value: a, label: A}, {value: b, label: B}]}", want: ":31: registration.fields.name: p appears twice"},
		{name: "unknown key", yaml: "  fields:\n    - {name: p, lable: P}", want: "lable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeExample(t)
			path := filepath.Join(dir, "meeting.yaml")
			b, _ := os.ReadFile(path)
			re := regexp.MustCompile(`(?m)^  late: .*$`)
			web := "\n  web: {listen: 127.0.0.1:8026, public_url: https://register.isu.example}"
			if tt.noWeb {
				web = ""
			}
			y := re.ReplaceAllStringFunc(string(b), func(s string) string { return s + "\n" + tt.yaml + web })
			os.WriteFile(path, []byte(y), 0o644)
			m, _, err := meeting.Load(path)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Load = %v", err)
				}
				fs := m.Registration.Fields
				if len(fs) != 1 || fs[0].Name != "participation" || !fs[0].Required || len(fs[0].Choices) != 2 ||
					fs[0].Choices[1].Label.In(meeting.ES) != "En línea" || fs[0].Label.In(meeting.FR) != "Participation" {
					t.Fatalf("fields = %+v", fs)
				}
				a := meeting.EncodeFields(map[string]string{"participation": "online"})
				if a.Get("participation") != "online" || strings.Join(a.Labels(m, meeting.FR), "|") != "Participation\u00a0: En ligne" {
					t.Errorf("answers %q: %q", a, a.Labels(m, meeting.FR))
				}
				if e := meeting.EncodeFields(map[string]string{"participation": ""}); e == "" || e.Labels(m, meeting.EN) != nil {
					t.Errorf("empty answer %q: %q", e, e.Labels(m, meeting.EN))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load = %v, want a problem with %q", err, tt.want)
			}
		})
	}
}
