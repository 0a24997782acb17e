package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"convene/inbox"
	"convene/mailer"
	"convene/meeting"
	"convene/schedule"
	"convene/secretariat"
	"convene/store"
	"convene/web"
)

// daemonOptions are what `convene run` and `convene demo` choose.
type daemonOptions struct {
	clock        schedule.Clock
	exitWhenDone bool          // stop after the timeline's last job
	minGrace     time.Duration // floor of every job's grace period (simulated clocks)
	simSpeed     float64       // a simulated clock's speed, published in the store for convene send; 0: real time
	shutdown     time.Duration // how long to wait for work under way at shutdown
	onMissed     func(schedule.Job)
}

// daemon is convene running: scheduler, outbox workers, inbox watcher and dashboard.
type daemon struct {
	opts    daemonOptions
	log     *slog.Logger
	db      *store.DB
	ldb     *store.DB // what leader-only work writes through: db, fenced on PostgreSQL
	svc     *secretariat.Service
	sender  *mailer.Sender
	watcher *inbox.Watcher
	runner  *schedule.Runner
	unlock  func()
	signIn  *signIn // auth oauth2: the token source (auth.go)
	leader  *leader // PostgreSQL: the leader election (cluster.go); nil on SQLite
}

// openDaemon builds the daemon without starting anything: the store is
// opened and locked (a second daemon on the same store refuses to start),
// the contact list recorded, and every part's options validated.
func openDaemon(ctx context.Context, log *slog.Logger, m *meeting.Meeting, cs *meeting.Contacts, opts daemonOptions) (*daemon, error) {
	if opts.clock == nil {
		opts.clock = schedule.RealClock()
	}
	if opts.shutdown == 0 {
		opts.shutdown = 30 * time.Second
	}
	if !m.SMTP.Configured() {
		return nil, fmt.Errorf("%s: smtp.host is not set: convene run needs a mail server to send through", m.Path)
	}
	// Secrets are read at each connection (tokens rotate), but a missing one
	// is said now, not after the first retries.
	for _, srv := range []struct {
		name string
		s    meeting.Server
	}{{"smtp", m.SMTP.Server}, {"imap", m.IMAP.Server}} {
		if srv.s.Configured() && srv.s.Auth != meeting.AuthNone && srv.s.Auth != meeting.AuthOAuth2 {
			if _, err := srv.s.Secret.Resolve(ctx); err != nil {
				return nil, fmt.Errorf("%s: %s.secret: %w", m.Path, srv.name, err)
			}
		}
	}
	db, err := openMeetingStore(ctx, m)
	if err != nil {
		return nil, err
	}
	// SQLite: one daemon per store. PostgreSQL: several, one leading (cluster.go).
	unlock := func() {}
	if db.Engine() == store.SQLite {
		if unlock, err = db.Lock(); err != nil {
			db.Close()
			return nil, err
		}
	}
	d := &daemon{opts: opts, log: log, db: db, unlock: unlock}
	db.Now = opts.clock.Now
	ldb := db // what the scheduler and the inbox watcher write through
	if p := m.StoreConfig.Postgres; p != nil && db.Engine() == store.Postgres {
		d.leader = newLeader(db, p.Lease, opts.clock, log.With("component", "leader"))
		ldb = db.Fenced(d.leader.fence)
		log.Info("store on PostgreSQL: several instances may run; one leads", "store", db.Describe(), "instance", db.Instance(), "lease", p.Lease)
	}
	d.ldb = ldb
	fail := func(err error) (*daemon, error) { d.close(); return nil, err }
	if err := d.startSignIn(ctx, m); err != nil {
		return fail(err)
	}

	if d.svc, err = secretariat.New(ctx, m, cs, db, log.With("component", "service"), opts.clock.Now); err != nil {
		return fail(err)
	}
	if _, err = enableWeb(ctx, d.svc); err != nil { // registration.web (regweb.go)
		return fail(err)
	}
	d.sender, err = mailer.New(db, mailer.Options{
		Server: m.SMTP.Server, Concurrency: m.SMTP.Concurrency,
		RatePerMinute: m.SMTP.RatePerMinute, DomainRatePerMinute: m.SMTP.DomainRatePerMinute,
		Logger: log, Now: opts.clock.Now, // mailer adds component=mailer
		NewTimer: func(d time.Duration) (<-chan time.Time, func() bool) {
			t := opts.clock.NewTimer(d)
			return t.C(), t.Stop
		},
	})
	if err != nil {
		return fail(err)
	}
	d.svc.SetWake(d.sender.Wake)
	d.svc.SetLeaderStore(ldb) // the jobs' writes are fenced too
	if m.IMAP.Configured() {
		d.watcher, err = inbox.NewWatcher(ldb, inbox.Options{
			Server: m.IMAP.Server, Mailbox: m.IMAP.Mailbox, Processed: m.IMAP.Processed, Review: m.IMAP.Review,
			Poll: m.IMAP.Poll, Logger: log, Now: opts.clock.Now, // inbox adds component=inbox
			Prepare: d.svc.Prepare,
		}, d.svc.Handle)
		if err != nil {
			return fail(err)
		}
	} else {
		log.Warn("imap.host is not set: replies are not read")
	}
	topt := timelineOptions(m)
	topt.MinGrace = opts.minGrace
	jobs, err := schedule.Timeline(m, topt)
	if err != nil {
		return fail(err)
	}
	var poll func(context.Context) error
	if d.watcher != nil {
		poll = func(ctx context.Context) error { _, err := d.watcher.Once(ctx); return err }
	}
	d.runner = schedule.NewRunner(ldb, opts.clock, jobs, d.svc.Handlers(poll), schedule.RunnerOptions{
		Logger: log, ExitWhenDone: opts.exitWhenDone, ShutdownTimeout: opts.shutdown, // schedule adds component=schedule
		OnMissed: func(j schedule.Job) {
			log.Warn("job missed: past its grace period, not run", "job", j.Key, "due", j.Due)
			if opts.onMissed != nil {
				opts.onMissed(j)
			}
		},
	})
	return d, nil
}

