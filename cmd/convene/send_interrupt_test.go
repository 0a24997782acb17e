package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"convene/internal/testmail"
)

// cancelOnWrite is stdout that cancels the command's context (as Ctrl-C
// does) once the text it waits for has been written.
type cancelOnWrite struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	when   string
	cancel context.CancelFunc
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.when) {
		w.cancel()
	}
	return n, err
}

// TestSendInterruptedAtPrompt: Ctrl-C (or SIGTERM) while convene send waits
// for "y" stops it at once, with nothing sent or recorded; it used to keep
// waiting on the terminal, deaf to both signals.
func TestSendInterruptedAtPrompt(t *testing.T) {
	defer func(f func(any) bool) { stdinTerminal = f }(stdinTerminal)
	stdinTerminal = func(any) bool { return true }
	for _, tc := range []struct{ name, template string }{
		{"reminder", "reminder"},
		{"invitation", "invitation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := testmail.NewSMTP(t, testmail.Options{})
			cfg := sendMeeting(t, srv)
			m, _ := loadExample(t, cfg)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			stdin, never := io.Pipe() // a person who does not answer
			defer never.Close()
			out := &cancelOnWrite{when: "[y/N]", cancel: cancel}
			var errb bytes.Buffer
			code := run(ctx, []string{"send", "-c", cfg, "--template", tc.template, "--to", "state-not-party"}, stdin, out, &errb)
			if code != exitInterrupted || srv.Count() != 0 || !strings.Contains(errb.String(), "interrupted: nothing sent") {
				t.Errorf("exit %d, sent %d, stderr %q; want %d, 0, \"interrupted: nothing sent\"", code, srv.Count(), errb.String(), exitInterrupted)
			}
			db := openStore(t, m)
			if bs, _ := db.OutboxBatches(t.Context(), ""); len(bs) != 0 {
				t.Errorf("interrupted send recorded %d batches", len(bs))
			}
		})
	}
}
