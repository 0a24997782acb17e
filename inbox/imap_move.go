package inbox

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"

	"convene/store"
)

// moveAll moves recorded messages to the folder of their disposition and
// records that they were moved.
func (w *Watcher) moveAll(ctx context.Context, cn *conn, moves map[string][]uint32, st *Stats) error {
	for _, d := range []string{store.InboxProcessed, store.InboxReview} {
		uids := moves[d]
		if len(uids) == 0 {
			continue
		}
		dest := w.opts.Processed
		if d == store.InboxReview {
			dest = w.opts.Review
		}
		if err := w.move(cn, uids, dest); err != nil {
			return err
		}
		if err := w.db.InboxMoved(ctx, w.opts.Mailbox, cn.uidValidity, uids); err != nil {
			return err
		}
		st.Moved += len(uids)
	}
	return nil
}

// move moves messages, given by UID, to dest, creating it when missing. With
// MOVE (RFC 6851) it is one UID MOVE; otherwise UID COPY, then \Deleted on
// those messages, then, with UIDPLUS (RFC 4315), UID EXPUNGE of just them.
// Without UIDPLUS the copies marked \Deleted are left in place: a plain
// EXPUNGE would also remove other messages someone marked \Deleted.
func (w *Watcher) move(cn *conn, uids []uint32, dest string) error {
	if err := w.ensureFolder(cn, dest); err != nil {
		return err
	}
	set := make([]imap.UID, len(uids))
	for i, u := range uids {
		set[i] = imap.UID(u)
	}
	us := imap.UIDSetNum(set...)
	err := w.moveSet(cn, us, dest)
	if isTryCreate(err) {
		// The folder was deleted since we looked: create it, try again.
		delete(cn.folders, dest)
		if err := w.ensureFolder(cn, dest); err != nil {
			return err
		}
		err = w.moveSet(cn, us, dest)
	}
	if err != nil {
		return fmt.Errorf("inbox: move %d messages to %s: %w", len(uids), dest, err)
	}
	return nil
}

func (w *Watcher) moveSet(cn *conn, us imap.UIDSet, dest string) error {
	if cn.move {
		_, err := cn.c.Move(us, dest).Wait() // with MOVE, a plain UID MOVE
		return err
	}
	if _, err := cn.c.Copy(us, dest).Wait(); err != nil {
		return err
	}
	flags := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
	if err := cn.c.Store(us, flags, nil).Close(); err != nil {
		return err
	}
	if !cn.uidPlus {
		return nil
	}
	return cn.c.UIDExpunge(us).Close()
}

// ensureFolder creates dest when it does not exist.
func (w *Watcher) ensureFolder(cn *conn, dest string) error {
	if cn.folders[dest] {
		return nil
	}
	list, err := cn.c.List("", dest, nil).Collect()
	if err != nil {
		return fmt.Errorf("inbox: list %s: %w", dest, err)
	}
	if !slices.ContainsFunc(list, func(d *imap.ListData) bool { return d.Mailbox == dest }) {
		err := cn.c.Create(dest, nil).Wait()
		var ie *imap.Error
		if err != nil && !(errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists) {
			return fmt.Errorf("inbox: create %s: %w", dest, err)
		}
		if err == nil {
			w.log.Info("created folder", "folder", dest)
		}
	}
	cn.folders[dest] = true
	return nil
}

func isTryCreate(err error) bool {
	var ie *imap.Error
	return errors.As(err, &ie) && ie.Code == imap.ResponseCodeTryCreate
}