func (d *daemon) close() {
	if d.unlock != nil {
		d.unlock()
	}
	d.db.Close()
}

// serveDashboard starts the dashboard on addr ("" = the meeting's) and
// returns the address it listens on and a function that stops it. The server has read, write and idle timeouts and a Host
// allowlist (web.NewServer); with dashboard.tls it serves HTTPS.
func (d *daemon) serveDashboard(addr, token string) (string, func(), error) {
	m := d.svc.Meeting()
	if addr == "" {
		addr = m.Dashboard
	}
	do := m.DashboardOptions
	tlsOn := do.TLSCert != ""
	dash := secretariat.NewDashboard(d.svc, d.runner.States)
	if d.watcher != nil {
		dash.AfterResolve(d.watcher.Wake) // the resolved item's message leaves Review now
	}
	staff, err := staffLogins(context.Background(), do)
	if err != nil {
		return "", nil, err
	}
	var src web.Source = dash
	if d.leader != nil {
		src = clusterSource{Source: dash, l: d.leader} // the overview and /metrics say who leads
	}
	srv, err := web.NewServer(src, web.Options{
		Addr: addr, Token: token, Hosts: do.Hosts, TLS: tlsOn, TrustProxy: do.TrustProxy,
		Staff: staff, TrustedUserHeader: do.TrustedUserHeader, Proxies: do.Proxies,
		Logger: d.log, Now: d.opts.clock.Now, // web adds component=web
	})
	if err != nil {
		return "", nil, err
	}
	srv.ErrorLog = slog.NewLogLogger(d.log.With("component", "web").Handler(), slog.LevelDebug)
	return listenAndServe(srv, "dashboard", addr, do.TLSCert, do.TLSKey)
}

// listenAndServe listens on addr and serves srv in the background, over
// TLS with the certificate and key files when certFile is set; what names
// the listener in errors. It returns the address listened on and a function
// that shuts the server down (5 s for requests in flight).
func listenAndServe(srv *http.Server, what, addr, certFile, keyFile string) (string, func(), error) {
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return "", nil, fmt.Errorf("%s: tls: %w", what, err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", what, err)
	}
	if certFile != "" {
		go srv.ServeTLS(ln, "", "")
	} else {
		go srv.Serve(ln)
	}
	stop := func() {
		ctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		srv.Shutdown(ctx)
	}
	return ln.Addr().String(), stop, nil
}

