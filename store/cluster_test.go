package store_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"convene/store"
	"convene/store/storetest"
)

// clock is a test clock shared by the instances of a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// instances opens n handles on one store, as n processes would, on clk.
func instances(t *testing.T, eng store.Engine, clk *clock, n int) []*store.DB {
	cfg := storetest.Config(t, eng)
	var dbs []*store.DB
	for i := range n {
		db := storetest.OpenConfig(t, cfg)
		db.Now = clk.Now
		db.SetInstance(string(rune('A' + i)))
		dbs = append(dbs, db)
	}
	return dbs
}

func testLeaseTakeover(t *testing.T, eng store.Engine) {
	ctx := t.Context()
	clk := &clock{t: time.Date(2020, 4, 15, 9, 0, 0, 0, time.UTC)}
	dbs := instances(t, eng, clk, 2)
	a, b := dbs[0], dbs[1]
	const ttl = 15 * time.Second

	la, ok, err := a.AcquireLease(ctx, store.LeaderLease, "A", ttl)
	if err != nil || !ok || la.Token != 1 || la.Holder != "A" {
		t.Fatalf("A acquires = %+v %v %v", la, ok, err)
	}
	fa := &store.Fence{Name: store.LeaderLease, Holder: "A"}
	fa.Set(la.Token)
	leaderA := a.Fenced(fa)
	write := func(db *store.DB, key string) error {
		return db.Update(ctx, func(tx *store.Tx) error {
			return tx.StartJobRun(store.JobRun{Key: key, Kind: "k", Due: clk.Now()}, clk.Now())
		})
	}
	if err := write(leaderA, "a1"); err != nil {
		t.Fatalf("leader's write = %v", err)
	}
	// B cannot take a live lease; A renews it.
	clk.Advance(10 * time.Second)
	if l, ok, err := b.AcquireLease(ctx, store.LeaderLease, "B", ttl); err != nil || ok || l.Holder != "A" {
		t.Fatalf("B acquires a live lease = %+v %v %v", l, ok, err)
	}
	if l, ok, err := a.AcquireLease(ctx, store.LeaderLease, "A", ttl); err != nil || !ok || l.Token != 1 || !l.Since.Equal(la.Since) {
		t.Fatalf("A renews = %+v %v %v", l, ok, err)
	}
	// A stops renewing (paused, or killed): once the lease has expired, B takes it.
	clk.Advance(ttl - time.Millisecond)
	if _, ok, _ := b.AcquireLease(ctx, store.LeaderLease, "B", ttl); ok {
		t.Fatal("B took the lease before it expired")
	}
	clk.Advance(time.Millisecond)
	lb, ok, err := b.AcquireLease(ctx, store.LeaderLease, "B", ttl)
	if err != nil || !ok || lb.Token != 2 || lb.Holder != "B" || !lb.Since.Equal(clk.Now()) {
		t.Fatalf("B takes over = %+v %v %v", lb, ok, err)
	}
	fb := &store.Fence{Name: store.LeaderLease, Holder: "B"}
	fb.Set(lb.Token)
	if err := write(b.Fenced(fb), "b1"); err != nil {
		t.Fatalf("new leader's write = %v", err)
	}
	// A wakes up still believing it leads: its write is refused, and its fence is cleared.
	if err := write(leaderA, "a2"); !errors.Is(err, store.ErrFenced) {
		t.Fatalf("ex-leader's write = %v, want ErrFenced", err)
	}
	if fa.Token() != 0 {
		t.Fatalf("ex-leader's fence still holds token %d", fa.Token())
	}
	if runs, err := b.JobRuns(ctx); err != nil || len(runs) != 2 || runs["a2"].Key != "" {
		t.Fatalf("job runs = %v %v: want a1 and b1 only", runs, err)
	}
	// A's renewal fails too; it is a follower now.
	if l, ok, err := a.AcquireLease(ctx, store.LeaderLease, "A", ttl); err != nil || ok || l.Holder != "B" {
		t.Fatalf("A renews after takeover = %+v %v %v", l, ok, err)
	}
	// A fence never set refuses every write.
	if err := write(a.Fenced(&store.Fence{Name: store.LeaderLease, Holder: "A"}), "a3"); !errors.Is(err, store.ErrFenced) {
		t.Fatalf("unset fence = %v", err)
	}
	// B releases on shutdown: A takes over at once, with the next token.
	if err := b.ReleaseLease(ctx, store.LeaderLease, "B"); err != nil {
		t.Fatal(err)
	}
	if l, ok, err := a.AcquireLease(ctx, store.LeaderLease, "A", ttl); err != nil || !ok || l.Token != 3 {
		t.Fatalf("A after release = %+v %v %v", l, ok, err)
	}
}

func TestLeaseTakeover(t *testing.T) { storetest.Each(t, testLeaseTakeover) }

