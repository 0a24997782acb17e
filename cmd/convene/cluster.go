package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"convene/meeting"
	"convene/schedule"
	"convene/store"
	"convene/web"
)

// Several `convene run` on one PostgreSQL database (store: {postgres: ...}).
//
// Every instance sends from the outbox (claims are FOR UPDATE SKIP LOCKED)
// and serves the dashboard. One, the leader, also runs the scheduler and the
// inbox watcher: it holds the lease "leader" of the leases table, renewed
// every Lease/3; the others try to take it at the same pace, and take it
// once it has expired, so a dead leader is replaced within Lease + Lease/3
// (20 s with the default 15 s lease). Everything done as the leader writes
// through a fenced handle (store.DB.Fenced): the scheduler's run log, every
// job's effects (secretariat.Service.SetLeaderStore), the inbox watcher and
// its handler's effects, the requeue of dead instances' claims. Once another
// instance has the lease, these writes fail, and the instance stops them.

// openMeetingStore opens the store meeting.yaml names: the SQLite file
// m.Store, or the PostgreSQL database of store.postgres.dsn (a secret,
// resolved now and never logged).
func openMeetingStore(ctx context.Context, m *meeting.Meeting) (*store.DB, error) {
	c, err := meetingStoreConfig(ctx, m)
	if err != nil {
		return nil, err
	}
	return store.OpenConfig(ctx, c)
}

// openExistingMeeting is openExisting for m's store: nil when a SQLite file
// does not exist yet (commands that only read never create it); a
// PostgreSQL store is always opened.
func openExistingMeeting(ctx context.Context, m *meeting.Meeting) (*store.DB, error) {
	if m.StoreConfig.Postgres == nil {
		return openExisting(ctx, m.Store)
	}
	return openMeetingStore(ctx, m)
}

// meetingStoreConfig is the store.Config of m.
func meetingStoreConfig(ctx context.Context, m *meeting.Meeting) (store.Config, error) {
	p := m.StoreConfig.Postgres
	if p == nil {
		return store.Config{Path: m.Store}, nil
	}
	dsn, err := p.DSN.Resolve(ctx)
	if err != nil {
		return store.Config{}, fmt.Errorf("%s: store.postgres.dsn: %w", m.Path, err)
	}
	return store.Config{PostgresDSN: dsn}, nil
}

// leader is an instance's side of the leader election.
type leader struct {
	db    *store.DB // unfenced: leases, heartbeats, orphans
	fence *store.Fence
	lease time.Duration
	clock schedule.Clock
	log   *slog.Logger
	start time.Time

	mu      sync.Mutex
	leading bool
	since   time.Time // of this instance's term, or of the current leader's
	holder  string
	renewed time.Time // last successful renewal while leading
}

func newLeader(db *store.DB, lease time.Duration, clock schedule.Clock, log *slog.Logger) *leader {
	db.SetAliveWindow(2 * lease)
	return &leader{
		db: db, lease: lease, clock: clock, log: log, start: clock.Now(),
		fence: &store.Fence{Name: store.LeaderLease, Holder: db.Instance()},
	}
}

// every is the pace of renewals and attempts.
func (l *leader) every() time.Duration { return l.lease / 3 }

// beat records this instance as alive and takes or renews the lease. It
// reports whether the instance leads after it, and whether that changed.
// A leader that cannot renew (the database is unreachable) steps down once
// its lease would have expired; its writes are fenced anyway.
func (l *leader) beat(ctx context.Context) (leading, changed bool) {
	now := l.clock.Now()
	if err := l.db.Heartbeat(ctx, l.start); err != nil {
		l.log.Warn("heartbeat failed", "err", err)
	}
	ls, held, err := l.db.AcquireLease(ctx, store.LeaderLease, l.db.Instance(), l.lease)
	l.mu.Lock()
	defer l.mu.Unlock()
	was := l.leading
	switch {
	case err != nil:
		l.log.Warn("leader lease: cannot reach the store", "err", err)
		if l.leading && now.Sub(l.renewed) >= l.lease {
			l.leading = false
		}
	case held:
		l.leading, l.renewed = true, now
		l.since, l.holder = ls.Since, ls.Holder
		if !was || l.fence.Token() != ls.Token {
			l.fence.Set(ls.Token)
		}
	default:
		l.leading = false
		l.since, l.holder = ls.Since, ls.Holder
	}
	if was && !l.leading {
		l.fence.Clear()
	}
	if l.fence.Token() == 0 && l.leading { // a fenced write saw the lease go
		l.leading = false
	}
	return l.leading, was != l.leading
}

// stepDown gives the lease up (a clean shutdown, or a fenced write).
func (l *leader) stepDown(ctx context.Context) {
	l.mu.Lock()
	l.leading = false
	l.fence.Clear()
	l.mu.Unlock()
	if err := l.db.ReleaseLease(ctx, store.LeaderLease, l.db.Instance()); err != nil {
		l.log.Warn("leader lease: release failed", "err", err)
	}
}

