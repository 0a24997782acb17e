package inbox

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// moveResolved moves the messages of review items that staff resolved on
// the dashboard out of the Review folder, to the folder recorded with the
// resolution (store.ReviewMovesPending), then records each as moved. The
// move was recorded in the resolving transaction, so a crash before or
// after the move only means it is looked for again: a message no longer in
// Review (moved already, or by a person in a mail client) is recorded as
// moved. Messages are found by Message-ID; an item without one is recorded
// as moved. The watched mailbox is selected again afterwards.
func (w *Watcher) moveResolved(ctx context.Context, cn *conn) error {
	pending, err := w.db.ReviewMovesPending(ctx)
	if err != nil || len(pending) == 0 {
		return err
	}
	if err := w.ensureFolder(cn, w.opts.Review); err != nil {
		return err
	}
	if _, err := cn.c.Select(w.opts.Review, &imap.SelectOptions{}).Wait(); err != nil {
		return fmt.Errorf("inbox: select %s: %w", w.opts.Review, err)
	}
	moved := 0
	var merr error
	for _, it := range pending {
		if it.MessageID != "" && it.MoveTo != w.opts.Review {
			crit := &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: "<" + it.MessageID + ">"}}}
			data, err := cn.c.UIDSearch(crit, nil).Wait()
			if err != nil {
				merr = fmt.Errorf("inbox: search %s for review item %d: %w", w.opts.Review, it.ID, err)
				break
			}
			if uids := data.AllUIDs(); len(uids) > 0 {
				if err := w.ensureFolder(cn, it.MoveTo); err != nil {
					merr = err
					break
				}
				if err := w.moveSet(cn, imap.UIDSetNum(uids...), it.MoveTo); err != nil {
					merr = fmt.Errorf("inbox: move review item %d to %s: %w", it.ID, it.MoveTo, err)
					break
				}
				moved += len(uids)
			}
		}
		if err := w.db.ReviewMoved(ctx, it.ID); err != nil {
			merr = err
			break
		}
	}
	sel, err := cn.c.Select(w.opts.Mailbox, &imap.SelectOptions{}).Wait()
	if err != nil {
		return fmt.Errorf("inbox: select %s: %w", w.opts.Mailbox, err)
	}
	cn.uidValidity = sel.UIDValidity // a change is noticed by the next pass's check
	if moved > 0 {
		w.log.Info("resolved review messages moved", "messages", moved, "from", w.opts.Review)
	}
	return merr
}

// Wake asks a running watcher (Run) for a pass now, for instance after a
// review item was resolved, so that its message moves without waiting for
// new mail. It never blocks; safe for concurrent use.
func (w *Watcher) Wake() { w.notify() }
