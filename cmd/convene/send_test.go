package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"convene/internal/testmail"
	"convene/meeting"
	"convene/secretariat"
	"convene/store"
)

// sendMeeting writes the example meeting into a new folder, its mail sent
// to srv (nil: the example's unreachable server), and returns meeting.yaml's path.
func sendMeeting(t *testing.T, srv *testmail.SMTP) string {
	t.Helper()
	dir := t.TempDir()
	yaml := string(meeting.ExampleMeetingYAML)
	if srv != nil {
		if i := strings.Index(yaml, "# Mail servers."); i >= 0 {
			yaml = yaml[:i]
		}
		yaml += fmt.Sprintf("smtp:\n  host: %s\n  port: %d\n  security: none\n  auth: none\n  concurrency: 2\n", srv.Host, srv.Port)
	}
	if err := os.WriteFile(filepath.Join(dir, "meeting.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "contacts.csv"), meeting.ExampleContactsCSV, 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "meeting.yaml")
}

// runIn runs convene with stdin and returns the exit code, stdout and stderr.
func runIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(t.Context(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func loadExample(t *testing.T, cfg string) (*meeting.Meeting, *meeting.Contacts) {
	t.Helper()
	m, cs, err := meeting.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, cs
}

func openStore(t *testing.T, m *meeting.Meeting) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), m.Store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// received groups what the server accepted by the contact that owns the
// first recipient.
func received(t *testing.T, srv *testmail.SMTP, cs *meeting.Contacts) map[string][]testmail.Message {
	t.Helper()
	out := map[string][]testmail.Message{}
	for _, msg := range srv.Messages() {
		ct, ok := cs.ByEmail(msg.To[0])
		if !ok {
			t.Errorf("message to %v: no contact", msg.To)
			continue
		}
		out[ct.Name] = append(out[ct.Name], msg)
	}
	return out
}

func TestSend(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for lang, text := range map[string]string{"en": "Subject: Documents online\n\nThe **documents** are online: marker-en.",
		"fr": "Subject: Documents en ligne\n\nLes documents sont en ligne : marker-fr.", "es": "Los documentos: marker-es."} {
		if err := os.WriteFile(filepath.Join(dir, "note."+lang+".md"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	guide := filepath.Join(dir, "guide.pdf")
	if err := os.WriteFile(guide, []byte("%PDF-1.4 guide"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		args     []string
		faults   map[string]testmail.Fault
		category meeting.Category // every contact of it receives one message
		wantCode int
		wantOut  []string
		check    func(t *testing.T, ct *meeting.Contact, env *enmime.Envelope)
	}{
		{
			name:     "invitation to organisations",
			args:     []string{"--template", "invitation", "--to", "organisation"},
			category: meeting.Organisation,
			wantOut:  []string{"template invitation", "organisation", "5 messages", "batch invitation-", ": 5 sent, 0 failed, 0 left (of 5)"},
			check: func(t *testing.T, ct *meeting.Contact, env *enmime.Envelope) {
				if !strings.Contains(env.GetHeader("Subject"), "[REF ") {
					t.Errorf("%s: subject %q has no reference", ct.Name, env.GetHeader("Subject"))
				}
				if !strings.Contains(env.GetHeader("Reply-To"), "registrations+") {
					t.Errorf("%s: Reply-To %q", ct.Name, env.GetHeader("Reply-To"))
				}
			},
		},
		{
			name: "circular per language with an attachment",
			args: []string{"--template", "circular", "--to", "state-not-party", "--body", "en=" + filepath.Join(dir, "note.en.md"),
				"--body", "fr=" + filepath.Join(dir, "note.fr.md"), "--body", "es=" + filepath.Join(dir, "note.es.md"), "--attach", guide},
			category: meeting.StateNotParty,
			wantOut:  []string{"attachment: guide.pdf (application/pdf, 14 bytes)", "Subject: Documents online", ": 3 sent"},
			check: func(t *testing.T, ct *meeting.Contact, env *enmime.Envelope) {
				if want := "marker-" + string(ct.Language); !strings.Contains(env.Text, want) {
					t.Errorf("%s: text lacks %q:\n%s", ct.Name, want, env.Text)
				}
				if len(env.Attachments) != 1 || env.Attachments[0].FileName != "guide.pdf" || env.Attachments[0].ContentType != "application/pdf" {
					t.Errorf("%s: attachments %v", ct.Name, env.Attachments)
				}
				if ct.Language == meeting.FR && !strings.HasPrefix(env.GetHeader("Subject"), "Documents en ligne") {
					t.Errorf("%s: subject %q", ct.Name, env.GetHeader("Subject"))
				}
			},
		},
		{
			name:     "550 for one recipient",
			args:     []string{"--template", "reminder", "--to", "state-party"},
			faults:   map[string]testmail.Fault{"mission@arcadia-mfa.example": {Code: 550}},
			category: meeting.StateParty,
			wantCode: exitFail,
			wantOut:  []string{": 11 sent, 1 failed, 0 left (of 12)", "failed (not retried):", "Permanent Mission of Arcadia <mission@arcadia-mfa.example>: 550"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := testmail.NewSMTP(t, testmail.Options{Faults: tc.faults})
			cfg := sendMeeting(t, srv)
			_, cs := loadExample(t, cfg)
			code, out, errs := runIn(t, "", append([]string{"send", "-c", cfg, "--yes"}, tc.args...)...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, out, errs)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			got := received(t, srv, cs)
			for _, ct := range cs.InCategories(tc.category) {
				msgs := got[ct.Name]
				if _, fault := tc.faults[ct.Emails[0]]; fault {
					if len(msgs) != 0 {
						t.Errorf("%s: refused address received %d", ct.Name, len(msgs))
					}
					continue
				}
				if len(msgs) != 1 {
					t.Errorf("%s received %d messages, want 1", ct.Name, len(msgs))
					continue
				}
				if strings.Join(msgs[0].To, ";") != strings.Join(ct.Emails, ";") {
					t.Errorf("%s: RCPT %v, want %v", ct.Name, msgs[0].To, ct.Emails)
				}
				if tc.check != nil {
					env, err := enmime.ReadEnvelope(bytes.NewReader(msgs[0].Data))
					if err != nil {
						t.Fatal(err)
					}
					tc.check(t, ct, env)
				}
			}
			if len(got) > len(cs.InCategories(tc.category)) {
				t.Errorf("messages to %d contacts, more than the category's %d", len(got), len(cs.InCategories(tc.category)))
			}
		})
	}
}

func TestSendDryRun(t *testing.T) {
	t.Parallel()
	for _, withStore := range []bool{false, true} {
		t.Run(fmt.Sprintf("store=%v", withStore), func(t *testing.T) {
			srv := testmail.NewSMTP(t, testmail.Options{})
			cfg := sendMeeting(t, srv)
			m, cs := loadExample(t, cfg)
			var tokens map[string]string
			if withStore {
				db := openStore(t, m)
				if err := db.SyncContacts(t.Context(), cs); err != nil {
					t.Fatal(err)
				}
				var err error
				if tokens, err = db.Tokens(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			out := filepath.Join(t.TempDir(), "check")
			code, stdout, errs := runIn(t, "", "send", "-c", cfg, "--template", "reminder", "--to", "state-party", "--dry-run", "--out", out)
			if code != exitOK {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
			}
			files, _ := filepath.Glob(filepath.Join(out, "*.eml"))
			if len(files) != 12 {
				t.Errorf("%d .eml files, want 12", len(files))
			}
			sum, err := os.ReadFile(filepath.Join(out, "summary.txt"))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"template reminder", "12 messages", "attachments: none",
				`002-permanent-mission-of-borduria.eml\s+fr\s+state-party\s+Permanent Mission of Borduria\s+geneve@borduria.example, desarmement@borduria.example\s+Rappel`} {
				if !regexp.MustCompile(want).Match(sum) {
					t.Errorf("summary.txt lacks %q:\n%s", want, sum)
				}
			}
			raw, err := os.ReadFile(filepath.Join(out, "001-permanent-mission-of-arcadia.eml"))
			if err != nil {
				t.Fatal(err)
			}
			env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			tok := secretariat.PreviewToken
			if withStore {
				tok = tokens["Permanent Mission of Arcadia"]
			}
			if !strings.HasSuffix(env.GetHeader("Subject"), "[REF "+tok+"]") || env.GetHeader("Message-Id") == "" {
				t.Errorf("eml subject %q, Message-ID %q; want the token %s", env.GetHeader("Subject"), env.GetHeader("Message-Id"), tok)
			}
			if !withStore && !strings.Contains(errs, secretariat.PreviewToken) {
				t.Errorf("stderr lacks the placeholder note: %q", errs)
			}
			if srv.Count() != 0 {
				t.Errorf("dry run sent %d messages", srv.Count())
			}
			if !withStore {
				if _, err := os.Stat(m.Store); err == nil {
					t.Errorf("dry run created the store")
				}
				return
			}
			db := openStore(t, m)
			if bs, err := db.OutboxBatches(t.Context(), ""); err != nil || len(bs) != 0 {
				t.Errorf("outbox after a dry run: %v, %v", bs, err)
			}
		})
	}
}

// TestSendResume records a batch while a "daemon" holds the store (send
// only enqueues), marks part of it sent and leaves one in sending as a
// crash would, then resumes: only what is left goes out.
func TestSendResume(t *testing.T) {
	t.Parallel()
	srv := testmail.NewSMTP(t, testmail.Options{})
	cfg := sendMeeting(t, srv)
	m, cs := loadExample(t, cfg)
	db := openStore(t, m)
	unlock, err := db.Lock()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runIn(t, "", "send", "-c", cfg, "--template", "invitation", "--to", "state-party", "--yes", "--batch", "circ-1")
	unlock()
	if code != exitOK || !strings.Contains(out, "held by a running daemon") || !strings.Contains(out, "12 messages recorded") ||
		!strings.Contains(out, fmt.Sprintf("kill -HUP %d", os.Getpid())) {
		t.Fatalf("send with the store locked: exit %d\n%s\n%s", code, out, errs)
	}
	if srv.Count() != 0 {
		t.Fatalf("sent %d while the daemon held the store", srv.Count())
	}
	claims, err := db.ClaimOutbox(t.Context(), "circ-1", 5, time.Now())
	if err != nil || len(claims) != 5 {
		t.Fatalf("claim: %d, %v", len(claims), err)
	}
	done := map[string]bool{}
	var rs []store.OutboxResult
	for _, c := range claims[:4] {
		rs = append(rs, store.OutboxResult{ID: c.ID, State: store.OutboxSent})
		done[c.Recipients[0]] = true
	}
	if err := db.CompleteOutbox(t.Context(), rs); err != nil {
		t.Fatal(err)
	}

	code, out, errs = runIn(t, "", "send", "-c", cfg, "--resume", "circ-1")
	if code != exitOK {
		t.Fatalf("resume: exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"batch circ-1: 8 of 12 messages left", "batch circ-1: 12 sent, 0 failed, 0 left (of 12)", "this run: 8 sent", "1 message(s) interrupted"} {
		if !strings.Contains(out, want) {
			t.Errorf("resume output lacks %q:\n%s", want, out)
		}
	}
	if srv.Count() != 8 {
		t.Errorf("resume sent %d, want 8", srv.Count())
	}
	for _, msg := range srv.Messages() {
		if done[msg.To[0]] {
			t.Errorf("resume sent %s again", msg.To[0])
		}
	}
	got := received(t, srv, cs)
	for _, ct := range cs.InCategories(meeting.StateParty) {
		if !done[ct.Emails[0]] && len(got[ct.Name]) != 1 {
			t.Errorf("%s: %d messages after resume, want 1", ct.Name, len(got[ct.Name]))
		}
	}
	// Nothing left: a second resume sends nothing.
	if code, out, _ := runIn(t, "", "send", "-c", cfg, "--resume", "circ-1"); code != exitOK || srv.Count() != 8 {
		t.Errorf("second resume: exit %d, %d sent in all\n%s", code, srv.Count(), out)
	}
}

func TestSendConfirmation(t *testing.T) {
	defer func(f func(any) bool) { stdinTerminal = f }(stdinTerminal)
	tests := []struct {
		name     string
		terminal bool
		stdin    string
		wantCode int
		wantSent int
		wantErr  string
	}{
		{"not a terminal", false, "y\n", exitUsage, 0, "stdin is not a terminal; add --yes"},
		{"answer no", true, "n\n", exitFail, 0, "not confirmed"},
		{"answer empty", true, "", exitFail, 0, "not confirmed"},
		{"answer yes", true, "yes\n", exitOK, 3, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdinTerminal = func(any) bool { return tc.terminal }
			srv := testmail.NewSMTP(t, testmail.Options{})
			cfg := sendMeeting(t, srv)
			m, _ := loadExample(t, cfg)
			code, out, errs := runIn(t, tc.stdin, "send", "-c", cfg, "--template", "reminder", "--to", "state-not-party")
			if code != tc.wantCode || srv.Count() != tc.wantSent || !strings.Contains(errs, tc.wantErr) {
				t.Errorf("exit %d, sent %d, stderr %q; want %d, %d, %q\n%s", code, srv.Count(), errs, tc.wantCode, tc.wantSent, tc.wantErr, out)
			}
			if tc.terminal && !strings.Contains(out, "Send 3 messages? [y/N]") {
				t.Errorf("no prompt:\n%s", out)
			}
			if tc.wantSent == 0 {
				db := openStore(t, m)
				if bs, _ := db.OutboxBatches(t.Context(), ""); len(bs) != 0 {
					t.Errorf("refused send recorded %d batches", len(bs))
				}
			}
		})
	}
}

func TestSendUsage(t *testing.T) {
	t.Parallel()
	cfg := sendMeeting(t, nil)
	body := filepath.Join(t.TempDir(), "b.md")
	os.WriteFile(body, []byte("Hello"), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no template", []string{"--to", "state-party"}, exitUsage, "--template is required"},
		{"delegate template", []string{"--template", "invite", "--to", "state-party"}, exitUsage, "want one of"},
		{"nobody", []string{"--template", "reminder"}, exitUsage, "--to CATEGORY or --contact NAME"},
		{"both", []string{"--template", "reminder", "--to", "state-party", "--contact", "X"}, exitUsage, "cannot be combined"},
		{"bad category", []string{"--template", "reminder", "--to", "ngo"}, exitUsage, "want a category"},
		{"out without dry run", []string{"--template", "reminder", "--to", "state-party", "--out", "x"}, exitUsage, "--out needs --dry-run"},
		{"circular without body", []string{"--template", "circular", "--to", "state-party"}, exitUsage, "needs --body"},
		{"body for invitation", []string{"--template", "invitation", "--to", "state-party", "--body", body}, exitUsage, "circular only"},
		{"two bodies for all", []string{"--template", "circular", "--to", "state-party", "--body", body, "--body", body, "--dry-run"}, exitUsage, "two bodies"},
		{"missing language", []string{"--template", "circular", "--to", "state-party", "--body", "en=" + body, "--dry-run"}, exitFail, "no --body for fr"},
		{"resume with template", []string{"--resume", "b", "--template", "reminder"}, exitUsage, "--resume takes no other flag"},
		{"unknown contact", []string{"--template", "reminder", "--contact", "Nobody", "--dry-run"}, exitFail, "no contact of that name"},
		{"missing attachment", []string{"--template", "reminder", "--to", "state-party", "--attach", "/nonexistent.pdf", "--dry-run"}, exitFail, "--attach"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runIn(t, "", append([]string{"send", "-c", cfg}, tc.args...)...)
			if code != tc.code || !strings.Contains(errs, tc.want) {
				t.Errorf("send %q: exit %d, stderr %q; want %d, %q\n%s", tc.args, code, errs, tc.code, tc.want, out)
			}
		})
	}
}

// TestSendInterrupted stops a send part way (the server refuses after 3
// messages, then Ctrl-C), then resumes it: every contact ends with exactly
// one message.
func TestSendInterrupted(t *testing.T) {
	t.Parallel()
	srv := testmail.NewSMTP(t, testmail.Options{})
	cfg := sendMeeting(t, srv)
	_, cs := loadExample(t, cfg)

	srv.RefuseAfter(3)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		if srv.WaitRefused(ctx, 1, time.Minute) == nil {
			cancel()
		}
	}()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"send", "-c", cfg, "--template", "invitation", "--to", "state-party", "--yes", "--batch", "b1"}, strings.NewReader(""), &out, &errb)
	if code != exitFail || !strings.Contains(out.String(), "interrupted: 9 left") || srv.Count() != 3 {
		t.Fatalf("interrupted send: exit %d, %d sent\n%s\n%s", code, srv.Count(), out.String(), errb.String())
	}
	srv.RefuseAfter(-1)
	code, res, errs := runIn(t, "", "send", "-c", cfg, "--resume", "b1")
	if code != exitOK || srv.Count() != 12 || !strings.Contains(res, "this run: 9 sent") {
		t.Fatalf("resume: exit %d, %d sent in all\n%s\n%s", code, srv.Count(), res, errs)
	}
	for _, ct := range cs.InCategories(meeting.StateParty) {
		if n := len(received(t, srv, cs)[ct.Name]); n != 1 {
			t.Errorf("%s: %d messages, want 1", ct.Name, n)
		}
	}
}
