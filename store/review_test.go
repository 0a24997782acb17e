package store_test

import (
	"bytes"
	"testing"
	"time"

	"convene/store"
	"convene/store/storetest"
)

func testReviewDesk(t *testing.T, eng store.Engine) {
	ctx := t.Context()
	db, err := store.OpenConfig(ctx, storetest.Config(t, eng))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2020, 5, 28, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { now = now.Add(time.Minute); return now }

	raw := []byte("From: a@arcadia.example\r\nSubject: ours\r\n\r\n\xff binary\r\n")
	var ids []int64
	err = db.Update(ctx, func(tx *store.Tx) error {
		for i, c := range []string{"Arcadia", "", "Arcadia", "Borduria", ""} {
			id, err := tx.AddReview(store.ReviewItem{Kind: "other", Reason: "r", Contact: c, MessageID: "m" + string(rune('a'+i)), Raw: raw})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		offset, limit int
		want          []int64
	}{
		{"first page", 0, 2, ids[:2]},
		{"second page", 2, 2, ids[2:4]},
		{"last page", 4, 2, ids[4:]},
		{"past the end", 9, 2, nil},
	}
	for _, tt := range tests {
		items, total, err := db.ReviewPage(ctx, tt.offset, tt.limit)
		var got []int64
		for _, it := range items {
			got = append(got, it.ID)
			if it.Raw != nil {
				t.Errorf("%s: the list carries the raw message", tt.name)
			}
		}
		if err != nil || total != 5 || len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
			t.Errorf("%s: ReviewPage(%d, %d) = %v, %d, %v; want %v, 5", tt.name, tt.offset, tt.limit, got, total, err, tt.want)
		}
	}
	if got, err := db.ReviewRaw(ctx, ids[0]); err != nil || !bytes.Equal(got, raw) {
		t.Errorf("ReviewRaw = %q, %v", got, err)
	}
	by, err := db.OpenReviewByContact(ctx)
	if err != nil || len(by) != 2 || !by["Arcadia"].Equal(time.Date(2020, 5, 28, 10, 1, 0, 0, time.UTC)) || by["Borduria"].IsZero() {
		t.Errorf("OpenReviewByContact = %v, %v", by, err)
	}

	// Resolving both of Arcadia's items takes it out of review; the moves
	// are recorded with the resolution and pending until done.
	err = db.Update(ctx, func(tx *store.Tx) error {
		for _, id := range []int64{ids[0], ids[2]} {
			if err := tx.ResolveReview(id, "zoe", "dismissed"); err != nil {
				return err
			}
			if err := tx.SetReviewMove(id, "Processed"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if by, _ := db.OpenReviewByContact(ctx); len(by) != 1 || by["Borduria"].IsZero() {
		t.Errorf("after resolving Arcadia's: OpenReviewByContact = %v", by)
	}
	if n, err := db.ReviewOpenCount(ctx); n != 3 || err != nil {
		t.Errorf("ReviewOpenCount = %d, %v", n, err)
	}
	moves, err := db.ReviewMovesPending(ctx)
	if err != nil || len(moves) != 2 || moves[0].MoveTo != "Processed" || moves[0].MessageID != "ma" {
		t.Fatalf("ReviewMovesPending = %+v, %v", moves, err)
	}
	if err := db.ReviewMoved(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if moves, _ := db.ReviewMovesPending(ctx); len(moves) != 1 || moves[0].ID != ids[2] {
		t.Errorf("after one move: pending %+v", moves)
	}
}

func testInboxStatus(t *testing.T, eng store.Engine) {
	ctx := t.Context()
	db, err := store.OpenConfig(ctx, storetest.Config(t, eng))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2020, 5, 28, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	steps := []struct {
		status  string
		changed bool
		since   time.Time // of the state after the step
	}{
		{store.InboxOK, true, now},
		{store.InboxOK, false, now},
		{store.InboxAuthFailed, true, now.Add(2 * time.Hour)},
		{store.InboxAuthFailed, false, now.Add(2 * time.Hour)},
		{store.InboxAuthFailed, false, now.Add(2 * time.Hour)},
		{store.InboxOK, true, now.Add(4 * time.Hour)},
	}
	start := now
	for i, st := range steps {
		now = start.Add(time.Duration(i) * time.Hour)
		if i == 5 {
			now = start.Add(4 * time.Hour)
		}
		changed, err := db.SetInboxStatus(ctx, "INBOX", st.status, "NO [AUTHENTICATIONFAILED] Authentication failed.")
		if err != nil || changed != st.changed {
			t.Errorf("step %d: SetInboxStatus(%s) = %v, %v; want %v", i, st.status, changed, err, st.changed)
		}
		h, err := db.InboxHealth(ctx)
		if err != nil || h.Status != st.status || !h.StatusSince.Equal(st.since) {
			t.Errorf("step %d: InboxHealth = %+v, %v; want %s since %v", i, h, err, st.status, st.since)
		}
	}
}

func TestReviewDesk(t *testing.T) { storetest.Each(t, testReviewDesk) }

func TestInboxStatus(t *testing.T) { storetest.Each(t, testInboxStatus) }
