package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"convene/secretariat"
	"convene/web"
)

func init() {
	register(&command{
		name:    "export",
		summary: "export the registrations as CSV or XLSX",
		usage:   "registrations -c meeting.yaml [--format csv|xlsx] [-o FILE]",
		help: `Writes one row per active registered delegate, as the dashboard's export does:
mission, category, language, delegate, title, email, and when the delegate
was registered (in the meeting's time zone). CSV starts with a UTF-8 byte
order mark and uses CRLF line ends, so Excel reads it; cells a spreadsheet
would run as a formula are prefixed with a quote. XLSX has one sheet,
"Registrations". Output goes to FILE, or to stdout (CSV only when stdout is
a terminal). The store is only read; when it does not exist yet, the export
has only its header row.`,
		example: "convene export registrations -c meeting.yaml --format xlsx -o registrations.xlsx",
		flags: func(fs *flag.FlagSet, a *app) func(context.Context, []string) error {
			cfg := fs.String("c", "meeting.yaml", "the meeting file")
			format := fs.String("format", "csv", "csv or xlsx")
			out := fs.String("o", "", "write to this `FILE` instead of stdout")
			return func(ctx context.Context, args []string) error {
				if len(args) == 0 || args[0] != "registrations" {
					return usagef("want: convene export registrations [flags]")
				}
				// Flags may follow the noun: parse them now.
				if err := fs.Parse(args[1:]); err != nil {
					return usagef("%v", err)
				}
				if fs.NArg() > 0 {
					return usagef("unexpected arguments %q", fs.Args())
				}
				var write func(io.Writer, []web.RegistrationRow) error
				switch *format {
				case "csv":
					write = web.WriteRegistrationsCSV
				case "xlsx":
					write = web.WriteRegistrationsXLSX
					if *out == "" && isTerminal(a.stdout) {
						return usagef("--format xlsx: stdout is a terminal; use -o FILE or redirect")
					}
				default:
					return usagef("--format %s: want csv or xlsx", *format)
				}
				m, cs, err := loadConfig(a, *cfg)
				if err != nil {
					return err
				}
				db, err := openExistingMeeting(ctx, m)
				if err != nil {
					return err
				}
				var rows []web.RegistrationRow
				if db == nil {
					fmt.Fprintf(a.stderr, "note: store %s does not exist yet: no registrations\n", m.Store)
				} else {
					defer db.Close()
					svc, _, err := secretariat.NewReadOnly(ctx, m, cs, db, a.log)
					if err != nil {
						return err
					}
					if rows, err = secretariat.NewDashboard(svc, nil).Registrations(ctx); err != nil {
						return err
					}
				}
				if *out == "" {
					bw := bufio.NewWriter(a.stdout)
					if err := write(bw, rows); err != nil {
						return err
					}
					return bw.Flush()
				}
				// Personal data: readable by the owner only (an existing
				// file keeps its mode).
				f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
				if err != nil {
					return err
				}
				if err := write(f, rows); err != nil {
					f.Close()
					return err
				}
				if err := f.Close(); err != nil {
					return err
				}
				fmt.Fprintf(a.stderr, "wrote %d registrations to %s\n", len(rows), *out)
				return nil
			}
		},
	})
}
