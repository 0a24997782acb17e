package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestParseHostile runs convene parse on messages built to make it work
// for minutes or read part of a file, and on a parse stopped by a signal.
func TestParseHostile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	parts := write("parts.eml", "From: a@b.example\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"+
		strings.Repeat("--b\r\n\r\nx\r\n", 200000)+"--b--\r\n")
	var csv strings.Builder
	csv.WriteString("From: a@b.example\r\nSubject: rows\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n--b\r\nContent-Type: text/csv; name=d.csv\r\n\r\nName,Title,Email\r\n")
	for i := range 250 {
		csv.WriteString("Ms. A B" + strings.Repeat("x", i%7) + ",Adviser,a" + strings.Repeat("b", i) + "@x.example\r\n")
	}
	csv.WriteString("--b--\r\n")
	rows := write("rows.eml", csv.String())

	tests := []struct {
		name   string
		ctx    func() context.Context
		files  []string
		code   int
		reason []string // each file's review reason contains
		stderr string
	}{
		{"200,000 MIME parts", context.Background, []string{parts}, exitOK, []string{"more than 100 MIME parts"}, ""},
		{"CSV rows beyond attachment_rows", context.Background, []string{rows}, exitOK, []string{"beyond limits.attachment_rows (200)"}, ""},
		{"stopped by a signal", func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // as signal.NotifyContext does on SIGINT or SIGTERM
			return ctx
		}, []string{rows, parts}, exitInterrupted, nil, "interrupted by a signal: 0 of 2 files parsed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.ctx(), append([]string{"parse"}, tt.files...), nil, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tt.code, tt.stderr)
			}
			out := strings.TrimSpace(stdout.String())
			var lines []string
			if out != "" {
				lines = strings.Split(out, "\n")
			}
			if len(lines) != len(tt.reason) {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), len(tt.reason), out)
			}
			for i, l := range lines {
				var res parseResult
				if err := json.Unmarshal([]byte(l), &res); err != nil {
					t.Fatal(err)
				}
				if !res.NeedsReview || !strings.Contains(res.ReviewReason, tt.reason[i]) || len(res.Delegates) > 200 {
					t.Errorf("needs_review %v, reason %q, %d delegates; want review saying %q", res.NeedsReview, res.ReviewReason, len(res.Delegates), tt.reason[i])
				}
			}
		})
	}
}

// TestParseStopsOnSignal runs the binary on a standard input that never
// ends and sends it SIGTERM: it stops at once with status 130.
func TestParseStopsOnSignal(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(conveneBinary(t), "--log-level", "debug", "parse", "-")
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// the message starts but never ends
			if _, err := stdin.Write([]byte("From: a@b.example\r\nSubject: slow\r\n\r\nName: ")); err != nil {
				t.Fatal(err)
			}
			// wait for the process to be reading (its handlers are set by
			// then), with a deadline
			lines := make(chan string, 16)
			go func() {
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			deadline := time.After(2 * time.Minute) // bounds the wait only
			var got []string
		wait:
			for {
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatalf("convene parse ended before reading: %q", got)
					}
					got = append(got, l)
					if strings.Contains(l, "reading standard input") {
						break wait
					}
				case <-deadline:
					cmd.Process.Kill()
					t.Fatalf("convene parse did not start reading in 2 minutes: %q", got)
				}
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() {
				for l := range lines {
					got = append(got, l)
				}
				exited <- cmd.Wait()
			}()
			select {
			case err = <-exited:
			case <-deadline:
				cmd.Process.Kill()
				t.Fatalf("convene parse still running 30 s after %v", sig)
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
				t.Errorf("exit %v, want status %d", err, exitInterrupted)
			}
			if !strings.Contains(strings.Join(got, "\n"), "interrupted by a signal: 0 of 1 files parsed") {
				t.Errorf("stderr %q, want the interruption reported", got)
			}
		})
	}
}
