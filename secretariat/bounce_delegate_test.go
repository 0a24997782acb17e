package secretariat

import (
	"strings"
	"testing"
	"time"

	"convene/inbox"
	"convene/mailer"
	"convene/meeting"
	"convene/store"
	"convene/templates"
)

// TestDelegateHardBounce: a hard bounce of a delegate's address, tied by its
// VERP tag to the invitation convene sent, needs no person. The mission is
// asked for the correct address, in its language (Syldavia: French), once
// however many invitations bounce; the delegate stays registered and shows
// as unreachable on the dashboard. A hard bounce of the mission's own
// address stays a review item.
func TestDelegateHardBounce(t *testing.T) {
	ctx := t.Context()
	svc, _, db := exampleService(t, time.Date(2020, 6, 10, 8, 0, 0, 0, time.UTC))
	c := svc.config()
	const syldavia = "Permanent Mission of Syldavia"
	ct, ok := c.cs.ByName(syldavia)
	if !ok || ct.Language != meeting.FR {
		t.Fatalf("example contact %s: %+v", syldavia, ct)
	}
	del := meeting.Delegate{Name: "Jean Dupont", Title: "Conseiller", Email: "j.dupont@syldavia-mfa.example"}
	if err := db.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.RegisterDelegates(syldavia, []meeting.Delegate{del}, store.Source{Actor: "test"}); err != nil {
			return err
		}
		_, err := svc.planInvites(tx, c, syldavia)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	entries, err := db.OutboxEntries(ctx, CalendarBatch)
	if err != nil || len(entries) < 2 {
		t.Fatalf("invitations queued: %d, %v", len(entries), err)
	}
	handle := func(raw []byte) inbox.Disposition {
		t.Helper()
		var got inbox.Disposition
		if err := db.Update(ctx, func(tx *store.Tx) (err error) {
			got, err = svc.Handle(ctx, tx, inbox.Fetched{Raw: raw})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	// two invitations bounce: two reports, one request to the mission
	for i, e := range entries[:2] {
		raw := dsn("hard"+string(rune('a'+i))+"@mx.syldavia-mfa.example", "MAILER-DAEMON@mx.syldavia-mfa.example",
			"registrations+b-"+mailer.VERPTag(e.MessageID)+"@isu.example", []string{del.Email}, "5.1.1", "")
		if got := handle(raw); got != inbox.Processed {
			items, _ := db.ReviewItems(ctx, false)
			t.Fatalf("bounce %d: disposition %v, want processed (review %+v)", i, got, items)
		}
	}
	asks, err := db.OutboxEntries(ctx, DelegateAddressBatch)
	if err != nil {
		t.Fatal(err)
	}
	if len(asks) != 1 {
		t.Fatalf("%d requests for the address, want 1", len(asks))
	}
	if got := strings.Join(asks[0].Recipients, ","); got != strings.Join(ct.Emails, ",") || asks[0].Contact != syldavia {
		t.Errorf("request sent to %q (%s), want the mission's addresses %q", got, asks[0].Contact, ct.Emails)
	}
	body, err := db.OutboxBody(ctx, asks[0].ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sent, err := inbox.ParseBytes(body, "", inbox.Limits{}); err != nil || !strings.HasPrefix(sent.Subject, "Adresse électronique d'un délégué injoignable") || !strings.Contains(sent.Body, del.Email) {
		t.Errorf("the request is not in French or does not name the address: %v\n%.800s", err, body)
	}
	if ds, _ := db.Delegates(ctx, syldavia, false); len(ds) != 1 {
		t.Errorf("delegates after the bounce: %+v, want the delegate kept", ds)
	}
	detail, err := (&Dashboard{s: svc}).Mission(ctx, syldavia)
	if err != nil {
		t.Fatal(err)
	}
	if len(detail.People) != 1 || detail.People[0].Unreachable.IsZero() {
		t.Errorf("dashboard people %+v, want the delegate unreachable", detail.People)
	}
	if items, _ := db.ReviewItems(ctx, false); len(items) != 0 {
		t.Errorf("review items %+v, want none", items)
	}

	// the mission answers with the correct address: it replaces the old one
	newAddr := "jean.dupont@syldavia-mfa.example"
	reply := "From: " + ct.Emails[0] + "\r\nTo: registrations+" + c.tokens[syldavia] + "@isu.example\r\nSubject: RE: Adresse électronique d'un délégué injoignable\r\n" +
		"Message-ID: <fix@syldavia-mfa.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMadame, Monsieur,\r\n\r\nVoici l'adresse correcte :\r\n\r\nM. Jean Dupont, Conseiller, " + newAddr + "\r\n"
	if got := handle([]byte(reply)); got != inbox.Processed {
		items, _ := db.ReviewItems(ctx, false)
		t.Fatalf("the corrected address: %v, want processed (review %+v)", got, items)
	}
	if ds, _ := db.Delegates(ctx, syldavia, false); len(ds) != 1 || ds[0].Email != newAddr {
		t.Errorf("delegates after the correction: %+v, want Jean Dupont at %s only", ds, newAddr)
	}
	// the cancellations sent to the old address bounce too: no one is needed
	cal, _ := db.OutboxEntries(ctx, CalendarBatch)
	var cancel string
	for _, e := range cal {
		if len(e.Recipients) == 1 && e.Recipients[0] == del.Email && e.MessageID != entries[0].MessageID && e.MessageID != entries[1].MessageID {
			cancel = e.MessageID
		}
	}
	if cancel == "" {
		t.Fatal("no cancellation sent to the old address")
	}
	if got := handle(dsn("hard-cancel@mx.syldavia-mfa.example", "MAILER-DAEMON@mx.syldavia-mfa.example",
		"registrations+b-"+mailer.VERPTag(cancel)+"@isu.example", []string{del.Email}, "5.1.1", "")); got != inbox.Processed {
		items, _ := db.ReviewItems(ctx, false)
		t.Errorf("bounce of a cancellation to the replaced address: %v, want processed (review %+v)", got, items)
	}

	// the mission's own address: a person finds its current contact
	reminder, err := svc.missionMessage(c, "reminder", ct, nil, templates.Data{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(tx *store.Tx) error {
		return enqueueOne(tx, "reminder-7d", "reminder", ct.Name, ct.Name, reminder)
	}); err != nil {
		t.Fatal(err)
	}
	rem, _ := db.OutboxEntries(ctx, "reminder-7d")
	raw := dsn("hard-mission@mx.syldavia-mfa.example", "MAILER-DAEMON@mx.syldavia-mfa.example",
		"registrations+b-"+mailer.VERPTag(rem[0].MessageID)+"@isu.example", []string{ct.Emails[0]}, "5.1.1", "")
	if got := handle(raw); got != inbox.Review {
		t.Errorf("bounce of the mission's address: %v, want review", got)
	}
	if items, _ := db.ReviewItems(ctx, false); len(items) != 1 || !strings.Contains(items[0].Reason, "find the mission's current address") {
		t.Errorf("review items %+v, want one to find the mission's current address", items)
	}
}
