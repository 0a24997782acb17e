package mailer_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"convene/internal/testmail"
	"convene/mailer"
	"convene/meeting"
	"convene/store"
)

// The crash helper: when CONVENE_CRASH_DB is set, the test binary drains
// that store into CONVENE_CRASH_PORT and exits (or is killed mid-way).
func TestMain(m *testing.M) {
	if path := os.Getenv("CONVENE_CRASH_DB"); path != "" {
		os.Exit(crashHelper(path))
	}
	os.Exit(m.Run())
}

const crashConcurrency = 4

func crashHelper(path string) int {
	ctx := context.Background()
	port, _ := strconv.Atoi(os.Getenv("CONVENE_CRASH_PORT"))
	db, err := store.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s, err := mailer.New(db, mailer.Options{
		Server:      meeting.Server{Host: "127.0.0.1", Port: port, Security: meeting.SecurityNone},
		Concurrency: crashConcurrency, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := s.Drain(ctx, ""); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func TestCrashResume(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test re-executes the test binary")
	}
	const n, kills = 2000, 3
	path := filepath.Join(t.TempDir(), "convene.db")
	db, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mailer.Enqueue(t.Context(), db, mailer.Batch{ID: "crash"}, outgoing(n, 13, nil)); err != nil {
		t.Fatal(err)
	}
	srv := testmail.NewSMTP(t, testmail.Options{})
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "CONVENE_CRASH_DB="+path, "CONVENE_CRASH_PORT="+strconv.Itoa(srv.Port))
		cmd.Stderr = t.Output()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	inFlight := make([]map[string]bool, 0, kills) // recipients in sending at each kill
	for k := range kills {
		cmd := start()
		if err := srv.WaitFor(t.Context(), (k+1)*n/(kills+1), 60*time.Second); err != nil {
			cmd.Process.Kill()
			t.Fatal(err)
		}
		cmd.Process.Kill() // SIGKILL
		cmd.Wait()
		es, err := db.OutboxEntries(t.Context(), "crash", store.OutboxSending)
		if err != nil {
			t.Fatal(err)
		}
		set := map[string]bool{}
		for _, e := range es {
			set[e.Recipients[0]] = true
		}
		t.Logf("kill %d: %d delivered, %d in sending", k+1, srv.Count(), len(set))
		inFlight = append(inFlight, set)
	}
	cmd := start()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("last run: %v", err)
	}
	byRcpt := map[string][]string{}
	for _, m := range srv.Messages() {
		byRcpt[m.To[0]] = append(byRcpt[m.To[0]], m.MessageID)
	}
	if len(byRcpt) != n {
		t.Fatalf("%d recipients got the message, want %d", len(byRcpt), n)
	}
	dupsPerKill := make([]int, kills)
	total := 0
	for r, ids := range byRcpt {
		if len(ids) == 1 {
			continue
		}
		for _, id := range ids[1:] {
			if id != ids[0] {
				t.Errorf("%s: copies with different Message-IDs %v", r, ids)
			}
		}
		found := false
		for k, set := range inFlight {
			if set[r] {
				dupsPerKill[k] += len(ids) - 1
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s received %d copies but was not in sending at any kill", r, len(ids))
		}
		total += len(ids) - 1
	}
	for k, d := range dupsPerKill {
		if d > crashConcurrency {
			t.Errorf("kill %d: %d duplicates, more than the %d connections", k+1, d, crashConcurrency)
		}
	}
	t.Logf("duplicates per kill %v (total %d of %d deliveries)", dupsPerKill, total, srv.Count())
	es, err := db.OutboxEntries(t.Context(), "crash", store.OutboxSent)
	if err != nil || len(es) != n {
		t.Fatalf("%d sent in the outbox, %v; want %d", len(es), err, n)
	}
}
