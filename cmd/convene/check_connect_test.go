package main

import (
	"fmt"
	"strings"
	"testing"

	"convene/internal/testmail"
)

// TestCheckConnect: check --connect logs in to the in-process SMTP and
// IMAP servers with the configured secrets and reports each step; a wrong
// password fails at the login step, and an unset variable is named by a
// plain check too.
func TestCheckConnect(t *testing.T) {
	smtpSrv := testmail.NewSMTP(t, testmail.Options{RequireAuth: true, Username: "isu@isu.example", Password: "smtp-pass"})
	imapSrv := testmail.StartIMAP(t, nil)
	if err := imapSrv.User.Create("Review", nil); err != nil {
		t.Fatal(err)
	}
	ihost, iport, _ := strings.Cut(imapSrv.Addr, ":")
	cfg := exampleConfig(t, fmt.Sprintf(`smtp:
  host: 127.0.0.1
  port: %d
  security: none
  username: isu@isu.example
  auth: password
  secret: {env: CHECK_SMTP_SECRET}
imap:
  host: %s
  port: %s
  security: none
  username: %s
  auth: password
  secret: {env: CHECK_IMAP_SECRET}
`, smtpSrv.Port, ihost, iport, imapSrv.Username))

	t.Run("unset", func(t *testing.T) {
		code, out, _ := runCmd(t, "check", "-c", cfg)
		if code != 0 || !strings.Contains(out, "warning: smtp.secret: environment variable CHECK_SMTP_SECRET is not set") ||
			!strings.Contains(out, "warning: imap.secret: environment variable CHECK_IMAP_SECRET is not set") ||
			!strings.Contains(out, "ok, but 2 secret(s) cannot be read here") {
			t.Errorf("check with unset secrets = %d:\n%s", code, out)
		}
		code, out, _ = runCmd(t, "check", "-c", cfg, "--connect")
		if code != 1 || !strings.Contains(out, "FAIL  SMTP secret (environment variable CHECK_SMTP_SECRET): secret: environment variable CHECK_SMTP_SECRET is not set") {
			t.Errorf("check --connect with unset secrets = %d:\n%s", code, out)
		}
	})

	t.Run("ok", func(t *testing.T) {
		t.Setenv("CHECK_SMTP_SECRET", "smtp-pass")
		t.Setenv("CHECK_IMAP_SECRET", imapSrv.Password)
		code, out, stderr := runCmd(t, "check", "-c", cfg, "--connect")
		if code != 0 {
			t.Fatalf("check --connect = %d\n%s%s", code, out, stderr)
		}
		t.Logf("check --connect:\n%s", out)
		for _, want := range []string{
			"ok    SMTP secret (environment variable CHECK_SMTP_SECRET)",
			fmt.Sprintf("ok    SMTP connect to 127.0.0.1:%d (none)", smtpSrv.Port),
			"ok    SMTP login as isu@isu.example (password)",
			"ok    IMAP secret (environment variable CHECK_IMAP_SECRET)",
			"ok    IMAP connect to " + imapSrv.Addr + " (none)",
			"ok    IMAP login as " + imapSrv.Username + " (password)",
			"ok    IMAP mailbox INBOX",
			"ok    IMAP review folder Review",
			"note  IMAP processed folder Processed: does not exist yet",
			"connected: ok",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "smtp-pass") || strings.Contains(out, imapSrv.Password) {
			t.Error("the output shows a secret")
		}
		if smtpSrv.Count() != 0 {
			t.Error("check sent a message")
		}
	})

	t.Run("wrong passwords", func(t *testing.T) {
		t.Setenv("CHECK_SMTP_SECRET", "wrong")
		t.Setenv("CHECK_IMAP_SECRET", "wrong")
		code, out, stderr := runCmd(t, "check", "-c", cfg, "--connect")
		if code != 1 || !strings.Contains(stderr, "2 step(s) failed") {
			t.Fatalf("check --connect with wrong passwords = %d\n%s%s", code, out, stderr)
		}
		t.Logf("check --connect, wrong passwords:\n%s", out)
		for _, want := range []string{
			"ok    SMTP connect to",
			"FAIL  SMTP login as isu@isu.example (password): ",
			"ok    IMAP connect to",
			"FAIL  IMAP login as " + imapSrv.Username + " (password): ",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "IMAP review folder") {
			t.Errorf("folders checked after a refused login:\n%s", out)
		}
	})
}
