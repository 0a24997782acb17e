package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jhillyerd/enmime/v2"

	"convene/meeting"
	"convene/secretariat"
	"convene/store"
)

func TestPreview(t *testing.T) {
	t.Parallel()
	cfg := sendMeeting(t, nil)
	m, cs := loadExample(t, cfg)

	// No store yet: a placeholder token, a note, and the store not created.
	code, out, errs := runIn(t, "", "preview", "-c", cfg, "--template", "invitation", "--contact", "Permanent Mission of Arcadia")
	if code != exitOK || !strings.Contains(out, "[REF "+secretariat.PreviewToken+"]") || !strings.Contains(errs, "no reply token") {
		t.Fatalf("preview without a store: exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(m.Store); err == nil {
		t.Fatal("preview created the store")
	}

	db := openStore(t, m)
	if err := db.SyncContacts(t.Context(), cs); err != nil {
		t.Fatal(err)
	}
	tokens, err := db.Tokens(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		contact, format string
		want            []string
	}{
		{"Permanent Mission of Arcadia", "eml", []string{"Delegation:", "Name:", "Title / function:", "Email:"}},
		{"Permanent Mission of Borduria", "eml", []string{"Délégation:", "Nom:", "Titre ou fonction:", "Courriel:"}},
		{"Permanent Mission of Freedonia", "text", []string{"Delegación:", "Correo electrónico:"}},
		{"Permanent Mission of Arcadia", "html", []string{"<html", "Delegation:"}},
	}
	for _, tc := range tests {
		t.Run(tc.contact+"/"+tc.format, func(t *testing.T) {
			code, out, errs := runIn(t, "", "preview", "-c", cfg, "--template", "invitation", "--contact", tc.contact, "--format", tc.format)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			ref := "[REF " + tokens[tc.contact] + "]"
			body := out
			switch tc.format {
			case "eml":
				env, err := enmime.ReadEnvelope(strings.NewReader(out))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasSuffix(env.GetHeader("Subject"), ref) {
					t.Errorf("Subject %q, want it to end with %s", env.GetHeader("Subject"), ref)
				}
				if !strings.Contains(env.GetHeader("Reply-To"), "+"+tokens[tc.contact]+"@") {
					t.Errorf("Reply-To %q lacks the token", env.GetHeader("Reply-To"))
				}
				if env.HTML == "" || env.GetHeader("Message-Id") == "" {
					t.Errorf("eml without an HTML part or a Message-ID")
				}
				body = env.Text
			case "text":
				if !strings.HasPrefix(out, "Subject: ") || !strings.Contains(strings.SplitN(out, "\n", 2)[0], ref) {
					t.Errorf("text preview does not start with the subject and %s:\n%s", ref, out)
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("lacks the reply form's %q:\n%s", w, body)
				}
			}
		})
	}

	for _, bad := range [][]string{
		{"--template", "invitation"},
		{"--template", "invitation", "--contact", "X", "--format", "pdf"},
		{"--template", "invite", "--contact", "Permanent Mission of Arcadia"},
		{"--template", "reminder", "--contact", "Permanent Mission of Arcadia", "--session", "article-5"},
	} {
		if code, _, errs := runIn(t, "", append([]string{"preview", "-c", cfg}, bad...)...); code != exitUsage {
			t.Errorf("preview %q: exit %d, want %d (%s)", bad, code, exitUsage, errs)
		}
	}
}

// calendarPart returns the inline text/calendar part of an eml.
func calendarPart(t *testing.T, eml string) string {
	t.Helper()
	env, err := enmime.ReadEnvelope(strings.NewReader(eml))
	if err != nil {
		t.Fatal(err)
	}
	p := env.Root.BreadthMatchFirst(func(p *enmime.Part) bool { return p.ContentType == "text/calendar" })
	if p == nil {
		t.Fatalf("no text/calendar part in:\n%s", eml)
	}
	return strings.ReplaceAll(string(p.Content), "\r\n ", "") // unfolded
}

func TestPreviewInvite(t *testing.T) {
	t.Parallel()
	cfg := sendMeeting(t, nil)
	m, cs := loadExample(t, cfg)
	db := openStore(t, m)
	if err := db.SyncContacts(t.Context(), cs); err != nil {
		t.Fatal(err)
	}
	const arcadia = "Permanent Mission of Arcadia"
	err := db.Update(t.Context(), func(tx *store.Tx) error {
		_, err := tx.RegisterDelegates(arcadia, []meeting.Delegate{{Name: "Ann Onyme", Title: "Counsellor", Email: "ann@arcadia-mfa.example"}}, store.Source{Actor: "test"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"preview", "-c", cfg, "--template", "invite", "--contact", arcadia, "--delegate", "ann@arcadia-mfa.example", "--session", "article-5", "--format", "eml"}
	code, out, errs := runIn(t, "", args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	ics := calendarPart(t, out)
	for _, want := range []string{"METHOD:REQUEST\r\n", "SEQUENCE:0\r\n", "CN=Ann Onyme", "mailto:ann@arcadia-mfa.example", "BEGIN:VTIMEZONE\r\n"} {
		if !strings.Contains(ics, want) {
			t.Errorf("invitation lacks %q:\n%s", want, ics)
		}
	}
	if !strings.Contains(out, "invite.ics") {
		t.Errorf("no invite.ics attachment")
	}
	if tool := os.Getenv("TEST_ICSCHECK"); tool != "" {
		file := filepath.Join(t.TempDir(), "invite.eml")
		if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := exec.CommandContext(t.Context(), tool, "--strict", file).CombinedOutput()
		if err != nil {
			t.Errorf("icscheck --strict: %v\n%s", err, res)
		} else {
			t.Logf("icscheck: %s", bytes.TrimSpace(res))
		}
	}

	// Sent before with other content: the preview is the update, SEQUENCE 1.
	err = db.Update(t.Context(), func(tx *store.Tx) error {
		return tx.RecordInvite(store.SentInvite{Email: "ann@arcadia-mfa.example", EventID: "article-5", Contact: arcadia,
			UID: "old-uid@isu.example", Sequence: 0, Hash: "stale", Method: "REQUEST"})
	})
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs = runIn(t, "", args...)
	if ics := calendarPart(t, out); code != exitOK || !strings.Contains(ics, "SEQUENCE:1\r\n") || !strings.Contains(ics, "UID:old-uid@isu.example\r\n") {
		t.Errorf("after a change: exit %d, %s\n%s", code, errs, ics)
	}

	// A cancelled or unknown session sends nothing.
	if code, _, errs := runIn(t, "", "preview", "-c", cfg, "--template", "invite", "--contact", arcadia, "--delegate", "ann@arcadia-mfa.example", "--session", "nope"); code != exitFail || !strings.Contains(errs, "no such session") {
		t.Errorf("unknown session: exit %d, %s", code, errs)
	}
}

func TestPreviewCircularAndConfirmation(t *testing.T) {
	t.Parallel()
	cfg := sendMeeting(t, nil)
	m, _ := loadExample(t, cfg)
	dir := t.TempDir()
	all, fr := filepath.Join(dir, "all.md"), filepath.Join(dir, "fr.md")
	os.WriteFile(all, []byte("Subject: Notes\n\nThe **notes** are online."), 0o644)
	os.WriteFile(fr, []byte("Les *notes* sont en ligne."), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"one body for all", []string{"--template", "circular", "--contact", "Permanent Mission of Arcadia", "--body", all},
			exitOK, []string{"Subject: Notes [REF previewtok]", "The notes are online."}},
		{"French body wins", []string{"--template", "circular", "--contact", "Permanent Mission of Borduria", "--body", all, "--body", "fr=" + fr, "--subject", "Notes en ligne"},
			exitOK, []string{"Subject: Notes en ligne [REF previewtok]", "Les notes sont en ligne."}},
		{"html renders the Markdown", []string{"--template", "circular", "--contact", "Permanent Mission of Arcadia", "--body", all, "--format", "html"},
			exitOK, []string{"<strong>notes</strong>"}},
		{"confirmation without delegates", []string{"--template", "confirmation", "--contact", "Permanent Mission of Arcadia"},
			exitFail, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runIn(t, "", append([]string{"preview", "-c", cfg}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("lacks %q:\n%s", w, out)
				}
			}
		})
	}
	registerExample(t, openStore(t, m))
	code, out, errs := runIn(t, "", "preview", "-c", cfg, "--template", "confirmation", "--contact", "Permanent Mission of Arcadia")
	if code != exitOK || !strings.Contains(out, "one@arcadia-mfa.example") || strings.Contains(out, "two@arcadia-mfa.example") {
		t.Errorf("confirmation: exit %d, %s\n%s", code, errs, out)
	}
}
