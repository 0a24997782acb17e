package inbox

import (
	"context"
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"
)

// ProbeResult is what Probe found.
type ProbeResult struct {
	Messages uint32          // in the watched mailbox
	Folders  map[string]bool // Processed and Review: whether each exists (the watcher creates a missing one)
}

// Probe logs in (with a refreshed token if the first is refused, as the
// watcher does), selects the watched mailbox and looks for the Processed
// and Review folders, without reading or moving a message. It is for
// convene check --connect.
func (w *Watcher) Probe(ctx context.Context) (ProbeResult, error) {
	cn, err := w.connect(ctx)
	if err != nil {
		return ProbeResult{}, err
	}
	defer cn.c.Close()
	res := ProbeResult{Folders: map[string]bool{}}
	st, err := cn.c.Status(w.opts.Mailbox, &imap.StatusOptions{NumMessages: true}).Wait()
	if err == nil && st.NumMessages != nil {
		res.Messages = *st.NumMessages
	}
	for _, f := range []string{w.opts.Processed, w.opts.Review} {
		list, err := cn.c.List("", f, nil).Collect()
		if err != nil {
			return res, fmt.Errorf("inbox: list %s: %w", f, err)
		}
		res.Folders[f] = slices.ContainsFunc(list, func(d *imap.ListData) bool { return d.Mailbox == f })
	}
	cn.c.Logout().Wait()
	return res, nil
}
