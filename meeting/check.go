package meeting

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// multiLine matches the fields of meeting.yaml whose values may span lines:
// notes and descriptions (in each language), and a secret command.
var multiLine = regexp.MustCompile(`^(platform\.notes|sessions\[\d+\]\.description)(\.[a-z]+)?$|^(smtp|imap)\.secret\.command$`)

// controlChars reports every value in the YAML tree n (at path) that holds
// a control character. Every text of meeting.yaml is a single line (it goes
// into mail headers, calendar properties, IMAP commands) except those
// multiLine matches, which may hold line feeds and tabs.
func (c *checker) controlChars(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, ch := range n.Content {
			c.controlChars(ch, path)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if path != "" {
				p = path + "." + p
			}
			c.controlChars(n.Content[i+1], p)
		}
	case yaml.SequenceNode:
		for i, ch := range n.Content {
			c.controlChars(ch, fmt.Sprintf("%s[%d]", path, i))
		}
	case yaml.ScalarNode:
		multi := multiLine.MatchString(path)
		for _, r := range n.Value {
			switch {
			case multi && (r == '\n' || r == '\t'):
				continue
			case !multi && (r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029'):
				c.add(n.Line, path, "must be on one line (it holds a line break)")
			case unicode.IsControl(r):
				c.add(n.Line, path, "holds the control character %U", r)
			default:
				continue
			}
			return // one problem per value
		}
	}
}

// bounded reads the duration s for field, def when it is empty, and checks
// that it lies within [lo, hi]. It returns 0 after a problem.
func (c *checker) bounded(s yStr, field string, def, lo, hi time.Duration) time.Duration {
	d := c.duration(s, field, def)
	switch {
	case strings.TrimSpace(s.V) == "":
		return d
	case d == 0 && lo > 0:
		if _, err := ParseDuration(s.V); err == nil {
			c.add(s.Line, field, "must be at least %s", FormatDuration(lo))
		}
		return 0
	case d < lo:
		c.add(s.Line, field, "%s is too short: at least %s", s.V, FormatDuration(lo))
		return 0
	case d > hi:
		c.add(s.Line, field, "%s is too long: at most %s", s.V, FormatDuration(hi))
		return 0
	}
	return d
}

// templateNames are the names of convene's templates (package templates'
// Names, which imports this package: a test keeps the two lists equal).
var templateNames = []string{"invitation", "reminder", "confirmation", "clarification", "late", "rehearsal", "invite", "day-before", "circular", "digest", "delegate-address"}

// templateFile reports whether name is a file a templates folder may hold:
// NAME.LANG.tmpl or base.tmpl.
func templateFile(name string) bool {
	if name == "base.tmpl" {
		return true
	}
	for _, n := range templateNames {
		for _, l := range Langs {
			if name == n+"."+string(l)+".tmpl" {
				return true
			}
		}
	}
	return false
}

// templatesDir checks a templates override folder: it exists and holds
// template files (regular files, or links to them), and nothing else, so
// that a misspelt file never silently leaves a default in place and a
// mistyped path (templates: /etc) is caught.
func (c *checker) templatesDir(dir string, line int) {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		c.add(line, "templates", "%s is not a directory", dir)
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		c.add(line, "templates", "%v", err)
		return
	}
	var others []string
	n := 0
	for _, e := range entries {
		if fi, err := os.Stat(filepath.Join(dir, e.Name())); err != nil || !fi.Mode().IsRegular() || !templateFile(e.Name()) {
			others = append(others, e.Name())
			continue
		}
		n++
	}
	want := fmt.Sprintf("want files NAME.LANG.tmpl, NAME one of %s and LANG en, fr or es, or base.tmpl", strings.Join(templateNames, ", "))
	switch {
	case len(others) > 0:
		const show = 5
		list := strings.Join(others[:min(len(others), show)], ", ")
		if len(others) > show {
			list += fmt.Sprintf(" and %d more", len(others)-show)
		}
		c.add(line, "templates", "%s holds what is not a template: %s (%s)", dir, list, want)
	case n == 0:
		c.add(line, "templates", "%s holds no template (%s); leave templates out to use the defaults", dir, want)
	}
}
