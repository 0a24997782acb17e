package store_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"convene/meeting"
	"convene/store"
	"convene/store/storetest"
)

// A SQLite store with a bit of everything is copied into an empty store
// (PostgreSQL when there is one, SQLite always): counts agree, bytes and
// ids are kept, new ids follow the copied ones, and a second copy is refused.
func TestCopy(t *testing.T) {
	ctx := t.Context()
	src, err := store.Open(ctx, filepath.Join(t.TempDir(), "src.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	now := time.Date(2020, 6, 1, 9, 0, 0, 0, time.UTC)
	src.Now = func() time.Time { return now }
	raw := []byte("From: a@b\r\n\r\n\x00\xff binary \\x00 body")
	var reviewID int64
	err = src.Update(ctx, func(tx *store.Tx) (err error) {
		if _, err = tx.RegisterDelegates("Mission A", []meeting.Delegate{{Name: "Jane Roe", Email: "jane@a.example"}},
			store.Source{MessageID: "m1@x", Actor: "inbox"}); err != nil {
			return err
		}
		reviewID, err = tx.AddReview(store.ReviewItem{Kind: "other", Reason: "r", Raw: raw})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.EnqueueOutbox(ctx, store.OutboxBatch{ID: "inv"}, msgs("inv", 250)); err != nil {
		t.Fatal(err)
	}
	if _, err := src.ClaimOutbox(ctx, "", 5, now); err != nil {
		t.Fatal(err)
	}

	storetest.Each(t, func(t *testing.T, eng store.Engine) {
		dst := storetest.Open(t, eng)
		counts, err := store.Copy(ctx, src, dst)
		if err != nil {
			t.Fatalf("Copy = %v (%+v)", err, counts)
		}
		want := map[string]int64{"outbox_messages": 250, "outbox_bodies": 250, "outbox_batches": 1, "review_items": 1, "delegates": 1}
		for _, c := range counts {
			if !c.Verified || c.Source != c.Copied {
				t.Errorf("%s: %+v", c.Table, c)
			}
			if w, ok := want[c.Table]; ok && c.Copied != w {
				t.Errorf("%s: copied %d, want %d", c.Table, c.Copied, w)
			}
			delete(want, c.Table)
		}
		if len(want) > 0 {
			t.Errorf("tables not copied: %v", want)
		}
		if got, err := dst.ReviewRaw(ctx, reviewID); err != nil || !bytes.Equal(got, raw) {
			t.Errorf("ReviewRaw = %q %v", got, err)
		}
		if es, err := dst.OutboxEntries(ctx, "inv", store.OutboxSending); err != nil || len(es) != 5 {
			t.Errorf("sending after copy = %d %v", len(es), err)
		}
		// New rows get ids after the copied ones.
		var id int64
		err = dst.Update(ctx, func(tx *store.Tx) (err error) {
			id, err = tx.AddReview(store.ReviewItem{Kind: "other", Reason: "after"})
			return err
		})
		if err != nil || id <= reviewID {
			t.Errorf("AddReview after copy = %d %v, want > %d", id, err, reviewID)
		}
		if _, err := store.Copy(ctx, src, dst); !errors.Is(err, store.ErrNotEmpty) {
			t.Errorf("second Copy = %v, want ErrNotEmpty", err)
		}
	})
}
