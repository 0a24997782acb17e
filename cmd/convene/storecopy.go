package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	iofs "io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"convene/store"
)

func init() {
	register(&command{
		name:    "store",
		summary: "copy a store into a new one (SQLite to PostgreSQL), checked",
		usage:   "copy --from convene.db (--to postgres://... | --to-env VAR | --to new.db)",
		help: `store copy copies every table of one store into another that is empty: the
usual move is a meeting's SQLite file into a new PostgreSQL database, before
pointing meeting.yaml's store: at it and starting several instances. Either
side is a file name or a PostgreSQL URL (postgres://user@host:port/db?...);
--to-env and --from-env read the URL from an environment variable, so that a
password stays out of the process list and the shell history. The URL is never
printed.

Both stores are brought to this version's migrations first. The source is read
in one transaction (a consistent snapshot: a daemon running on a SQLite source
waits for the copy), the destination written in one transaction, and then the
rows of each table are counted on both sides: the command prints the counts
and fails unless every table agrees. A destination that holds any row is
refused. Row ids are kept.`,
		example: "CONVENE_PG_DSN=postgres://convene@db.isu.example/ism2020 convene store copy --from convene.db --to-env CONVENE_PG_DSN",
		flags: func(fs *flag.FlagSet, a *app) func(context.Context, []string) error {
			from := fs.String("from", "", "the source store: a file or a postgres:// URL")
			fromEnv := fs.String("from-env", "", "read the source URL from this environment variable")
			to := fs.String("to", "", "the new store: a file or a postgres:// URL")
			toEnv := fs.String("to-env", "", "read the destination URL from this environment variable")
			return func(ctx context.Context, args []string) error {
				if len(args) == 0 || args[0] != "copy" {
					return usagef("want: convene store copy --from ... --to ...")
				}
				// The flags come after the subcommand: parse them now.
				if err := fs.Parse(args[1:]); err != nil {
					return usagef("%v", err)
				}
				if fs.NArg() > 0 {
					return usagef("unexpected arguments %q", fs.Args())
				}
				src, err := storeArg("--from", *from, *fromEnv)
				if err != nil {
					return err
				}
				dst, err := storeArg("--to", *to, *toEnv)
				if err != nil {
					return err
				}
				if src.Path != "" {
					if _, err := os.Stat(src.Path); err != nil {
						return fmt.Errorf("--from %s: %w", src.Path, err)
					}
				}
				if dst.Path != "" {
					if _, err := os.Stat(dst.Path); err == nil {
						return fmt.Errorf("--to %s exists: copy only into a new store", dst.Path)
					} else if !errors.Is(err, iofs.ErrNotExist) {
						return err
					}
				}
				sdb, err := store.OpenConfig(ctx, src)
				if err != nil {
					return err
				}
				defer sdb.Close()
				ddb, err := store.OpenConfig(ctx, dst)
				if err != nil {
					return err
				}
				defer ddb.Close()
				counts, err := store.Copy(ctx, sdb, ddb)
				if len(counts) > 0 {
					tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
					fmt.Fprintf(tw, "table\tsource\tcopied\t\n")
					var total int64
					for _, c := range counts {
						mark := ""
						if !c.Verified {
							mark = "DIFFERS"
						}
						fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", c.Table, c.Source, c.Copied, mark)
						total += c.Copied
					}
					tw.Flush()
					if err == nil {
						fmt.Fprintf(a.stdout, "copied %d rows in %d tables from %s to %s; counts verified\n", total, len(counts), sdb.Describe(), ddb.Describe())
					}
				}
				return err
			}
		},
	})
}

// storeArg reads a --from or --to store: a file name, a postgres:// URL,
// or the URL in the environment variable env.
func storeArg(flag, v, env string) (store.Config, error) {
	switch {
	case v != "" && env != "":
		return store.Config{}, usagef("%s and %s-env: give one", flag, flag)
	case env != "":
		u := os.Getenv(env)
		if u == "" {
			return store.Config{}, fmt.Errorf("%s-env: environment variable %s is not set", flag, env)
		}
		v = u
	case v == "":
		return store.Config{}, usagef("%s is required", flag)
	}
	if strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://") {
		return store.Config{PostgresDSN: v}, nil
	}
	return store.Config{Path: v}, nil
}
