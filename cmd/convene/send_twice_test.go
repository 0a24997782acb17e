package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"convene/internal/testmail"
	"convene/meeting"
)

// TestSendTwice runs the same send again, as a person does after a
// Ctrl-C or by mistake, against an SMTP server over TCP: each recipient
// gets the message once, unless --again says otherwise.
func TestSendTwice(t *testing.T) {
	batchRE := regexp.MustCompile(`template \w+, batch ((?:circular|invitation)-[0-9a-f]{12}(?:-\d+)?)`)
	batchOf := func(t *testing.T, out string) string {
		t.Helper()
		m := batchRE.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no content batch id in:\n%s", out)
		}
		return m[1]
	}
	once := func(t *testing.T, srv *testmail.SMTP, cfg string, cat meeting.Category, want int) {
		t.Helper()
		_, cs := loadExample(t, cfg)
		got := received(t, srv, cs)
		for _, ct := range cs.InCategories(cat) {
			if n := len(got[ct.Name]); n != want {
				t.Errorf("%s received %d messages, want %d", ct.Name, n, want)
			}
		}
	}

	t.Run("identical send twice", func(t *testing.T) {
		defer func(f func(any) bool) { stdinTerminal = f }(stdinTerminal)
		srv := testmail.NewSMTP(t, testmail.Options{})
		cfg := sendMeeting(t, srv)
		body := filepath.Join(t.TempDir(), "note.md")
		if err := os.WriteFile(body, []byte("Subject: Documents online\n\nThe documents are online."), 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"send", "-c", cfg, "--template", "circular", "--to", "state-not-party", "--to", "organisation", "--body", body}
		code, out, errs := runIn(t, "", append(args, "--yes")...)
		if code != exitOK || srv.Count() != 8 {
			t.Fatalf("first send: exit %d, %d delivered\n%s\n%s", code, srv.Count(), out, errs)
		}
		first := batchOf(t, out)

		// The same command, the categories in another order: nothing sent.
		swapped := []string{"send", "-c", cfg, "--template", "circular", "--to", "organisation", "--to", "state-not-party", "--body", body, "--yes"}
		code, out, errs = runIn(t, "", swapped...)
		if code != exitOK || srv.Count() != 8 {
			t.Fatalf("second send: exit %d, %d delivered in all, want 8\n%s\n%s", code, srv.Count(), out, errs)
		}
		for _, want := range []string{"batch " + first + " is complete", "8 recipient(s) already received this circular", "Nothing sent", "--again"} {
			if !strings.Contains(out, want) {
				t.Errorf("second send's output lacks %q:\n%s", want, out)
			}
		}
		once(t, srv, cfg, meeting.StateNotParty, 1)
		once(t, srv, cfg, meeting.Organisation, 1)

		// --again asks, saying who received it and when, then sends a new batch.
		stdinTerminal = func(any) bool { return true }
		code, out, errs = runIn(t, "y\n", append(args, "--again")...)
		if code != exitOK || srv.Count() != 16 {
			t.Fatalf("--again: exit %d, %d delivered in all, want 16\n%s\n%s", code, srv.Count(), out, errs)
		}
		if !regexp.MustCompile(`8 recipient\(s\) already received this circular in batch ` + first + `, last on \d{4}-\d\d-\d\d \d\d:\d\d UTC\.\nSend it again: 8 messages\? \[y/N\]`).MatchString(out) {
			t.Errorf("--again prompt:\n%s", out)
		}
		if again := batchOf(t, out); again != first+"-2" {
			t.Errorf("--again batch %s, want %s-2", again, first)
		}
		once(t, srv, cfg, meeting.StateNotParty, 2)

		// Another body is another circular.
		if err := os.WriteFile(body, []byte("Subject: Documents online\n\nThe documents are online, corrected."), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errs = runIn(t, "", append(args, "--yes")...)
		if code != exitOK || srv.Count() != 24 || batchOf(t, out) == first {
			t.Fatalf("changed body: exit %d, %d delivered in all, want 24\n%s\n%s", code, srv.Count(), out, errs)
		}
	})

	t.Run("same contacts spelled otherwise", func(t *testing.T) {
		srv := testmail.NewSMTP(t, testmail.Options{})
		cfg := sendMeeting(t, srv)
		code, out, errs := runIn(t, "", "send", "-c", cfg, "--template", "reminder", "--yes",
			"--contact", "Permanent Mission of Arcadia", "--contact", "Permanent Mission of Borduria")
		if code != exitOK || srv.Count() != 2 {
			t.Fatalf("first send: exit %d, %d delivered\n%s\n%s", code, srv.Count(), out, errs)
		}
		code, out, errs = runIn(t, "", "send", "-c", cfg, "--template", "reminder", "--yes",
			"--contact", "permanent mission of borduria ", "--contact", "PERMANENT MISSION OF ARCADIA")
		if code != exitOK || srv.Count() != 2 || !strings.Contains(out, "is complete") {
			t.Fatalf("second send: exit %d, %d delivered in all, want 2\n%s\n%s", code, srv.Count(), out, errs)
		}
		// One contact is another audience; and "1 message", not "1 messages".
		code, out, errs = runIn(t, "", "send", "-c", cfg, "--template", "reminder", "--yes", "--contact", "Permanent Mission of Arcadia")
		if code != exitOK || srv.Count() != 3 || !regexp.MustCompile(`batch reminder-[0-9a-f]{12}: 1 message\n`).MatchString(out) {
			t.Fatalf("one contact: exit %d, %d delivered in all, want 3\n%s\n%s", code, srv.Count(), out, errs)
		}
	})

	t.Run("interrupted then run again", func(t *testing.T) {
		srv := testmail.NewSMTP(t, testmail.Options{})
		cfg := sendMeeting(t, srv)
		args := []string{"send", "-c", cfg, "--template", "invitation", "--to", "state-party", "--yes"}

		// The server accepts 8 and then refuses; the person presses Ctrl-C.
		srv.RefuseAfter(8)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() {
			if srv.WaitRefused(ctx, 1, time.Minute) == nil {
				cancel()
			}
		}()
		code, out, errs := runCtx(ctx, args...)
		if code != exitFail || srv.Count() != 8 || !strings.Contains(out, "interrupted: 4 left") {
			t.Fatalf("interrupted send: exit %d, %d delivered\n%s\n%s", code, srv.Count(), out, errs)
		}
		first := batchOf(t, out)

		srv.RefuseAfter(-1)
		code, out, errs = runIn(t, "", args...)
		if code != exitOK || srv.Count() != 12 {
			t.Fatalf("same command again: exit %d, %d delivered in all, want 12\n%s\n%s", code, srv.Count(), out, errs)
		}
		if want := "resuming batch " + first + ": 8 already sent, 4 to go"; !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
		once(t, srv, cfg, meeting.StateParty, 1)

		// And a third time: complete, nothing sent.
		if code, out, _ := runIn(t, "", args...); code != exitOK || srv.Count() != 12 || !strings.Contains(out, "is complete") {
			t.Errorf("third run: exit %d, %d delivered in all\n%s", code, srv.Count(), out)
		}
	})

	t.Run("recorded while a daemon holds the store", func(t *testing.T) {
		srv := testmail.NewSMTP(t, testmail.Options{})
		cfg := sendMeeting(t, srv)
		m, _ := loadExample(t, cfg)
		args := []string{"send", "-c", cfg, "--template", "invitation", "--to", "state-party", "--yes"}
		db := openStore(t, m)
		unlock, err := db.Lock()
		if err != nil {
			t.Fatal(err)
		}
		code, out, errs := runIn(t, "", args...)
		if code != exitOK || !strings.Contains(out, "12 messages recorded") {
			unlock()
			t.Fatalf("first send, daemon running: exit %d\n%s\n%s", code, out, errs)
		}
		first := batchOf(t, out)
		code, out, errs = runIn(t, "", args...)
		unlock()
		if code != exitOK || !strings.Contains(out, "resuming batch "+first+": 0 already sent, 12 to go") ||
			!strings.Contains(out, "already recorded in the outbox: nothing added") {
			t.Fatalf("second send, daemon running: exit %d\n%s\n%s", code, out, errs)
		}
		if bs, err := db.OutboxBatches(t.Context(), ""); err != nil || len(bs) != 1 || bs[0].Total != 12 {
			t.Fatalf("outbox: %+v, %v; want one batch of 12", bs, err)
		}
		// The "daemon" stopped before sending: the same command sends the batch, once.
		code, out, errs = runIn(t, "", args...)
		if code != exitOK || srv.Count() != 12 {
			t.Fatalf("third send: exit %d, %d delivered\n%s\n%s", code, srv.Count(), out, errs)
		}
		once(t, srv, cfg, meeting.StateParty, 1)
	})
}

// runCtx runs convene with ctx and empty stdin.
func runCtx(ctx context.Context, args ...string) (int, string, string) {
	var out, errb strings.Builder
	code := run(ctx, args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}
