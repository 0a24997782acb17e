package secretariat

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"convene/schedule"
	"convene/store"
	"convene/store/storetest"
)

// TestJobFencedAfterLeaseLoss: a scheduled job starts on the leader, the
// lease passes to another instance while the job renders its messages (an
// instance paused past its lease), and the job's writes are refused:
// nothing of it lands. The new leader then runs the job in full, once.
// Clocks are injected: the takeover happens inside the job's own clock
// reads, at the point of the test's choosing.
func TestJobFencedAfterLeaseLoss(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e store.Engine) {
		_, m, cs := exampleMeeting(t, "")
		cfg := storetest.Config(t, e)
		a, b := storetest.OpenConfig(t, cfg), storetest.OpenConfig(t, cfg)
		a.SetInstance("a")
		b.SetInstance("b")

		var mu sync.Mutex
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		a.Now, b.Now = clock, clock
		const ttl = 15 * time.Second

		ctx := t.Context()
		lease := func(db *store.DB) *store.Fence {
			t.Helper()
			l, held, err := db.AcquireLease(ctx, store.LeaderLease, db.Instance(), ttl)
			if err != nil || !held {
				t.Fatalf("%s: lease not taken: %+v held=%v err=%v", db.Instance(), l, held, err)
			}
			f := &store.Fence{Name: store.LeaderLease, Holder: db.Instance()}
			f.Set(l.Token)
			return f
		}
		fa := lease(a)

		// The job's clock: once armed, its first read lets the lease
		// expire and b take it, as if a had been paused there.
		var armed, took bool
		jobClock := func() time.Time {
			mu.Lock()
			fire := armed && !took
			if fire {
				took = true
				now = now.Add(ttl + time.Second)
			}
			mu.Unlock()
			if fire {
				if _, held, err := b.AcquireLease(context.Background(), store.LeaderLease, "b", ttl); err != nil || !held {
					t.Errorf("b could not take the expired lease: held=%v err=%v", held, err)
				}
			}
			return clock()
		}
		svcA, err := New(ctx, m, cs, a, slog.New(slog.DiscardHandler), jobClock)
		if err != nil {
			t.Fatal(err)
		}
		svcA.SetLeaderStore(a.Fenced(fa))
		job := schedule.Job{Key: "invitation", Kind: schedule.Invitation, Due: clock()}
		inv := svcA.Handlers(nil)[schedule.Invitation]

		mu.Lock()
		armed = true
		mu.Unlock()
		err = inv(ctx, job)
		if !errors.Is(err, store.ErrFenced) {
			t.Fatalf("job on the ex-leader: err = %v, want ErrFenced", err)
		}
		if !took {
			t.Fatal("the lease never passed during the job")
		}
		if n := outboxTotal(t, a); n != 0 {
			t.Fatalf("ex-leader's job landed %d outbox messages, want 0", n)
		}
		if fa.Token() != 0 {
			t.Errorf("fence still holds token %d after a refused write", fa.Token())
		}
		// Everything else of the job is refused too (the calendar wave).
		if err := svcA.Handlers(nil)[schedule.SessionInvites](ctx, schedule.Job{Key: "session-invites", Kind: schedule.SessionInvites}); !errors.Is(err, store.ErrFenced) {
			t.Errorf("session invites on the ex-leader: err = %v, want ErrFenced", err)
		}

		// The new leader runs the job: every invitation lands, once.
		fb := &store.Fence{Name: store.LeaderLease, Holder: "b"}
		l, err := b.GetLease(ctx, store.LeaderLease)
		if err != nil {
			t.Fatal(err)
		}
		fb.Set(l.Token)
		svcB, err := New(ctx, m, cs, b, slog.New(slog.DiscardHandler), clock)
		if err != nil {
			t.Fatal(err)
		}
		svcB.SetLeaderStore(b.Fenced(fb))
		for range 2 {
			if err := svcB.Handlers(nil)[schedule.Invitation](ctx, job); err != nil {
				t.Fatalf("job on the new leader: %v", err)
			}
		}
		want := len(cs.InCategories(m.Invite...))
		if n := outboxTotal(t, b); n != want || want == 0 {
			t.Fatalf("outbox after the new leader's job: %d messages, want %d", n, want)
		}
	})
}
