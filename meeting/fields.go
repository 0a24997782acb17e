package meeting

import (
	"net/url"
	"regexp"
)

// Field is one of `registration.fields:` in meeting.yaml: an optional
// question the meeting asks about each delegate (e.g. participation:
// in-person or online), answered on the registration page by choosing one
// of its choices. E-mail replies do not carry it.
type Field struct {
	Name     string // lower-case identifier, e.g. participation
	Label    Text
	Choices  []Choice
	Required bool // a delegate registered on the page must have a value
}

// Choice is one value a Field may take.
type Choice struct {
	Value string // lower-case identifier, e.g. in-person
	Label Text
}

// Choice returns the choice with value v.
func (f Field) Choice(v string) (Choice, bool) {
	for _, c := range f.Choices {
		if c.Value == v {
			return c, true
		}
	}
	return Choice{}, false
}

// Fields are a delegate's answers to the meeting's fields, encoded as a
// URL query with sorted keys (participation=online). "" means none were
// given, e.g. by an e-mail reply: storing such a delegate keeps the answers
// it had. The page always gives every field, empty or not, so its answers
// are never "".
type Fields string

// EncodeFields encodes answers by field name.
func EncodeFields(v map[string]string) Fields {
	q := url.Values{}
	for k, x := range v {
		q.Set(k, x)
	}
	return Fields(q.Encode())
}

// Get returns the answer for field name ("" when none).
func (f Fields) Get(name string) string {
	q, _ := url.ParseQuery(string(f))
	return q.Get(name)
}

// Labels returns "label: choice" for each answered field of m, in lang.
func (f Fields) Labels(m *Meeting, lang Lang) []string {
	if f == "" || m == nil {
		return nil
	}
	sep := ": "
	if lang == FR { // French sets a space before the colon
		sep = "\u00a0: "
	}
	var out []string
	for _, fd := range m.Registration.Fields {
		v := f.Get(fd.Name)
		if v == "" {
			continue
		}
		label := v
		if c, ok := fd.Choice(v); ok {
			label = c.Label.In(lang)
		}
		out = append(out, fd.Label.In(lang)+sep+label)
	}
	return out
}

// yField is one of `registration.fields:`.
type yField struct {
	Name    yStr  `yaml:"name"`
	Label   yText `yaml:"label"`
	Choices []struct {
		Value yStr  `yaml:"value"`
		Label yText `yaml:"label"`
	} `yaml:"choices"`
	Required yStr `yaml:"required"`
}

var fieldIdent = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

// maxFields and maxChoices bound what the page shows per delegate.
const (
	maxFields  = 10
	maxChoices = 20
)

// fields checks `registration.fields:`. Only the page asks them, so they
// need `registration.web:` (web).
func (c *checker) fields(ys []yField, web bool) []Field {
	if len(ys) > 0 && !web {
		c.add(ys[0].Name.Line, "registration.fields", "only the registration page asks them: set registration.web too (e-mail replies do not carry them)")
	}
	var out []Field
	seen := map[string]bool{}
	for i, y := range ys {
		const f = "registration.fields"
		if i == maxFields {
			c.add(y.Name.Line, f, "at most %d fields", maxFields)
			break
		}
		fd := Field{Name: y.Name.V}
		if c.required(y.Name, f+".name") {
			switch {
			case !fieldIdent.MatchString(y.Name.V):
				c.add(y.Name.Line, f+".name", "want a lower-case name of letters, digits and -, e.g. participation")
			case seen[y.Name.V]:
				c.add(y.Name.Line, f+".name", "%s appears twice", y.Name.V)
			}
			seen[y.Name.V] = true
		}
		if y.Label.Line == 0 {
			y.Label.Line = y.Name.Line
		}
		fd.Label = c.text(y.Label, f+".label", true)
		switch y.Required.V {
		case "", "false", "no":
		case "true", "yes":
			fd.Required = true
		default:
			c.add(y.Required.Line, f+".required", "want true or false")
		}
		if len(y.Choices) < 2 {
			c.add(y.Name.Line, f+".choices", "want at least two choices")
		}
		vals := map[string]bool{}
		for j, yc := range y.Choices {
			if j == maxChoices {
				c.add(yc.Value.Line, f+".choices", "at most %d choices", maxChoices)
				break
			}
			if !c.required(orLineStr(yc.Value, y.Name.Line), f+".choices.value") {
				continue
			}
			switch {
			case !fieldIdent.MatchString(yc.Value.V):
				c.add(yc.Value.Line, f+".choices.value", "want a lower-case value of letters, digits and -, e.g. in-person")
			case vals[yc.Value.V]:
				c.add(yc.Value.Line, f+".choices.value", "%s appears twice", yc.Value.V)
			}
			vals[yc.Value.V] = true
			if yc.Label.Line == 0 {
				yc.Label.Line = yc.Value.Line
			}
			fd.Choices = append(fd.Choices, Choice{Value: yc.Value.V, Label: c.text(yc.Label, f+".choices.label", true)})
		}
		out = append(out, fd)
	}
	return out
}
