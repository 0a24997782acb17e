package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runICSCommand(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestICSCommand(t *testing.T) {
	t.Parallel()
	cfg := exampleConfig(t, "")
	dir := filepath.Dir(cfg)

	code, out, errs := runICSCommand(t, "ics", "-c", cfg, "--lang", "fr")
	if code != exitOK {
		t.Fatalf("convene ics: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "METHOD:PUBLISH\r\n") || strings.Count(out, "BEGIN:VEVENT\r\n") != 5 || !strings.Contains(out, "SUMMARY:Comité sur l'application de l'article 5\r\n") {
		t.Errorf("convene ics output:\n%s", out)
	}

	file := filepath.Join(dir, "out.ics")
	if code, _, errs := runICSCommand(t, "ics", "-c", cfg, "-o", file); code != exitOK {
		t.Fatalf("convene ics -o: exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(file)
	if err != nil || !bytes.HasPrefix(b, []byte("BEGIN:VCALENDAR\r\n")) {
		t.Errorf("convene ics -o wrote %q, %v", b, err)
	}

	if code, _, _ := runICSCommand(t, "ics", "-c", cfg, "--lang", "de"); code != exitUsage {
		t.Errorf("--lang de: exit %d, want %d", code, exitUsage)
	}
	if code, _, errs := runICSCommand(t, "ics", "-c", filepath.Join(dir, "missing.yaml")); code != exitFail || !strings.Contains(errs, "missing.yaml") {
		t.Errorf("missing file: exit %d, stderr %q", code, errs)
	}
}
