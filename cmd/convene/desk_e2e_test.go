package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"convene/internal/testmail"
	"convene/meeting"
	"convene/schedule"
	"convene/store"
)

// deskReplies are the replies of the end-to-end desk test, as received:
// a registration with a PDF from an address not in the contact list (its
// reading has a private address staff correct), an out-of-office naming a
// colleague, and an HTML message carrying script, style, event-handler
// and javascript: payloads.
func deskReplies() [][]byte {
	crlf := func(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }
	return [][]byte{
		crlf(`From: Peter Lindqvist <peter.lindqvist.private@webmail.example>
To: registrations@isu.example
Subject: Registration for the intersessional meetings
Message-ID: <hdf-1@webmail.example>
Date: Wed, 3 Jun 2020 10:00:00 +0200
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Dear ISU,

Please register our delegation:
Peter Lindqvist, Programme Manager, peter.lindqvist.private@webmail.example
Ingrid Holm, Adviser, i.holm@hdf.example

The signed letter is attached.

Best regards,
Peter Lindqvist
Humanitarian Demining Foundation
--b1
Content-Type: application/pdf; name="delegation.pdf"
Content-Disposition: attachment; filename="delegation.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCnRyYWlsZXIKPDwvUm9vdCAxIDAgUj4+CiUlRU9GCg==
--b1--
`),
		crlf(`From: Ruritania Mission <mission@ruritania.example>
To: registrations@isu.example
Subject: Out of office: Invitation
Message-ID: <oof-1@ruritania.example>
Date: Wed, 3 Jun 2020 10:05:00 +0200
Auto-Submitted: auto-replied
Content-Type: text/plain; charset=utf-8

I am out of the office until 15 June 2020. For urgent matters please contact
Mr. Rudolf Rassendyll, deputy@ruritania.example
`),
		crlf(`From: Someone <someone@elsewhere.example>
To: registrations@isu.example
Subject: Our delegation
Message-ID: <html-1@elsewhere.example>
Date: Wed, 3 Jun 2020 10:10:00 +0200
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><head><style>body{display:none}</style><script>document.title='pwned'</script></head>
<body><p onclick="document.title='pwned'">Please register Jane Roe, jane@elsewhere.example</p>
<img src="x" onerror="document.title='pwned'"><a href="javascript:document.title='pwned'">details</a></body></html>
`),
	}
}

