package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"convene/mailer"
	"convene/meeting"
	"convene/secretariat"
	"convene/store"
)

func init() {
	register(&command{
		name:    "send",
		summary: "send a template (circular, invitation, reminder...) to categories or contacts now",
		usage: `-c meeting.yaml --template NAME (--to CATEGORY... | --contact NAME...)
             [--body [LANG=]FILE]... [--subject S] [--attach FILE]...
             [--dry-run [--out DIR]] [--yes] [--batch ID | --again]
       convene send -c meeting.yaml --resume BATCH`,
		help: `Sends one template to every contact of the categories named by --to, or to the
contacts named by --contact (both repeatable), each in its language, with its
reply token in the reply address and the subject. Templates: invitation,
reminder, confirmation (lists the contact's registered delegates) and circular.

A circular's body is a file the staff write, in Markdown (CommonMark with
tables: headings, numbered and nested lists, an agenda as a table, quotes) or
plain text; raw HTML in it is shown as typed, not obeyed. The text part of
the message renders it as plain text. --body FILE serves every language; --body en=FILE --body fr=FILE --body es=FILE
give one per language (a LANG=FILE wins over the FILE for all). A body whose
first line is "Subject: ..." gives that language its subject; --subject gives
one subject for all. Sending fails if a recipient's language has no body.
--attach FILE (repeatable) attaches a file to every message; its type comes
from its extension.

Addresses that bounced permanently are left out; a contact left with none is
skipped and listed. Before sending, convene prints how many messages go to
whom (by category and language) and the first message as rendered, then asks
"Send N messages? [y/N]". --yes answers yes; without --yes, when stdin is not
a terminal, convene refuses (exit 2). Ctrl-C at the question sends and
records nothing (exit 130).

--dry-run sends nothing and writes nothing to the store (it does not even
create it): contacts the store has not yet given a reply token show the
placeholder "previewtok". With --out DIR it writes every message as
DIR/NNN-contact.eml, byte for byte as it would be sent, and DIR/summary.txt
(recipients, languages, attachments, subjects) for a colleague to check.

Sending records every message in the outbox before the first goes out, then
sends the batch with a progress line (on a terminal; otherwise a log line every
few seconds) and ends with a report: sent, failed with the server's replies,
left. Temporary failures (4xx) are retried with backoff, so the command may
wait; Ctrl-C stops it cleanly.

The same circular never goes twice by accident: the batch is named after what
is sent (TEMPLATE-HASH, a hash of the template, --to/--contact, the bodies,
the subject and the attachments), not after the time. Run an interrupted send
again, the same command, and it continues the batch ("resuming batch ...: 8
already sent, 5 to go"): each recipient gets the message once. Run a complete
send again and nothing is sent; --again sends it once more, as a new batch
(TEMPLATE-HASH-2, ...), after saying who already received it and when.
--batch ID names the batch yourself: the same --batch again sends only to
recipients not yet in it. --resume BATCH sends what is left of a batch: the
outbox, not a cursor, decides what that is.

When a daemon (convene run) holds the store, send only records the batch in
the outbox and exits 0: the daemon's outbox looks for new messages every 15
seconds when idle, or at once after kill -HUP PID (the PID is printed; SIGHUP
also re-reads meeting.yaml). Follow it with convene outbox.
Exit status: 0 all sent (or recorded for the daemon, or sent before by an
identical send: nothing sent again); 1 a message failed
permanently, some are left, or the answer was not yes; 2 wrong usage, or no
--yes when stdin is not a terminal.`,
		example: `convene send -c meeting.yaml --template circular --to state-party --body note.md --attach guide.pdf --dry-run --out /tmp/check
convene send -c meeting.yaml --template circular --to state-party --to organisation --body en=note.en.md --body fr=note.fr.md --body es=note.es.md
convene send -c meeting.yaml --template reminder --contact "Permanent Mission of Arcadia" --yes
convene send -c meeting.yaml --resume circular-3f9a0c12ab34`,
		flags: func(fs *flag.FlagSet, a *app) func(context.Context, []string) error {
			o := &sendOptions{}
			fs.StringVar(&o.cfg, "c", "meeting.yaml", "the meeting file")
			fs.StringVar(&o.tpl, "template", "", "the template `NAME`: invitation, reminder, confirmation or circular")
			fs.Var(&o.to, "to", "send to every contact of this `CATEGORY` (repeatable)")
			fs.Var(&o.contacts, "contact", "send to this contact, by `NAME` (repeatable)")
			fs.Var(&o.body, "body", "circular body: `[LANG=]FILE`, Markdown or plain text (repeatable)")
			fs.StringVar(&o.subject, "subject", "", "circular subject `S` (default: the body's Subject: line, else the meeting title)")
			fs.Var(&o.attach, "attach", "attach this `FILE` to every message (repeatable)")
			fs.BoolVar(&o.dryRun, "dry-run", false, "send nothing and record nothing; show what would be sent")
			fs.StringVar(&o.out, "out", "", "with --dry-run: write each message as `DIR`/NNN-contact.eml and DIR/summary.txt")
			fs.BoolVar(&o.yes, "yes", false, "send without asking for confirmation")
			fs.StringVar(&o.batch, "batch", "", "outbox batch `ID` (default TEMPLATE-HASH: from what is sent)")
			fs.BoolVar(&o.again, "again", false, "send once more what an identical, complete send already sent (a new batch)")
			fs.StringVar(&o.resume, "resume", "", "send what is left of this `BATCH`")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected arguments %q", args)
				}
				if o.resume != "" {
					return o.runResume(ctx, a)
				}
				return o.runSend(ctx, a)
			}
		},
	})
}

