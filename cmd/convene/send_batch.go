package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"convene/mailer"
	"convene/meeting"
	"convene/store"
)

// contentBatchID is the default batch of a send: the template followed by
// 12 hex digits of a SHA-256 over what is sent — the template, the audience
// (--to categories or --contact names, in any order), the bodies, the
// subject and the attachments (name, type and bytes). The same command run
// again names the same batch, so it continues that batch instead of
// sending everything twice.
func contentBatchID(tpl string, to, contacts []string, b *bodies, subject string, atts []mailer.Attachment) string {
	h := sha256.New()
	field := func(s string) { // length-prefixed: no two inputs hash alike by shifting a boundary
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	list := func(tag string, xs []string) {
		xs = slices.Clone(xs)
		slices.Sort(xs)
		xs = slices.Compact(xs)
		field(tag + strconv.Itoa(len(xs)))
		for _, x := range xs {
			field(x)
		}
	}
	field("convene-send-v1")
	field(tpl)
	list("to", to)
	list("contact", contacts)
	if b != nil {
		if b.allSet {
			field("body")
			field(b.all)
		}
		for _, l := range meeting.Langs {
			if t, ok := b.byLang[l]; ok {
				field("body-" + string(l))
				field(t)
			}
		}
	}
	field("subject")
	field(subject)
	field("attachments" + strconv.Itoa(len(atts)))
	for _, a := range atts {
		field(a.Name)
		field(a.ContentType)
		field(string(a.Data))
	}
	return tpl + "-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// batchChoice is what an earlier run of the same send left in the outbox.
type batchChoice struct {
	id       string // the batch this run records into
	resuming bool   // id was recorded before and is not complete
	sent     int    // resuming: messages of id already sent
	toGo     int    // resuming: messages left or not yet recorded

	// prior is the latest complete batch of the same content, if any.
	prior      string
	priorSent  int       // its recipients that received it
	priorFail  int       // its messages that failed permanently
	priorLast  time.Time // when its last message went out
	priorCount int       // how many batches of the same content exist
}

// chooseBatch finds the batches an identical send recorded (base, base-2,
// base-3...) and decides where this run goes: into the latest if it is not
// complete (some message left, or a recipient of keys not in it), otherwise
// nowhere unless again, and then into a new batch base-N. keys are the
// recipients' keys within the batch. db nil: nothing recorded yet.
func chooseBatch(ctx context.Context, db *store.DB, base string, keys []string) (batchChoice, error) {
	c := batchChoice{id: base}
	if db == nil {
		return c, nil
	}
	all, err := db.OutboxBatches(ctx, "")
	if err != nil {
		return c, err
	}
	latest, latestN := "", 0
	for _, b := range all {
		n := batchSuffix(base, b.ID)
		if n == 0 {
			continue
		}
		c.priorCount++
		if n > latestN {
			latest, latestN = b.ID, n
		}
	}
	if latest == "" {
		return c, nil
	}
	es, err := db.OutboxEntries(ctx, latest)
	if err != nil {
		return c, err
	}
	in := map[string]bool{}
	sent, failed, left := 0, 0, 0
	var last time.Time
	for _, e := range es {
		in[strings.TrimPrefix(e.Key, latest+"/")] = true
		switch e.State {
		case store.OutboxSent:
			sent++
			if e.SentAt.After(last) {
				last = e.SentAt
			}
		case store.OutboxFailed:
			failed++
		default:
			left++
		}
	}
	for _, k := range keys {
		if !in[k] {
			left++
		}
	}
	if left > 0 {
		c.id, c.resuming, c.sent, c.toGo = latest, true, sent, left
		return c, nil
	}
	c.prior, c.priorSent, c.priorFail, c.priorLast = latest, sent, failed, last
	c.id = base + "-" + strconv.Itoa(latestN+1)
	return c, nil
}

// batchSuffix returns 1 if id is base, N if it is base-N (N ≥ 2), else 0.
func batchSuffix(base, id string) int {
	if id == base {
		return 1
	}
	rest, ok := strings.CutPrefix(id, base+"-")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 2 || strconv.Itoa(n) != rest {
		return 0
	}
	return n
}

// priorNote says who already received a complete batch, and when.
func (c batchChoice) priorNote(tpl string) string {
	s := fmt.Sprintf("%d recipient(s) already received this %s in batch %s", c.priorSent, tpl, c.prior)
	if !c.priorLast.IsZero() {
		s += ", last on " + c.priorLast.UTC().Format("2006-01-02 15:04 UTC")
	}
	if c.priorFail > 0 {
		s += fmt.Sprintf(" (%d failed permanently)", c.priorFail)
	}
	return s
}
