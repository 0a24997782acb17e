package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"convene/calendar"
	"convene/internal/demo"
	"convene/meeting"
	"convene/schedule"
	"convene/secretariat"
	"convene/store"
)

func init() {
	register(&command{
		name:    "demo",
		summary: "the whole 2020 timeline on loopback mail servers, in about a minute, no account needed",
		usage:   "[--speed N] [--exit] [--dir DIR] [--dashboard ADDR]",
		help: `Runs convene's whole job without a mail account: it starts a real SMTP server and
a real IMAP server in this process on loopback (random ports), writes the
example meeting (the 2020 Intersessional Meetings, twenty fictional missions
and organisations) to a folder, and runs the daemon on a simulated clock from
the opening of registration (26 May 2020) to the end of the meeting (2 July).

Simulated missions answer as real ones do, in English, French and Spanish:
filled-in forms, free text, an HTML table, a CSV attachment, a correction, a
withdrawal, a decline, a bounce, an out-of-office, a message from an unknown
address, a late registration; delegates' calendars accept and decline the
invitations; halfway through, a session is moved and its delegates get the
update, then another is removed and its delegates get a cancellation (a
withdrawn delegate gets an un-invitation). Progress is shown as it goes, then a summary and the dashboard's
address, kept up until Ctrl-C (--exit stops at the end).`,
		example: `go run ./cmd/convene demo
convene demo --speed 200000 --exit`,
		flags: func(fs *flag.FlagSet, a *app) func(context.Context, []string) error {
			speed := fs.Float64("speed", 0, "simulated seconds per real second (default: the whole timeline in about a minute)")
			exit := fs.Bool("exit", false, "stop at the end instead of keeping the dashboard up")
			dir := fs.String("dir", "", "folder for the meeting files and the store (default: a new temporary folder)")
			dash := fs.String("dashboard", "127.0.0.1:0", "dashboard listen address ('-' for none)")
			verbose := fs.Bool("verbose", false, "show the daemon's logs too")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected arguments %q", args)
				}
				if *speed < 0 {
					return usagef("--speed must be positive")
				}
				log := a.log
				if !*verbose {
					log = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
				}
				_, err := runDemo(ctx, a.stdout, log, demoOptions{speed: *speed, exit: *exit, dir: *dir, dashboard: *dash})
				return err
			}
		},
	})
}

type demoOptions struct {
	speed     float64
	exit      bool
	dir       string
	dashboard string
	quiet     bool          // no progress lines (tests)
	maxHold   time.Duration // how long pace may hold the clock at a stretch; 0: maxHold
}

// demoResult is what the demo leaves behind, for its summary and for tests.
type demoResult struct {
	dir     string
	store   string
	sandbox *demo.Sandbox
	replies int
	removed bool           // dir was a temporary folder, removed at the end
	clock   schedule.Clock // the simulated clock, stopped at the end of the timeline
	stopped time.Time      // where it stopped
}

const demoMailbox = "registrations@isu.example"