type sendOptions struct {
	cfg, tpl, subject, batch, resume, out string
	to, contacts, body, attach            listFlag
	dryRun, yes, again                    bool
}

// stdinTerminal reports whether r is a terminal, where a person can answer
// the confirmation. A variable so that tests can pretend.
var stdinTerminal = isTerminal

func isTerminal(x any) bool {
	f, ok := x.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	// /dev/null is a character device too: only a terminal answers the
	// terminal's own ioctl (tty_*.go).
	return ttyIoctl(f)
}

// readAnswer reads one line from r, or gives up when ctx is done (Ctrl-C,
// SIGTERM): a read from a terminal cannot be cancelled, so it runs aside
// and is abandoned (the process is about to exit). ok is false when ctx
// ended first.
func readAnswer(ctx context.Context, r io.Reader) (answer string, ok bool) {
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		return s, ctx.Err() == nil
	case <-ctx.Done():
		return "", false
	}
}

// planned is one message of a send, with what the summary shows.
type planned struct {
	contact *meeting.Contact
	out     mailer.Outgoing
}

func (o *sendOptions) check() error {
	if err := checkTemplateFlags(o.tpl, o.body, o.subject); err != nil {
		return err
	}
	switch {
	case len(o.to) == 0 && len(o.contacts) == 0:
		return usagef("say to whom: --to CATEGORY or --contact NAME")
	case len(o.to) > 0 && len(o.contacts) > 0:
		return usagef("--to and --contact cannot be combined")
	case o.out != "" && !o.dryRun:
		return usagef("--out needs --dry-run")
	case o.again && o.batch != "":
		return usagef("--again and --batch cannot be combined: a named batch is sent once per recipient; name a new one")
	}
	for _, c := range o.to {
		if !meeting.Category(c).Valid() {
			return usagef("--to %s: want a category: %s", c, joinCategories())
		}
	}
	return nil
}

