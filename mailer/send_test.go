package mailer_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"convene/internal/testmail"
	"convene/mailer"
	"convene/meeting"
	"convene/schedule"
	"convene/store"
)

func openStore(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(tb.Context(), filepath.Join(tb.TempDir(), "convene.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// outgoing returns n personalised messages to rcpt0@d0.example ... rcptN-1@d(i%domains).example.
func outgoing(n, domains int, attachment []byte) []mailer.Outgoing {
	out := make([]mailer.Outgoing, n)
	for i := range out {
		addr := fmt.Sprintf("rcpt%d@d%d.example", i, i%domains)
		m := mailer.Message{
			From:    mailer.Address{Name: "ISU Secretariat", Email: "isu@isu.example"},
			To:      []mailer.Address{{Name: fmt.Sprintf("Mission %d", i), Email: addr}},
			ReplyTo: mailer.Address{Email: fmt.Sprintf("registrations+tok%d@isu.example", i)},
			Subject: fmt.Sprintf("Invitation [REF tok%d]", i),
			Text:    fmt.Sprintf("Dear Mission %d,\r\n\r\nYou are invited.\r\n", i),
			HTML:    fmt.Sprintf("<p>Dear Mission %d,</p><p>You are invited.</p>", i),
			Date:    time.Date(2020, 4, 15, 9, 0, 0, 0, time.UTC), Automated: true,
		}
		if attachment != nil {
			m.Attachments = []mailer.Attachment{{Name: "guidance.pdf", ContentType: "application/pdf", Data: attachment}}
		}
		out[i] = mailer.Outgoing{Key: addr, Contact: fmt.Sprintf("Mission %d", i), Message: m}
	}
	return out
}

func newSender(tb testing.TB, db *store.DB, srv *testmail.SMTP, mod func(*mailer.Options)) *mailer.Sender {
	tb.Helper()
	opts := mailer.Options{
		Server:      meeting.Server{Host: srv.Host, Port: srv.Port, Security: meeting.SecurityNone, Auth: meeting.AuthNone},
		Concurrency: 4, Timeout: 10 * time.Second, RetryDelay: 20 * time.Millisecond, MaxRetryDelay: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	if mod != nil {
		mod(&opts)
	}
	s, err := mailer.New(db, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestDrainBatch(t *testing.T) {
	db := openStore(t)
	srv := testmail.NewSMTP(t, testmail.Options{})
	var last mailer.Progress
	calls := 0
	s := newSender(t, db, srv, func(o *mailer.Options) {
		o.Progress = func(p mailer.Progress) { last = p; calls++ }
	})
	msgs := outgoing(200, 7, []byte("%PDF-1.4 guidance"))
	b := mailer.Batch{ID: "invitation-1", Template: "invitation"}
	added, err := s.Enqueue(t.Context(), b, msgs)
	if err != nil || added != 200 {
		t.Fatalf("Enqueue = %d, %v; want 200", added, err)
	}
	if again, err := s.Enqueue(t.Context(), b, msgs); err != nil || again != 0 {
		t.Fatalf("Enqueue again = %d, %v; want 0 (idempotent)", again, err)
	}
	rep, err := s.Drain(t.Context(), b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 200 || rep.Failed != 0 || rep.Pending != 0 {
		t.Fatalf("report %+v, want 200 sent", rep)
	}
	if calls == 0 || last.Sent != 200 || last.Pending != 200 || last.Rate <= 0 {
		t.Errorf("last progress %+v after %d calls", last, calls)
	}
	got := srv.Messages()
	if len(got) != 200 {
		t.Fatalf("server got %d messages, want 200", len(got))
	}
	seen := map[string]bool{}
	for _, m := range got {
		if len(m.To) != 1 || seen[m.To[0]] {
			t.Fatalf("bad or duplicate recipient %v", m.To)
		}
		seen[m.To[0]] = true
		if m.From != "isu@isu.example" || !strings.HasPrefix(m.MessageID, "cv.") {
			t.Errorf("from %q message-id %q", m.From, m.MessageID)
		}
	}
	es, err := db.OutboxEntries(t.Context(), b.ID, store.OutboxSent)
	if err != nil || len(es) != 200 {
		t.Fatalf("sent entries = %d, %v", len(es), err)
	}
}

func TestFaults(t *testing.T) {
	for _, noPipe := range []bool{false, true} {
		t.Run(fmt.Sprintf("pipelining=%v", !noPipe), func(t *testing.T) { testFaults(t, noPipe) })
	}
}

func testFaults(t *testing.T, noPipe bool) {
	db := openStore(t)
	srv := testmail.NewSMTP(t, testmail.Options{Faults: map[string]testmail.Fault{
		"rcpt0@d0.example": {Code: 451, Times: 1},
		"rcpt1@d0.example": {Code: 452, Times: 2},
		"rcpt2@d0.example": {Code: 421, Times: 1},
		"rcpt3@d0.example": {Drop: true, Times: 1},
		"rcpt4@d0.example": {Code: 550},
		"rcpt5@d0.example": {Code: 554},
		"rcpt6@d0.example": {Code: 451}, // always: fails after MaxAttempts
	}})
	s := newSender(t, db, srv, func(o *mailer.Options) { o.MaxAttempts = 3; o.NoPipelining = noPipe })
	if _, err := s.Enqueue(t.Context(), mailer.Batch{ID: "b"}, outgoing(10, 1, nil)); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Drain(t.Context(), "b")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 7 || rep.Failed != 3 {
		t.Fatalf("report %+v, want 7 sent, 3 failed", rep)
	}
	count := map[string]int{}
	for _, m := range srv.Messages() {
		count[m.To[0]]++
	}
	for i := range 10 {
		r := fmt.Sprintf("rcpt%d@d0.example", i)
		want := 1
		if i >= 4 && i <= 6 {
			want = 0
		}
		if count[r] != want {
			t.Errorf("%s delivered %d times, want %d", r, count[r], want)
		}
	}
	failed, err := db.OutboxEntries(t.Context(), "b", store.OutboxFailed)
	if err != nil {
		t.Fatal(err)
	}
	replies := map[string]string{}
	for _, e := range failed {
		replies[e.Recipients[0]] = e.LastError
	}
	for r, want := range map[string]string{"rcpt4@d0.example": "550 5.1.1", "rcpt5@d0.example": "554 5.7.1", "rcpt6@d0.example": "451 4.3.0"} {
		if !strings.HasPrefix(replies[r], want) {
			t.Errorf("%s: last_error %q, want prefix %q", r, replies[r], want)
		}
	}
	all, _ := db.OutboxEntries(t.Context(), "b")
	for _, e := range all {
		if e.Recipients[0] == "rcpt4@d0.example" && e.Attempts != 1 {
			t.Errorf("5xx retried: %d attempts", e.Attempts)
		}
		if e.Recipients[0] == "rcpt6@d0.example" && e.Attempts != 3 {
			t.Errorf("persistent 4xx: %d attempts, want 3", e.Attempts)
		}
	}
}

func TestAuth(t *testing.T) {
	for _, tc := range []struct {
		name, auth, secret string
		ok                 bool
	}{
		{"password", meeting.AuthPassword, "s3cret", true},
		{"password wrong", meeting.AuthPassword, "nope", false},
		{"xoauth2", meeting.AuthXOAUTH2, "tok-123", true},
		{"xoauth2 wrong", meeting.AuthXOAUTH2, "tok-000", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openStore(t)
			srv := testmail.NewSMTP(t, testmail.Options{RequireAuth: true, Username: "isu", Password: "s3cret", Token: "tok-123"})
			env := "CONVENE_TEST_SECRET_" + strings.ToUpper(strings.ReplaceAll(tc.name, " ", "_"))
			t.Setenv(env, tc.secret)
			s := newSender(t, db, srv, func(o *mailer.Options) {
				o.Server.Auth, o.Server.Username, o.Server.Secret = tc.auth, "isu", meeting.Secret{Env: env}
			})
			if _, err := s.Enqueue(t.Context(), mailer.Batch{ID: "a"}, outgoing(3, 1, nil)); err != nil {
				t.Fatal(err)
			}
			rep, err := s.Drain(t.Context(), "a")
			if tc.ok {
				if err != nil || rep.Sent != 3 {
					t.Fatalf("Drain = %+v, %v; want 3 sent", rep, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "535") {
				t.Fatalf("Drain error = %v, want the 535 reply", err)
			}
			if strings.Contains(err.Error(), tc.secret) {
				t.Fatalf("error shows the secret: %v", err)
			}
			if srv.Count() != 0 || rep.Pending != 3 {
				t.Fatalf("after refused auth: %d delivered, report %+v; want 0 delivered, 3 pending", srv.Count(), rep)
			}
		})
	}
}

func TestNewRefusesCleartextToRemote(t *testing.T) {
	db := openStore(t)
	_, err := mailer.New(db, mailer.Options{Server: meeting.Server{Host: "smtp.example.org", Port: 25, Security: meeting.SecurityNone}})
	if err == nil {
		t.Fatal("New accepted security none to a remote host")
	}
}

// drainStepped drains batch with s's rate limiters on a manual clock that
// the test moves to each deadline a worker waits for, and srv stamping
// arrivals with that clock: no real waiting, no wall-clock margins.
func drainStepped(t *testing.T, s *mailer.Sender, clock *schedule.ManualClock, batch string) {
	t.Helper()
	mailer.SetLimitClock(s, clock.Now, func(d time.Duration) (<-chan time.Time, func() bool) {
		tm := clock.NewTimer(d)
		return tm.C(), tm.Stop
	})
	done := make(chan error, 1)
	go func() {
		_, err := s.Drain(t.Context(), batch)
		done <- err
	}()
	for {
		n, next, changed := clock.Waiting()
		if n > 0 {
			clock.Set(next)
			continue
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			return
		case <-changed:
		}
	}
}

// checkBucket checks arrival times (on the limiters' clock, from t0, when
// the bucket was full) against a token bucket of rate perSec and burst:
// by any time T at most burst + perSec*(T-t0) messages arrived. A message
// arrives after its token was taken, so this holds exactly, without slack.
func checkBucket(t *testing.T, what string, at []time.Time, t0 time.Time, perSec float64, burst int) {
	t.Helper()
	slices.SortFunc(at, time.Time.Compare)
	for i, a := range at {
		allowed := float64(burst) + perSec*a.Sub(t0).Seconds() + 1e-6
		if float64(i+1) > allowed {
			t.Fatalf("%s: %d messages by %v: more than the bucket allows (%.1f)", what, i+1, a.Sub(t0), allowed)
		}
	}
	if want := time.Duration(float64(len(at)-burst) / perSec * float64(time.Second)); len(at) > burst && at[len(at)-1].Sub(t0) < want-time.Millisecond {
		t.Fatalf("%s: %d messages in %v of the clock: faster than the limit (%v)", what, len(at), at[len(at)-1].Sub(t0), want)
	}
}

// TestRateLimit checks the arrival times, on a stepped clock, against the
// global token bucket.
func TestRateLimit(t *testing.T) {
	const perMinute, n, conc = 1200, 50, 4
	t0 := time.Date(2020, 6, 1, 9, 0, 0, 0, time.UTC)
	clock := schedule.NewManualClock(t0)
	db := openStore(t)
	srv := testmail.NewSMTP(t, testmail.Options{Now: clock.Now})
	s := newSender(t, db, srv, func(o *mailer.Options) { o.RatePerMinute = perMinute; o.Concurrency = conc })
	if _, err := s.Enqueue(t.Context(), mailer.Batch{ID: "r"}, outgoing(n, 5, nil)); err != nil {
		t.Fatal(err)
	}
	drainStepped(t, s, clock, "r")
	var at []time.Time
	for _, m := range srv.Messages() {
		at = append(at, m.At)
	}
	if len(at) != n {
		t.Fatalf("%d delivered, want %d", len(at), n)
	}
	checkBucket(t, "all", at, t0, float64(perMinute)/60, min(conc, perMinute/60))
}

// TestDomainRateLimit sends 30 messages to d0.example and 30 spread over 30
// other domains: d0's arrivals keep to the domain's bucket.
func TestDomainRateLimit(t *testing.T) {
	const perMinute, n = 1200, 30
	t0 := time.Date(2020, 6, 1, 9, 0, 0, 0, time.UTC)
	clock := schedule.NewManualClock(t0)
	db := openStore(t)
	srv := testmail.NewSMTP(t, testmail.Options{Now: clock.Now})
	s := newSender(t, db, srv, func(o *mailer.Options) { o.DomainRatePerMinute = perMinute })
	msgs := outgoing(n, 1, nil)                    // rcpt0..29@d0.example
	for _, o := range outgoing(2*n, 30, nil)[n:] { // rcpt30..59@s0..s29.example: none on d0
		o.Key = strings.Replace(o.Key, "@d", "@s", 1)
		o.Message.To = []mailer.Address{{Name: o.Message.To[0].Name, Email: o.Key}}
		msgs = append(msgs, o)
	}
	if _, err := s.Enqueue(t.Context(), mailer.Batch{ID: "d"}, msgs); err != nil {
		t.Fatal(err)
	}
	drainStepped(t, s, clock, "d")
	var d0 []time.Time
	others := 0
	for _, m := range srv.Messages() {
		if strings.HasSuffix(m.To[0], "@d0.example") {
			d0 = append(d0, m.At)
		} else {
			others++
		}
	}
	if len(d0) != n || others != n {
		t.Fatalf("%d messages to d0.example and %d to others, want %d and %d", len(d0), others, n, n)
	}
	checkBucket(t, "d0.example", d0, t0, float64(perMinute)/60, 4)
}

func TestRunWakesOnEnqueue(t *testing.T) {
	db := openStore(t)
	srv := testmail.NewSMTP(t, testmail.Options{})
	s := newSender(t, db, srv, nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	for i := range 3 {
		if _, err := s.Enqueue(t.Context(), mailer.Batch{ID: fmt.Sprint("run", i)}, outgoing(5, 2, nil)); err != nil {
			t.Fatal(err)
		}
		if err := srv.WaitFor(t.Context(), 5*(i+1), 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestTLS(t *testing.T) {
	for _, tc := range []struct {
		name, server, security string
		ca                     bool
		wantErr                string
	}{
		{"starttls", "starttls", meeting.SecurityStartTLS, true, ""},
		{"implicit tls", "tls", meeting.SecurityTLS, true, ""},
		{"starttls unknown CA", "starttls", meeting.SecurityStartTLS, false, "certificate"},
		{"implicit tls unknown CA", "tls", meeting.SecurityTLS, false, "certificate"},
		{"starttls required but not offered", "", meeting.SecurityStartTLS, false, "STARTTLS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openStore(t)
			srv := testmail.NewSMTP(t, testmail.Options{TLS: tc.server, RequireAuth: true, Username: "isu", Password: "pw"})
			t.Setenv("CONVENE_TEST_TLS_SECRET", "pw")
			s := newSender(t, db, srv, func(o *mailer.Options) {
				o.Server.Security = tc.security
				o.Server.Auth, o.Server.Username, o.Server.Secret = meeting.AuthPassword, "isu", meeting.Secret{Env: "CONVENE_TEST_TLS_SECRET"}
				if tc.ca {
					o.Server.CAFile = srv.CAFile
				}
			})
			if _, err := s.Enqueue(t.Context(), mailer.Batch{ID: "tls"}, outgoing(3, 1, nil)); err != nil {
				t.Fatal(err)
			}
			rep, err := s.Drain(t.Context(), "tls")
			if tc.wantErr == "" {
				if err != nil || rep.Sent != 3 {
					t.Fatalf("Drain = %+v, %v", rep, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Drain error = %v, want one about %s", err, tc.wantErr)
			}
			if srv.Count() != 0 || rep.Pending != 3 {
				t.Fatalf("%d delivered, report %+v: want nothing sent, 3 left", srv.Count(), rep)
			}
		})
	}
}

// TestDrainCancel: when ctx ends, Drain finishes the transactions under way,
// records them and hands the rest back; a second Drain sends the rest once.
func TestDrainCancel(t *testing.T) {
	const n = 300
	db := openStore(t)
	srv := testmail.NewSMTP(t, testmail.Options{})
	s := newSender(t, db, srv, nil)
	if _, err := s.Enqueue(t.Context(), mailer.Batch{ID: "c"}, outgoing(n, 5, nil)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		srv.WaitFor(ctx, 50, 10*time.Second)
		cancel()
	}()
	rep, err := s.Drain(ctx, "c")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Drain = %v, want context.Canceled", err)
	}
	if sending, _ := db.OutboxEntries(t.Context(), "c", store.OutboxSending); len(sending) != 0 {
		t.Fatalf("%d messages left in sending after a clean stop", len(sending))
	}
	sent, _ := db.OutboxEntries(t.Context(), "c", store.OutboxSent)
	if len(sent) != srv.Count() || rep.Sent != len(sent) || rep.Pending != n-len(sent) {
		t.Fatalf("after cancel: %d recorded sent, %d delivered, report %+v", len(sent), srv.Count(), rep)
	}
	if _, err := s.Drain(t.Context(), "c"); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range srv.Messages() {
		if seen[m.To[0]] {
			t.Fatalf("%s delivered twice", m.To[0])
		}
		seen[m.To[0]] = true
	}
	if len(seen) != n {
		t.Fatalf("%d delivered, want %d", len(seen), n)
	}
}

// TestDotStuffing sends bodies that are not in wire form: lines starting
// with ".", bare LF, no final line end. The server must get them intact.
func TestDotStuffing(t *testing.T) {
	for _, noPipe := range []bool{false, true} {
		t.Run(fmt.Sprintf("pipelining=%v", !noPipe), func(t *testing.T) { testDotStuffing(t, noPipe) })
	}
}

func testDotStuffing(t *testing.T, noPipe bool) {
	db := openStore(t)
	srv := testmail.NewSMTP(t, testmail.Options{})
	s := newSender(t, db, srv, func(o *mailer.Options) { o.NoPipelining = noPipe })
	cases := map[string]struct{ raw, want string }{
		"wire@x.example":    {"Subject: a\r\n\r\nplain\r\n", "Subject: a\r\n\r\nplain\r\n"},
		"dot@x.example":     {"Subject: b\r\n\r\n.hidden\r\n..two\r\n.\r\nend\r\n", "Subject: b\r\n\r\n.hidden\r\n..two\r\n.\r\nend\r\n"},
		"lf@x.example":      {"Subject: c\n\nbare\n.dot\nlast", "Subject: c\r\n\r\nbare\r\n.dot\r\nlast\r\n"},
		"leading@x.example": {".Subject: d\r\n\r\nx\r\n", ".Subject: d\r\n\r\nx\r\n"},
	}
	seq := func(yield func(store.OutboxMessage, error) bool) {
		for rc, c := range cases {
			if !yield(store.OutboxMessage{Key: "dots/" + rc, From: "isu@isu.example", Recipients: []string{rc}, MessageID: rc, Raw: []byte(c.raw)}, nil) {
				return
			}
		}
	}
	if _, err := db.EnqueueOutbox(t.Context(), store.OutboxBatch{ID: "dots"}, seq); err != nil {
		t.Fatal(err)
	}
	if rep, err := s.Drain(t.Context(), "dots"); err != nil || rep.Sent != len(cases) {
		t.Fatalf("Drain = %+v, %v", rep, err)
	}
	for _, m := range srv.Messages() {
		if want := cases[m.To[0]].want; string(m.Data) != want {
			t.Errorf("%s: server got %q, want %q", m.To[0], m.Data, want)
		}
	}
}

// TestRandomFaults: with a seeded mix of 421, 451, 452, 550, 554 and dropped
// connections, every message ends sent (delivered exactly once) or failed
// with a 5xx reply (not delivered).
func TestRandomFaults(t *testing.T) {
	for _, noPipe := range []bool{false, true} {
		t.Run(fmt.Sprintf("pipelining=%v", !noPipe), func(t *testing.T) { testRandomFaults(t, noPipe) })
	}
}

func testRandomFaults(t *testing.T, noPipe bool) {
	const n = 150
	db := openStore(t)
	srv := testmail.NewSMTP(t, testmail.Options{RandomFaults: 0.3, Seed: 7})
	s := newSender(t, db, srv, func(o *mailer.Options) { o.MaxAttempts = 20; o.NoPipelining = noPipe })
	if _, err := s.Enqueue(t.Context(), mailer.Batch{ID: "rnd"}, outgoing(n, 9, nil)); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Drain(t.Context(), "rnd")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent+rep.Failed != n || rep.Retried == 0 || rep.Failed == 0 {
		t.Fatalf("report %+v: want every message finished, some retried, some failed", rep)
	}
	got := map[string]int{}
	for _, m := range srv.Messages() {
		got[m.To[0]]++
	}
	es, err := db.OutboxEntries(t.Context(), "rnd")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		r := e.Recipients[0]
		switch e.State {
		case store.OutboxSent:
			if got[r] != 1 {
				t.Errorf("%s sent, delivered %d times", r, got[r])
			}
		case store.OutboxFailed:
			if got[r] != 0 || !strings.HasPrefix(e.LastError, "5") {
				t.Errorf("%s failed with %q, delivered %d times", r, e.LastError, got[r])
			}
		default:
			t.Errorf("%s left in %s", r, e.State)
		}
	}
}

// TestPartialRecipients: a message to two addresses of which one is refused
// is not sent to the other either; it fails with the refusal.
func TestPartialRecipients(t *testing.T) {
	for _, noPipe := range []bool{false, true} {
		t.Run(fmt.Sprintf("pipelining=%v", !noPipe), func(t *testing.T) {
			db := openStore(t)
			srv := testmail.NewSMTP(t, testmail.Options{Faults: map[string]testmail.Fault{"bad@m.example": {Code: 550}}})
			s := newSender(t, db, srv, func(o *mailer.Options) { o.NoPipelining = noPipe })
			msgs := outgoing(3, 1, nil)
			msgs[1].Message.To = append(msgs[1].Message.To, mailer.Address{Email: "bad@m.example"})
			if _, err := s.Enqueue(t.Context(), mailer.Batch{ID: "p"}, msgs); err != nil {
				t.Fatal(err)
			}
			rep, err := s.Drain(t.Context(), "p")
			if err != nil || rep.Sent != 2 || rep.Failed != 1 {
				t.Fatalf("Drain = %+v, %v; want 2 sent, 1 failed", rep, err)
			}
			for _, m := range srv.Messages() {
				if m.To[0] == "rcpt1@d0.example" {
					t.Fatalf("partially refused message delivered to %v", m.To)
				}
			}
		})
	}
}

// TestStalledServer: a server that takes the whole message and then answers
// nothing, past the client's timeout. The attempt counts as a temporary
// failure, the connection is replaced, and the message is delivered once.
func TestStalledServer(t *testing.T) {
	db := openStore(t)
	srv := testmail.NewSMTP(t, testmail.Options{Faults: map[string]testmail.Fault{
		"rcpt1@d0.example": {Stall: true, StallFor: 3 * time.Second, Times: 1},
	}})
	s := newSender(t, db, srv, func(o *mailer.Options) {
		o.Timeout = 300 * time.Millisecond
		o.RetryDelay, o.MaxRetryDelay = time.Millisecond, time.Millisecond
	})
	if _, err := s.Enqueue(t.Context(), mailer.Batch{ID: "stall"}, outgoing(3, 1, nil)); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Drain(t.Context(), "stall")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 3 || rep.Failed != 0 || rep.Retried < 1 {
		t.Fatalf("report %+v, want 3 sent after at least one retry", rep)
	}
	count := map[string]int{}
	for _, m := range srv.Messages() {
		count[m.To[0]]++
	}
	for i := range 3 {
		if r := fmt.Sprintf("rcpt%d@d0.example", i); count[r] != 1 {
			t.Errorf("%s delivered %d times, want 1", r, count[r])
		}
	}
}

// A retry's back-off follows the clock of Options.Now and NewTimer: on a
// simulated clock an hour of back-off passes when the clock is moved, not
// in an hour of real time.
func TestRetryWaitsOnTheGivenClock(t *testing.T) {
	db := openStore(t)
	srv := testmail.NewSMTP(t, testmail.Options{Faults: map[string]testmail.Fault{
		"rcpt0@d0.example": {Code: 451, Times: 1},
	}})
	clock := schedule.NewManualClock(time.Date(2020, 6, 1, 9, 0, 0, 0, time.UTC))
	s := newSender(t, db, srv, func(o *mailer.Options) {
		o.RetryDelay, o.MaxRetryDelay = time.Hour, time.Hour
		o.Now = clock.Now
		o.NewTimer = func(d time.Duration) (<-chan time.Time, func() bool) {
			tm := clock.NewTimer(d)
			return tm.C(), tm.Stop
		}
	})
	if _, err := s.Enqueue(t.Context(), mailer.Batch{ID: "b"}, outgoing(2, 1, nil)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Drain(t.Context(), "b")
		done <- err
	}()
	// Wait for the drain to wait for the retry, then move the clock there.
	deadline := time.After(10 * time.Second)
	for {
		n, next, changed := clock.Waiting()
		if n > 0 {
			if d := next.Sub(clock.Now()); d < 30*time.Minute || d > 2*time.Hour {
				t.Errorf("retry in %v of the clock, want about an hour", d)
			}
			clock.Set(next)
			break
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatal("the drain never waited on the clock for its retry")
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the drain did not finish after the clock reached the retry")
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("%d messages delivered, want 2", n)
	}
}
