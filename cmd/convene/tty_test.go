package main

import (
	"os"
	"strings"
	"testing"
)

// TestIsTerminal: /dev/null is a character device but no terminal: a send
// run with stdin from /dev/null (cron, a script) must refuse with exit 2,
// not print a question nobody can answer.
func TestIsTerminal(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	for _, tc := range []struct {
		name string
		x    any
	}{
		{"/dev/null", null},
		{"a pipe", pr},
		{"a regular file", mustTemp(t)},
		{"not a file", strings.NewReader("y\n")},
	} {
		if isTerminal(tc.x) {
			t.Errorf("isTerminal(%s) = true, want false", tc.name)
		}
	}
}

func mustTemp(t *testing.T) *os.File {
	f, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
