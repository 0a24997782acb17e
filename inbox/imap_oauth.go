package inbox

import "context"

// connect dials, authenticates and selects the watched mailbox
// (connectOnce). With auth oauth2, a token the server refuses is reported
// to the token source, which refreshes it, and the login is tried once
// more with the new token: a token revoked or expired early is replaced
// without waiting for its expiry.
func (w *Watcher) connect(ctx context.Context) (*conn, error) {
	var used string
	cn, err := w.connectOnce(ctx, &used)
	src := w.opts.Server.Secret.Source
	if err == nil || src == nil || !IsAuthFailure(err) || ctx.Err() != nil {
		return cn, err
	}
	src.Refused(used)
	return w.connectOnce(ctx, &used)
}