// TestDeskInChromium: after a run of the inbox over replies that need
// review, a staff member signs in in Chromium, opens the desk, sees the
// message's text and its attachment, corrects a pre-filled delegate and
// registers by typing and clicking; then the store (delegates, who acted),
// the outbox (confirmation, calendar invitations, delivered) and the IMAP
// folders (the message moved from Review to Processed) are checked.
// Screenshots of the desk and the mission's page at 1280 and 390 px go to
// $TEST_SCREENSHOTS (or a temporary folder), logged. Set
// TEST_CHROMIUM=/usr/bin/chromium.
func TestDeskInChromium(t *testing.T) {
	bin := os.Getenv("TEST_CHROMIUM")
	if bin == "" {
		t.Skip("TEST_CHROMIUM not set")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	smtpSrv := testmail.NewSMTP(t, testmail.Options{})
	imapSrv := testmail.StartIMAP(t, nil)
	ihost, iport, _ := strings.Cut(imapSrv.Addr, ":")
	cfg := exampleConfig(t, fmt.Sprintf(`smtp:
  host: 127.0.0.1
  port: %d
  security: none
  auth: none
imap:
  host: %s
  port: %s
  security: none
  username: %s
  auth: password
  secret: {env: DESK_IMAP_SECRET}
`, smtpSrv.Port, ihost, iport, imapSrv.Username))
	b, _ := os.ReadFile(cfg)
	staff := "dashboard:\n  listen: 127.0.0.1:0\n  staff:\n    - {name: Anna Berg, password: {env: DESK_ANNA_PASSWORD}}\n"
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(b), "dashboard: 127.0.0.1:8025\n", staff, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DESK_IMAP_SECRET", imapSrv.Password)
	t.Setenv("DESK_ANNA_PASSWORD", "correct horse battery")
	m, cs, err := meeting.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}

	// The run: the inbox reads the replies, on a clock standing on 3 June.
	clock, _ := schedule.PausedSimClock(time.Date(2020, 6, 3, 9, 0, 0, 0, time.UTC), 1)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := openDaemon(ctx, log, m, cs, daemonOptions{clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	testmail.AppendMessages(t, imapSrv.Addr, imapSrv.Username, imapSrv.Password, "INBOX", deskReplies()...)
	if _, err := d.watcher.Once(ctx); err != nil {
		t.Fatal(err)
	}
	boxes := testmail.CountMailboxes(t, imapSrv.Addr, imapSrv.Username, imapSrv.Password)
	items, err := d.db.ReviewItems(ctx, false)
	if err != nil || len(items) != 3 || boxes["Review"] != 3 || boxes["INBOX"] != 0 {
		t.Fatalf("after the run: %d review items (%v), mailboxes %v", len(items), err, boxes)
	}
	var hdf, html, oof int64
	for _, it := range items {
		switch it.MessageID {
		case "oof-1@ruritania.example":
			oof = it.ID
		case "hdf-1@webmail.example":
			hdf = it.ID
		case "html-1@elsewhere.example":
			html = it.ID
		}
	}

	addr, stop, err := d.serveDashboard("", "")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	base := "http://" + addr

	shots := os.Getenv("TEST_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-quic", true), chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	// The first Run starts the browser, without a deadline of its own.
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			at, _ := chromedp.Run(bctx, chromedp.Location())
			t.Fatalf("browser: %s (at %s): %v", what, at, err)
		}
	}
	read := func(what string, a chromedp.Action[string]) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 30*time.Second)
		defer cancel()
		v, err := chromedp.Run(sctx, a)
		if err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
		return v
	}
	shoot := func(name string) {
		t.Helper()
		for _, w := range []int64{1280, 390} {
			h := int64(900)
			if w == 390 {
				h = 844
			}
			sctx, cancel := context.WithTimeout(bctx, 30*time.Second)
			png, err := chromedp.Run(sctx, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
				if _, err := chromedp.EmulateViewport(w, h)(ctx, tg); err != nil {
					return nil, err
				}
				return chromedp.FullScreenshot(100)(ctx, tg)
			})
			cancel()
			if err != nil {
				t.Fatalf("screenshot %s at %d: %v", name, w, err)
			}
			file := filepath.Join(shots, fmt.Sprintf("%s-%d.png", name, w))
			if err := os.WriteFile(file, png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		step("back to 1280 px", chromedp.EmulateViewport(1280, 900))
	}

	// Sign in: the dashboard sends the browser to the sign-in page.
	step("sign-in page", chromedp.Navigate(base+"/review"), chromedp.WaitVisible(chromedp.CSS(`#signin`)))
	shoot("signin")
	step("sign in",
		chromedp.SendKeys(chromedp.CSS(`#signin input[name="name"]`), "Anna Berg"),
		chromedp.SendKeys(chromedp.CSS(`#signin input[name="password"]`), "correct horse battery\r"),
		chromedp.WaitVisible(chromedp.CSS(`#review-count`)),
	)
	if who := read("who", chromedp.Text(chromedp.CSS(`#person`))); !strings.Contains(who, "Anna Berg") {
		t.Errorf("signed in as %q", who)
	}
	if strings.Contains(read("desk", chromedp.OuterHTML(chromedp.CSS(`main`))), `name="by"`) {
		t.Error("the desk still asks for a name")
	}

	// The item shows the message: its text and its attachment.
	item := fmt.Sprintf(`#item-%d`, hdf)
	step("open the item", chromedp.WaitVisible(chromedp.CSS(item)))
	if text := read("text", chromedp.Text(chromedp.CSS(fmt.Sprintf(`#body-%d`, hdf)))); !strings.Contains(text, "Please register our delegation") {
		t.Errorf("the item's text is %q", text)
	}
	if att := read("attachments", chromedp.Text(chromedp.CSS(item+` ul.attachments`))); !strings.Contains(att, "delegation.pdf") || !strings.Contains(att, "application/pdf") {
		t.Errorf("attachments listed: %q", att)
	}
	if link := read("attachment link", chromedp.Text(chromedp.CSS(item+` ul.attachments a[download]`))); link != "delegation.pdf" {
		t.Errorf("the attachment's download link reads %q", link)
	}
	prefilled := read("delegates", chromedp.Value(chromedp.CSS(item+` form.primary textarea[name="delegates"]`)))
	if !strings.Contains(prefilled, "peter.lindqvist.private@webmail.example") || !strings.Contains(prefilled, "i.holm@hdf.example") {
		t.Fatalf("pre-filled delegates: %q", prefilled)
	}
	if eff := read("effects", chromedp.Text(chromedp.CSS(item+` form.primary .effects`))); !strings.Contains(eff, "calendar invitations") {
		t.Errorf("the register form's effects: %q", eff)
	}
	// The sender's HTML is shown as text: no script ran, nothing of it is live.
	live, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`document.querySelectorAll('main script, main style, main img, main iframe, main [onclick], main [onerror], main a[href^="javascript:"]').length`))
	if err != nil || live != 0 || read("title", chromedp.Evaluate[string](`document.title`)) == "pwned" {
		t.Errorf("live elements of the sender's HTML: %v, %v", live, err)
	}
	if body := read("html item", chromedp.Text(chromedp.CSS(fmt.Sprintf(`#item-%d`, html)))); !strings.Contains(body, "Please register Jane Roe") {
		t.Errorf("the HTML message's text is not shown: %q", body)
	}
	shoot("desk")

	// Correct the private address by keys, name the mission, register by a click.
	corrected := strings.ReplaceAll(strings.TrimSpace(prefilled), "peter.lindqvist.private@webmail.example", "peter.lindqvist@hdf.example")
	step("correct and register",
		chromedp.Click(chromedp.CSS(item+` form.primary textarea[name="delegates"]`)),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.KeyEvent("\b"),
		chromedp.SendKeys(chromedp.CSS(item+` form.primary textarea[name="delegates"]`), corrected),
		chromedp.Click(chromedp.CSS(item+` form.primary input[name="mission"]`)),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.SendKeys(chromedp.CSS(item+` form.primary input[name="mission"]`), "Humanitarian Demining Foundation"),
		chromedp.Click(chromedp.CSS(item+` form.primary button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
		chromedp.WaitNotPresent(chromedp.CSS(item)),
	)
	t.Logf("registered: %s", read("flash", chromedp.Text(chromedp.CSS(`p.flash`))))

	// The out-of-office: its first action is to remind the colleague too,
	// with the address it names filled in.
	ooo := fmt.Sprintf(`#item-%d`, oof)
	if v := read("colleague", chromedp.Value(chromedp.CSS(ooo+` form.primary input[name="address"]`))); v != "deputy@ruritania.example" {
		t.Errorf("the colleague's address is pre-filled with %q", v)
	}
	step("remind the colleague too",
		chromedp.Focus(chromedp.CSS(ooo+` form.primary button[type="submit"]`)),
		chromedp.KeyEvent("\r"),
		chromedp.WaitNotPresent(chromedp.CSS(ooo)),
	)
	if added, _ := d.db.ContactAddresses(ctx); !slices.Equal(added["Permanent Mission of Ruritania"], []string{"deputy@ruritania.example"}) {
		t.Errorf("addresses added: %v", added)
	}

	const mission = "Humanitarian Demining Foundation"
	step("mission page",
		chromedp.Navigate(base+"/missions/Humanitarian%20Demining%20Foundation"),
		chromedp.WaitVisible(chromedp.CSS(`#history`)),
	)
	if hist := read("history", chromedp.Text(chromedp.CSS(`#history`))); !strings.Contains(hist, "peter.lindqvist@hdf.example") || !strings.Contains(hist, "by Anna Berg") {
		t.Errorf("the mission's history: %q", hist)
	}
	if msgs := read("messages", chromedp.Text(chromedp.CSS(`#messages`))); !strings.Contains(msgs, "registered 2 delegates for Humanitarian Demining Foundation (by Anna Berg)") {
		t.Errorf("the mission's messages do not list the reply staff registered: %q", msgs)
	}
	shoot("mission")
	t.Logf("screenshots in %s", shots)

	// The store: the corrected delegates, registered by the person signed in.
	ds, _ := d.db.Delegates(ctx, mission, false)
	var emails []string
	for _, x := range ds {
		emails = append(emails, x.Email)
	}
	slices.Sort(emails)
	if !slices.Equal(emails, []string{"i.holm@hdf.example", "peter.lindqvist@hdf.example"}) {
		t.Errorf("delegates of %s = %v", mission, emails)
	}
	all, _ := d.db.ReviewItems(ctx, true)
	for _, it := range all {
		if it.ID == hdf && (it.ResolvedBy != "Anna Berg" || it.ResolvedAt.IsZero() || !strings.Contains(it.Resolution, "registered 2 delegates")) {
			t.Errorf("resolved item = %+v", it)
		}
	}

	// The IMAP folders: the resolved messages leave Review for Processed
	// at the watcher's next pass; the HTML one stays.
	if _, err := d.watcher.Once(ctx); err != nil {
		t.Fatal(err)
	}
	boxes = testmail.CountMailboxes(t, imapSrv.Addr, imapSrv.Username, imapSrv.Password)
	if boxes["Review"] != 1 || boxes["Processed"] != 2 {
		t.Errorf("mailboxes after the registration: %v", boxes)
	}
	inProcessed := testmail.ListMessages(t, imapSrv.Addr, imapSrv.Username, imapSrv.Password, "Processed")
	if len(inProcessed) != 2 || !strings.Contains(string(inProcessed[0].Raw)+string(inProcessed[1].Raw), "hdf-1@webmail.example") {
		t.Errorf("Processed holds %d messages", len(inProcessed))
	}

	// The outbox: a confirmation to the mission and each delegate's
	// calendar invitations, delivered.
	if _, err := d.sender.Drain(ctx, ""); err != nil {
		t.Fatal(err)
	}
	out, _ := d.db.OutboxFor(ctx, mission)
	count := map[string]int{}
	for _, e := range out {
		if e.State != store.OutboxSent {
			t.Errorf("%s to %v: %s", e.Template, e.Recipients, e.State)
		}
		count[e.Template]++
	}
	sessions := len(m.Events())
	if count["confirmation"] != 1 || count["invite"] != 2*sessions {
		t.Errorf("messages to %s: %v, want 1 confirmation and %d invitations", mission, count, 2*sessions)
	}
	got := map[string]int{}
	for _, msg := range smtpSrv.Messages() {
		for _, to := range msg.To {
			got[to]++
		}
	}
	if got["geneva@hdf.example"] != 1 || got["peter.lindqvist@hdf.example"] != sessions || got["i.holm@hdf.example"] != sessions || got["peter.lindqvist.private@webmail.example"] != 0 {
		t.Errorf("delivered: %v", got)
	}
}
