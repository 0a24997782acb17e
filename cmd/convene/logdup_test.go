package main

import (
	"context"
	"log/slog"
	"slices"
	"sync"
)

// dupKeys is a slog handler that passes records on to next and notes every
// record in which a key appears twice (component=inbox component=inbox:
// main adds a component the package adds itself).
type dupKeys struct {
	next  slog.Handler
	keys  []string
	found *dupFound
}

type dupFound struct {
	mu   sync.Mutex
	list []string
}

func newDupKeys(next slog.Handler) *dupKeys { return &dupKeys{next: next, found: &dupFound{}} }

func (h *dupKeys) Enabled(context.Context, slog.Level) bool { return true }

func (h *dupKeys) Handle(ctx context.Context, r slog.Record) error {
	keys := slices.Clone(h.keys)
	r.Attrs(func(a slog.Attr) bool { keys = append(keys, a.Key); return true })
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			h.found.mu.Lock()
			h.found.list = append(h.found.list, r.Message+": "+k)
			h.found.mu.Unlock()
		}
		seen[k] = true
	}
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *dupKeys) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.keys = slices.Clone(h.keys)
	for _, a := range as {
		c.keys = append(c.keys, a.Key)
	}
	c.next = h.next.WithAttrs(as)
	return &c
}

func (h *dupKeys) WithGroup(name string) slog.Handler {
	c := *h
	c.keys = nil // keys inside a group are new names
	c.next = h.next.WithGroup(name)
	return &c
}

// duplicates returns the records seen with a repeated key ("message: key").
func (h *dupKeys) duplicates() []string {
	h.found.mu.Lock()
	defer h.found.mu.Unlock()
	return slices.Clone(h.found.list)
}
