package inbox

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"

	"convene/meeting"
	"convene/store"
)

// ErrFolderMissing is reported by Check for a review or processed folder
// that does not exist yet: the watcher creates it when it first moves a
// message there, so it is a note, not a failure.
var ErrFolderMissing = errors.New("does not exist yet: convene creates it when it first moves a message there")

// Check connects to the IMAP server as the watcher does and reports each
// step to step (a description, and nil or what went wrong): the secret
// read, the connection with its TLS, the login, the watched mailbox
// selected, and the review and processed folders listed. Nothing is read
// or moved. It returns the first failure (a missing folder is not one).
func Check(ctx context.Context, opts Options, step func(what string, err error)) error {
	// The store and the handler are not used: placeholders satisfy NewWatcher.
	w, err := NewWatcher(new(store.DB), opts, func(context.Context, *store.Tx, Fetched) (Disposition, error) { return Processed, nil })
	if err != nil {
		step("IMAP settings", err)
		return err
	}
	s := w.opts.Server
	if s.Auth != meeting.AuthNone {
		what := "IMAP secret (" + s.Secret.Where() + ")"
		if _, err := s.Secret.Resolve(ctx); err != nil {
			step(what, err)
			return err
		}
		step(what, nil)
	}
	where := "IMAP connect to " + s.Addr() + " (" + s.Security + ")"
	login := "IMAP login as " + s.Username + " (" + s.Auth + ")"
	sel := "IMAP mailbox " + w.opts.Mailbox
	cn, err := w.connect(ctx)
	if err != nil {
		msg := err.Error()
		switch {
		case IsAuthFailure(err):
			step(where, nil)
			step(login, err)
		case strings.HasPrefix(msg, "inbox: select"), strings.HasPrefix(msg, "inbox: no UIDVALIDITY"):
			step(where, nil)
			if s.Auth != meeting.AuthNone {
				step(login, nil)
			}
			step(sel, err)
		default:
			step(where, err)
		}
		return err
	}
	defer func() {
		cn.c.Logout().Wait()
		cn.c.Close()
	}()
	step(where, nil)
	if s.Auth != meeting.AuthNone {
		step(login, nil)
	}
	step(sel, nil)
	for _, f := range []struct{ role, name string }{{"review", w.opts.Review}, {"processed", w.opts.Processed}} {
		what := "IMAP " + f.role + " folder " + f.name
		list, err := cn.c.List("", f.name, nil).Collect()
		if err != nil {
			step(what, err)
			return err
		}
		if !slices.ContainsFunc(list, func(d *imap.ListData) bool { return d.Mailbox == f.name }) {
			step(what, ErrFolderMissing)
			continue
		}
		step(what, nil)
	}
	return nil
}
