package secretariat

import (
	"slices"
	"strings"
	"testing"
	"time"

	"convene/meeting"
	"convene/store"
	"convene/web"
)

// TestReminderAudience: a mission whose reply waits in review, one whose
// every address bounced, one registered and one that declined are not
// reminded; a silent one and one whose only item is an out-of-office are.
// Once the review item is resolved the mission's state follows.
func TestReminderAudience(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2020, 6, 5, 9, 0, 0, 0, time.UTC)
	svc, m, db := exampleService(t, now)
	const (
		inReview   = "Permanent Mission of Arcadia"
		bounced    = "Permanent Mission of Borduria" // two addresses, both bounce
		registered = "Permanent Mission of Syldavia"
		declined   = "Permanent Mission of Freedonia"
		away       = "Permanent Mission of San Theodoros"
		silent     = "Permanent Mission of Genovia"
	)
	var item int64
	err := db.Update(ctx, func(tx *store.Tx) (err error) {
		if item, err = tx.AddReview(store.ReviewItem{Kind: "registration", Reason: "attachment only", Contact: inReview, MessageID: "r1@arcadia"}); err != nil {
			return err
		}
		if _, err = tx.AddReview(store.ReviewItem{Kind: "auto-reply", Reason: "out-of-office names another contact", Contact: away, MessageID: "a1@st"}); err != nil {
			return err
		}
		for _, e := range []string{"geneve@borduria.example", "desarmement@borduria.example"} {
			if err := tx.RecordBounce(store.Bounce{Email: e, Contact: bounced, Permanent: true, Status: "5.1.1"}); err != nil {
				return err
			}
		}
		if _, err := tx.RegisterDelegates(registered, []meeting.Delegate{{Name: "A B", Email: "ab@syldavia.example"}}, store.Source{Actor: "inbox"}); err != nil {
			return err
		}
		if err := tx.LogInbound(store.Inbound{MessageID: "cal1@syldavia", Kind: "calendar-reply", Contact: registered, From: "ab@syldavia.example",
			Summary: "ab@syldavia.example accepted article-5; ab@syldavia.example declined nowhere", Disposition: "processed"}); err != nil {
			return err
		}
		return tx.Decline(declined, store.Source{Actor: "inbox"})
	})
	if err != nil {
		t.Fatal(err)
	}

	c := svc.config()
	reminded := func() []string {
		t.Helper()
		list, _, err := svc.unanswered(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, ct := range list {
			names = append(names, ct.Name)
		}
		return names
	}
	got := reminded()
	tests := []struct {
		mission  string
		reminded bool
		state    MissionState
	}{
		{inReview, false, InReview},
		{bounced, false, Bounced},
		{registered, false, Registered},
		{declined, false, Declined},
		{away, true, Invited},
		{silent, true, Invited},
	}
	states, err := svc.missionStates(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		if r := slices.Contains(got, tt.mission); r != tt.reminded {
			t.Errorf("%s reminded = %v, want %v", tt.mission, r, tt.reminded)
		}
		st := states[tt.mission]
		if st.State != tt.state || st.Since.IsZero() {
			t.Errorf("%s: state %s since %v, want %s with a date", tt.mission, st.State, st.Since, tt.state)
		}
	}
	if n, _ := Unanswered(ctx, db, m, c.cs); n != len(got) {
		t.Errorf("Unanswered (convene plan) = %d, the reminder reaches %d", n, len(got))
	}

	// The dashboard says the same.
	d := &Dashboard{s: svc}
	ms, err := d.Missions(ctx, web.MissionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ms {
		if x.Name == inReview && (x.State != web.StateInReview || x.Since.IsZero()) {
			t.Errorf("dashboard: %s is %s since %v, want in review", x.Name, x.State, x.Since)
		}
	}
	ov, err := d.Overview(ctx)
	if err != nil || ov.Counts.InReview != 1 || ov.Counts.Bounced != 1 || ov.Counts.Registered != 1 || ov.Counts.Declined != 1 {
		t.Errorf("overview counts %+v, %v", ov.Counts, err)
	}
	dg, err := svc.digestData(ctx, c, now.Add(-24*time.Hour))
	if err != nil || dg.NoAnswer != ov.Counts.NoReply+ov.Counts.Bounced {
		t.Errorf("digest: %d without an answer, dashboard %d + %d bounced; %v", dg.NoAnswer, ov.Counts.NoReply, ov.Counts.Bounced, err)
	}

	// The missions' pages say the same, with history and addresses.
	page, err := d.Mission(ctx, registered)
	if err != nil || page.State != web.StateRegistered || len(page.People) != 1 || len(page.History) != 1 ||
		page.History[0].What != "registered A B <ab@syldavia.example>" || page.History[0].By != "inbox" {
		t.Errorf("Mission(%s) = %+v, %v", registered, page, err)
	}
	// Calendar answers name the session by its title, not its id.
	const answer = "ab@syldavia.example accepted “Committee on Article 5 Implementation”; ab@syldavia.example declined nowhere"
	if n := len(page.Messages); n == 0 || page.Messages[n-1].Summary != answer {
		t.Errorf("Mission(%s) messages = %+v, want the answer %q", registered, page.Messages, answer)
	}
	for _, x := range ms {
		if x.Name == registered && x.LastSummary != answer {
			t.Errorf("missions list: last message of %s = %q", registered, x.LastSummary)
		}
	}
	page, err = d.Mission(ctx, bounced)
	if err != nil || page.State != web.StateBounced || len(page.Addresses) != 2 || page.Addresses[0].BouncedAt.IsZero() {
		t.Errorf("Mission(%s) = %+v, %v", bounced, page, err)
	}
	if _, err := d.Mission(ctx, "Nobody"); err != web.ErrNotFound {
		t.Errorf("Mission(Nobody) = %v, want web.ErrNotFound", err)
	}

	// Dismissing the item: the mission is silent again, and reminded.
	if err := d.Resolve(ctx, web.ReviewAction{Item: item, Kind: web.ActionDismiss, By: "anna", At: now}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(reminded(), inReview) {
		t.Errorf("after dismissing its reply, %s is not reminded", inReview)
	}
	moves, _ := db.ReviewMovesPending(ctx)
	if len(moves) != 1 || moves[0].ID != item || moves[0].MoveTo != m.IMAP.Processed {
		t.Errorf("moves pending after resolving = %+v, want item %d to %s", moves, item, m.IMAP.Processed)
	}
}

// The digest says how many replies were handled and whether the inbox is
// being read.
func TestDigestInbox(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2020, 6, 5, 6, 0, 0, 0, time.UTC)
	svc, _, db := exampleService(t, now)
	db.Update(ctx, func(tx *store.Tx) error {
		for _, id := range []string{"a@x", "b@x"} {
			if err := tx.LogInbound(store.Inbound{MessageID: id, Kind: "registration", Disposition: "processed"}); err != nil {
				return err
			}
		}
		return nil
	})
	if _, err := db.SetInboxStatus(ctx, "INBOX", store.InboxAuthFailed, "NO [AUTHENTICATIONFAILED] Authentication failed."); err != nil {
		t.Fatal(err)
	}
	d, err := svc.digestData(ctx, svc.config(), now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if d.Inbox.Processed != 2 || d.Inbox.LastError != "the IMAP server refuses the login since 5 Jun 08:00: NO [AUTHENTICATIONFAILED] Authentication failed." {
		t.Errorf("digest inbox = %+v", d.Inbox)
	}
}

// The digest says when convene cannot sign in (auth oauth2).
func TestDigestSignIn(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2020, 6, 5, 6, 0, 0, 0, time.UTC)
	svc, _, db := exampleService(t, now)
	d, err := svc.digestData(ctx, svc.config(), now.Add(-24*time.Hour))
	if err != nil || d.SignIn != "" {
		t.Fatalf("digest sign-in before any failure = %q, %v", d.SignIn, err)
	}
	if err := db.SetSignIn(ctx, store.SignIn{Account: "isu@isu.example", Since: now.Add(-2 * time.Hour), Detail: "oauth2: sign-in needed: the refresh token was refused (invalid_grant)"}); err != nil {
		t.Fatal(err)
	}
	if d, err = svc.digestData(ctx, svc.config(), now.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if want := "convene cannot sign in to isu@isu.example since 5 Jun 06:00: nothing is sent or read, and the outbox is kept, until the sign-in is repaired: oauth2: sign-in needed: the refresh token was refused (invalid_grant)"; d.SignIn != want {
		t.Errorf("digest sign-in = %q\nwant %q", d.SignIn, want)
	}
	h, err := NewDashboard(svc, nil).Health(ctx)
	if err != nil || !strings.Contains(h.SignIn, "invalid_grant") {
		t.Errorf("dashboard health = %+v, %v", h, err)
	}
	if mt, err := NewDashboard(svc, nil).Metrics(ctx); err != nil || !mt.SignInFailing {
		t.Errorf("metrics: sign-in failing %v, %v", mt.SignInFailing, err)
	}
}
