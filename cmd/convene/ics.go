package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"convene/calendar"
	"convene/meeting"
	"convene/secretariat"
	"convene/store"
)

func init() {
	register(&command{
		name:    "ics",
		summary: "write the calendar of the whole meeting (METHOD:PUBLISH) as an .ics file",
		usage:   "-c meeting.yaml [--lang en|fr|es] [-o FILE]",
		help: `Writes one iCalendar file with the rehearsal and every session of the meeting,
cancelled sessions marked as such, in the meeting's time zone, with the link to
the platform and the interpretation notes in the chosen language. It has no
attendees: anyone can import it or subscribe to it. Delegates get their own
invitations (METHOD:REQUEST) by mail; their entries share the same UIDs, so
importing this file next to an invitation updates the entry rather than
doubling it. Written to standard output unless -o is given.`,
		example: "convene ics -c meeting.yaml --lang fr -o ism-2020.ics",
		flags: func(fs *flag.FlagSet, a *app) func(context.Context, []string) error {
			cfg := fs.String("c", "meeting.yaml", "the meeting file")
			lang := fs.String("lang", "en", "language of titles and descriptions: en, fr or es")
			out := fs.String("o", "", "write to this file instead of standard output")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected arguments %q", args)
				}
				l := meeting.Lang(*lang)
				if !l.Valid() {
					return usagef("--lang: want en, fr or es, not %q", *lang)
				}
				m, err := loadMeeting(a, *cfg)
				if err != nil {
					return err
				}
				// Each event's current SEQUENCE, from the store when there is one.
				var db *store.DB
				if db, err = openExistingMeeting(ctx, m); err != nil {
					return err
				} else if db != nil {
					defer db.Close()
				}
				seq, err := secretariat.EventSequences(ctx, db, m)
				if err != nil {
					return err
				}
				b, err := calendar.Publish(m, l, time.Now().UTC().Truncate(time.Second), seq)
				if err != nil {
					return err
				}
				if *out == "" {
					_, err = a.stdout.Write(b)
					return err
				}
				if err := os.WriteFile(*out, b, 0o644); err != nil {
					return err
				}
				fmt.Fprintf(a.stderr, "wrote %s: %d events\n", *out, len(m.Events()))
				return nil
			}
		},
	})
}
