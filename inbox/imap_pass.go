package inbox

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"convene/store"
)

// Once processes everything pending in the mailbox once and returns what it
// did. It connects if needed and keeps the connection for the next call (see
// Close); after an error the next call reconnects. The scheduler's poll job
// and the tests use it; Run uses the same pass.
func (w *Watcher) Once(ctx context.Context) (Stats, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conn == nil {
		cn, err := w.connect(ctx)
		if err != nil {
			return Stats{}, err
		}
		w.conn = cn
	}
	st, err := w.pass(ctx, w.conn)
	if err != nil {
		w.dropConn()
	}
	return st, err
}

// item is a message of the mailbox as listed at the start of a pass.
type item struct {
	uid  uint32
	size int64
}

// pass lists the mailbox, moves out what is recorded but still there (a crash
// between commit and move), refuses what is too large, and fetches, handles,
// commits and moves the rest, a chunk at a time.
func (w *Watcher) pass(ctx context.Context, cn *conn) (Stats, error) {
	var st Stats
	stop := context.AfterFunc(ctx, func() { cn.c.Close() })
	defer stop()
	fail := func(err error) (Stats, error) {
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		return st, err
	}
	if err := w.checkUIDValidity(ctx, cn); err != nil {
		return fail(err)
	}
	// UID FETCH 1:* works on an empty mailbox, where FETCH 1:* is an error.
	all := imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}
	list, err := cn.c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true, RFC822Size: true}).Collect()
	if err != nil {
		return fail(fmt.Errorf("inbox: list %s: %w", w.opts.Mailbox, err))
	}
	if err := w.db.InboxContact(ctx, w.opts.Mailbox); err != nil {
		return fail(err)
	}
	recorded, err := w.db.InboxMessages(ctx, w.opts.Mailbox, cn.uidValidity)
	if err != nil {
		return fail(err)
	}
	slices.SortFunc(list, func(a, b *imapclient.FetchMessageBuffer) int { return cmp.Compare(a.UID, b.UID) })
	moves := map[string][]uint32{}
	var tooLarge, todo []item
	for _, m := range list {
		if m.UID == 0 || slices.Contains(m.Flags, imap.FlagDeleted) {
			continue // left by a COPY without UIDPLUS, or by someone else
		}
		st.Seen++
		uid := uint32(m.UID)
		if rec, ok := recorded[uid]; ok && rec.Processed() {
			if rec.MovedAt.IsZero() {
				moves[rec.Disposition] = append(moves[rec.Disposition], uid)
				st.Duplicates++
			}
			continue
		}
		if m.RFC822Size > w.opts.MaxSize {
			tooLarge = append(tooLarge, item{uid, m.RFC822Size})
			continue
		}
		todo = append(todo, item{uid, m.RFC822Size})
	}
	// Recorded but not moved: the effects are committed; just move them.
	if err := w.moveAll(ctx, cn, moves, &st); err != nil {
		return fail(err)
	}
	if len(tooLarge) > 0 {
		if err := w.refuseTooLarge(ctx, cn, tooLarge, &st); err != nil {
			return fail(err)
		}
	}
	for len(todo) > 0 {
		n := w.chunkLen(todo)
		if err := w.chunk(ctx, cn, todo[:n], &st); err != nil {
			return fail(err)
		}
		todo = todo[n:]
	}
	return st, nil
}

// chunkLen returns how many of todo go in the next chunk: at most Chunk
// messages and about 64 MiB (at least one message).
func (w *Watcher) chunkLen(todo []item) int {
	const budget = 64 << 20
	var total int64
	for i, it := range todo {
		if i == w.opts.Chunk || (i > 0 && total+it.size > budget) {
			return i
		}
		total += it.size
	}
	return len(todo)
}

