package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"convene/store"
	"convene/store/storetest"
)

func testOutboxBodies(t *testing.T, eng store.Engine) {
	ctx := t.Context()
	db, err := store.OpenConfig(ctx, storetest.Config(t, eng))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.EnqueueOutbox(ctx, store.OutboxBatch{ID: "b"}, msgs("b", 20)); err != nil {
		t.Fatal(err)
	}
	all, err := db.ClaimOutbox(ctx, "", 20, time.Now())
	if err != nil || len(all) != 20 {
		t.Fatalf("ClaimOutbox = %d, %v", len(all), err)
	}
	pick := func(idx ...int) []store.OutboxClaim {
		var cs []store.OutboxClaim
		for _, i := range idx {
			c := all[i]
			c.Raw = []byte("left over from the previous message, longer than a body")
			cs = append(cs, c)
		}
		return cs
	}
	for _, tc := range []struct {
		name string
		idx  []int
	}{
		{"consecutive", []int{3, 4, 5, 6}},
		{"gaps", []int{0, 2, 3, 5}},    // one query, rows between skipped
		{"scattered", []int{0, 9, 19}}, // one query each
		{"one", []int{7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := pick(tc.idx...)
			if err := db.OutboxBodies(ctx, cs); err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				want, err := db.OutboxBody(ctx, c.ID, nil)
				if err != nil {
					t.Fatal(err)
				}
				if string(c.Raw) != string(want) || !strings.HasPrefix(string(c.Raw), "Subject: x") {
					t.Errorf("claim %d: Raw = %q, want %q", c.ID, c.Raw, want)
				}
			}
		})
	}
	for _, tc := range []struct {
		name string
		cs   []store.OutboxClaim
	}{
		{"scattered", []store.OutboxClaim{all[1], {ID: all[1].ID + 1000}}},
		{"one query", []store.OutboxClaim{all[19], {ID: all[19].ID + 1}}},
	} {
		if err := db.OutboxBodies(ctx, tc.cs); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s, an unknown id: %v, want ErrNotFound", tc.name, err)
		}
	}
}

func TestOutboxBodies(t *testing.T) { storetest.Each(t, testOutboxBodies) }
