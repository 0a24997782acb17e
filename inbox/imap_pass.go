package inbox

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/mail"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
	start := time.Now()
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
	recorded, err := w.db.InboxPending(ctx, w.opts.Mailbox, cn.uidValidity)
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
			// Committed, not moved (a crash or a drop in between): move it.
			moves[rec.Disposition] = append(moves[rec.Disposition], uid)
			st.Duplicates++
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
	w.log.Debug("listed", "messages", len(list), "to_fetch", len(todo), "took", time.Since(start))
	if len(todo) > 0 {
		if err := w.fetchAll(ctx, cn, todo, &st); err != nil {
			return fail(err)
		}
	}
	if err := w.moveResolved(ctx, cn); err != nil {
		return fail(err)
	}
	return st, nil
}

// chunkBytes bounds the bytes of fetched messages in one chunk.
const chunkBytes = 32 << 20

// fetchAll reads the messages with one streaming UID FETCH (BODY.PEEK[], so
// \Seen stays unset) while they are handled and committed a chunk at a time,
// each chunk in one transaction with its checkpoints; then it moves them.
// Moves wait for the end of the FETCH: the server runs commands in order.
func (w *Watcher) fetchAll(ctx context.Context, cn *conn, items []item, st *Stats) error {
	uids := make([]imap.UID, len(items))
	for i, it := range items {
		uids[i] = imap.UID(it.uid)
	}
	start := time.Now()
	body := &imap.FetchItemBodySection{Peek: true}
	cmd := cn.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{body}})
	chunks := make(chan []Fetched, 1)
	fetchErr := make(chan error, 1)
	go func() {
		defer close(chunks)
		var cur []Fetched
		var size int64
		for {
			m := cmd.Next()
			if m == nil {
				break
			}
			uid, raw, err := readMessage(m)
			if err != nil {
				// The connection broke mid-message. Touching the command
				// again would read the broken literal again, racing with
				// imapclient's decoder (beta.8): abandon it with the
				// connection instead.
				cn.c.Close()
				fetchErr <- err
				return
			}
			if uid == 0 || raw == nil {
				continue // an unsolicited FETCH (flags changed by someone else)
			}
			cur = append(cur, Fetched{
				Mailbox:     w.opts.Mailbox,
				UIDValidity: cn.uidValidity,
				UID:         uid,
				MessageID:   messageID(raw),
				Size:        int64(len(raw)),
				Raw:         raw,
			})
			size += int64(len(raw))
			if len(cur) >= w.opts.Chunk || size >= chunkBytes {
				chunks <- cur
				cur, size = nil, 0
			}
		}
		if len(cur) > 0 {
			chunks <- cur
		}
		fetchErr <- cmd.Close()
	}()
	// Prepare (parse) the next chunk while this one is committed.
	prepared := make(chan []Fetched, 1)
	go func() {
		defer close(prepared)
		for msgs := range chunks {
			w.prepare(msgs)
			prepared <- msgs
		}
	}()
	moves := map[string][]uint32{}
	var err error
	for msgs := range prepared {
		if err != nil {
			continue // drain until the reader stops
		}
		st.Fetched += len(msgs)
		if err = w.commit(ctx, msgs, moves, st); err != nil {
			cn.c.Close() // stops the FETCH; the pass fails and reconnects
		}
	}
	w.log.Debug("fetched and committed", "messages", st.Fetched, "took", time.Since(start))
	if ferr := <-fetchErr; ferr != nil && err == nil {
		err = fmt.Errorf("inbox: fetch: %w", ferr)
	}
	if err != nil {
		return err
	}
	start = time.Now()
	err = w.moveAll(ctx, cn, moves, st)
	w.log.Debug("moved", "messages", st.Moved, "took", time.Since(start))
	return err
}

// prepare runs Options.Prepare on msgs, one goroutine per CPU.
func (w *Watcher) prepare(msgs []Fetched) {
	if w.opts.Prepare == nil {
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(msgs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(msgs) {
					return
				}
				msgs[i].Prepared = w.opts.Prepare(msgs[i])
			}
		}()
	}
	wg.Wait()
}

