package secretariat

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"convene/meeting"
	"convene/schedule"
	"convene/store"
	"convene/web"
)

// TestColleagueReminded: an out-of-office naming a colleague leaves the
// mission in the reminders' audience; once staff accept the suggestion on
// the desk, the reminder goes to the contact and the colleague, the
// mission's history says who added the address, and a silent mission is
// still reminded at its own address only.
func TestColleagueReminded(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2020, 6, 5, 9, 0, 0, 0, time.UTC)
	svc, _, db := exampleService(t, now)
	const (
		away   = "Permanent Mission of San Theodoros"
		silent = "Permanent Mission of Genovia"
	)
	var item int64
	err := db.Update(ctx, func(tx *store.Tx) (err error) {
		item, err = tx.AddReview(store.ReviewItem{Kind: "auto-reply", Reason: "out-of-office names another contact: r.alcazar@santheodoros.example", Contact: away, MessageID: "ooo@st",
			Detail: `{"suggested":["r.alcazar@santheodoros.example","Mr. Roberto Alcazar"]}`})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	d := &Dashboard{s: svc}
	items, _, err := d.Review(ctx, 0, 10)
	if err != nil || len(items) != 1 || !slices.Equal(items[0].Suggested, []string{"r.alcazar@santheodoros.example"}) ||
		!slices.Equal(items[0].ContactEmails, []string{"misionginebra@santheodoros.example"}) {
		t.Fatalf("desk item = %+v, %v", items, err)
	}

	c := svc.config()
	audience := func() map[string][]string {
		t.Helper()
		_, to, err := svc.unanswered(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		return to
	}
	if to := audience(); !slices.Equal(to[away], []string{"misionginebra@santheodoros.example"}) {
		t.Errorf("before the suggestion is accepted, %s is reminded at %v", away, to[away])
	}

	if err := d.Resolve(ctx, web.ReviewAction{Item: item, Kind: web.ActionAddAddress, Mission: away, Address: "R.Alcazar@santheodoros.example", By: "Anna Berg", At: now}); err != nil {
		t.Fatal(err)
	}
	to := audience()
	if !slices.Equal(to[away], []string{"misionginebra@santheodoros.example", "r.alcazar@santheodoros.example"}) {
		t.Errorf("after the suggestion is accepted, %s is reminded at %v", away, to[away])
	}
	if len(to[silent]) != 1 {
		t.Errorf("silent mission reminded at %v", to[silent])
	}

	// The reminder itself is addressed to both.
	job := schedule.Job{Key: "reminder@test", Kind: schedule.Reminder, Due: now}
	if err := svc.reminderJob(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	es, err := db.OutboxEntries(ctx, "reminder@test")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range es {
		if e.Contact == away {
			found = true
			if !slices.Equal(e.Recipients, []string{"misionginebra@santheodoros.example", "r.alcazar@santheodoros.example"}) {
				t.Errorf("reminder to %s went to %v", away, e.Recipients)
			}
		}
	}
	if !found {
		t.Errorf("no reminder to %s", away)
	}

	page, err := d.Mission(ctx, away)
	if err != nil || len(page.History) != 1 || page.History[0].What != "added the address r.alcazar@santheodoros.example" || page.History[0].By != "Anna Berg" {
		t.Errorf("history of %s = %+v, %v", away, page.History, err)
	}
	all, _ := db.ReviewItems(ctx, true)
	if len(all) != 1 || all[0].ResolvedBy != "Anna Berg" || !strings.Contains(strings.ToLower(all[0].Resolution), "added r.alcazar@santheodoros.example") {
		t.Errorf("resolved item = %+v", all)
	}
}

// TestAcceptLate: accepting a late registration on the desk registers the
// delegates as late, confirms to the mission and plans their invitations.
func TestAcceptLate(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2020, 6, 20, 9, 0, 0, 0, time.UTC)
	svc, _, db := exampleService(t, now)
	const qurac = "Permanent Mission of Qurac"
	var item int64
	db.Update(ctx, func(tx *store.Tx) (err error) {
		item, err = tx.AddReview(store.ReviewItem{Kind: "registration", Reason: "registration after the deadline (late policy: review)", Contact: qurac, MessageID: "late@qurac"})
		if err != nil {
			return err
		}
		// As the inbox logs it: sent from an address the contact list does not know.
		return tx.LogInbound(store.Inbound{MessageID: "late@qurac", Kind: "registration", From: "k.haddad@mail.example", Summary: "registration after the deadline (late policy: review)", Disposition: "review"})
	})
	d := &Dashboard{s: svc}
	items, _, _ := d.Review(ctx, 0, 10)
	if len(items) != 1 || !items[0].Late {
		t.Fatalf("desk item = %+v, want late", items)
	}
	err := d.Resolve(ctx, web.ReviewAction{Item: item, Kind: web.ActionAcceptLate, Mission: qurac, By: "Anna Berg", At: now,
		Delegates: []meeting.Delegate{{Name: "Q. One", Email: "one@qurac.example"}}})
	if err != nil {
		t.Fatal(err)
	}
	regs, _ := db.Registrations(ctx)
	if r := regs[qurac]; r.Status != store.Registered || !r.Late {
		t.Errorf("registration of %s = %+v, want registered late", qurac, r)
	}
	es, _ := db.OutboxFor(ctx, qurac)
	var tpls []string
	for _, e := range es {
		tpls = append(tpls, e.Template)
	}
	if !slices.Contains(tpls, "confirmation") || !slices.Contains(tpls, "invite") {
		t.Errorf("messages queued for %s: %v, want a confirmation and invitations", qurac, tpls)
	}

	// The mission's page lists the message, with what was done and by whom.
	page, err := d.Mission(ctx, qurac)
	if err != nil {
		t.Fatal(err)
	}
	const want = "accepted the late registration of 1 delegate for Permanent Mission of Qurac (by Anna Berg)"
	found := false
	for _, m := range page.Messages {
		found = found || (m.In && m.State == "resolved" && m.Summary == want)
	}
	if !found {
		t.Errorf("messages of %s: %+v", qurac, page.Messages)
	}
	// Calendar invitations name their session by title.
	titled := false
	for _, m := range page.Messages {
		titled = titled || (m.Kind == "invite" && m.Summary == "“Committee on Article 5 Implementation” to one@qurac.example")
	}
	if !titled {
		t.Errorf("no invitation to the Article 5 committee by title among %+v", page.Messages)
	}
}
