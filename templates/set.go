package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	texttemplate "text/template"

	"convene/meeting"
)

//go:embed default/*.tmpl
var defaults embed.FS

// Set holds every template parsed, for every language. It is safe for
// concurrent use.
type Set struct {
	m map[key]*pair
}

type key struct {
	name string
	lang meeting.Lang
}

type pair struct {
	file string // where the template came from, for errors
	text *texttemplate.Template
	html *htmltemplate.Template
}

// source is a template file's name (as shown in errors) and content.
type source struct{ path, body string }

// Load parses the embedded defaults and, if dir != "", the user's overrides:
// a file in dir with the same name as a default (invitation.fr.tmpl,
// base.tmpl) replaces it; any other *.tmpl file in dir is an error, as a
// misspelt name would otherwise be ignored. Every template is executed once
// with sample data, so a broken override fails here, naming its file.
func Load(dir string) (*Set, error) {
	files := map[string]source{}
	entries, err := fs.ReadDir(defaults, "default")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		b, err := fs.ReadFile(defaults, "default/"+e.Name())
		if err != nil {
			return nil, err
		}
		files[e.Name()] = source{path: e.Name(), body: string(b)}
	}
	if dir != "" {
		if err := overrides(dir, files); err != nil {
			return nil, err
		}
	}
	s := &Set{m: map[key]*pair{}}
	for _, name := range Names {
		for _, lang := range meeting.Langs {
			src, ok := files[name+"."+string(lang)+".tmpl"]
			if !ok {
				src, ok = files[name+".en.tmpl"]
			}
			if !ok {
				return nil, fmt.Errorf("templates: no file for %s", name)
			}
			p, err := parse(files[baseFile], src)
			if err != nil {
				return nil, err
			}
			if _, err := p.render(name, lang, sampleData(name)); err != nil {
				return nil, fmt.Errorf("templates: %s: %w", src.path, err)
			}
			s.m[key{name, lang}] = p
		}
	}
	return s, nil
}

func overrides(dir string, files map[string]source) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tmpl") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if _, ok := files[e.Name()]; !ok && !knownFile(e.Name()) {
			return fmt.Errorf("templates: %s: no template of that name (want NAME.LANG.tmpl with NAME one of %s and LANG en, fr or es, or %s)",
				path, strings.Join(Names, ", "), baseFile)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("templates: %w", err)
		}
		files[e.Name()] = source{path: path, body: string(b)}
	}
	return nil
}

// knownFile reports whether file is NAME.LANG.tmpl for a known name and
// language, even if no default exists for that language (the digest).
func knownFile(file string) bool {
	for _, n := range Names {
		for _, l := range meeting.Langs {
			if file == n+"."+string(l)+".tmpl" {
				return true
			}
		}
	}
	return false
}

// parse parses base then src with both template packages and checks that
// src defines the three blocks.
func parse(base, src source) (*pair, error) {
	p := &pair{file: src.path}
	tt := texttemplate.New(baseFile).Funcs(texttemplate.FuncMap{"markdown": MarkdownText})
	if _, err := tt.Parse(base.body); err != nil {
		return nil, fmt.Errorf("templates: %s: %w", base.path, err)
	}
	if _, err := tt.New(filepath.Base(src.path)).Parse(src.body); err != nil {
		return nil, fmt.Errorf("templates: %s: %w", src.path, err)
	}
	ht := htmltemplate.New(baseFile).Funcs(htmltemplate.FuncMap{"markdown": Markdown})
	if _, err := ht.Parse(base.body); err != nil {
		return nil, fmt.Errorf("templates: %s: %w", base.path, err)
	}
	if _, err := ht.New(filepath.Base(src.path)).Parse(src.body); err != nil {
		return nil, fmt.Errorf("templates: %s: %w", src.path, err)
	}
	for _, block := range []string{"subject", "text", "html"} {
		if tt.Lookup(block) == nil {
			return nil, fmt.Errorf("templates: %s: no {{define %q}} block", src.path, block)
		}
	}
	p.text, p.html = tt, ht
	return p, nil
}

// ErrUnknown is returned by Render for a template name that is not in Names.
var ErrUnknown = errors.New("templates: unknown template")

// Render executes template name in lang (English if lang is empty or
// unknown) with d. The subject is one line, and ends with
// meeting.SubjectRef(d.Token) when d.Token is set.
func (s *Set) Render(name string, lang meeting.Lang, d Data) (Content, error) {
	p, ok := s.m[key{name, known(lang)}]
	if !ok {
		return Content{}, fmt.Errorf("%w %q", ErrUnknown, name)
	}
	if d.Meeting == nil {
		return Content{}, errors.New("templates: Data.Meeting is nil")
	}
	c, err := p.render(name, known(lang), d)
	if err != nil {
		return Content{}, fmt.Errorf("templates: %s: %w", p.file, err)
	}
	return c, nil
}

func (p *pair) render(name string, lang meeting.Lang, d Data) (Content, error) {
	v := newView(d, lang)
	var subj, text, html bytes.Buffer
	if err := p.text.ExecuteTemplate(&subj, "subject", v); err != nil {
		return Content{}, err
	}
	if err := p.text.ExecuteTemplate(&text, "text", v); err != nil {
		return Content{}, err
	}
	if err := p.html.ExecuteTemplate(&html, "html", v); err != nil {
		return Content{}, err
	}
	return Content{
		Subject: subject(subj.String(), d.Token),
		Text:    tidy(text.String()),
		HTML:    strings.TrimSpace(html.String()) + "\n",
	}, nil
}

// subject folds s onto one line, without control characters, and appends
// the reference marker.
func subject(s, token string) string {
	s = strings.Join(strings.Fields(strings.Map(noControl, s)), " ")
	if token != "" {
		ref := meeting.SubjectRef(oneLine(token))
		if !strings.HasSuffix(s, ref) {
			s = strings.TrimSpace(s + " " + ref)
		}
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(strings.Map(noControl, s)), "") }

// noControl turns control characters (CR, LF, NUL, ESC, ...) into spaces.
func noControl(r rune) rune {
	if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
		return ' '
	}
	return r
}

// tidy trims trailing spaces from lines, keeps at most one blank line in a
// row, and ends the text with one newline.
func tidy(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var out []string
	blank := 0
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n") + "\n"
}