func runDemo(ctx context.Context, out io.Writer, log *slog.Logger, o demoOptions) (*demoResult, error) {
	dir, temp := o.dir, o.dir == ""
	if temp {
		var err error
		if dir, err = os.MkdirTemp("", "convene-demo-"); err != nil {
			return nil, err
		}
		// Deferred first, so it runs last: after the store and the servers close.
		defer os.RemoveAll(dir)
	}
	pass := make([]byte, 12)
	rand.Read(pass)
	sim := &simulator{script: demo.NewScript(), out: out, quiet: o.quiet, maxHold: o.maxHold}
	sb, err := demo.StartSandbox(demoMailbox, hex.EncodeToString(pass), sim.received)
	if err != nil {
		return nil, err
	}
	defer sb.Close()
	sim.sandbox = sb
	res := &demoResult{dir: dir, sandbox: sb, removed: temp}

	// The example meeting, pointed at the sandbox's servers.
	yaml := string(meeting.ExampleMeetingYAML)
	if i := strings.Index(yaml, "# Mail servers."); i >= 0 {
		yaml = yaml[:i]
	}
	smtpHost, smtpPort, _ := strings.Cut(sb.SMTPAddr, ":")
	imapHost, imapPort, _ := strings.Cut(sb.IMAPAddr, ":")
	yaml += fmt.Sprintf(`# The demo's sandbox servers, on loopback: cleartext is allowed there only.
smtp:
  host: %s
  port: %s
  security: none
  auth: none
  concurrency: 4
imap:
  host: %s
  port: %s
  security: none
  username: %s
  auth: password
  secret: {env: CONVENE_DEMO_IMAP_SECRET}
`, smtpHost, smtpPort, imapHost, imapPort, demoMailbox)
	os.Setenv("CONVENE_DEMO_IMAP_SECRET", hex.EncodeToString(pass))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, err
	}
	cfgPath := filepath.Join(dir, "meeting.yaml")
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o644); err != nil {
		return res, err
	}
	if err := os.WriteFile(filepath.Join(dir, "contacts.csv"), meeting.ExampleContactsCSV, 0o644); err != nil {
		return res, err
	}
	m, cs, err := meeting.Load(cfgPath)
	if err != nil {
		return res, err
	}
	res.store = m.Store

	start := m.Registration.Opens.Add(-10 * time.Minute)
	speed := o.speed
	if speed == 0 {
		speed = m.End().Sub(start).Seconds() / 60
	}
	clock, startClock := schedule.PausedSimClock(start, speed)
	// pace reads the clock every few milliseconds: a longer stretch
	// without a reading is the process not running (a loaded machine),
	// which slows the demo down instead of skipping simulated hours.
	schedule.LimitGaps(clock, maxGap)
	sim.clock, sim.m, sim.cs = clock, m, cs
	res.clock = clock

	d, err := openDaemon(ctx, log, m, cs, daemonOptions{clock: clock, exitWhenDone: true, shutdown: 20 * time.Second, minGrace: simGrace(speed), simSpeed: speed})
	if err != nil {
		return res, err
	}
	defer d.close()
	sim.db = d.db
	dashURL := ""
	if o.dashboard != "-" {
		addr, stop, err := d.serveDashboard(o.dashboard, "")
		if err != nil {
			return res, err
		}
		defer stop()
		dashURL = "http://" + addr + "/"
	}
	where := dir
	if temp {
		where += " (removed at exit; --dir DIR keeps them)"
	}
	sim.printf("convene demo: %s\n  meeting files and store in %s\n  SMTP %s and IMAP %s on loopback; simulated clock from %s at %.0fx\n",
		m.Title.In(meeting.EN), where, sb.SMTPAddr, sb.IMAPAddr, start.In(m.Location).Format("2 Jan 2006 15:04 MST"), speed)
	if dashURL != "" {
		sim.printf("  dashboard: %s\n", dashURL)
	}

	startClock() // now that everything is ready: start-up time is not simulated time
	simCtx, stopSim := context.WithCancel(ctx)
	defer stopSim()
	go sim.daily(simCtx)
	go sim.moveSession(simCtx, d, cfgPath)
	go sim.removeSession(simCtx, d, cfgPath)
	go sim.pace(simCtx)
	err = d.run(ctx)
	// The timeline is over: the clock stops where it ended, so the summary,
	// the dashboard ("2 days ago") and /meeting.ics (DTSTAMP) keep that date.
	if h, ok := clock.(schedule.Holder); ok {
		h.Hold()
	}
	res.stopped = clock.Now()
	if err != nil {
		return res, err
	}
	stopSim()
	sim.wait()
	res.replies = sim.delivered()
	shown := dashURL
	if o.exit {
		shown = "" // it closes with the demo: no address to visit
	}
	if err := sim.summary(context.WithoutCancel(ctx), d, shown); err != nil {
		return res, err
	}
	if o.exit || dashURL == "" || ctx.Err() != nil {
		return res, nil
	}
	sim.printf("\nThe dashboard stays up at %s — press Ctrl-C to stop.\n", dashURL)
	<-ctx.Done()
	return res, nil
}

// simulator plays the missions and delegates: it reads what the sandbox
// SMTP server received and, following the demo script, puts their replies
// into the IMAP inbox at the simulated time they would write them.
type simulator struct {
	clock   schedule.Clock
	sandbox *demo.Sandbox
	db      *store.DB
	m       *meeting.Meeting
	cs      *meeting.Contacts
	out     io.Writer
	quiet   bool
	maxHold time.Duration // 0: maxHold

	mu       sync.Mutex // the script and the counters
	script   *demo.Script
	pending  sync.WaitGroup
	count    int
	inflight int // replies whose time has come, not yet in the inbox
}

func (s *simulator) printf(format string, args ...any) {
	if !s.quiet {
		s.mu.Lock()
		fmt.Fprintf(s.out, format, args...)
		s.mu.Unlock()
	}
}

func (s *simulator) delivered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

func (s *simulator) wait() { s.pending.Wait() }

