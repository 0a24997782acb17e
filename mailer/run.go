package mailer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wneessen/go-mail/smtp"
	"golang.org/x/time/rate"

	"convene/store"
)

// A run is one Drain or Run. A coordinator (the caller's goroutine) is the
// only writer: in one transaction it records the results that arrived and
// claims due messages for the workers (store.SettleOutbox), so a commit
// covers several connections' results and nobody waits on SQLite's lock.
// A loader reads the claimed messages' bodies, a claim at a time in one
// query (store.OutboxBodies), and hands them to the workers. Each worker
// owns one SMTP connection.
type run struct {
	s       *Sender
	ctx     context.Context // cancelled by the caller: no new work
	load    chan []store.OutboxClaim
	work    chan store.OutboxClaim
	queued  atomic.Int64 // claims sent to the loader and not yet taken by a worker
	bufs    chan []byte  // body buffers the workers are done with
	results chan *result
	start   time.Time
	pending int

	fatal  error // set by the coordinator, or by a worker before it reports
	fatalM sync.Mutex
	failed atomic.Bool

	sent, perm, retried int // coordinator only
}

type result struct {
	r   store.OutboxResult
	ack chan error // receives the commit's outcome
}

func (s *Sender) loop(ctx context.Context, batch string, daemon bool) (Report, error) {
	if err := s.startup(ctx); err != nil {
		return Report{}, err
	}
	r := &run{s: s, ctx: ctx, load: make(chan []store.OutboxClaim, s.opts.ClaimSize),
		work: make(chan store.OutboxClaim, s.opts.ClaimSize), bufs: make(chan []byte, s.opts.ClaimSize+s.opts.Concurrency),
		results: make(chan *result, 2*s.opts.Concurrency), start: s.opts.Now()}
	r.pending, _, _ = s.db.OutboxPending(ctx, batch)
	go r.loader()
	var workers sync.WaitGroup
	for i := range s.opts.Concurrency {
		workers.Go(func() { r.worker(i) })
	}
	go func() {
		workers.Wait()
		close(r.results)
	}()
	err := r.coordinate(batch, daemon)

	rep := Report{Sent: r.sent, Failed: r.perm, Retried: r.retried, Requeued: s.requeue, Elapsed: s.opts.Now().Sub(r.start)}
	rep.Pending, _, _ = s.db.OutboxPending(context.WithoutCancel(ctx), batch)
	if r.fatal != nil {
		return rep, r.fatal
	}
	if err != nil {
		return rep, err
	}
	s.log.Info("outbox drained", "batch", batch, "sent", rep.Sent, "failed", rep.Failed, "retried", rep.Retried,
		"elapsed", rep.Elapsed.Round(time.Millisecond))
	return rep, nil
}

func (r *run) setFatal(err error) {
	r.fatalM.Lock()
	if r.fatal == nil {
		r.fatal = err
	}
	r.fatalM.Unlock()
	r.failed.Store(true)
}

