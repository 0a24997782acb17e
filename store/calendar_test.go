package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"convene/store"
	"convene/store/storetest"
)

func openStore(t *testing.T, eng store.Engine) *store.DB {
	t.Helper()
	db, err := store.OpenConfig(t.Context(), storetest.Config(t, eng))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func testRecordInvite(t *testing.T, eng store.Engine) {
	db := openStore(t, eng)
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

func testSetAttendance(t *testing.T, eng store.Engine) {
	db := openStore(t, eng)
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

func testRecordInviteShown(t *testing.T, eng store.Engine) {
	db := openStore(t, eng)
	ctx := t.Context()
	t0 := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	inv := store.SentInvite{Email: "ana@a.example", EventID: "s1", UID: "m-s1@x", Method: "REQUEST", SentAt: t0,
		Lang: "es", Start: t0.Add(48 * time.Hour), End: t0.Add(50 * time.Hour), Summary: "Sesión, primera", Location: "Sala XVII"}
	if err := db.Update(ctx, func(tx *store.Tx) error { return tx.RecordInvite(inv) }); err != nil {
		t.Fatal(err)
	}
	got, err := db.SentInvites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != inv {
		t.Errorf("SentInvites = %+v\nwant %+v", got, inv)
	}
}

// TestAttendanceAfterUpdate: an update (a REQUEST with SEQUENCE+1) resets
// the answer to NEEDS-ACTION; a late answer to the old SEQUENCE is kept in
// the history but does not count; an answer to the update does, with its
// DTSTAMP as its time.
func testAttendanceAfterUpdate(t *testing.T, eng store.Engine) {
	db := openStore(t, eng)
	ctx := t.Context()
	t0 := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	invite := func(seq int, at time.Time) store.SentInvite {
		return store.SentInvite{Email: "bob@b.example", EventID: "s1", UID: "m-s1@x", Sequence: seq, Method: "REQUEST", SentAt: at}
	}
	answer := func(p string, seq int, at time.Time) store.Attendance {
		return store.Attendance{Email: "bob@b.example", EventID: "s1", Partstat: p, Sequence: seq, At: at}
	}
	steps := []struct {
		name    string
		inv     *store.SentInvite
		ans     *store.Attendance
		applied bool
		want    store.Attendance // the answer that counts after the step
	}{
		{name: "invited", inv: new(invite(0, t0))},
		{name: "accepts", ans: new(answer("ACCEPTED", 0, t0.Add(time.Hour))), applied: true, want: answer("ACCEPTED", 0, t0.Add(time.Hour))},
		{name: "update resets", inv: new(invite(1, t0.Add(2*time.Hour))), want: answer("NEEDS-ACTION", 1, t0.Add(2*time.Hour))},
		{name: "late answer to the old time", ans: new(answer("ACCEPTED", 0, t0.Add(90*time.Minute))), want: answer("NEEDS-ACTION", 1, t0.Add(2*time.Hour))},
		// The client's clock is behind ours: its DTSTAMP is before we sent the update, it still counts.
		{name: "answers the update", ans: new(answer("DECLINED", 1, t0.Add(110*time.Minute))), applied: true, want: answer("DECLINED", 1, t0.Add(110*time.Minute))},
		{name: "resending the same SEQUENCE keeps it", inv: new(invite(1, t0.Add(3*time.Hour))), want: answer("DECLINED", 1, t0.Add(110*time.Minute))},
	}
	for _, s := range steps {
		var applied bool
		err := db.Update(ctx, func(tx *store.Tx) error {
			if s.inv != nil {
				return tx.RecordInvite(*s.inv)
			}
			var err error
			applied, err = tx.SetAttendance(*s.ans)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if applied != s.applied {
			t.Errorf("%s: applied = %v, want %v", s.name, applied, s.applied)
		}
		got, err := db.Attendance(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s.want.Partstat == "" {
			if len(got) != 0 {
				t.Errorf("%s: Attendance = %+v, want none", s.name, got)
			}
			continue
		}
		if len(got) != 1 || got[0] != s.want {
			t.Errorf("%s: Attendance = %+v\nwant %+v", s.name, got, s.want)
		}
	}
	hist, err := db.AttendanceHistory(ctx, "Bob@B.example", "s1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hist {
		got = append(got, fmt.Sprintf("%s/%d/%v", h.Partstat, h.Sequence, h.Counted))
	}
	if want := "ACCEPTED/0/true ACCEPTED/0/false DECLINED/1/true"; strings.Join(got, " ") != want {
		t.Errorf("history = %v, want %s", got, want)
	}
}

func TestRecordInvite(t *testing.T) { storetest.Each(t, testRecordInvite) }

func TestSetAttendance(t *testing.T) { storetest.Each(t, testSetAttendance) }

func TestRecordInviteShown(t *testing.T) { storetest.Each(t, testRecordInviteShown) }

func TestAttendanceAfterUpdate(t *testing.T) { storetest.Each(t, testAttendanceAfterUpdate) }