func joinCategories() string {
	s := make([]string, len(meeting.Categories))
	for i, c := range meeting.Categories {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

func (o *sendOptions) runSend(ctx context.Context, a *app) error {
	if err := o.check(); err != nil {
		return err
	}
	m, cs, err := loadConfig(a, o.cfg)
	if err != nil {
		return err
	}
	if !o.dryRun && !m.SMTP.Configured() {
		return fmt.Errorf("%s: smtp.host is not set: nothing can be sent (try --dry-run)", m.Path)
	}
	// Read the files before touching the store.
	bodies, err := readBodies(o.body)
	if err != nil {
		return err
	}
	atts, err := readAttachments(o.attach)
	if err != nil {
		return err
	}
	var recipients []*meeting.Contact
	if len(o.to) > 0 {
		cats := make([]meeting.Category, len(o.to))
		for i, c := range o.to {
			cats[i] = meeting.Category(c)
		}
		recipients = cs.InCategories(cats...)
	} else {
		seen := map[string]bool{}
		for _, n := range o.contacts {
			ct, ok := cs.ByName(n)
			if !ok {
				return fmt.Errorf("--contact %q: no contact of that name in %s", n, m.Contacts)
			}
			if !seen[ct.Name] {
				seen[ct.Name] = true
				recipients = append(recipients, ct)
			}
		}
	}
	if len(recipients) == 0 {
		return fmt.Errorf("no contact in %s", strings.Join(o.to, ", "))
	}

	var db *store.DB
	var svc *secretariat.Service
	if o.dryRun {
		if db, err = openExistingMeeting(ctx, m); err != nil {
			return err
		}
		var placeholder []string
		if svc, placeholder, err = secretariat.NewReadOnly(ctx, m, cs, db, a.log); err != nil {
			return err
		}
		if err = previewWeb(ctx, svc); err != nil { // registration.web: the links, as sending will write them
			return err
		}
		if n := countIn(placeholder, recipients); n > 0 {
			fmt.Fprintf(a.stderr, "note: %d recipient(s) have no reply token in the store yet; their messages show %q instead\n", n, secretariat.PreviewToken)
		}
	} else {
		if db, err = openMeetingStore(ctx, m); err != nil {
			return err
		}
		now, err := storeClock(ctx, db)
		if err != nil {
			db.Close()
			return err
		}
		db.Now = now
		if svc, err = secretariat.New(ctx, m, cs, db, a.log.With("component", "service"), now); err != nil {
			db.Close()
			return err
		}
		if _, err = enableWeb(ctx, svc); err != nil { // registration.web: the link in the message
			db.Close()
			return err
		}
	}
	if db != nil {
		defer db.Close()
	}

	bounced := map[string]string{}
	if db != nil {
		if bounced, err = db.HardBounced(ctx); err != nil {
			return err
		}
	}
	type target struct {
		ct *meeting.Contact
		to []string
	}
	var targets []target
	var keys, skipped []string
	for _, ct := range recipients {
		var to []string
		for _, e := range ct.Emails {
			if _, b := bounced[e]; !b {
				to = append(to, e)
			}
		}
		if len(to) == 0 {
			skipped = append(skipped, ct.Name)
			continue
		}
		targets = append(targets, target{ct, to})
		keys = append(keys, ct.Name)
	}
	if len(targets) == 0 {
		return fmt.Errorf("every address of the %d contact(s) bounced permanently: nothing to send", len(skipped))
	}

	batch := o.batch
	var choice batchChoice
	if batch == "" {
		var named []string // --contact as the contact list spells the names
		if len(o.contacts) > 0 {
			for _, ct := range recipients {
				named = append(named, ct.Name)
			}
		}
		base := contentBatchID(o.tpl, o.to, named, bodies, o.subject, atts)
		if choice, err = chooseBatch(ctx, db, base, keys); err != nil {
			return err
		}
		batch = choice.id
		switch {
		case choice.resuming && o.again:
			return fmt.Errorf("batch %s is not complete (%d to go): run the same command without --again to finish it", batch, choice.toGo)
		case choice.resuming:
			fmt.Fprintf(a.stdout, "resuming batch %s: %d already sent, %d to go\n", batch, choice.sent, choice.toGo)
		case choice.prior != "" && !o.again:
			fmt.Fprintf(a.stdout, "batch %s is complete: %s.\nNothing sent. To send it once more (as batch %s), add --again.\n",
				choice.prior, choice.priorNote(o.tpl), batch)
			return nil
		case choice.prior != "":
			fmt.Fprintf(a.stdout, "note: %s; --again sends it once more, as batch %s\n", choice.priorNote(o.tpl), batch)
		}
	}
	var msgs []planned
	for _, tg := range targets {
		ct := tg.ct
		d, err := secretariat.MissionData(ctx, db, o.tpl, ct, bodies, o.subject)
		if err != nil {
			return err
		}
		msg, err := svc.MissionMessage(o.tpl, ct, tg.to, d)
		if err != nil {
			return err
		}
		msg.Attachments = atts
		msg = secretariat.WithMessageID(msg, batch, ct.Name)
		msgs = append(msgs, planned{contact: ct, out: mailer.Outgoing{Key: ct.Name, Contact: ct.Name, Message: msg}})
	}
	if err := printSendSummary(a.stdout, o.tpl, batch, msgs, skipped, atts); err != nil {
		return err
	}

	if o.dryRun {
		if o.out != "" {
			if err := writeDryRun(o.out, o.tpl, batch, msgs, skipped, atts); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "\ndry run: wrote %d .eml files and summary.txt to %s; nothing sent, nothing recorded\n", len(msgs), o.out)
		} else {
			fmt.Fprintln(a.stdout, "\ndry run: nothing sent, nothing recorded")
		}
		return nil
	}

	if !o.yes {
		if !stdinTerminal(a.stdin) {
			fmt.Fprintf(a.stderr, "convene send: refusing to send %s without confirmation: stdin is not a terminal; add --yes\n", plural(len(msgs), "message"))
			return silentError{exitUsage}
		}
		switch {
		case choice.resuming:
			fmt.Fprintf(a.stdout, "\nSend the %s left of batch %s? [y/N] ", plural(choice.toGo, "message"), batch)
		case choice.prior != "":
			fmt.Fprintf(a.stdout, "\n%s.\nSend it again: %s? [y/N] ", choice.priorNote(o.tpl), plural(len(msgs), "message"))
		default:
			fmt.Fprintf(a.stdout, "\nSend %s? [y/N] ", plural(len(msgs), "message"))
		}
		answer, ok := readAnswer(ctx, a.stdin)
		if !ok { // Ctrl-C or SIGTERM while waiting for the answer
			fmt.Fprintln(a.stderr, "\ninterrupted: nothing sent")
			return silentError{exitInterrupted}
		}
		if ans := strings.ToLower(strings.TrimSpace(answer)); ans != "y" && ans != "yes" {
			fmt.Fprintln(a.stderr, "not confirmed: nothing sent")
			return silentError{exitFail}
		}
	}

	sender, prog, err := newCLISender(a, m, db)
	if err != nil {
		return err
	}
	unlock, lerr := db.Lock()
	if lerr != nil && !errors.Is(lerr, store.ErrLocked) {
		return lerr
	}
	out := make([]mailer.Outgoing, len(msgs))
	for i, p := range msgs {
		out[i] = p.out
	}
	added, err := mailer.Enqueue(ctx, db, mailer.Batch{ID: batch, Template: o.tpl}, out)
	if err != nil {
		if unlock != nil {
			unlock()
		}
		return err
	}
	if added < len(out) && !choice.resuming {
		fmt.Fprintf(a.stdout, "%d of the %d messages were already in batch %s: not sent again\n", len(out)-added, len(out), batch)
	}
	if lerr != nil && added == 0 {
		fmt.Fprintf(a.stdout, "\nBatch %s is already recorded in the outbox: nothing added.\nThe store is held by a running daemon (%v):\nthe daemon sends what is left%s. Follow with: convene outbox -c %s --batch %s\n",
			batch, lerr, wakeHint(db), o.cfg, batch)
		return nil
	}
	if lerr != nil {
		fmt.Fprintf(a.stdout, "\n%s recorded in the outbox as batch %s.\nThe store is held by a running daemon (%v):\nthe daemon sends them%s. Follow with: convene outbox -c %s --batch %s\n",
			plural(added, "message"), batch, lerr, wakeHint(db), o.cfg, batch)
		return nil
	}
	defer unlock()
	if choice.resuming {
		if _, err := db.RetryOutboxNow(ctx, batch, db.Now()); err != nil {
			return err
		}
	}
	return o.drain(ctx, a, db, sender, prog, batch)
}

// wakeHint tells how to make the daemon holding db's lock send at once: its
// outbox wakes when the daemon itself enqueues, and on SIGHUP (which also
// re-reads meeting.yaml); otherwise at its next job or retry.
func wakeHint(db *store.DB) string {
	b, err := os.ReadFile(db.Path + ".lock")
	if err != nil {
		return " within 15 seconds"
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return " within 15 seconds"
	}
	return fmt.Sprintf(" within 15 seconds; to make it send now: kill -HUP %d (it also re-reads meeting.yaml)", pid)
}

// countIn counts the contacts of list whose name is in names.
func countIn(names []string, list []*meeting.Contact) int {
	in := map[string]bool{}
	for _, n := range names {
		in[n] = true
	}
	k := 0
	for _, c := range list {
		if in[c.Name] {
			k++
		}
	}
	return k
}

func (o *sendOptions) runResume(ctx context.Context, a *app) error {
	if o.tpl != "" || len(o.to) > 0 || len(o.contacts) > 0 || len(o.body) > 0 || len(o.attach) > 0 || o.subject != "" || o.dryRun || o.out != "" || o.batch != "" || o.again {
		return usagef("--resume takes no other flag than -c (and --yes): the batch's messages are already recorded")
	}
	m, err := loadMeeting(a, o.cfg)
	if err != nil {
		return err
	}
	if !m.SMTP.Configured() {
		return fmt.Errorf("%s: smtp.host is not set: nothing can be sent", m.Path)
	}
	db, err := openExistingMeeting(ctx, m)
	if err != nil {
		return err
	}
	if db == nil {
		return fmt.Errorf("store %s does not exist: no batch to resume", m.Store)
	}
	defer db.Close()
	bs, err := db.OutboxBatches(ctx, o.resume)
	if err != nil {
		return err
	}
	if len(bs) == 0 {
		return fmt.Errorf("no batch %q in the outbox (convene outbox lists them)", o.resume)
	}
	sender, prog, err := newCLISender(a, m, db)
	if err != nil {
		return err
	}
	unlock, err := db.Lock()
	if errors.Is(err, store.ErrLocked) {
		fmt.Fprintf(a.stdout, "The store is held by a running daemon (%v):\nit sends what is left of batch %s. Follow with: convene outbox -c %s --batch %s\n", err, o.resume, o.cfg, o.resume)
		return nil
	}
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := db.RetryOutboxNow(ctx, o.resume, db.Now()); err != nil {
		return err
	}
	left, _, err := db.OutboxPending(ctx, o.resume)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "batch %s: %d of %d messages left to send\n", o.resume, left, bs[0].Total)
	return o.drain(ctx, a, db, sender, prog, o.resume)
}

