package main

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"mime"
	"os"
	"path/filepath"
	"strings"

	"convene/mailer"
	"convene/meeting"
	"convene/store"
	"convene/templates"
)

// What `convene send` and `convene preview` share: repeatable flags, the
// circular's bodies, attachments, and a service that only reads the store.

// listFlag is a repeatable string flag: each use appends.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// missionTemplates are the templates addressed to a mission (a contact),
// which send and preview render for a contact. The others go to delegates
// (invite, rehearsal, day-before) or to staff (digest) and are sent by the
// daemon; clarification and late answer a particular reply.
var missionTemplates = []string{templates.Invitation, templates.Reminder, templates.Circular, templates.Confirmation}

func isMissionTemplate(name string) bool {
	for _, n := range missionTemplates {
		if n == name {
			return true
		}
	}
	return false
}

// bodies are the circular's bodies: one per language, and/or one for all.
type bodies struct {
	byLang map[meeting.Lang]string
	all    string
	files  map[meeting.Lang]string // for the summary: which file each language reads
	allSet bool
}

// readBodies reads the --body values: "FILE" is the body for every
// language, "LANG=FILE" (en, fr or es) the body for that language, which
// wins over the one for all.
func readBodies(vals []string) (*bodies, error) {
	b := &bodies{byLang: map[meeting.Lang]string{}, files: map[meeting.Lang]string{}}
	for _, v := range vals {
		lang, file := meeting.Lang(""), v
		if l, f, ok := strings.Cut(v, "="); ok && meeting.Lang(l).Valid() {
			lang, file = meeting.Lang(l), f
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--body: %w", err)
		}
		text := string(data)
		if strings.TrimSpace(text) == "" {
			return nil, fmt.Errorf("--body %s: the file is empty", file)
		}
		if lang == "" {
			if b.allSet {
				return nil, usagef("--body: two bodies for every language; use LANG=FILE (en, fr, es) for one language")
			}
			b.all, b.allSet, b.files[""] = text, true, file
			continue
		}
		if _, dup := b.byLang[lang]; dup {
			return nil, usagef("--body: two bodies for %s", lang)
		}
		b.byLang[lang], b.files[lang] = text, file
	}
	return b, nil
}

// For returns the body for lang.
func (b *bodies) For(lang meeting.Lang) (string, bool) {
	if t, ok := b.byLang[lang]; ok {
		return t, true
	}
	return b.all, b.allSet
}

// readAttachments reads the --attach files; the content type comes from the
// file's extension (application/octet-stream when unknown).
func readAttachments(files []string) ([]mailer.Attachment, error) {
	var out []mailer.Attachment
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("--attach: %w", err)
		}
		ct := mime.TypeByExtension(filepath.Ext(f))
		if mt, _, err := mime.ParseMediaType(ct); err == nil {
			ct = mt // without parameters: the part's charset is not ours to declare
		} else {
			ct = "application/octet-stream"
		}
		out = append(out, mailer.Attachment{Name: filepath.Base(f), ContentType: ct, Data: data})
	}
	return out, nil
}

// openExisting opens the store if it exists, and returns nil if it does not:
// commands that only read never create it.
func openExisting(ctx context.Context, path string) (*store.DB, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, iofs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	return store.Open(ctx, path)
}

// checkTemplateFlags checks --template, --body and --subject together.
func checkTemplateFlags(tpl string, bodyFlags []string, subject string) error {
	if tpl == "" {
		return usagef("--template is required (one of %s)", strings.Join(missionTemplates, ", "))
	}
	if !isMissionTemplate(tpl) {
		return usagef("--template %s: want one of %s (the daemon sends the others)", tpl, strings.Join(missionTemplates, ", "))
	}
	if tpl == templates.Circular && len(bodyFlags) == 0 {
		return usagef("--template circular needs --body FILE (Markdown or plain text)")
	}
	if tpl != templates.Circular && (len(bodyFlags) > 0 || subject != "") {
		return usagef("--body and --subject are for --template circular only")
	}
	return nil
}
