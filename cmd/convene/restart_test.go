package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"convene/internal/demo"
	"convene/meeting"
)

// A short meeting: four simulated days from registration to the end, so that
// the real binary runs the whole timeline in seconds on a fast clock.
const shortMeeting = `id: short-2020
title: Short meeting
timezone: Europe/Zurich
sender: {name: ISU, address: isu@isu.example, reply_to: registrations@isu.example}
registration:
  opens: 2020-06-10 09:00
  deadline: 2020-06-12 12:00
  reminders: [1d, 3h]
rehearsal: {start: 2020-06-12 20:00, duration: 1h, notice: 2h}
sessions:
  - {id: day-1, title: Day one, start: 2020-06-13 10:00, end: 2020-06-13 12:00}
  - {id: day-2, title: Day two, start: 2020-06-14 10:00, end: 2020-06-14 12:00}
contacts: contacts.csv
store: convene.db
smtp: {host: 127.0.0.1, port: %s, security: none, auth: none, concurrency: 4}
`

// sentLog runs the real convene binary over the short meeting on a simulated
// clock against a sandbox SMTP server. interrupt, when set, is called with
// the running process and the number of messages the server has received,
// after each message; it may kill or stop it, and the daemon is restarted
// from where the clock stood. It returns every Message-ID received, in
// order, with duplicates.
func sentLog(t *testing.T, bin string, interrupt func(p *os.Process, received int) bool) []string {
	t.Helper()
	got := make(chan string, 1000)
	sb, err := demo.StartSandbox("registrations@isu.example", "x", func(r demo.Received) {
		for _, l := range strings.Split(string(r.Data), "\n") {
			if strings.HasPrefix(strings.ToLower(l), "message-id:") {
				got <- strings.TrimSpace(l[len("message-id:"):])
				break
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir := t.TempDir()
	_, port, _ := strings.Cut(sb.SMTPAddr, ":")
	os.WriteFile(filepath.Join(dir, "meeting.yaml"), []byte(fmt.Sprintf(shortMeeting, port)), 0o644)
	os.WriteFile(filepath.Join(dir, "contacts.csv"), meeting.ExampleContactsCSV, 0o644)

	const speed = 20000
	start := time.Date(2020, 6, 10, 6, 55, 0, 0, time.UTC)
	var ids []string
	for run := 0; run < 10; run++ {
		cmd := exec.Command(bin, "--log-level", "warn", "run", "-c", filepath.Join(dir, "meeting.yaml"), "--dashboard", "-",
			"--exit-when-done", "--clock-start", start.Format(time.RFC3339), "--clock-speed", fmt.Sprint(speed))
		stderr, _ := cmd.StderrPipe()
		began := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				t.Logf("run %d: %s", run, sc.Text())
			}
			exited <- cmd.Wait()
		}()
		interrupted := false
	loop:
		for {
			select {
			case id := <-got:
				ids = append(ids, id)
				if interrupt != nil && !interrupted && interrupt(cmd.Process, len(ids)) {
					interrupted = true
				}
			case err := <-exited:
				// Collect what arrived just before the exit.
				for len(got) > 0 {
					ids = append(ids, <-got)
				}
				if !interrupted {
					if err != nil {
						t.Fatalf("run %d: %v", run, err)
					}
					return ids
				}
				if ee, ok := err.(*exec.ExitError); ok && ee.Sys().(syscall.WaitStatus).Signaled() && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL {
					// killed: restart where the simulated clock stood
				} else if err != nil {
					t.Fatalf("run %d: after SIGTERM: %v (want exit 0)", run, err)
				}
				break loop
			case <-time.After(2 * time.Minute):
				cmd.Process.Kill()
				t.Fatalf("run %d: no progress for 2 minutes", run)
			}
		}
		start = start.Add(time.Duration(float64(time.Since(began)) * speed))
	}
	t.Fatal("too many restarts")
	return nil
}

// TestRestartSameSentLog runs the short timeline uninterrupted, then again
// with the daemon killed with SIGKILL three times and stopped with SIGTERM
// once in the middle of its batches, each time restarted: the set of
// messages sent is the same; a message is received twice only from the
// in-flight window (at most one per SMTP connection per kill), with the same
// Message-ID.
func TestRestartSameSentLog(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := conveneBinary(t)
	want := sentLog(t, bin, nil)
	if len(want) < 60 {
		t.Fatalf("uninterrupted run sent %d messages; want the invitation, two reminders and the digests", len(want))
	}

	kills := []int{7, 25, 46} // after this many messages received: mid-invitation, mid-reminder...
	term := 33
	got := sentLog(t, bin, func(p *os.Process, received int) bool {
		switch {
		case slices.Contains(kills, received):
			p.Signal(syscall.SIGKILL)
			return true
		case received == term:
			p.Signal(syscall.SIGTERM)
			return true
		}
		return false
	})
	uniq := func(ids []string) []string {
		u := slices.Clone(ids)
		sort.Strings(u)
		return slices.Compact(u)
	}
	if w, g := uniq(want), uniq(got); !slices.Equal(w, g) {
		t.Errorf("sent logs differ:\nuninterrupted %d messages, interrupted %d\nmissing: %v\nextra: %v", len(w), len(g), diff(w, g), diff(g, w))
	}
	if dups := len(got) - len(uniq(got)); dups > 4*len(kills) {
		t.Errorf("%d messages received twice, more than the in-flight window (4 connections × %d kills)", dups, len(kills))
	} else {
		t.Logf("%d messages; %d received twice (in flight at a kill, same Message-ID)", len(uniq(got)), dups)
	}
	if d := len(want) - len(uniq(want)); d != 0 {
		t.Errorf("the uninterrupted run sent %d duplicates", d)
	}
}

func diff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
