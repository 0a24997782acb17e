package inbox

import (
	"context"
	"maps"
	"slices"
)

// mover moves committed messages over a connection of its own while the
// pass's connection is busy with a long FETCH.
type mover struct {
	in   chan map[string][]uint32
	done chan struct{}

	// owned by the goroutine until done is closed
	left  map[string][]uint32 // not moved (after an error, or no connection)
	moved int
}

// startMover connects a second time in the background and moves what it is
// sent. If it cannot connect, or the mailbox's UIDVALIDITY differs, it keeps
// what it was sent for the pass to move at the end.
func (w *Watcher) startMover(ctx context.Context, uidValidity uint32) *mover {
	m := &mover{in: make(chan map[string][]uint32, 64), done: make(chan struct{}), left: map[string][]uint32{}}
	go func() {
		defer close(m.done)
		cn, err := w.connect(ctx)
		if err == nil && cn.uidValidity != uidValidity {
			cn.c.Close()
			cn, err = nil, context.Canceled // the mailbox changed under us
		}
		if err != nil {
			w.log.Debug("no second connection for moves", "err", err)
		} else {
			defer cn.c.Logout()
		}
		stop := context.AfterFunc(ctx, func() {
			if cn != nil {
				cn.c.Close()
			}
		})
		defer stop()
		for batch := range m.in {
			if cn != nil {
				var st Stats
				if err := w.moveAll(ctx, cn, batch, &st); err != nil {
					w.log.Warn("moving on the second connection failed", "err", err)
					cn.c.Close()
					cn = nil
				} else {
					m.moved += st.Moved
					continue
				}
			}
			for d, uids := range batch {
				m.left[d] = append(m.left[d], uids...)
			}
		}
	}()
	return m
}

// send hands a batch of moves to the mover; it reports false if the batch
// was empty.
func (m *mover) send(moves map[string][]uint32) bool {
	if len(moves) == 0 {
		return false
	}
	m.in <- maps.Clone(moves)
	return true
}

// stop waits for the mover and returns what it did not move (in UID order)
// and how many it moved. A UID counted as not moved may still have been
// moved if the error came after the server did it: the next pass sees it
// gone, or moves it again.
func (m *mover) stop() (left map[string][]uint32, moved int) {
	close(m.in)
	<-m.done
	for d := range m.left {
		slices.Sort(m.left[d])
	}
	return m.left, m.moved
}