// received is called by the sandbox SMTP server for each message convene sent.
func (s *simulator) received(r demo.Received) {
	if s.db == nil || len(r.To) == 0 {
		return
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(r.Data))
	if err != nil {
		return
	}
	ref, err := s.db.OutboxByMessageID(context.Background(), env.GetHeader("Message-Id"))
	if err != nil {
		return
	}
	replyTo := s.m.Sender.ReplyTo
	if a, err := mail.ParseAddress(env.GetHeader("Reply-To")); err == nil {
		replyTo = a.Address
	}
	in := demo.Incoming{From: s.m.Sender.Address, ReplyTo: replyTo, To: r.To[0], Subject: env.GetHeader("Subject"),
		MessageID: strings.Trim(env.GetHeader("Message-Id"), "<>"), Text: env.Text, Date: s.clock.Now()}
	var replies []demo.Reply
	s.mu.Lock()
	switch {
	case ref.Batch == "invitation":
		replies = s.script.Respond(demo.GotInvitation, ref.Contact, in)
	case strings.HasPrefix(ref.Batch, "reminder"):
		replies = s.script.Respond(demo.GotReminder, ref.Contact, in)
	case ref.Batch == secretariat.CalendarBatch:
		// key: email/event/sequence/method
		parts := strings.Split(ref.Key, "/")
		if len(parts) == 4 && parts[3] == "request" {
			var seq int
			fmt.Sscan(parts[2], &seq)
			// Calendars answer an update too: it reset their earlier answer.
			if answer := demo.CalendarAnswer(parts[0], parts[1]); answer != "" {
				name := parts[0]
				if ds, err := s.db.Delegates(context.Background(), ref.Contact, false); err == nil {
					name = secretariat.NameOf(ds, parts[0])
				}
				at := in.Date.Add(3 * time.Hour)
				replies = append(replies, demo.Reply{At: at, Why: "calendar " + strings.ToLower(answer) + " " + parts[1],
					Raw: demo.CalendarReply(in, at, calendar.UID(s.m, parts[1]), seq, parts[0], name, answer)})
			}
		}
	}
	s.mu.Unlock()
	for _, rp := range replies {
		s.deliverAt(rp, ref.Contact)
	}
}

// deliverAt puts a reply into the inbox when the simulated clock reaches its time.
func (s *simulator) deliverAt(rp demo.Reply, who string) {
	s.pending.Add(1)
	go func() {
		defer s.pending.Done()
		if d := rp.At.Sub(s.clock.Now()); d > 0 {
			t := s.clock.NewTimer(d)
			<-t.C()
		}
		s.mu.Lock()
		s.inflight++
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.inflight--
			s.mu.Unlock()
		}()
		if err := s.sandbox.Deliver(rp.Raw); err != nil {
			s.printf("  ! could not deliver a reply: %v\n", err)
			return
		}
		s.mu.Lock()
		s.count++
		s.mu.Unlock()
		if !strings.HasPrefix(rp.Why, "calendar") {
			s.printf("  %s  %-40s %s\n", s.clock.Now().In(s.m.Location).Format("Mon 02 Jan 15:04"), shorten(who, 40), rp.Why)
		}
	}()
}

// maxHold bounds how long pace holds the clock at a stretch, so that work
// that never ends (a message nobody can send) cannot stop the demo.
const maxHold = 5 * time.Second

// maxGap is the most real time the demo's clock counts between two
// readings (schedule.LimitGaps): at 50,000x, 40 simulated minutes.
const maxGap = 50 * time.Millisecond

