package meeting

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Secret says where a password or OAuth2 token comes from. Exactly one field
// is set. A secret is never written in meeting.yaml itself.
type Secret struct {
	Env     string // name of an environment variable
	File    string // path of a file holding it (trailing newline dropped)
	Command string // a command whose standard output is the secret (run by sh -c)
	// Source gives OAuth2 access tokens (auth oauth2); set at start-up by
	// the program, never from meeting.yaml.
	Source TokenSource
}

// Where says where the secret comes from, never what it is.
func (s Secret) Where() string {
	switch {
	case s.Source != nil:
		return "the OAuth2 token"
	case s.Env != "":
		return "environment variable " + s.Env
	case s.File != "":
		return "file " + s.File
	case s.Command != "":
		return "command"
	}
	return "none"
}

// IsZero reports whether no source is set.
func (s Secret) IsZero() bool {
	return s.Env == "" && s.File == "" && s.Command == "" && s.Source == nil
}

// Limits of a secret command.
const (
	// secretCommandTimeout is how long a secret command may run; ctx may
	// set an earlier deadline.
	secretCommandTimeout = 30 * time.Second
	// secretWaitDelay bounds the wait, once the command has exited or been
	// killed, for its output pipe to close: a process that left the
	// command's process group may hold it open.
	secretWaitDelay = 2 * time.Second
	// maxSecretOutput is the most a secret command may print.
	maxSecretOutput = 64 << 10
)

// Resolve reads the secret. It is called at each connection so that rotated
// tokens (OAuth2) are picked up. An empty secret (nothing but line ends or
// spaces) is an error. Errors name the variable, file or command's exit
// status, never the secret nor anything the command printed.
//
// A command runs in a process group of its own, with its standard error
// discarded; when ctx ends or 30 seconds pass, the whole group
// is killed (SIGKILL), so a child that holds the output pipe open (as in
// "sleep 75 | cat") cannot keep Resolve waiting.
func (s Secret) Resolve(ctx context.Context) (string, error) {
	var v string
	switch {
	case s.Env != "":
		var ok bool
		if v, ok = os.LookupEnv(s.Env); !ok {
			return "", fmt.Errorf("secret: environment variable %s is not set", s.Env)
		}
		if strings.TrimSpace(v) == "" {
			return "", fmt.Errorf("secret: environment variable %s is empty", s.Env)
		}
		return v, nil
	case s.File != "":
		b, err := os.ReadFile(s.File)
		if err != nil {
			return "", fmt.Errorf("secret: %w", err)
		}
		v = strings.TrimRight(string(b), "\r\n")
		if strings.TrimSpace(v) == "" {
			return "", fmt.Errorf("secret: file %s is empty", s.File)
		}
		return v, nil
	case s.Command != "":
		return runSecretCommand(ctx, s.Command)
	case s.Source != nil:
		return s.Source.Token(ctx)
	}
	return "", errors.New("secret: no source configured")
}

// runSecretCommand runs command with sh -c and returns its standard output
// without the trailing line end.
func runSecretCommand(ctx context.Context, command string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, secretCommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// The group's id is the shell's pid: kill it and all it started.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = secretWaitDelay
	out := &cappedBuffer{max: maxSecretOutput}
	cmd.Stdout = out // Stderr stays nil: /dev/null
	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) {
		// The shell exited, but a child it left in its group holds the
		// output open: kill what is left of the group.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return "", fmt.Errorf("secret: command did not finish: killed with its children (%w)", ctx.Err())
	case errors.Is(err, exec.ErrWaitDelay):
		return "", errors.New("secret: command exited but left a process holding its output open (killed); its output is not shown")
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("secret: command failed: %s; its output is not shown", ee.ProcessState)
		}
		return "", fmt.Errorf("secret: command: %w", err)
	case out.over:
		return "", fmt.Errorf("secret: command printed more than %d KiB; its output is not shown", maxSecretOutput>>10)
	}
	v := strings.TrimRight(out.buf.String(), "\r\n")
	if strings.TrimSpace(v) == "" {
		return "", errors.New("secret: command printed nothing")
	}
	return v, nil
}

// cappedBuffer keeps the first max bytes written to it and notes whether
// more came. It accepts every write, so that the command does not fail on
// a broken pipe because of it. (It does not embed bytes.Buffer, whose
// ReadFrom would let io.Copy bypass the cap.)
type cappedBuffer struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); len(p) > room {
		b.over = true
		b.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.buf.Write(p)
}
