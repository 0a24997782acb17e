package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"convene/inbox"
	"convene/internal/testmail"
	"convene/meeting"
	"convene/secretariat"
	"convene/store"
)

// TestKillDuringInbox processes 120 registration replies in a separate
// process (the real handler: parse, identify, register, confirm, invite),
// kills it with SIGKILL at random points four times, and restarts it. In the
// end every reply's effects are applied exactly once and every message has
// been moved out of the inbox: none lost, none applied twice.
func TestKillDuringInbox(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("kills child processes")
	}
	// 120 replies to one mission: the cost grows faster than n (each
	// registration reads the mission's delegates; 250 took over 5 minutes
	// under -race), and four kills fit in them (each after at most 28,
	// below), in the middle of a chunk or at its end.
	const n = 120
	srv := testmail.StartIMAP(t, nil)
	host, port, _ := strings.Cut(srv.Addr, ":")
	// The replies carry no token: their sender is vouched for by the
	// receiving server (trusted_authserv_id), and the mission may have n
	// delegates.
	cfg := exampleConfig(t, fmt.Sprintf("smtp:\n  host: 127.0.0.1\n  port: 1\n  security: none\n  auth: none\nimap:\n  host: %s\n  port: %s\n  security: none\n  username: %s\n  auth: password\n  secret: {env: CRASH_IMAP_SECRET}\n  trusted_authserv_id: mx.isu.example\nlimits: {delegates_per_mission: 1000}\n",
		host, port, srv.Username))
	dir := filepath.Dir(cfg)

	var raws [][]byte
	for i := range n {
		raws = append(raws, []byte(strings.ReplaceAll(fmt.Sprintf(`Authentication-Results: mx.isu.example; dmarc=pass header.from=arcadia-mfa.example
From: Protocol <mission@arcadia-mfa.example>
To: registrations@isu.example
Subject: Registration %d
Message-ID: <reg-%d@arcadia-mfa.example>
Date: Mon, 1 Jun 2020 10:00:00 +0200
Content-Type: text/plain; charset=utf-8

Dear colleagues,

Please register Ms. Delegate Number%d, Attachée, d%d@arcadia-mfa.example

Best regards
`, i, i, i, i), "\n", "\r\n")))
	}
	testmail.AppendMessages(t, srv.Addr, srv.Username, srv.Password, "INBOX", raws...)

	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; ; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperInboxProcess$")
		cmd.Env = append(os.Environ(), "CRASH_MEETING="+cfg, "CRASH_IMAP_SECRET="+srv.Password)
		out, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		last := round >= 4
		killAfter := 1 + rng.IntN(28) // messages handled (chunks of 7 commit together); 4 × 28 < n: four kills, always
		seen := 0
		finished := false
		for sc.Scan() {
			line := sc.Text()
			if line == "done" {
				finished = true
				break
			}
			seen++
			if !last && seen >= killAfter {
				cmd.Process.Kill()
				break
			}
		}
		cmd.Wait()
		if finished {
			t.Logf("finished after %d kills", round)
			break
		}
		if round > 12 {
			t.Fatal("the child never finished")
		}
	}

	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "convene.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ds, _ := db.Delegates(ctx, "Permanent Mission of Arcadia", false)
	if len(ds) != n {
		t.Errorf("delegates = %d, want %d", len(ds), n)
	}
	events, _ := db.History(ctx, "Permanent Mission of Arcadia")
	perMessage := map[string]int{}
	for _, e := range events {
		perMessage[e.MessageID]++
	}
	for i := range n {
		if c := perMessage[fmt.Sprintf("reg-%d@arcadia-mfa.example", i)]; c != 1 {
			t.Errorf("message %d applied %d times", i, c)
		}
	}
	counts := testmail.CountMailboxes(t, srv.Addr, srv.Username, srv.Password)
	if counts["INBOX"] != 0 || counts["Processed"] != n {
		t.Errorf("mailboxes after the kills: %v, want INBOX 0, Processed %d", counts, n)
	}
	confirmations, _ := db.OutboxEntries(ctx, "answer-confirmation")
	if len(confirmations) != 5 {
		t.Errorf("confirmations queued = %d, want 5 (the daily cap per mission)", len(confirmations))
	}
}

// TestHelperInboxProcess is the child of TestKillDuringInbox: it processes
// the inbox in small chunks, printing a line after each pass, then "done".
func TestHelperInboxProcess(t *testing.T) {
	cfg := os.Getenv("CRASH_MEETING")
	if cfg == "" {
		t.Skip("child process only")
	}
	ctx := context.Background()
	m, cs, err := meeting.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, m.Store)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2020, 6, 1, 10, 0, 0, 0, time.UTC) }
	db.Now = now
	svc, err := secretariat.New(ctx, m, cs, db, slog.New(slog.DiscardHandler), now)
	if err != nil {
		t.Fatal(err)
	}
	w, err := inbox.NewWatcher(db, inbox.Options{Server: m.IMAP.Server, Mailbox: m.IMAP.Mailbox, Processed: m.IMAP.Processed,
		Review: m.IMAP.Review, Chunk: 7, Logger: slog.New(slog.DiscardHandler), Prepare: svc.Prepare},
		func(ctx context.Context, tx *store.Tx, f inbox.Fetched) (inbox.Disposition, error) {
			fmt.Println("handling " + strconv.Itoa(int(f.UID))) // the parent kills after some of these
			return svc.Handle(ctx, tx, f)
		})
	if err != nil {
		t.Fatal(err)
	}
	for {
		st, err := w.Once(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Seen == 0 {
			break
		}
	}
	fmt.Println("done")
}
