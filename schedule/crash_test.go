package schedule_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"convene/meeting"
	"convene/schedule"
	"convene/store"
)

// The crash tests run this test binary again as a daemon: a runner on a
// SimClock, whose handlers append each call to a file (fsynced) and print it.
const helperEnv = "CONVENE_SCHEDULE_HELPER"

// crashSpeed runs the 37 days of the example's timeline in about 3.2 real seconds.
const crashSpeed = 1e6

// crashOptions: the crash test is about restarts, not lateness. At this speed
// a slow fsync on a loaded machine costs simulated hours, so every kind gets
// a long grace (still capped: reminders end at the deadline, 2 days after
// the last one, about 170ms of real time).
var crashOptions = func() schedule.TimelineOptions {
	g := map[schedule.Kind]time.Duration{}
	for _, k := range schedule.Kinds {
		g[k] = 60 * 24 * time.Hour
	}
	return schedule.TimelineOptions{Grace: g}
}()

func TestCrashHelper(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process of TestCrashRestart")
	}
	m, _, err := meeting.Load(filepath.Join(os.Getenv("HELPER_MEETING"), "meeting.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := schedule.Timeline(m, crashOptions)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), os.Getenv("HELPER_STORE"))
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := db.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	start, err := time.Parse(time.RFC3339Nano, os.Getenv("HELPER_START"))
	if err != nil {
		t.Fatal(err)
	}
	clock := schedule.SimClock(start, crashSpeed)
	record := os.Getenv("HELPER_RECORD")
	h := func(ctx context.Context, j schedule.Job) error {
		f, err := os.OpenFile(record, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := f.WriteString(j.Key + "\n"); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
		fmt.Printf("CALL %s\n", j.Key)
		// The rest of the job's work, during which a kill leaves it running.
		t := time.NewTimer(2 * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		return nil
	}
	handlers := map[schedule.Kind]schedule.Handler{}
	for _, k := range schedule.Kinds {
		handlers[k] = h
	}
	r := schedule.NewRunner(db, clock, jobs, handlers, schedule.RunnerOptions{ExitWhenDone: true})
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func helperCmd(meetingDir, storePath, record string, start time.Time) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=1",
		"HELPER_MEETING="+meetingDir, "HELPER_STORE="+storePath, "HELPER_RECORD="+record,
		"HELPER_START="+start.UTC().Format(time.RFC3339Nano))
	return cmd
}

func TestCrashRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon as a process five times")
	}
	m, _, dir := exampleMeeting(t)
	jobs, err := schedule.Timeline(m, crashOptions)
	if err != nil {
		t.Fatal(err)
	}
	due := map[string]time.Time{}
	for _, j := range jobs {
		due[j.Key] = j.Due
	}
	tmp := t.TempDir()
	storePath, record := filepath.Join(tmp, "convene.db"), filepath.Join(tmp, "calls")
	start := jobs[0].Due.Add(-time.Minute)
	killAfter := []int{1, 5, 14, 27, 40} // SIGKILL once this many calls have been seen in all
	running := map[string]int{}          // keys recorded running at a kill
	seen := 0
	for round := 0; ; round++ {
		cmd := helperCmd(dir, storePath, record, start)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		var last string
		var tail []string
		killed := false
		for sc.Scan() {
			key, ok := strings.CutPrefix(sc.Text(), "CALL ")
			if !ok {
				tail = append(tail, sc.Text())
				continue
			}
			seen++
			last = key
			if round < len(killAfter) && seen >= killAfter[round] {
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				killed = true
				break
			}
		}
		io.Copy(io.Discard, out)
		err = cmd.Wait()
		if !killed {
			if err != nil {
				t.Fatalf("round %d: daemon exited with %v\n%s\n%s", round, err, strings.Join(tail, "\n"), stderr.String())
			}
			t.Logf("round %d: ran to the end, %d calls seen in all", round, seen)
			break
		}
		db, err := store.Open(context.Background(), storePath)
		if err != nil {
			t.Fatal(err)
		}
		runs, err := db.JobRuns(context.Background())
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		var r []string
		for k, run := range runs {
			if run.State == store.RunRunning {
				running[k]++
				r = append(r, k)
			}
		}
		t.Logf("round %d: killed after %d calls (last %s); running at the kill: %v", round, seen, last, r)
		start = due[last] // restart the simulated clock where it was
	}

	db, err := store.Open(context.Background(), storePath)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := db.JobRuns(context.Background())
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if run := runs[j.Key]; run.State != store.RunDone {
			t.Errorf("%s: state %s %s", j.Key, run.State, run.Error)
		}
	}
	body, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, k := range strings.Fields(string(body)) {
		count[k]++
	}
	for _, j := range jobs {
		n := count[j.Key]
		switch {
		case n == 0:
			t.Errorf("%s never ran", j.Key)
		case n > 1+running[j.Key]:
			t.Errorf("%s ran %d times; running at %d kills", j.Key, n, running[j.Key])
		}
	}
	if len(count) != len(jobs) {
		t.Errorf("calls of %d keys, want %d", len(count), len(jobs))
	}
	dups := 0
	for _, n := range count {
		dups += n - 1
	}
	t.Logf("%d jobs, %d calls, %d repeated after a kill mid-run", len(jobs), len(strings.Fields(string(body))), dups)
}

func TestSecondDaemonRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	_, _, dir := exampleMeeting(t)
	tmp := t.TempDir()
	storePath := filepath.Join(tmp, "convene.db")
	db := openStore(t, storePath)
	unlock, err := db.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	out, err := helperCmd(dir, storePath, filepath.Join(tmp, "calls"), time.Now()).CombinedOutput()
	if err == nil {
		t.Fatalf("a second daemon on a locked store ran:\n%s", out)
	}
	if want := "locked by process " + strconv.Itoa(os.Getpid()); !strings.Contains(string(out), want) {
		t.Errorf("second daemon's output lacks %q:\n%s", want, out)
	}
	if _, err := os.Stat(filepath.Join(tmp, "calls")); err == nil {
		t.Error("the refused daemon ran a job")
	}
}
