package secretariat

import (
	"testing"
	"time"

	"convene/store"
	"convene/web"
)

// Assigning a message from an unknown address to a mission applies the
// delegates it carried, confirms them, and invites them.
func TestReviewAssign(t *testing.T) {
	ctx := t.Context()
	svc, m, db := exampleService(t, time.Date(2020, 6, 1, 9, 0, 0, 0, time.UTC))
	var id int64
	db.Update(ctx, func(tx *store.Tx) (err error) {
		id, err = tx.AddReview(store.ReviewItem{Kind: "registration", Reason: "unknown sender p@webmail.example", From: "p@webmail.example",
			MessageID: "u1@webmail.example", Detail: `{"delegates":[{"name":"Peter L","title":"Manager","email":"p@webmail.example"},{"name":"No Address"}]}`})
		return err
	})
	d := &Dashboard{s: svc}
	if err := d.Resolve(ctx, web.ReviewAction{Item: id, Kind: web.ActionAssign, Mission: "Humanitarian Demining Foundation", By: "anna"}); err != nil {
		t.Fatal(err)
	}
	ds, _ := db.Delegates(ctx, "Humanitarian Demining Foundation", false)
	if len(ds) != 1 || ds[0].Email != "p@webmail.example" {
		t.Errorf("delegates after assign = %+v", ds)
	}
	h, _ := db.History(ctx, "Humanitarian Demining Foundation")
	if len(h) != 1 || h[0].Actor != "anna" || h[0].MessageID != "u1@webmail.example" {
		t.Errorf("history = %+v, want one registration by anna from the message", h)
	}
	confirm, _ := db.OutboxEntries(ctx, "answer-confirmation")
	invites, _ := db.SentInvites(ctx)
	if len(confirm) != 1 || len(invites) != len(m.Events()) {
		t.Errorf("queued %d confirmations and %d invitations, want 1 and %d", len(confirm), len(invites), len(m.Events()))
	}
	if err := d.Resolve(ctx, web.ReviewAction{Item: id, Kind: web.ActionDismiss, By: "anna"}); err != web.ErrNotFound {
		t.Errorf("acting twice on an item = %v, want web.ErrNotFound", err)
	}
	if err := d.Resolve(ctx, web.ReviewAction{Item: id, Kind: web.ActionAssign, Mission: "Nobody", By: "anna"}); err == nil {
		t.Error("assigning to a mission not in the contact list succeeded")
	}
}