// The leader is killed (its handle closed mid-term): the follower takes
// over once the lease expires, never before.
func testLeaderKilled(t *testing.T, eng store.Engine) {
	ctx := t.Context()
	clk := &clock{t: time.Date(2020, 4, 15, 9, 0, 0, 0, time.UTC)}
	dbs := instances(t, eng, clk, 2)
	const ttl, every = 15 * time.Second, 5 * time.Second
	if _, ok, err := dbs[0].AcquireLease(ctx, store.LeaderLease, "A", ttl); !ok || err != nil {
		t.Fatal(ok, err)
	}
	dbs[0].Close()
	killed := clk.Now()
	for {
		clk.Advance(every) // the follower's attempt interval
		l, ok, err := dbs[1].AcquireLease(ctx, store.LeaderLease, "B", ttl)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			if took := clk.Now().Sub(killed); took < ttl || took > ttl+every {
				t.Fatalf("took over after %v, want within [%v, %v]", took, ttl, ttl+every)
			}
			if l.Token != 2 {
				t.Fatalf("token = %d", l.Token)
			}
			return
		}
	}
}

func TestLeaderKilled(t *testing.T) { storetest.Each(t, testLeaderKilled) }

// Two senders claim from one outbox at once: every message is claimed
// exactly once.
func testTwoSenders(t *testing.T, eng store.Engine) {
	ctx := t.Context()
	clk := &clock{t: time.Date(2020, 4, 15, 9, 0, 0, 0, time.UTC)}
	dbs := instances(t, eng, clk, 2)
	const n = 600
	if _, err := dbs[0].EnqueueOutbox(ctx, store.OutboxBatch{ID: "inv"}, msgs("inv", n)); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for _, db := range dbs {
		for range 2 { // two workers per instance
			wg.Add(1)
			go func() {
				defer wg.Done()
				var results []store.OutboxResult
				for {
					claims, err := db.SettleOutbox(ctx, results, "", 7, clk.Now())
					if err != nil {
						errs <- err
						return
					}
					if len(claims) == 0 {
						return
					}
					results = results[:0]
					mu.Lock()
					for _, c := range claims {
						if prev, dup := seen[c.ID]; dup {
							errs <- errorf("message %d claimed by %s and %s", c.ID, prev, db.Instance())
						}
						seen[c.ID] = db.Instance()
						results = append(results, store.OutboxResult{ID: c.ID, State: store.OutboxSent})
					}
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Fatalf("claimed %d messages, want %d", len(seen), n)
	}
	es, err := dbs[1].OutboxEntries(ctx, "inv", store.OutboxSent)
	if err != nil || len(es) < n-28 { // the last claims' results are not settled by the loop
		t.Fatalf("sent = %d, %v", len(es), err)
	}
}

func TestTwoSenders(t *testing.T) { storetest.Each(t, testTwoSenders) }

// A dead instance's messages in sending go back to the queue; a live one's stay.
func testRequeueOrphans(t *testing.T, eng store.Engine) {
	if eng != store.Postgres {
		t.Skip("claims carry their instance on PostgreSQL only")
	}
	ctx := t.Context()
	clk := &clock{t: time.Date(2020, 4, 15, 9, 0, 0, 0, time.UTC)}
	dbs := instances(t, eng, clk, 3)
	a, b, c := dbs[0], dbs[1], dbs[2]
	start := clk.Now()
	if _, err := a.EnqueueOutbox(ctx, store.OutboxBatch{ID: "inv"}, msgs("inv", 10)); err != nil {
		t.Fatal(err)
	}
	for _, db := range []*store.DB{a, b} {
		if err := db.Heartbeat(ctx, start); err != nil {
			t.Fatal(err)
		}
		if cl, err := db.ClaimOutbox(ctx, "", 3, clk.Now()); err != nil || len(cl) != 3 {
			t.Fatalf("claim = %d %v", len(cl), err)
		}
	}
	clk.Advance(20 * time.Second)
	if err := b.Heartbeat(ctx, start); err != nil { // b is alive, a is not
		t.Fatal(err)
	}
	clk.Advance(20 * time.Second)
	if n, err := c.RequeueOrphans(ctx, 30*time.Second); err != nil || n != 3 {
		t.Fatalf("RequeueOrphans = %d %v, want a's 3", n, err)
	}
	if es, _ := c.OutboxEntries(ctx, "", store.OutboxSending); len(es) != 3 {
		t.Fatalf("sending = %d, want b's 3", len(es))
	}
	is, err := c.Instances(ctx, 30*time.Second)
	if err != nil || len(is) != 1 || is[0].ID != "B" {
		t.Fatalf("Instances = %+v %v", is, err)
	}
}

func TestRequeueOrphans(t *testing.T) { storetest.Each(t, testRequeueOrphans) }

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// On PostgreSQL, Lock (the CLI's "is a daemon sending?") fails while an
// instance is alive, and succeeds once it is not.
func TestLockPostgres(t *testing.T) {
	clk := &clock{t: time.Date(2020, 4, 15, 9, 0, 0, 0, time.UTC)}
	dbs := instances(t, store.Postgres, clk, 2)
	if err := dbs[0].Heartbeat(t.Context(), clk.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := dbs[1].Lock(); !errors.Is(err, store.ErrLocked) || !strings.Contains(err.Error(), "running instance (A") {
		t.Fatalf("Lock beside a live daemon = %v", err)
	}
	clk.Advance(dbs[1].AliveWindow() + time.Second)
	unlock, err := dbs[1].Lock()
	if err != nil {
		t.Fatalf("Lock with no live daemon = %v", err)
	}
	unlock()
	if _, err := dbs[0].Lock(); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("Lock beside the CLI's instance = %v", err)
	}
}
