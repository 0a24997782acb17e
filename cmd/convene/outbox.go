package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"convene/store"
)

func init() {
	register(&command{
		name:    "outbox",
		summary: "list the sent batches with counts per state, and the failures",
		usage:   "-c meeting.yaml [--batch ID]",
		help: `Lists every batch recorded in the outbox (newest first) with how many of its
messages are queued, in flight, waiting for a retry, sent and failed, then each
failed message with the server's reply and each message waiting for a retry
with its next attempt. Exits 1 when a batch has a permanently failed message.`,
		example: "convene outbox -c meeting.yaml\nconvene outbox -c meeting.yaml --batch invitation-20200526",
		flags: func(fs *flag.FlagSet, a *app) func(context.Context, []string) error {
			cfg := fs.String("c", "meeting.yaml", "the meeting file")
			batch := fs.String("batch", "", "show only this batch")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected arguments %q", args)
				}
				m, err := loadMeeting(a, *cfg)
				if err != nil {
					return err
				}
				db, err := openMeetingStore(ctx, m)
				if err != nil {
					return err
				}
				defer db.Close()
				failed, err := printOutbox(ctx, a.stdout, db, *batch)
				if err != nil {
					return err
				}
				if failed > 0 {
					return silentError{exitFail}
				}
				return nil
			}
		},
	})
}

// printOutbox writes the outbox report and returns how many messages failed permanently.
func printOutbox(ctx context.Context, w io.Writer, db *store.DB, batch string) (int, error) {
	bs, err := db.OutboxBatches(ctx, batch)
	if err != nil {
		return 0, err
	}
	if len(bs) == 0 {
		if batch != "" {
			return 0, fmt.Errorf("no batch %q in the outbox", batch)
		}
		fmt.Fprintln(w, "the outbox is empty")
		return 0, nil
	}
	states := []string{store.OutboxQueued, store.OutboxSending, store.OutboxRetry, store.OutboxSent, store.OutboxFailed}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "batch\ttemplate\tcreated (UTC)\ttotal\t%s\t\n", strings.Join(states, "\t"))
	failed := 0
	for _, b := range bs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t", b.ID, b.Template, b.CreatedAt.UTC().Format("2006-01-02 15:04"), b.Total)
		for _, s := range states {
			fmt.Fprintf(tw, "%d\t", b.Counts[s])
		}
		fmt.Fprintln(tw)
		failed += b.Counts[store.OutboxFailed]
	}
	if err := tw.Flush(); err != nil {
		return 0, err
	}
	if err := printFailures(ctx, w, db, batch); err != nil {
		return 0, err
	}
	return failed, nil
}

// printFailures lists the messages of batch ("" for all) that failed
// permanently, then those waiting for a retry, each with the server's reply.
func printFailures(ctx context.Context, w io.Writer, db *store.DB, batch string) error {
	es, err := db.OutboxEntries(ctx, batch, store.OutboxFailed, store.OutboxRetry)
	if err != nil {
		return err
	}
	for _, state := range []string{store.OutboxFailed, store.OutboxRetry} {
		first := true
		for _, e := range es {
			if e.State != state {
				continue
			}
			if first {
				fmt.Fprintf(w, "\n%s:\n", map[string]string{store.OutboxFailed: "failed (not retried)", store.OutboxRetry: "waiting for a retry"}[state])
				first = false
			}
			who := strings.Join(e.Recipients, ", ")
			if e.Contact != "" {
				who = e.Contact + " <" + who + ">"
			}
			when := "at " + e.UpdatedAt.UTC().Format("2006-01-02 15:04")
			if e.State == store.OutboxRetry {
				when = "next " + e.NextAttempt.UTC().Format("2006-01-02 15:04:05")
			}
			fmt.Fprintf(w, "  %s: %s\n    (batch %s, attempt %d, %s UTC)\n", who, oneLine(e.LastError), e.Batch, e.Attempts, when)
		}
	}
	return nil
}

// oneLine keeps a multi-line server reply on one line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "(no reply recorded)"
	}
	return s
}
