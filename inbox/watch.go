package inbox

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"convene/store"
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
		if ok {
			w.log.Warn("IMAP connection lost; reconnecting", "err", err, "in", wait.Round(time.Millisecond))
		} else {
			w.setStatus(ctx, err, wait)
		}
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
	w.setStatus(ctx, nil, 0)
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
	// The server answered: that is contact, even if no mail comes.
	if err := w.db.InboxContact(ctx, w.opts.Mailbox); err != nil && ctx.Err() == nil {
		w.log.Warn("recording the inbox's contact", "err", err)
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

// setStatus records the watcher's state (err nil: connected) and logs once
// per change: at ERROR when the server refuses the credentials or cannot be
// reached, at INFO when it is back; a repeat of the same failure is logged
// at DEBUG only.
func (w *Watcher) setStatus(ctx context.Context, err error, retry time.Duration) {
	status, detail := store.InboxOK, ""
	if err != nil {
		status, detail = store.InboxUnreachable, err.Error()
		if IsAuthFailure(err) {
			status = store.InboxAuthFailed
		}
	}
	changed, serr := w.db.SetInboxStatus(context.WithoutCancel(ctx), w.opts.Mailbox, status, detail)
	if serr != nil {
		w.log.Warn("recording the inbox's state", "err", serr)
		changed = true // better logged twice than not at all
	}
	switch {
	case !changed && err != nil:
		w.log.Debug("IMAP still failing; reconnecting", "status", status, "err", err, "in", retry.Round(time.Millisecond))
	case status == store.InboxAuthFailed:
		w.log.Error("IMAP server refuses the credentials; replies are not being read", "err", err, "retry_in", retry.Round(time.Millisecond))
	case err != nil:
		w.log.Error("IMAP server unreachable; replies are not being read", "err", err, "retry_in", retry.Round(time.Millisecond))
	case changed:
		w.log.Info("IMAP server reached", "status", status)
	}
}
