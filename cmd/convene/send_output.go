package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"convene/mailer"
	"convene/meeting"
	"convene/store"
)

// What send writes: the summary before, the report after, a dry run's files.

// printSendReport writes the end of a send: this run's counts, the batch's
// state, and each failed message with the server's reply. It returns how
// many of the batch's messages failed permanently.
func printSendReport(ctx context.Context, w io.Writer, db *store.DB, batch string, rep mailer.Report) (int, error) {
	bs, err := db.OutboxBatches(ctx, batch)
	if err != nil {
		return 0, err
	}
	var b store.OutboxBatchStats
	if len(bs) > 0 {
		b = bs[0]
	}
	left := b.Counts[store.OutboxQueued] + b.Counts[store.OutboxSending] + b.Counts[store.OutboxRetry]
	fmt.Fprintf(w, "\nbatch %s: %d sent, %d failed, %d left (of %d)\n", batch, b.Counts[store.OutboxSent], b.Counts[store.OutboxFailed], left, b.Total)
	fmt.Fprintf(w, "this run: %d sent, %d failed, %d temporary failures retried, in %s\n", rep.Sent, rep.Failed, rep.Retried, rep.Elapsed.Round(time.Millisecond))
	if rep.Requeued > 0 {
		fmt.Fprintf(w, "%d message(s) interrupted in the middle of sending by an earlier run were sent again (same Message-ID)\n", rep.Requeued)
	}
	if err := printFailures(ctx, w, db, batch); err != nil {
		return 0, err
	}
	return b.Counts[store.OutboxFailed], nil
}

// printSendSummary writes how many messages go to whom, by category and
// language, and the first message as rendered.
func printSendSummary(w io.Writer, tpl, batch string, msgs []planned, skipped []string, atts []mailer.Attachment) error {
	count := map[meeting.Category]map[meeting.Lang]int{}
	for _, p := range msgs {
		if count[p.contact.Category] == nil {
			count[p.contact.Category] = map[meeting.Lang]int{}
		}
		count[p.contact.Category][p.contact.Language]++
	}
	fmt.Fprintf(w, "template %s, batch %s: %s\n\n", tpl, batch, plural(len(msgs), "message"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "category\t")
	for _, l := range meeting.Langs {
		fmt.Fprintf(tw, "%s\t", l)
	}
	fmt.Fprint(tw, "total\t\n")
	for _, c := range meeting.Categories {
		if count[c] == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t", c)
		n := 0
		for _, l := range meeting.Langs {
			fmt.Fprintf(tw, "%d\t", count[c][l])
			n += count[c][l]
		}
		fmt.Fprintf(tw, "%d\t\n", n)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, at := range atts {
		fmt.Fprintf(w, "attachment: %s (%s, %d bytes)\n", at.Name, at.ContentType, len(at.Data))
	}
	if len(skipped) > 0 {
		fmt.Fprintf(w, "skipped, every address bounced permanently: %s\n", strings.Join(skipped, "; "))
	}
	first := msgs[0]
	fmt.Fprintf(w, "\n--- first message: %s (%s) ---\nTo: %s\nSubject: %s\n\n%s", first.contact.Name, first.contact.Language,
		addressList(first.out.Message.To), first.out.Message.Subject, first.out.Message.Text)
	if !strings.HasSuffix(first.out.Message.Text, "\n") {
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "--- end of first message ---")
	return nil
}

func addressList(as []mailer.Address) string {
	s := make([]string, len(as))
	for i, x := range as {
		s[i] = x.Email
	}
	return strings.Join(s, ", ")
}

// writeDryRun writes each message as DIR/NNN-contact.eml (the bytes that
// would be sent) and DIR/summary.txt.
func writeDryRun(dir, tpl, batch string, msgs []planned, skipped []string, atts []mailer.Attachment) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var sum strings.Builder
	fmt.Fprintf(&sum, "convene send --dry-run: template %s, batch %s, %s, written %s\n",
		tpl, batch, plural(len(msgs), "message"), time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	if len(atts) == 0 {
		fmt.Fprintln(&sum, "attachments: none")
	}
	for _, at := range atts {
		fmt.Fprintf(&sum, "attachment: %s (%s, %d bytes), in every message\n", at.Name, at.ContentType, len(at.Data))
	}
	for _, s := range skipped {
		fmt.Fprintf(&sum, "skipped (every address bounced permanently): %s\n", s)
	}
	sum.WriteString("\n")
	tw := tabwriter.NewWriter(&sum, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "file\tlang\tcategory\tcontact\trecipients\tsubject")
	for i, p := range msgs {
		raw, err := mailer.Render(p.out.Message)
		if err != nil {
			return fmt.Errorf("%s: %w", p.contact.Name, err)
		}
		name := fmt.Sprintf("%03d-%s.eml", i+1, slug(p.contact.Name))
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, p.contact.Language, p.contact.Category, p.contact.Name,
			addressList(p.out.Message.To), p.out.Message.Subject)
	}
	tw.Flush()
	return os.WriteFile(filepath.Join(dir, "summary.txt"), []byte(sum.String()), 0o644)
}

// slug turns a contact's name into a file name part: lower-case ASCII
// letters (accents dropped) and digits joined by single hyphens, at most 40 characters.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(strings.ToLower(name)) {
		if unicode.Is(unicode.Mn, r) {
			continue // é → e
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			if b.Len() >= 40 {
				break
			}
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "contact"
	}
	return b.String()
}
