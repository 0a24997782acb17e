package store_test

import (
	"errors"
	"testing"
	"time"

	"convene/store"
	"convene/store/storetest"
)

func testInboxCheckpoints(t *testing.T, eng store.Engine) {
	ctx := t.Context()
	db, err := store.OpenConfig(ctx, storetest.Config(t, eng))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }

	if h, err := db.InboxHealth(ctx); err != nil || !h.LastMessage.IsZero() || !h.LastContact.IsZero() {
		t.Fatalf("InboxHealth of a new store = %+v, %v", h, err)
	}
	key := func(uid uint32) store.InboxKey { return store.InboxKey{Mailbox: "INBOX", UIDValidity: 7, UID: uid} }
	err = db.Update(ctx, func(tx *store.Tx) error {
		if n, err := tx.InboxFailure(key(3), "c@x", "boom"); err != nil || n != 1 {
			t.Errorf("InboxFailure = %d, %v; want 1", n, err)
		}
		if n, err := tx.InboxFailure(key(3), "c@x", "boom again"); err != nil || n != 2 {
			t.Errorf("InboxFailure = %d, %v; want 2", n, err)
		}
		return tx.InboxRecordAll([]store.InboxMessage{
			{InboxKey: key(1), MessageID: "a@x", Disposition: store.InboxProcessed},
			{InboxKey: key(2), MessageID: "b@x", Disposition: store.InboxReview, Reason: "unknown sender"},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InboxContact(ctx, "INBOX"); err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx *store.Tx) error {
		got, err := tx.InboxProcessedByMessageIDs([]string{"a@x", "b@x", "c@x", ""})
		if err != nil {
			return err
		}
		if len(got) != 2 || got["b@x"].Reason != "unknown sender" || got["a@x"].UID != 1 {
			t.Errorf("InboxProcessedByMessageIDs = %+v; want a@x and b@x only (c@x is failing, not processed)", got)
		}
		m, err := tx.InboxMessage(key(3))
		if err != nil || m.Failures != 2 || m.LastError != "boom again" || m.Processed() {
			t.Errorf("InboxMessage(3) = %+v, %v", m, err)
		}
		if _, err := tx.InboxMessage(key(9)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("InboxMessage(9) = %v, want ErrNotFound", err)
		}
		return tx.InboxRecord(store.InboxMessage{InboxKey: key(4), Disposition: "lost"})
	})
	if err == nil {
		t.Error("InboxRecord with a bad disposition succeeded")
	}
	if err := db.InboxMoved(ctx, "INBOX", 7, []uint32{1}); err != nil {
		t.Fatal(err)
	}
	pending, err := db.InboxPending(ctx, "INBOX", 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2 || !pending[2].Processed() || pending[3].Processed() {
		t.Errorf("InboxPending = %+v, want UID 2 (processed, not moved) and 3 (failing)", pending)
	}
	if other, _ := db.InboxPending(ctx, "INBOX", 8); len(other) != 0 {
		t.Errorf("InboxPending under another UIDVALIDITY = %+v", other)
	}
	h, err := db.InboxHealth(ctx)
	if err != nil || !h.LastMessage.Equal(now) || !h.LastContact.Equal(now) {
		t.Errorf("InboxHealth = %+v, %v; want both %v", h, err, now)
	}
	if v, _ := db.InboxUIDValidity(ctx, "INBOX"); v != 0 {
		t.Errorf("InboxUIDValidity before set = %d", v)
	}
	if err := db.SetInboxUIDValidity(ctx, "INBOX", 7); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.InboxUIDValidity(ctx, "INBOX"); v != 7 {
		t.Errorf("InboxUIDValidity = %d, want 7", v)
	}
}

func TestInboxCheckpoints(t *testing.T) { storetest.Each(t, testInboxCheckpoints) }
