package meeting_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"convene/meeting"
)

// TestSecretResolve reads secrets from each source. An empty secret is an
// error naming its source, and no error carries the secret or anything a
// command printed.
func TestSecretResolve(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Setenv("CONVENE_TEST_SECRET", "tok-env")
	t.Setenv("CONVENE_TEST_EMPTY", "")
	t.Setenv("CONVENE_TEST_BLANK", " \n")
	long := filepath.Join(dir, "long")
	if err := os.WriteFile(long, []byte(strings.Repeat("S3cr3tLONG", 10<<10)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		secret  meeting.Secret
		want    string // the secret, when no error is wanted
		wantErr string // substring of the error
	}{
		{"env", meeting.Secret{Env: "CONVENE_TEST_SECRET"}, "tok-env", ""},
		{"env unset", meeting.Secret{Env: "CONVENE_TEST_UNSET"}, "", "environment variable CONVENE_TEST_UNSET is not set"},
		{"env empty", meeting.Secret{Env: "CONVENE_TEST_EMPTY"}, "", "environment variable CONVENE_TEST_EMPTY is empty"},
		{"env blank", meeting.Secret{Env: "CONVENE_TEST_BLANK"}, "", "environment variable CONVENE_TEST_BLANK is empty"},
		{"file", meeting.Secret{File: file("tok", "tok-file\n")}, "tok-file", ""},
		{"file empty", meeting.Secret{File: file("empty", "")}, "", "file " + filepath.Join(dir, "empty") + " is empty"},
		{"file only a line end", meeting.Secret{File: file("nl", "\r\n")}, "", "file " + filepath.Join(dir, "nl") + " is empty"},
		{"file missing", meeting.Secret{File: filepath.Join(dir, "missing")}, "", "no such file"},
		{"command", meeting.Secret{Command: "echo tok-cmd"}, "tok-cmd", ""},
		{"command prints nothing", meeting.Secret{Command: "true"}, "", "secret: command printed nothing"},
		{"command prints a line end", meeting.Secret{Command: "echo"}, "", "secret: command printed nothing"},
		{"command fails, stderr not shown", meeting.Secret{Command: "echo token=S3cr3tLEAK >&2; exit 1"}, "", "secret: command failed: exit status 1; its output is not shown"},
		{"command fails, stdout not shown", meeting.Secret{Command: "echo S3cr3tOUT; echo S3cr3tERR >&2; exit 3"}, "", "exit status 3; its output is not shown"},
		{"command prints too much", meeting.Secret{Command: "cat " + long}, "", "printed more than 64 KiB; its output is not shown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.secret.Resolve(t.Context())
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("Resolve() = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Resolve() = %d bytes, %v; want an error with %q", len(got), err, tt.wantErr)
			}
			if got != "" {
				t.Errorf("Resolve() returned %q with its error", got)
			}
			if strings.Contains(err.Error(), "S3cr3t") {
				t.Errorf("error %q shows what the command printed", err)
			}
			var ee interface{ ExitCode() int }
			if errors.As(err, &ee) {
				t.Errorf("error %q wraps the command's exit error (and with it, possibly its stderr)", err)
			}
		})
	}
}

// TestSecretCommandKilledWithChildren runs commands whose children keep the
// output pipe open past the timeout (as "sleep 75 | cat" did): Resolve
// returns with an error once the timeout passes, and the grandchild that
// held the pipe is dead.
func TestSecretCommandKilledWithChildren(t *testing.T) {
	tests := []struct {
		name    string
		command string // PIDFILE: where the command writes its grandchild's pid
	}{
		{"pipeline", `(sleep 100000 & echo $! > PIDFILE; wait) | cat`},
		{"background child", `sleep 100000 & echo $! > PIDFILE; wait`},
		{"child ignoring TERM", `(trap "" TERM; sleep 100000 & echo $! > PIDFILE; wait) | cat`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "pid")
			s := meeting.Secret{Command: strings.ReplaceAll(tt.command, "PIDFILE", "'"+pidFile+"'")}
			t.Cleanup(func() { killPID(pidFile) }) // when the test fails
			// The timeout may pass before a loaded machine has even started
			// the grandchild; then try again with a longer one.
			for _, timeout := range []time.Duration{200 * time.Millisecond, 2 * time.Second, 10 * time.Second} {
				os.Remove(pidFile)
				err := resolveGuarded(t, s, timeout)
				if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "killed with its children") {
					t.Fatalf("Resolve() = %v, want the timeout killing the command", err)
				}
				b, _ := os.ReadFile(pidFile)
				pid, perr := strconv.Atoi(strings.TrimSpace(string(b)))
				if perr != nil {
					t.Logf("timeout %v passed before the grandchild started", timeout)
					continue
				}
				// Once the pipe is closed the grandchild may still be
				// between closing its files and exiting: wait for its exit,
				// which comes at once if it was killed.
				if !exits(t, pid, time.Minute) {
					t.Fatalf("grandchild %d is still running a minute after Resolve returned", pid)
				}
				if alive(pid) {
					t.Fatalf("grandchild %d is alive after Resolve returned", pid)
				}
				return
			}
			t.Fatal("the grandchild never started")
		})
	}
}

// resolveGuarded calls Resolve with a timeout. The guard is not a timing
// assertion: without it a test that fails would hang until go test's own
// timeout, with the grandchild holding the pipe.
func resolveGuarded(t *testing.T, s meeting.Secret, timeout time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := s.Resolve(ctx)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout + time.Minute):
		t.Fatalf("Resolve has not returned a minute after its %v timeout", timeout)
		return nil
	}
}

// killPID kills the process whose pid is in file, if any.
func killPID(file string) {
	b, _ := os.ReadFile(file)
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// exits waits up to guard for pid to exit, with a pidfd (Linux 5.3), which
// polls readable when the process exits; the guard only keeps a failing test
// from hanging.
func exits(t *testing.T, pid int, guard time.Duration) bool {
	t.Helper()
	const sysPidfdOpen = 434 // the same on every Linux architecture
	fd, _, errno := syscall.Syscall(sysPidfdOpen, uintptr(pid), 0, 0)
	switch {
	case errno == syscall.ESRCH:
		return true // exited and reaped already
	case errno != 0:
		t.Skipf("pidfd_open: %v", errno)
	}
	defer syscall.Close(int(fd))
	tv := syscall.NsecToTimeval(guard.Nanoseconds())
	for {
		var set syscall.FdSet
		set.Bits[fd/64] |= 1 << (fd % 64)
		n, err := syscall.Select(int(fd)+1, &set, nil, nil, &tv) // tv: what is left of the guard
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			t.Fatalf("select on pidfd: %v", err)
		}
		return n == 1
	}
}

// alive reports whether pid is a live process: kill -0 succeeds and it is
// not a zombie left for init to reap.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) S ...: the state follows the last ')'.
	st := string(b[strings.LastIndexByte(string(b), ')')+1:])
	st = strings.TrimSpace(st)
	return st != "" && st[0] != 'Z' && st[0] != 'X'
}

// TestSecretCommandLeavesPipeHolder: a shell that exits while a child it
// started still holds the output pipe does not keep Resolve waiting.
func TestSecretCommandLeavesPipeHolder(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	s := meeting.Secret{Command: "sleep 100000 & echo $! > '" + pidFile + "'; echo tok"}
	t.Cleanup(func() { killPID(pidFile) }) // when the test fails
	err := resolveGuarded(t, s, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "left a process holding its output open") {
		t.Fatalf("Resolve() = %v, want an error about the process left behind", err)
	}
}