// coordinate records results and hands out claims until nothing is left
// (Drain), ctx ends or a fatal error; then it closes the work channel and
// keeps recording until every worker has reported.
func (r *run) coordinate(batch string, daemon bool) error {
	s := r.s
	db := context.WithoutCancel(r.ctx) // results are recorded even after ctx ends
	var stopErr error
	stopping, idle := false, false
	stop := func(err error) {
		if !stopping {
			stopping, stopErr = true, err
			close(r.load)
		}
	}
	group := make([]*result, 0, 64)
	gt := time.NewTimer(time.Hour)
	gt.Stop()
	rs := make([]store.OutboxResult, 0, 64)
	for {
		group = group[:0]
		if stopping || idle || r.queued.Load() > int64(cap(r.work)/2) {
			// Nothing to claim now: wait for an event.
			var timer <-chan time.Time
			var stopTimer func() bool
			if idle && !stopping {
				n, next, err := s.db.OutboxPending(db, batch)
				if err != nil {
					r.setFatal(err)
					stop(nil)
					continue
				}
				if n == 0 && !daemon {
					stop(nil)
					continue
				}
				if !next.IsZero() {
					// the next retry, on the clock of Now
					timer, stopTimer = s.opts.NewTimer(max(next.Sub(s.opts.Now()), time.Millisecond))
				} else if daemon {
					// Look again now and then: another process (convene
					// send while the daemon holds the store) may have
					// recorded messages without a way to wake this one.
					t := time.NewTimer(idleCheck)
					timer, stopTimer = t.C, t.Stop
				}
			}
			var done <-chan struct{}
			var wake chan struct{}
			if !stopping {
				done, wake = r.ctx.Done(), s.wake
			}
			select {
			case x, ok := <-r.results:
				if !ok {
					return stopErr
				}
				group = append(group, x)
			case <-done:
				stop(r.ctx.Err())
			case <-wake:
				idle = false
			case <-timer:
				idle = false
			}
			if stopTimer != nil {
				stopTimer()
			}
		}
		// Gather the results that are ready; once there is one, wait a
		// little (groupWait) for the other connections' results, so one
		// commit records several: a commit costs far more than a row.
		var deadline <-chan time.Time
	gather:
		for len(group) < cap(group) {
			if len(group) >= s.opts.Concurrency || stopping {
				deadline = nil
			} else if len(group) > 0 && deadline == nil {
				gt.Reset(groupWait)
				deadline = gt.C
			}
			select {
			case x, ok := <-r.results:
				if !ok {
					break gather // seen again at the blocking receive
				}
				group = append(group, x)
				continue
			default:
			}
			if deadline == nil {
				break
			}
			select {
			case x, ok := <-r.results:
				if !ok {
					break gather
				}
				group = append(group, x)
			case <-deadline:
				break gather
			}
		}
		gt.Stop()
		limit := 0 // claim in chunks, when the workers have used half of the last one
		if q := int(r.queued.Load()); !stopping && !idle && !r.failed.Load() && q <= cap(r.work)/2 {
			limit = cap(r.work) - q
		}
		if len(group) == 0 && limit == 0 {
			continue
		}
		rs = rs[:0]
		for _, g := range group {
			rs = append(rs, g.r)
		}
		claims, err := s.db.SettleOutbox(db, rs, batch, limit, s.opts.Now())
		if err != nil {
			r.setFatal(fmt.Errorf("mailer: record results: %w", err))
		} else {
			for _, g := range group {
				switch g.r.State {
				case store.OutboxSent:
					r.sent++
				case store.OutboxFailed:
					r.perm++
				case store.OutboxRetry:
					r.retried++
				}
			}
		}
		for _, g := range group {
			g.ack <- err
		}
		if len(group) > 0 && s.opts.Progress != nil {
			p := Progress{Sent: r.sent, Failed: r.perm, Retried: r.retried, Pending: r.pending, Elapsed: s.opts.Now().Sub(r.start)}
			if p.Elapsed > 0 {
				p.Rate = float64(p.Sent) / p.Elapsed.Seconds()
			}
			s.opts.Progress(p)
		}
		if len(claims) > 0 {
			r.queued.Add(int64(len(claims)))
			r.load <- claims // limit was the room left: never blocks
		}
		if limit > 0 {
			idle = len(claims) == 0
		}
		if len(group) > 0 {
			idle = false // a retry may have become due sooner, or in-flight work ended
		}
		if r.failed.Load() {
			stop(nil)
		}
	}
}

// loader reads the bodies of each group of claims and passes the claims on
// to the workers, until the coordinator stops; then it closes the work
// channel. A claim whose body could not be read goes on without it, with
// the run failed: the worker hands it back.
func (r *run) loader() {
	defer close(r.work)
	for claims := range r.load {
		for i := range claims {
			select {
			case b := <-r.bufs:
				claims[i].Raw = b[:0]
			default:
			}
		}
		if err := r.s.db.OutboxBodies(context.WithoutCancel(r.ctx), claims); err != nil {
			r.setFatal(err)
		}
		for _, c := range claims {
			r.work <- c // at most cap(r.work) claims are queued: never blocks
		}
	}
}