// pace holds the simulated clock while work is in flight: a reply whose
// time has come but which is not in the inbox yet, a reply in the inbox not
// yet processed, a message due in the outbox. At 50,000x a second of lag is
// half a simulated day: on a slow or busy machine the demo then slows down,
// instead of a reply being read after the next reminder went out.
func (s *simulator) pace(ctx context.Context) {
	h, ok := s.clock.(schedule.Holder)
	if !ok {
		return
	}
	var release func()
	defer func() {
		if release != nil {
			release()
		}
	}()
	p := pacer{max: s.maxHold}
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		s.clock.Now() // a reading every tick, for LimitGaps
		switch p.step(s.busy(ctx), time.Now()) {
		case holdClock:
			release = h.Hold()
		case releaseClock:
			release()
			release = nil
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// pacer decides when pace holds the clock and when it lets it go: while
// the work lasts, but not more than maxHold at a stretch; after that, not
// again until the work is done.
type pacer struct {
	held, stuck bool
	since       time.Time
	max         time.Duration // 0: maxHold
}

type paceAction int

const (
	keepClock paceAction = iota
	holdClock
	releaseClock
)

func (p *pacer) step(busy bool, now time.Time) paceAction {
	switch {
	case !busy:
		p.stuck = false
		if p.held {
			p.held = false
			return releaseClock
		}
	case !p.held && !p.stuck:
		p.held, p.since = true, now
		return holdClock
	case p.held && now.Sub(p.since) > cmp.Or(p.max, maxHold):
		p.held, p.stuck = false, true
		return releaseClock
	}
	return keepClock
}

// busy reports whether work is in flight (see pace).
func (s *simulator) busy(ctx context.Context) bool {
	s.mu.Lock()
	inflight := s.inflight
	s.mu.Unlock()
	if inflight > 0 {
		return true
	}
	if mb, err := s.sandbox.Mailboxes(); err == nil && mb[s.m.IMAP.Mailbox] > 0 {
		return true
	}
	n, next, err := s.db.OutboxPending(ctx, "")
	return err == nil && n > 0 && (next.IsZero() || !next.After(s.clock.Now()))
}

// daily prints one progress line per simulated day.
func (s *simulator) daily(ctx context.Context) {
	loc := s.m.Location
	for {
		now := s.clock.Now().In(loc)
		next := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc)
		t := s.clock.NewTimer(next.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		}
		st, err := demoStats(ctx, s.db, s.m, s.cs)
		if err != nil {
			return
		}
		s.printf("%s  sent %4d · replies %3d · missions registered %2d/%d (%s) · review %d\n",
			next.AddDate(0, 0, -1).Format("Mon 02 Jan"), st.sent, s.delivered(), st.registered, st.invited, plural(st.delegates, "delegate"), st.review)
	}
}

// moveSession plays the secretariat moving the President's briefing by
// half an hour on 20 June: meeting.yaml is edited and reloaded (as SIGHUP
// does), and the session's delegates get an update.
func (s *simulator) moveSession(ctx context.Context, d *daemon, path string) {
	at := time.Date(2020, 6, 20, 10, 0, 0, 0, s.m.Location)
	t := s.clock.NewTimer(at.Sub(s.clock.Now()))
	select {
	case <-ctx.Done():
		t.Stop()
		return
	case <-t.C():
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	edited := strings.Replace(string(b), "    start: 2020-07-02 13:00\n    end: 2020-07-02 14:30", "    start: 2020-07-02 13:30\n    end: 2020-07-02 15:00", 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		return
	}
	if err := d.reload(ctx, path); err != nil {
		s.printf("  ! reload failed: %v\n", err)
		return
	}
	s.printf("  %s  %-40s %s\n", s.clock.Now().In(s.m.Location).Format("Mon 02 Jan 15:04"), "ISU", "moves the President's briefing to 13:30: calendar updates go out")
}

type stats struct {
	invited, registered, declined, delegates, review, sent, reminders, bounced, answers int
}

func demoStats(ctx context.Context, db *store.DB, m *meeting.Meeting, cs *meeting.Contacts) (stats, error) {
	var st stats
	st.invited = len(cs.InCategories(m.Invite...))
	regs, err := db.Registrations(ctx)
	if err != nil {
		return st, err
	}
	for _, r := range regs {
		if r.Status == store.Registered {
			st.registered++
		} else {
			st.declined++
		}
	}
	ds, err := db.Delegates(ctx, "", false)
	if err != nil {
		return st, err
	}
	st.delegates = len(ds)
	items, err := db.ReviewItems(ctx, false)
	if err != nil {
		return st, err
	}
	st.review = len(items)
	batches, err := db.OutboxBatches(ctx, "")
	if err != nil {
		return st, err
	}
	for _, b := range batches {
		st.sent += b.Counts[store.OutboxSent]
		if strings.HasPrefix(b.ID, "reminder") {
			st.reminders += b.Counts[store.OutboxSent]
		}
	}
	hard, err := db.HardBounced(ctx)
	if err != nil {
		return st, err
	}
	st.bounced = len(hard)
	att, err := db.Attendance(ctx)
	if err != nil {
		return st, err
	}
	st.answers = len(att)
	return st, nil
}

func (s *simulator) summary(ctx context.Context, d *daemon, dashURL string) error {
	st, err := demoStats(ctx, d.db, s.m, s.cs)
	if err != nil {
		return err
	}
	boxes, _ := s.sandbox.Mailboxes()
	s.printf(`
Summary
  invited                 %d missions and organisations
  registered              %s, %s (%d declined)
  reminders sent          %d (only to those who had not answered)
  messages sent           %d
  replies read            %d (Processed %d, Review %d, left in INBOX %d)
  calendar answers        %d
  bounced addresses       %d
  waiting for review      %d
`, st.invited, plural(st.registered, "mission"), plural(st.delegates, "delegate"), st.declined, st.reminders, st.sent, s.delivered(),
		boxes["Processed"], boxes["Review"], boxes["INBOX"], st.answers, st.bounced, st.review)
	if dashURL != "" {
		s.printf("  dashboard               %s\n", dashURL)
	}
	return nil
}

// plural writes n and the noun, with an s unless n is 1: "1 delegate", "3 delegates".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// shorten cuts s to n characters for a column of the demo's output.
func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