// chunk fetches some messages, handles them in one transaction (one
// savepoint each), commits with their checkpoints, then moves them.
func (w *Watcher) chunk(ctx context.Context, cn *conn, items []item, st *Stats) error {
	uids := make([]imap.UID, len(items))
	for i, it := range items {
		uids[i] = imap.UID(it.uid)
	}
	body := &imap.FetchItemBodySection{Peek: true} // BODY.PEEK[]: \Seen stays unset
	cmd := cn.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, RFC822Size: true, BodySection: []*imap.FetchItemBodySection{body}})
	var msgs []Fetched
	for {
		m := cmd.Next()
		if m == nil {
			break
		}
		buf, err := m.Collect()
		if err != nil {
			cmd.Close()
			return fmt.Errorf("inbox: fetch: %w", err)
		}
		raw := buf.FindBodySection(body)
		if buf.UID == 0 || raw == nil {
			continue // an unsolicited FETCH (flags changed by someone else)
		}
		msgs = append(msgs, Fetched{
			Mailbox:     w.opts.Mailbox,
			UIDValidity: cn.uidValidity,
			UID:         uint32(buf.UID),
			MessageID:   messageID(raw),
			Size:        int64(len(raw)),
			Raw:         raw,
		})
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("inbox: fetch: %w", err)
	}
	st.Fetched += len(msgs)
	slices.SortFunc(msgs, func(a, b Fetched) int { return cmp.Compare(a.UID, b.UID) })

	moves := map[string][]uint32{}
	var local Stats
	err := w.db.Update(ctx, func(tx *store.Tx) error {
		moves = map[string][]uint32{}
		local = Stats{}
		for _, m := range msgs {
			d, err := w.handle(ctx, tx, m, &local)
			if err != nil {
				return err
			}
			if d != "" {
				moves[d] = append(moves[d], m.UID)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	st.add(local)
	if w.afterCommit != nil {
		w.afterCommit()
	}
	return w.moveAll(ctx, cn, moves, st)
}

// handle applies one message inside tx, within a savepoint, and returns the
// folder disposition it goes to ("" when it stays for another try). Only
// store errors (and ctx) are returned: a handler error is counted.
func (w *Watcher) handle(ctx context.Context, tx *store.Tx, m Fetched, st *Stats) (string, error) {
	key := store.InboxKey{Mailbox: m.Mailbox, UIDValidity: m.UIDValidity, UID: m.UID}
	lg := w.log.With("uid", m.UID, "message_id", m.MessageID)
	if dup, err := tx.InboxProcessedByMessageID(m.MessageID); err == nil {
		// Re-delivered, or seen under an old UIDVALIDITY: no effects again.
		rec := store.InboxMessage{InboxKey: key, MessageID: m.MessageID, Disposition: dup.Disposition, Reason: dup.Reason}
		if err := tx.InboxRecord(rec); err != nil {
			return "", err
		}
		lg.Info("already processed: not applied again", "first_uid", dup.UID, "first_uidvalidity", dup.UIDValidity)
		st.Duplicates++
		return dup.Disposition, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `SAVEPOINT inbox_message`); err != nil {
		return "", err
	}
	d, herr := w.h(ctx, tx, m)
	if herr == nil {
		if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT inbox_message`); err != nil {
			return "", err
		}
		if err := tx.InboxRecord(store.InboxMessage{InboxKey: key, MessageID: m.MessageID, Disposition: d.String()}); err != nil {
			return "", err
		}
		if d == Review {
			st.Review++
		} else {
			st.Processed++
		}
		return d.String(), nil
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT inbox_message`); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT inbox_message`); err != nil {
		return "", err
	}
	st.Failed++
	n, err := tx.InboxFailure(key, m.MessageID, herr.Error())
	if err != nil {
		return "", err
	}
	lg.Error("handler failed", "err", herr, "failures", n)
	if n < w.opts.MaxFailures {
		return "", nil
	}
	reason := fmt.Sprintf("could not be processed (%d failures): %v", n, herr)
	if err := w.toReview(tx, key, m.MessageID, fromOf(m.Raw), reason); err != nil {
		return "", err
	}
	st.Review++
	return store.InboxReview, nil
}

// toReview records a message that was not applied as going to review, with
// the reason, and puts it in front of a person.
func (w *Watcher) toReview(tx *store.Tx, key store.InboxKey, messageID, from, reason string) error {
	if err := tx.InboxRecord(store.InboxMessage{InboxKey: key, MessageID: messageID, Disposition: store.InboxReview, Reason: reason}); err != nil {
		return err
	}
	_, err := tx.AddReview(store.ReviewItem{Kind: "other", Reason: reason, From: from, MessageID: messageID, Mailbox: w.opts.Review})
	return err
}

// refuseTooLarge sends messages larger than MaxSize to review unread.
func (w *Watcher) refuseTooLarge(ctx context.Context, cn *conn, items []item, st *Stats) error {
	var uids []uint32
	err := w.db.Update(ctx, func(tx *store.Tx) error {
		uids = uids[:0]
		for _, it := range items {
			key := store.InboxKey{Mailbox: w.opts.Mailbox, UIDValidity: cn.uidValidity, UID: it.uid}
			reason := fmt.Sprintf("message of %d bytes is larger than the limit of %d bytes: not read", it.size, w.opts.MaxSize)
			if err := w.toReview(tx, key, "", "", reason); err != nil {
				return err
			}
			w.log.Warn("message too large: to review", "uid", it.uid, "size", it.size)
			uids = append(uids, it.uid)
		}
		return nil
	})
	if err != nil {
		return err
	}
	st.TooLarge += len(uids)
	st.Review += len(uids)
	return w.moveAll(ctx, cn, map[string][]uint32{store.InboxReview: uids}, st)
}

// messageID returns the Message-ID of a raw message, without angle brackets.
func messageID(raw []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(headerOf(raw)))
	if err != nil {
		return ""
	}
	id := strings.TrimSpace(m.Header.Get("Message-Id"))
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	return strings.TrimSpace(id)
}

// fromOf returns the From header of a raw message, for a review item.
func fromOf(raw []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(headerOf(raw)))
	if err != nil {
		return ""
	}
	return m.Header.Get("From")
}

// headerOf returns the header of a raw message with its ending blank line.
func headerOf(raw []byte) []byte {
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		return raw[:i+4]
	}
	if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		return raw[:i+2]
	}
	return append(slices.Clip(raw), "\r\n\r\n"...)
}
