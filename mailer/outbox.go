package mailer

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"convene/store"
)

// Batch names one send of a template.
type Batch struct {
	ID       string // unique, e.g. "reminder-7d-20200623"; the dedupe keys and Message-IDs derive from it
	Template string
}

// Outgoing is one message of a batch.
type Outgoing struct {
	// Key identifies the recipient within the batch (e.g. the contact name,
	// or contact/delegate address). Enqueueing the same batch and key twice
	// records one message.
	Key     string
	Contact string
	Message Message // MessageID empty: MessageID(batch, Key, the From domain)
}

// Enqueue renders msgs and records them in the outbox, state queued, in one
// transaction, before anything is sent. It is idempotent: recipients of the
// batch that are already recorded are skipped, so a scheduler that enqueues
// the same batch twice sends nothing twice. It returns how many messages were
// added. Nothing is sent: a Sender's Drain or Run does that.
func Enqueue(ctx context.Context, db *store.DB, b Batch, msgs []Outgoing) (added int, err error) {
	seq, err := outgoing(b, msgs)
	if err != nil {
		return 0, err
	}
	return db.EnqueueOutbox(ctx, store.OutboxBatch{ID: b.ID, Template: b.Template}, seq)
}

// EnqueueTx is Enqueue inside tx: the messages are recorded together with
// the effects that caused them, or not at all.
func EnqueueTx(tx *store.Tx, b Batch, msgs []Outgoing) (added int, err error) {
	seq, err := outgoing(b, msgs)
	if err != nil {
		return 0, err
	}
	return tx.EnqueueOutbox(store.OutboxBatch{ID: b.ID, Template: b.Template}, seq)
}

// outgoing checks msgs and returns them rendered, one at a time.
func outgoing(b Batch, msgs []Outgoing) (iter.Seq2[store.OutboxMessage, error], error) {
	if b.ID == "" || strings.ContainsAny(b.ID, "\r\n\x00") {
		return nil, fmt.Errorf("mailer: bad batch id %q", b.ID)
	}
	seen := make(map[string]bool, len(msgs))
	for _, o := range msgs {
		if o.Key == "" {
			return nil, errors.New("mailer: outgoing message without key")
		}
		if seen[o.Key] {
			return nil, fmt.Errorf("mailer: batch %s: key %q twice", b.ID, o.Key)
		}
		seen[o.Key] = true
	}
	seq := func(yield func(store.OutboxMessage, error) bool) {
		for _, o := range msgs {
			m := o.Message
			if m.MessageID == "" {
				m.MessageID = MessageID(b.ID, o.Key, domainOf(m.From.Email))
			}
			raw, err := Render(m)
			if err != nil {
				yield(store.OutboxMessage{}, fmt.Errorf("mailer: batch %s, %s: %w", b.ID, o.Key, err))
				return
			}
			rcpts := make([]string, len(m.To))
			for i, a := range m.To {
				rcpts[i] = a.Email
			}
			if !yield(store.OutboxMessage{Key: b.ID + "/" + o.Key, Contact: o.Contact, From: EnvelopeSender(m.ReturnPath, m.MessageID, m.From.Email),
				Recipients: rcpts, MessageID: m.MessageID, Raw: raw}, nil) {
				return
			}
		}
	}
	return seq, nil
}

func domainOf(addr string) string {
	return strings.ToLower(addr[strings.LastIndexByte(addr, '@')+1:])
}