// worker sends claims over one SMTP connection, reconnecting after errors.
//
// The duplicate window: a message the server accepted (250 after the final
// dot) whose result is not yet committed is sent again after a crash. A
// worker waits for the previous message's result to be committed before it
// sends the next final dot, so at most one message per worker, at most
// Concurrency in all, is in that window; its copies share the Message-ID.
func (r *run) worker(id int) {
	s := r.s
	log := s.log.With("worker", id)
	var conn *smtp.Client
	var prev chan error // the previous result's commit
	waitPrev := func() error {
		if prev == nil {
			return nil
		}
		err := <-prev
		prev = nil
		return err
	}
	defer func() {
		waitPrev()
		if conn != nil {
			conn.Quit()
		}
	}()
	release := func(c store.OutboxClaim) {
		prev = r.submit(store.OutboxResult{ID: c.ID, State: store.OutboxQueued, NextAttempt: s.opts.Now()})
	}
	for c := range r.work {
		r.queued.Add(-1)
		if r.failed.Load() || r.ctx.Err() != nil {
			waitPrev()
			release(c)
			continue
		}
		if err := s.wait(r.ctx, s.global); err != nil {
			waitPrev()
			release(c)
			continue
		}
		if err := s.wait(r.ctx, s.domainLimiter(c.Domain)); err != nil {
			waitPrev()
			release(c)
			continue
		}
		if conn == nil {
			var err error
			conn, err = s.dial(r.ctx)
			if err != nil {
				conn = nil
				if fatalDial(err) {
					r.setFatal(fmt.Errorf("mailer: connect to %s: %w", s.opts.Server.Addr(), err))
					waitPrev()
					release(c)
					continue
				}
				log.Warn("connect failed", "err", err)
				if e := waitPrev(); e != nil {
					release(c)
					continue
				}
				prev = r.submit(s.outcome(c, translate(err)))
				continue
			}
		}
		raw := c.Raw
		if len(raw) == 0 { // the loader did not read it
			var err error
			if raw, err = s.db.OutboxBody(context.WithoutCancel(r.ctx), c.ID, raw); err != nil {
				r.setFatal(err)
				waitPrev()
				release(c)
				continue
			}
		}
		err, broken := s.transact(conn, c, raw, waitPrev)
		select {
		case r.bufs <- raw: // for the loader's next claims
		default:
		}
		if errors.Is(err, errCommit) {
			conn.Close()
			conn = nil
			release(c)
			continue
		}
		if broken {
			conn.Close()
			conn = nil
		}
		if err == nil {
			prev = r.submit(store.OutboxResult{ID: c.ID, State: store.OutboxSent})
			continue
		}
		se := translate(err)
		log.Info("send failed", "message_id", c.MessageID, "attempt", c.Attempts, "temporary", se.Temp, "reply", se.Reply)
		waitPrev()
		prev = r.submit(s.outcome(c, se))
	}
}

func (r *run) submit(res store.OutboxResult) chan error {
	x := &result{r: res, ack: make(chan error, 1)}
	r.results <- x
	return x.ack
}

// outcome turns a failure into a retry with backoff, or a permanent failure.
func (s *Sender) outcome(c store.OutboxClaim, se *SendError) store.OutboxResult {
	if !se.Temp || c.Attempts >= s.opts.MaxAttempts {
		return store.OutboxResult{ID: c.ID, State: store.OutboxFailed, Error: se.Reply}
	}
	return store.OutboxResult{ID: c.ID, State: store.OutboxRetry, Error: se.Reply,
		NextAttempt: s.opts.Now().Add(s.backoff(c.Attempts))}
}

// backoff is RetryDelay * 2^(attempt-1), capped at MaxRetryDelay, with
// jitter: a uniform pick in the upper half.
func (s *Sender) backoff(attempt int) time.Duration {
	d := s.opts.RetryDelay
	for i := 1; i < attempt && d < s.opts.MaxRetryDelay; i++ {
		d *= 2
	}
	d = min(d, s.opts.MaxRetryDelay)
	return d/2 + rand.N(d/2+1)
}

// wait takes a token from l (nil: no limit), waiting on the limiters'
// clock until it is due, or until ctx ends (the token is then given back).
func (s *Sender) wait(ctx context.Context, l *rate.Limiter) error {
	if l == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.limitNow()
	res := l.ReserveN(now, 1)
	if !res.OK() {
		return errors.New("mailer: rate limiter refused a token")
	}
	d := res.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	c, stop := s.limitTimer(d)
	select {
	case <-c:
		return nil
	case <-ctx.Done():
		stop()
		res.CancelAt(s.limitNow())
		return ctx.Err()
	}
}

func realTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// groupWait is how long the coordinator waits for more results before it
// commits the ones it has.
const groupWait = time.Millisecond
