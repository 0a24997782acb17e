// Command convene runs the mail of a meeting secretariat: it sends the
// invitations and reminders, reads registration replies from an IMAP inbox,
// confirms them, and sends calendar invitations to the delegates.
//
// Run `convene help` for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // a problem in the user's input or a failed operation
	exitUsage = 2 // wrong usage of the command line
)

// command is one subcommand. Each lives in a file of its own and registers
// itself in an init function.
type command struct {
	name    string
	summary string // one line for `convene help`
	usage   string // the synopsis after "convene NAME"
	help    string // what it does, paragraphs
	example string
	// flags declares the command's flags on fs and returns the function that runs it.
	flags func(fs *flag.FlagSet, app *app) func(ctx context.Context, args []string) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// app is what every command shares: where output goes and the logger.
type app struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	log            *slog.Logger
	logLevel       slog.LevelVar
}

// usageError is wrong usage: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// silentError has already been reported to the user; it only sets the exit code.
type silentError struct{ code int }

func (e silentError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, stdin: stdin}
	global := flag.NewFlagSet("convene", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	logFormat := global.String("log-format", "text", "log format: text or json")
	logLevel := global.String("log-level", "info", "log level: debug, info, warn or error")
	helpFlag := global.Bool("help", false, "show help")
	global.BoolVar(helpFlag, "h", false, "show help")
	if err := global.Parse(args); err != nil {
		fmt.Fprintf(stderr, "convene: %v\n\n", err)
		mainUsage(stderr)
		return exitUsage
	}
	args = global.Args()
	if *helpFlag {
		mainUsage(stdout)
		return exitOK
	}
	if len(args) == 0 {
		mainUsage(stderr)
		return exitUsage
	}
	if err := a.logLevel.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "convene: --log-level: %v\n", err)
		return exitUsage
	}
	opts := &slog.HandlerOptions{Level: &a.logLevel}
	switch *logFormat {
	case "text":
		a.log = slog.New(slog.NewTextHandler(stderr, opts))
	case "json":
		a.log = slog.New(slog.NewJSONHandler(stderr, opts))
	default:
		fmt.Fprintf(stderr, "convene: --log-format: want text or json, not %q\n", *logFormat)
		return exitUsage
	}

	name := args[0]
	if name == "help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				commandUsage(stdout, c)
				return exitOK
			}
			fmt.Fprintf(stderr, "convene: unknown command %q\n", args[1])
			return exitUsage
		}
		mainUsage(stdout)
		return exitOK
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "convene: unknown command %q\n\n", name)
		mainUsage(stderr)
		return exitUsage
	}
	fs := flag.NewFlagSet("convene "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	runFn := c.flags(fs, a)
	fs.Usage = func() {}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			commandUsage(stdout, c)
			printFlags(stdout, fs)
			return exitOK
		}
		fmt.Fprintf(stderr, "convene %s: %v\nRun 'convene %s --help' for usage.\n", name, err, name)
		return exitUsage
	}
	err := runFn(ctx, fs.Args())
	var ue usageError
	var se silentError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &se):
		return se.code
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "convene %s: %v\nRun 'convene %s --help' for usage.\n", name, err, name)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "convene %s: %v\n", name, err)
		return exitFail
	}
}

func mainUsage(w io.Writer) {
	fmt.Fprint(w, `convene runs the mail of a meeting secretariat: invitations and reminders to a
contact list, registration replies read from an IMAP inbox, confirmations, and
calendar invitations to every registered delegate.

Usage: convene [--log-format text|json] [--log-level LEVEL] COMMAND [flags] [args]

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, `
Start here:
  convene demo                          the whole 2020 timeline on loopback servers
  convene init ./ism && convene check -c ./ism/meeting.yaml

Run 'convene COMMAND --help' for a command's flags and an example.
Exit codes: 0 ok, 1 a problem in the input or a failed operation, 2 wrong usage.
`)
}

func commandUsage(w io.Writer, c *command) {
	fmt.Fprintf(w, "Usage: convene %s %s\n\n%s\n", c.name, c.usage, strings.TrimSpace(c.help))
	if c.example != "" {
		fmt.Fprintf(w, "\nExample:\n%s\n", indent(strings.TrimSpace(c.example), "  "))
	}
}

func printFlags(w io.Writer, fs *flag.FlagSet) {
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprintln(w, "\nFlags:")
			first = false
		}
		name, usage := flag.UnquoteUsage(f)
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		line := "  " + dash + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%-28s %s", line, usage)
		if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
