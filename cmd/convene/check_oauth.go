package main

import (
	"context"
	"fmt"

	"convene/meeting"
)

// tokenStep attaches the token source to the servers with auth oauth2 and
// tries a refresh (or a client-credentials token). Nothing to do without
// an oauth2 block.
func tokenStep(ctx context.Context, a *app, m *meeting.Meeting, step func(string, error, string)) error {
	src, err := attachOAuth(a.log, m, nil, nil)
	if err != nil || src == nil {
		return err
	}
	st := src.Status(ctx)
	if !st.RefreshOK {
		step("oauth2 token", fmt.Errorf("%s", st.RefreshErr), "")
		return nil
	}
	step("oauth2 token", nil, fmt.Sprintf("%s (flow %s) for %s; scopes %s; expires %s", st.Provider, st.Flow, st.Account,
		orDash(st.Scopes), st.Expiry.Local().Format("2006-01-02 15:04 MST")))
	return nil
}