// readMessage reads the UID and the body of one FETCH response. After an
// error it leaves m alone (see fetchAll).
func readMessage(m *imapclient.FetchMessageData) (uid uint32, raw []byte, err error) {
	for {
		switch it := m.Next().(type) {
		case nil:
			return uid, raw, nil
		case imapclient.FetchItemDataUID:
			uid = uint32(it.UID)
		case imapclient.FetchItemDataBodySection:
			if it.Literal != nil {
				if raw, err = readLiteral(it.Literal); err != nil {
					return 0, nil, err
				}
				// A connection closed mid-literal can look like a clean
				// end: never take a truncated message for a whole one.
				if int64(len(raw)) != it.Literal.Size() {
					return 0, nil, fmt.Errorf("UID %d: read %d of %d bytes: %w", uid, len(raw), it.Literal.Size(), io.ErrUnexpectedEOF)
				}
			}
		}
	}
}

// readLiteral reads a literal into a buffer of its announced size, up to
// 64 MiB (beyond, it grows as it reads); the caller compares the length
// read with the size.
func readLiteral(l imap.LiteralReader) ([]byte, error) {
	if n := l.Size(); n >= 0 && n <= 64<<20 {
		return readAll(l, n)
	}
	return io.ReadAll(l)
}

// commit handles msgs in one transaction, each within a savepoint, records
// their checkpoints in it and commits; it adds the UIDs to go to moves.
func (w *Watcher) commit(ctx context.Context, msgs []Fetched, moves map[string][]uint32, st *Stats) error {
	var local Stats
	var dests []string
	err := w.db.Update(ctx, func(tx *store.Tx) error {
		local, dests = Stats{}, make([]string, len(msgs))
		ids := make([]string, len(msgs))
		for i, m := range msgs {
			ids[i] = m.MessageID
		}
		known, err := tx.InboxProcessedByMessageIDs(ids)
		if err != nil {
			return err
		}
		var recs []store.InboxMessage
		for i, m := range msgs {
			key := store.InboxKey{Mailbox: m.Mailbox, UIDValidity: m.UIDValidity, UID: m.UID}
			if dup, ok := known[m.MessageID]; ok {
				// Re-delivered, or seen under an old UIDVALIDITY: no effects again.
				w.log.Info("already processed: not applied again", "uid", m.UID, "message_id", m.MessageID,
					"first_uid", dup.UID, "first_uidvalidity", dup.UIDValidity)
				recs = append(recs, store.InboxMessage{InboxKey: key, MessageID: m.MessageID, Disposition: dup.Disposition, Reason: dup.Reason})
				dests[i] = dup.Disposition
				local.Duplicates++
				continue
			}
			// store.Tx prepares each statement once per transaction
			if _, err := tx.ExecContext(ctx, `SAVEPOINT inbox_message`); err != nil {
				return err
			}
			d, herr := w.h(ctx, tx, m)
			if herr == nil {
				if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT inbox_message`); err != nil {
					return err
				}
				rec := store.InboxMessage{InboxKey: key, MessageID: m.MessageID, Disposition: d.String()}
				recs = append(recs, rec)
				if m.MessageID != "" {
					known[m.MessageID] = rec
				}
				dests[i] = d.String()
				if d == Review {
					local.Review++
				} else {
					local.Processed++
				}
				continue
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if dests[i], err = w.failed(ctx, tx, m, herr, &local); err != nil {
				return err
			}
		}
		return tx.InboxRecordAll(recs)
	})
	if err != nil {
		return err
	}
	st.add(local)
	for i, m := range msgs {
		if dests[i] != "" {
			moves[dests[i]] = append(moves[dests[i]], m.UID)
		}
	}
	if w.afterCommit != nil {
		w.afterCommit()
	}
	return nil
}

// failed rolls back a message whose handler failed, counts the failure and,
// after MaxFailures, sends it to review with the reason. It returns the
// disposition to move it to, or "" to leave it for another try.
func (w *Watcher) failed(ctx context.Context, tx *store.Tx, m Fetched, herr error, st *Stats) (string, error) {
	if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT inbox_message`); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT inbox_message`); err != nil {
		return "", err
	}
	st.Failed++
	key := store.InboxKey{Mailbox: m.Mailbox, UIDValidity: m.UIDValidity, UID: m.UID}
	n, err := tx.InboxFailure(key, m.MessageID, herr.Error())
	if err != nil {
		return "", err
	}
	w.log.Error("handler failed", "uid", m.UID, "message_id", m.MessageID, "err", herr, "failures", n)
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
