package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"convene/store"
)

func openStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestRecordInvite(t *testing.T) {
	db := openStore(t)
	ctx := t.Context()
	t0 := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	record := func(inv store.SentInvite) {
		t.Helper()
		if err := db.Update(ctx, func(tx *store.Tx) error { return tx.RecordInvite(inv) }); err != nil {
			t.Fatal(err)
		}
	}
	record(store.SentInvite{Email: "Ana@A.example", EventID: "s1", Contact: "Arcadia", UID: "m-s1@x", Sequence: 0, Hash: "h0", Method: "REQUEST", SentAt: t0})
	record(store.SentInvite{Email: "ana@a.example", EventID: "s1", Contact: "Arcadia", UID: "m-s1@x", Sequence: 1, Hash: "h1", Method: "REQUEST", SentAt: t0.Add(time.Hour)})
	record(store.SentInvite{Email: "ana@a.example", EventID: "s2", UID: "m-s2@x", Sequence: 3, Method: "CANCEL", Cancelled: true, SentAt: t0})
	// A late write of an older SEQUENCE does not win.
	record(store.SentInvite{Email: "ana@a.example", EventID: "s1", UID: "m-s1@x", Sequence: 0, Hash: "h0", Method: "REQUEST", SentAt: t0.Add(2 * time.Hour)})
	got, err := db.SentInvites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.SentInvite{
		{Email: "ana@a.example", EventID: "s1", Contact: "Arcadia", UID: "m-s1@x", Sequence: 1, Hash: "h1", Method: "REQUEST", SentAt: t0.Add(time.Hour)},
		{Email: "ana@a.example", EventID: "s2", UID: "m-s2@x", Sequence: 3, Method: "CANCEL", Cancelled: true, SentAt: t0},
	}
	if len(got) != len(want) {
		t.Fatalf("SentInvites = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("SentInvites[%d] = %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestSetAttendance(t *testing.T) {
	db := openStore(t)
	ctx := t.Context()
	t0 := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		a       store.Attendance
		applied bool
	}{
		{store.Attendance{Email: "Bob@B.example", EventID: "s1", Partstat: "TENTATIVE", Sequence: 1, At: t0}, true},
		{store.Attendance{Email: "bob@b.example", EventID: "s1", Partstat: "ACCEPTED", Sequence: 2, At: t0.Add(time.Hour), Comment: "ok"}, true},
		{store.Attendance{Email: "bob@b.example", EventID: "s1", Partstat: "DECLINED", Sequence: 1, At: t0.Add(2 * time.Hour)}, false}, // lower SEQUENCE: stale
		{store.Attendance{Email: "bob@b.example", EventID: "s1", Partstat: "DECLINED", Sequence: 2, At: t0}, false},                    // same SEQUENCE, older
		{store.Attendance{Email: "bob@b.example", EventID: "s2", Partstat: "DECLINED", Sequence: 0, At: t0}, true},
	}
	for i, s := range steps {
		var applied bool
		err := db.Update(ctx, func(tx *store.Tx) error {
			var err error
			applied, err = tx.SetAttendance(s.a)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if applied != s.applied {
			t.Errorf("step %d: applied = %v, want %v", i, applied, s.applied)
		}
	}
	got, err := db.Attendance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Attendance{
		{Email: "bob@b.example", EventID: "s1", Partstat: "ACCEPTED", Sequence: 2, Comment: "ok", At: t0.Add(time.Hour)},
		{Email: "bob@b.example", EventID: "s2", Partstat: "DECLINED", Sequence: 0, At: t0},
	}
	if len(got) != len(want) {
		t.Fatalf("Attendance = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Attendance[%d] = %+v\nwant %+v", i, got[i], want[i])
		}
	}
}