// LeaderState is what the dashboard and /metrics say of the election.
type LeaderState struct {
	Instance string    // this instance
	Leading  bool      // this instance leads
	Leader   string    // the instance holding the lease ("" if none yet)
	Since    time.Time // the leader's term began
}

func (l *leader) state() LeaderState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return LeaderState{Instance: l.db.Instance(), Leading: l.leading, Leader: l.holder, Since: l.since}
}

// runClustered is run on PostgreSQL: the sender and outbox notifications
// always, the scheduler and the inbox watcher while this instance leads.
func (d *daemon) runClustered(ctx context.Context) error {
	l := d.leader
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Beat before the first claim: the leader spares only the claims of
	// instances it has seen alive.
	if err := d.db.Heartbeat(ctx, l.start); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	senderCtx, stopSender := context.WithCancel(context.WithoutCancel(ctx))
	senderDone := make(chan error, 1)
	go func() { senderDone <- d.sender.Run(senderCtx) }()
	listenDone := make(chan struct{})
	go func() {
		defer close(listenDone)
		d.db.ListenOutbox(ctx, l.every(), d.sender.Wake, func(f string, a ...any) { d.log.Warn(fmt.Sprintf(f, a...)) })
	}()

	// The leader's parts, for one term.
	var termCancel context.CancelFunc
	var termWG sync.WaitGroup
	fenced := make(chan struct{}, 1)
	startTerm := func() {
		var tctx context.Context
		tctx, termCancel = context.WithCancel(ctx)
		run := func(name string, f func(context.Context) error) {
			termWG.Add(1)
			go func() {
				defer termWG.Done()
				err := f(tctx)
				switch {
				case err == nil, errors.Is(err, context.Canceled):
				case errors.Is(err, store.ErrFenced):
					select {
					case fenced <- struct{}{}:
					default:
					}
				default:
					d.log.Error(name+" stopped", "err", err)
					select {
					case fenced <- struct{}{}: // give the lease to an instance that may do better
					default:
					}
				}
			}()
		}
		if d.watcher != nil {
			run("inbox", d.watcher.Run)
		}
		run("schedule", d.runner.Run)
	}
	endTerm := func() {
		if termCancel != nil {
			termCancel()
			termWG.Wait()
			termCancel = nil
		}
	}

	var err error
	for {
		leading, changed := l.beat(ctx)
		if changed && leading {
			st := l.state()
			d.log.Info("leading: scheduler and inbox watcher start", "instance", st.Instance, "since", st.Since)
			startTerm()
		} else if changed {
			st := l.state()
			d.log.Warn("lost the leader lease: scheduler and inbox watcher stop", "instance", st.Instance, "leader", st.Leader)
			endTerm()
		}
		if leading {
			if n, rerr := d.ldb.RequeueOrphans(ctx, d.db.AliveWindow()); rerr != nil {
				d.log.Warn("requeue orphans failed", "err", rerr)
			} else if n > 0 {
				d.log.Warn("messages left in sending by a dead instance requeued (sent again, same Message-ID)", "count", n)
				d.sender.Wake()
			}
		}
		t := d.opts.clock.NewTimer(l.every())
		select {
		case <-ctx.Done():
		case <-fenced:
			d.log.Warn("a leader-only write was refused or a leader part stopped: stepping down")
			endTerm()
			l.stepDown(context.WithoutCancel(ctx))
		case <-t.C():
		}
		t.Stop()
		if ctx.Err() != nil {
			break
		}
	}
	endTerm()
	if l.state().Leading {
		l.stepDown(context.WithoutCancel(ctx))
	}
	<-listenDone
	stopSender()
	if serr := <-senderDone; serr != nil && !errors.Is(serr, context.Canceled) {
		err = errors.Join(err, serr)
	}
	if uerr := d.db.Unregister(context.WithoutCancel(ctx)); uerr != nil {
		d.log.Warn("could not remove this instance from the instances table", "err", uerr)
	}
	if d.watcher != nil {
		d.watcher.Close()
	}
	return err
}

// clusterSource is the dashboard's source with the election added to the
// overview page and /metrics: which instance leads, since when, which are alive.
type clusterSource struct {
	web.Source
	l *leader
}

// cluster is what this instance knows of the election now.
func (s clusterSource) cluster(ctx context.Context) (*web.Cluster, error) {
	st := s.l.state()
	c := &web.Cluster{Instance: st.Instance, Leader: st.Leader, LeaderSince: st.Since}
	live, err := s.l.db.Instances(ctx, s.l.db.AliveWindow())
	if err != nil {
		return nil, err
	}
	for _, i := range live {
		c.Alive = append(c.Alive, i.ID)
	}
	return c, nil
}

func (s clusterSource) Overview(ctx context.Context) (web.Overview, error) {
	o, err := s.Source.Overview(ctx)
	if err != nil {
		return o, err
	}
	o.Cluster, err = s.cluster(ctx)
	return o, err
}

func (s clusterSource) Metrics(ctx context.Context) (web.Metrics, error) {
	m, err := s.Source.Metrics(ctx)
	if err != nil {
		return m, err
	}
	m.Cluster, err = s.cluster(ctx)
	return m, err
}
