package main

import (
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"convene/schedule"
	"convene/store"
	"convene/store/storetest"
)

// Two instances' elections on one store, on a manual clock: the leader is
// killed, the other takes over within lease + lease/3; the old leader comes
// back (a pause, SIGSTOP/SIGCONT), finds the lease gone and steps down, and
// its scheduler's write is refused.
func TestLeaderFailover(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, eng store.Engine) {
		ctx := t.Context()
		clk := schedule.NewManualClock(time.Date(2020, 4, 15, 9, 0, 0, 0, time.UTC))
		cfg := storetest.Config(t, eng)
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		const lease = 15 * time.Second
		var ls []*leader
		for _, id := range []string{"A", "B"} {
			db := storetest.OpenConfig(t, cfg)
			db.Now = clk.Now
			db.SetInstance(id)
			ls = append(ls, newLeader(db, lease, clk, log))
		}
		a, b := ls[0], ls[1]
		if lead, changed := a.beat(ctx); !lead || !changed {
			t.Fatalf("A's first beat: leading %v changed %v", lead, changed)
		}
		if lead, _ := b.beat(ctx); lead {
			t.Fatal("B leads beside A")
		}
		if st := b.state(); st.Leader != "A" || st.Leading {
			t.Fatalf("B's view = %+v", st)
		}
		schedA := a.db.Fenced(a.fence)
		jobWrite := func(db *store.DB, key string) error {
			return db.Update(ctx, func(tx *store.Tx) error {
				return tx.StartJobRun(store.JobRun{Key: key, Kind: "k", Due: clk.Now()}, clk.Now())
			})
		}
		if err := jobWrite(schedA, "a1"); err != nil {
			t.Fatal(err)
		}
		// A is killed (or paused): only B beats, at its pace.
		stopped := clk.Now()
		for {
			clk.Advance(b.every())
			if lead, _ := b.beat(ctx); lead {
				break
			}
			if clk.Now().Sub(stopped) > time.Minute {
				t.Fatal("B never took over")
			}
		}
		if took := clk.Now().Sub(stopped); took < lease || took > lease+b.every() {
			t.Fatalf("takeover after %v, want within [%v, %v]", took, lease, lease+b.every())
		}
		// A resumes: its write is refused before its next beat, and the beat steps it down.
		if err := jobWrite(schedA, "a2"); !errors.Is(err, store.ErrFenced) {
			t.Fatalf("paused ex-leader's write = %v, want ErrFenced", err)
		}
		if lead, _ := a.beat(ctx); lead {
			t.Fatal("A leads again beside B")
		}
		if st := a.state(); st.Leading || st.Leader != "B" {
			t.Fatalf("A's view = %+v", st)
		}
		if err := jobWrite(b.db.Fenced(b.fence), "b1"); err != nil {
			t.Fatal(err)
		}
		runs, err := b.db.JobRuns(ctx)
		if err != nil || len(runs) != 2 || runs["a2"].Key != "" {
			t.Fatalf("job runs = %v %v; want a1 and b1", runs, err)
		}
		// B shuts down cleanly: A takes over at its next beat.
		b.stepDown(ctx)
		clk.Advance(a.every())
		if lead, changed := a.beat(ctx); !lead || !changed {
			t.Fatal("A did not take over after B released the lease")
		}
	})
}