// run runs every part until ctx ends (or, with exitWhenDone, until the
// timeline is done and the outbox empty), then shuts down: no new work is
// taken, SMTP transactions under way finish, and everything is committed.
func (d *daemon) run(ctx context.Context) error {
	if d.leader != nil {
		return d.runClustered(ctx)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var wg sync.WaitGroup
	errs := make(chan error, 3)
	start := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("%s: %w", name, err)
				cancel()
			}
		}()
	}
	senderCtx, stopSender := context.WithCancel(context.WithoutCancel(ctx))
	senderDone := make(chan error, 1)
	go func() { senderDone <- d.runSender(senderCtx) }()
	go d.keepSignedIn(senderCtx)
	if d.watcher != nil {
		start("inbox", d.watcher.Run)
	}
	runnerDone := make(chan error, 1)
	go func() { runnerDone <- d.runner.Run(ctx) }()
	var clockDone chan struct{}
	if d.opts.simSpeed > 0 {
		d.setClockReading(ctx) // before the first job: a reading is there as soon as anything is sent
		clockDone = make(chan struct{})
		go func() { defer close(clockDone); d.publishClock(ctx) }()
	}

	var err error
	select {
	case err = <-runnerDone:
	case <-ctx.Done():
		err = <-runnerDone
	}
	cancel() // no new work: the inbox stops, the outbox finishes the transactions under way
	wg.Wait()
	stopSender()
	if serr := <-senderDone; serr != nil && !errors.Is(serr, context.Canceled) {
		err = errors.Join(err, serr)
	}
	if err == nil && d.opts.exitWhenDone {
		// The timeline is over: send what is left, then stop.
		dctx, c := context.WithTimeout(context.Background(), d.opts.shutdown)
		_, err = d.sender.Drain(dctx, "")
		c()
	}
	if d.watcher != nil {
		d.watcher.Close()
	}
	if clockDone != nil {
		<-clockDone
		d.setClockReading(context.WithoutCancel(ctx)) // where the clock stood at the end
	}
	close(errs)
	for e := range errs {
		err = errors.Join(err, e)
	}
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// publishClock records the simulated clock in the store every few real
// seconds until ctx ends, so that convene send, run while this daemon holds
// the store, dates what it records on this clock.
func (d *daemon) publishClock(ctx context.Context) {
	t := time.NewTicker(clockPublishEvery) // real time: the reading maps real time to simulated time
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.setClockReading(ctx)
		}
	}
}

func (d *daemon) setClockReading(ctx context.Context) {
	r := store.ClockReading{Sim: d.opts.clock.Now(), Real: time.Now(), Speed: d.opts.simSpeed}
	if err := d.db.SetClockReading(ctx, r); err != nil && ctx.Err() == nil {
		d.log.Warn("publish the clock", "err", err)
	}
}

// clockPublishEvery is how often a daemon on a simulated clock records it
// (its readings are exact for a clock that is not held, as convene run's).
const clockPublishEvery = 5 * time.Second

// reload re-reads meeting.yaml and contacts.csv (SIGHUP). A bad file is
// rejected with its problems and the running configuration kept. Otherwise
// the new timeline replaces the old (jobs already done stay done) and any
// calendar update owed by a changed session goes out now.
func (d *daemon) reload(ctx context.Context, path string) error {
	m, cs, err := meeting.Load(path)
	if err != nil {
		return err
	}
	topt := timelineOptions(m)
	topt.MinGrace = d.opts.minGrace
	jobs, err := schedule.Timeline(m, topt)
	if err != nil {
		return err
	}
	if err := d.svc.SetConfig(ctx, m, cs); err != nil {
		return err
	}
	d.runner.Replace(jobs)
	var n int
	err = d.db.Update(ctx, func(tx *store.Tx) (err error) {
		n, err = d.svc.PlanInvites(tx, "")
		return err
	})
	if err != nil {
		return err
	}
	d.sender.Wake()
	d.log.Info("configuration reloaded", "file", path, "calendar_messages", n)
	return nil
}

// dashboardScheme is "https" when the meeting's dashboard serves TLS.
func dashboardScheme(m *meeting.Meeting) string {
	if m.DashboardOptions.TLSCert != "" {
		return "https"
	}
	return "http"
}