// newCLISender builds the outbox sender from the meeting's SMTP settings,
// with a progress display on stdout (a terminal) or the log.
func newCLISender(a *app, m *meeting.Meeting, db *store.DB) (*mailer.Sender, *progress, error) {
	prog := newProgress(a)
	if _, err := attachOAuth(a.log, m, db, nil); err != nil {
		return nil, nil, err
	}
	s, err := mailer.New(db, mailer.Options{
		Server: m.SMTP.Server, Concurrency: m.SMTP.Concurrency,
		RatePerMinute: m.SMTP.RatePerMinute, DomainRatePerMinute: m.SMTP.DomainRatePerMinute,
		Logger: a.log, Progress: prog.update, // mailer adds component=mailer
	})
	return s, prog, err
}

// drain sends batch and reports. It holds the store's lock.
func (o *sendOptions) drain(ctx context.Context, a *app, db *store.DB, s *mailer.Sender, prog *progress, batch string) error {
	rep, err := s.Drain(ctx, batch)
	prog.done()
	// The report is written even when ctx ended: read with a fresh context.
	rctx := context.WithoutCancel(ctx)
	failed, ferr := printSendReport(rctx, a.stdout, db, batch, rep)
	if ferr != nil {
		return errors.Join(err, ferr)
	}
	switch {
	case err != nil && ctx.Err() != nil:
		fmt.Fprintf(a.stdout, "interrupted: %d left; continue with: convene send -c %s --resume %s\n", rep.Pending, o.cfg, batch)
		return silentError{exitFail}
	case err != nil:
		return err
	case failed > 0 || rep.Pending > 0:
		return silentError{exitFail}
	}
	return nil
}
