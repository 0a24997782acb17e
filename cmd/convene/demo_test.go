package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"convene/meeting"
	"convene/schedule"
	"convene/secretariat"
	"convene/store"
	"convene/web"
)

// Without --dir the demo works in a temporary folder and removes it at the end.
func TestDemoRemovesItsFolder(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // Ctrl-C at once: the demo stops where it is and cleans up
	res, err := runDemo(ctx, io.Discard, slog.New(slog.DiscardHandler), demoOptions{exit: true, dashboard: "-", quiet: true})
	if res == nil {
		t.Fatalf("runDemo: %v", err)
	}
	if !res.removed || !strings.HasPrefix(res.dir, filepath.Join(tmp, "convene-demo-")) {
		t.Fatalf("demo folder %s (removed %v), want a new one in %s", res.dir, res.removed, tmp)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left behind in TMPDIR: %v", left)
	}
}

// TestDemoTimeline runs the whole 2020 timeline in simulated time against
// the in-process SMTP and IMAP servers, with the simulated missions
// replying, and checks the outcome in the store, the outbox and the mailboxes.
func TestDemoTimeline(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the whole timeline (about a minute)")
	}
	// The deadline only bounds a stuck demo; a busy machine slows it down.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	dir := t.TempDir()
	logs := newDupKeys(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	// pace holds the clock while work is in flight for as long as the work
	// takes on this machine (nothing in the demo is stuck), not maxHold:
	// on a busy machine a reply would otherwise be read a simulated day late.
	res, err := runDemo(ctx, io.Discard, slog.New(logs), demoOptions{speed: 50000, exit: true, dir: dir, dashboard: "-", quiet: true, maxHold: time.Minute})
	if err != nil {
		t.Fatalf("runDemo: %v", err)
	}
	// Every part's log lines name their component once.
	if d := logs.duplicates(); len(d) > 0 {
		t.Errorf("%d log lines repeat a key, e.g. %q", len(d), d[:min(3, len(d))])
	}
	// The clock stopped at the end of the timeline (the dashboard and
	// /meeting.ics keep that date).
	if now := res.clock.Now(); !now.Equal(res.stopped) || now.Before(time.Date(2020, 7, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("after the demo the clock reads %v, want it stopped at the end, %v", now, res.stopped)
	}
	if res.removed {
		t.Errorf("the demo removed --dir %s", dir)
	}
	db, err := store.Open(ctx, res.store)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Every message went out once: no Message-ID arrived twice, nothing failed.
	if d := res.sandbox.Duplicates(); len(d) > 0 {
		t.Errorf("messages received twice: %v", d)
	}
	batches, err := db.OutboxBatches(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var reminderBatches []string
	for _, b := range batches {
		if n := b.Counts[store.OutboxFailed] + b.Counts[store.OutboxQueued] + b.Counts[store.OutboxRetry] + b.Counts[store.OutboxSending]; n > 0 {
			t.Errorf("batch %s: %d messages not sent: %v", b.ID, n, b.Counts)
		}
		if b.ID == "invitation" && b.Counts[store.OutboxSent] != 20 {
			t.Errorf("invitations sent = %d, want 20 (every invited contact)", b.Counts[store.OutboxSent])
		}
		if strings.HasPrefix(b.ID, "reminder") {
			reminderBatches = append(reminderBatches, b.ID)
		}
	}
	sort.Strings(reminderBatches)
	if len(reminderBatches) != 2 {
		t.Fatalf("reminder batches = %v, want 2", reminderBatches)
	}

	// Reminders went only to those who had not answered.
	reminded := func(batch string) []string {
		es, err := db.OutboxEntries(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range es {
			names = append(names, e.Contact)
		}
		return names
	}
	first, second := reminded(reminderBatches[0]), reminded(reminderBatches[1])
	for _, name := range []string{"Permanent Mission of Arcadia", "Permanent Mission of Borduria", "Permanent Mission of Marovia", "Mine Action Review Network", "Permanent Mission of Elbonia"} {
		if slices.Contains(first, name) || slices.Contains(second, name) {
			t.Errorf("%s got a reminder after answering (or bouncing)", name)
		}
	}
	if !slices.Contains(first, "Permanent Mission of Nova Esperanza") || slices.Contains(second, "Permanent Mission of Nova Esperanza") {
		t.Errorf("Nova Esperanza registers after the first reminder: first %v, second %v", first, second)
	}
	for _, name := range []string{"Permanent Mission of Tasmiria", "Permanent Mission of Qurac", "Permanent Mission of Latveria"} {
		if !slices.Contains(first, name) || !slices.Contains(second, name) {
			t.Errorf("%s never answered before the deadline but missed a reminder: first %v, second %v", name, first, second)
		}
	}

	// Registrations as the missions wrote them, corrections and withdrawals applied.
	regs, _ := db.Registrations(ctx)
	var registered []string
	for name, r := range regs {
		if r.Status == store.Registered {
			registered = append(registered, name)
		}
	}
	sort.Strings(registered)
	want := []string{"Mine Action Review Network", "Permanent Mission of Arcadia", "Permanent Mission of Borduria",
		"Permanent Mission of Carpania", "Permanent Mission of Freedonia", "Permanent Mission of Genovia",
		"Permanent Mission of Nova Esperanza", "Permanent Mission of Qurac", "Permanent Mission of San Theodoros",
		"Permanent Mission of Syldavia", "Réseau francophone de l'action contre les mines"}
	if !slices.Equal(registered, want) {
		t.Errorf("registered missions:\n got %q\nwant %q", registered, want)
	}
	if regs["Permanent Mission of Marovia"].Status != store.Declined {
		t.Errorf("Marovia = %+v, want declined", regs["Permanent Mission of Marovia"])
	}
	emails := func(contact string) []string {
		ds, _ := db.Delegates(ctx, contact, false)
		var out []string
		for _, d := range ds {
			out = append(out, d.Email)
		}
		sort.Strings(out)
		return out
	}
	if got := emails("Permanent Mission of San Theodoros"); !slices.Equal(got, []string{"l.tapioca@santheodoros.example", "r.alcazar@santheodoros.example"}) {
		t.Errorf("San Theodoros after its correction = %v", got)
	}
	if got := emails("Permanent Mission of Genovia"); !slices.Equal(got, []string{"c.renaldi@genovia.example"}) {
		t.Errorf("Genovia after its withdrawal = %v", got)
	}
	if got := emails("Permanent Mission of Carpania"); len(got) != 2 {
		t.Errorf("Carpania (CSV attachment) = %v", got)
	}
	if got := emails("Permanent Mission of Freedonia"); len(got) != 2 {
		t.Errorf("Freedonia (HTML table) = %v", got)
	}
	if got := emails("Humanitarian Demining Foundation"); len(got) != 0 {
		t.Errorf("a registration from an unknown address was applied: %v", got)
	}

	// What needs a person is in the review queue, with its reason.
	items, _ := db.ReviewItems(ctx, false)
	var reasons []string
	for _, it := range items {
		reasons = append(reasons, it.Contact+": "+it.Reason)
	}
	for _, w := range []string{"Elbonia: mail to geneva@elbonia-mfa.example bounced permanently", "Ruritania: out-of-office names another contact",
		": unknown sender peter.lindqvist.private@webmail.example", "Vida sin Minas: registration after the deadline"} {
		found := false
		for _, r := range reasons {
			found = found || strings.Contains(r, w)
		}
		if !found {
			t.Errorf("no review item like %q in %q", w, reasons)
		}
	}
	if len(items) != 4 {
		t.Errorf("review items = %d, want 4: %q", len(items), reasons)
	}

	// Calendars: answers recorded; the moved session updated (SEQUENCE 1) for
	// everyone invited before the move; the withdrawn delegate's invitations cancelled.
	att, _ := db.Attendance(ctx)
	partstat := map[string]string{}
	for _, a := range att {
		partstat[a.Email+"/"+a.EventID] = a.Partstat
	}
	if partstat["i.hartley@arcadia-mfa.example/article-5"] != meeting.PartstatDeclined || partstat["h.dupre@borduria.example/presidents-briefing"] != meeting.PartstatTentative ||
		partstat["a.penrose@arcadia-mfa.example/oap-panels-1"] != meeting.PartstatAccepted {
		t.Errorf("attendance: %v", partstat)
	}
	invites, _ := db.SentInvites(ctx)
	for _, inv := range invites {
		switch {
		case inv.Email == "j.bonnet@genovia.example" || inv.Email == "p.tapioca@santheodoros.example":
			if !inv.Cancelled {
				t.Errorf("withdrawn delegate's invitation not cancelled: %+v", inv)
			}
		case inv.EventID == removedSession:
			if !inv.Cancelled || inv.Sequence != 1 {
				t.Errorf("removed session: %s has SEQUENCE %d (cancelled %v), want its cancellation (1)", inv.Email, inv.Sequence, inv.Cancelled)
			}
		case inv.EventID == "presidents-briefing" && inv.Email != "t.herrera@vidasinminas.example":
			if inv.Sequence != 1 || inv.Cancelled {
				t.Errorf("moved session: %s has SEQUENCE %d, want an update (1)", inv.Email, inv.Sequence)
			}
		case inv.Sequence != 0:
			t.Errorf("%s/%s has SEQUENCE %d though nothing changed", inv.Email, inv.EventID, inv.Sequence)
		}
	}

	// The inbox: every reply read and moved; nothing left, nothing lost.
	boxes, _ := res.sandbox.Mailboxes()
	if boxes["INBOX"] != 0 || int(boxes["Processed"]+boxes["Review"]) != res.replies {
		t.Errorf("mailboxes %v after %d replies", boxes, res.replies)
	}

	t.Run("calendar", func(t *testing.T) { checkDemoCalendars(t, ctx, db) })
	t.Run("dashboard", func(t *testing.T) { checkDashboard(t, ctx, dir, db) })
}

// checkDashboard serves the dashboard over the demo's store, checks that it
// shows the store's counts, performs a review action through the form, and
// (with TEST_CHROMIUM) takes screenshots at a desktop and a phone width.
func checkDashboard(t *testing.T, ctx context.Context, dir string, db *store.DB) {
	m, cs, err := meeting.Load(filepath.Join(dir, "meeting.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := secretariat.New(ctx, m, cs, db, slog.New(slog.DiscardHandler), func() time.Time { return m.End() })
	if err != nil {
		t.Fatal(err)
	}
	jobs, _ := schedule.Timeline(m, timelineOptions(m))
	h, err := web.New(secretariat.NewDashboard(svc, func(ctx context.Context) ([]schedule.JobState, error) { return schedule.States(ctx, db, jobs) }),
		web.Options{Logger: slog.New(slog.DiscardHandler), User: "anna"}) // nobody signs in on loopback: actions are the User's
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	get := func(path string) string {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s = %d", path, resp.StatusCode)
		}
		return string(b)
	}
	page := get("/")
	ds, _ := db.Delegates(ctx, "", false)
	items, _ := db.ReviewItems(ctx, false)
	for _, want := range []string{fmt.Sprint(len(ds)), fmt.Sprint(len(items))} {
		if !regexp.MustCompile(`>\s*` + want + `\s*<`).MatchString(page) {
			t.Errorf("overview does not show %s (delegates %d, review %d)", want, len(ds), len(items))
		}
	}
	shoot(t, srv.URL+"/", "overview")
	shoot(t, srv.URL+"/review", "review")

	// A person registers the delegate of the unknown-address message by hand.
	var item store.ReviewItem
	for _, it := range items {
		if strings.Contains(it.Reason, "unknown sender") {
			item = it
		}
	}
	// The desk shows the message itself, not only its subject.
	if desk := get("/review"); !strings.Contains(desk, fmt.Sprintf(`id="body-%d"`, item.ID)) {
		t.Errorf("the review desk does not show the text of item %d", item.ID)
	}
	form := url.Values{"action": {"register"}, "mission": {"Humanitarian Demining Foundation"},
		"delegates": {"Peter Lindqvist, Programme Manager, peter.lindqvist@hdf.example"}}
	if bin := os.Getenv("TEST_CHROMIUM"); bin != "" {
		// as a person does it: in the browser, typing into the item's
		// register form and pressing its button
		fillAndSubmit(t, ctx, bin, srv.URL+"/review", fmt.Sprintf(`form[action="/review/%d"]:has(input[value="register"])`, item.ID), form)
	} else {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/review/%d", srv.URL, item.ID), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", srv.URL)
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("review action = %d, want 303", resp.StatusCode)
		}
	}
	got, _ := db.Delegates(ctx, "Humanitarian Demining Foundation", false)
	if len(got) != 1 || got[0].Email != "peter.lindqvist@hdf.example" {
		t.Errorf("delegates after the review action = %+v", got)
	}
	all, _ := db.ReviewItems(ctx, true)
	for _, it := range all {
		if it.ID == item.ID && (it.ResolvedBy != "anna" || it.ResolvedAt.IsZero()) {
			t.Errorf("review item after the action = %+v", it)
		}
	}
	pending, _, _ := db.OutboxPending(ctx, "")
	if pending == 0 {
		t.Errorf("registering by hand queued no confirmation or calendar invitation")
	}
	moves, _ := db.ReviewMovesPending(ctx)
	if len(moves) != 1 || moves[0].ID != item.ID || moves[0].MoveTo != m.IMAP.Processed {
		t.Errorf("moves recorded after the review action = %+v, want item %d to %s", moves, item.ID, m.IMAP.Processed)
	}
	// The mission's page tells what happened.
	hdf := "/missions/" + url.PathEscape("Humanitarian Demining Foundation")
	if page := get(hdf); !strings.Contains(page, "peter.lindqvist@hdf.example") || !strings.Contains(page, "by anna") {
		t.Errorf("the mission's page does not show the delegate registered by anna")
	}
	shoot(t, srv.URL+hdf, "mission")
}

// shoot saves screenshots of url at 1280 and 390 px wide with headless
// Chromium, when TEST_CHROMIUM names it.
func shoot(t *testing.T, url, name string) {
	bin := os.Getenv("TEST_CHROMIUM")
	if bin == "" {
		return
	}
	out := filepath.Join(os.TempDir(), "convene-screenshots")
	os.MkdirAll(out, 0o755)
	for _, size := range []string{"1280,900", "390,844"} {
		file := filepath.Join(out, name+"-"+strings.Split(size, ",")[0]+".png")
		cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
			"--user-data-dir="+t.TempDir(), "--window-size="+size, "--screenshot="+file, url)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("chromium: %v\n%s", err, b)
			continue
		}
		if st, err := os.Stat(file); err != nil || st.Size() < 5000 {
			t.Errorf("screenshot %s missing or blank", file)
		}
	}
	t.Logf("screenshots in %s", out)
}
