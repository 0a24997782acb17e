package inbox

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// Run watches the mailbox until ctx is done, then returns nil. It connects,
// processes what is there, then waits for new mail with IDLE (restarted every
// IdleRestart, since servers drop an idle connection after some minutes and a
// silent IDLE is a known failure) or, when the server has no IDLE, polls every
// Poll; after each wait it processes the mailbox again. When the connection
// drops it reconnects after a backoff that doubles up to MaxBackoff, with
// jitter. Errors are logged, not returned.
func (w *Watcher) Run(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dropConn() // Run keeps its own connection
	delay := w.opts.Backoff
	for {
		ok, err := w.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if ok {
			delay = w.opts.Backoff
		}
		wait := jitter(delay)
		w.log.Warn("IMAP connection lost; reconnecting", "err", err, "in", wait.Round(time.Millisecond))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		delay = min(2*delay, w.opts.MaxBackoff)
	}
}

// jitter returns d ± 20%.
func jitter(d time.Duration) time.Duration {
	return d - d/5 + rand.N(d*2/5+1)
}

// session runs one connection: a pass, a wait, a pass... ok reports whether
// at least one pass succeeded.
func (w *Watcher) session(ctx context.Context) (ok bool, err error) {
	cn, err := w.connect(ctx)
	if err != nil {
		return false, err
	}
	defer cn.c.Close()
	stop := context.AfterFunc(ctx, func() { cn.c.Close() })
	defer stop()
	w.log.Info("connected", "idle", cn.idle, "move", cn.move, "uidplus", cn.uidPlus)
	for {
		select {
		case <-w.wake: // what it announced, the pass will see
		default:
		}
		st, err := w.pass(ctx, cn)
		if err != nil {
			return ok, err
		}
		ok = true
		if w.afterPass != nil {
			w.afterPass(st)
		}
		if st.Fetched+st.Moved+st.Failed > 0 {
			w.log.Info("pass", "seen", st.Seen, "fetched", st.Fetched, "processed", st.Processed, "review", st.Review,
				"duplicates", st.Duplicates, "failed", st.Failed, "too_large", st.TooLarge, "moved", st.Moved)
		}
		if err := w.wait(ctx, cn); err != nil {
			return ok, err
		}
	}
}

// wait returns when there may be new mail: the server announced it during
// IDLE, IdleRestart passed, or (without IDLE) Poll passed.
func (w *Watcher) wait(ctx context.Context, cn *conn) error {
	if !cn.idle {
		t := time.NewTimer(w.opts.Poll)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-cn.c.Closed():
			return errors.New("inbox: connection closed")
		case <-w.wake:
		case <-t.C:
		}
		return nil
	}
	select {
	case <-w.wake: // announced while the last pass ran
		return nil
	default:
	}
	idle, err := cn.c.Idle()
	if err != nil {
		return err
	}
	t := time.NewTimer(w.opts.IdleRestart)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-cn.c.Closed():
	case <-w.wake:
	case <-t.C:
	}
	if err := idle.Close(); err != nil {
		return err
	}
	if err := idle.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}
