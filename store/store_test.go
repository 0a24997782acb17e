package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"convene/meeting"
	"convene/store"
	"convene/store/storetest"
)

func openTest(t *testing.T, eng store.Engine) *store.DB {
	t.Helper()
	db, err := store.OpenConfig(t.Context(), storetest.Config(t, eng))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func testRegistrationsAndHistory(t *testing.T, eng store.Engine) {
	ctx := t.Context()
	db := openTest(t, eng)
	now := time.Date(2020, 6, 1, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	src := store.Source{MessageID: "m1@x", Actor: "inbox"}
	var added []meeting.Delegate
	err := db.Update(ctx, func(tx *store.Tx) (err error) {
		added, err = tx.RegisterDelegates("Mission A", []meeting.Delegate{
			{Name: "Jane Roe", Title: "First Secretary", Email: "Jane.Roe@A.example"},
			{Name: "John Doe", Email: "john@a.example"},
		}, src)
		return err
	})
	if err != nil || len(added) != 2 {
		t.Fatalf("RegisterDelegates = %v, %v", added, err)
	}
	// Registering one again adds nothing; withdrawing one leaves one active.
	err = db.Update(ctx, func(tx *store.Tx) error {
		again, err := tx.RegisterDelegates("Mission A", []meeting.Delegate{{Name: "Jane Roe", Title: "Counsellor", Email: "jane.roe@a.example"}}, src)
		if err != nil || len(again) != 0 {
			return fmt.Errorf("second RegisterDelegates = %v, %v; want none added", again, err)
		}
		w, err := tx.WithdrawDelegates("Mission A", []string{"JOHN@a.example", "nobody@a.example"}, src)
		if err != nil || len(w) != 1 || w[0].Email != "john@a.example" {
			return fmt.Errorf("WithdrawDelegates = %v, %v", w, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := db.Delegates(ctx, "Mission A", false)
	if len(ds) != 1 || ds[0].Title != "Counsellor" {
		t.Errorf("active delegates = %+v, want Jane Roe, Counsellor", ds)
	}
	all, _ := db.Delegates(ctx, "", true)
	if len(all) != 2 {
		t.Errorf("all delegates = %d, want 2", len(all))
	}
	regs, _ := db.Registrations(ctx)
	if r := regs["Mission A"]; r.Status != store.Registered || !r.FirstAt.Equal(now) {
		t.Errorf("registration = %+v", r)
	}
	h, _ := db.History(ctx, "Mission A")
	if len(h) != 3 || h[0].Action != "register" || h[2].Action != "withdraw" || h[0].MessageID != "m1@x" {
		t.Errorf("history = %+v", h)
	}
}

// A failed transaction leaves nothing behind.
func testUpdateRollsBack(t *testing.T, eng store.Engine) {
	ctx := t.Context()
	db := openTest(t, eng)
	err := db.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.RegisterDelegates("Mission B", []meeting.Delegate{{Name: "X", Email: "x@b.example"}}, store.Source{}); err != nil {
			return err
		}
		return fmt.Errorf("boom")
	})
	if err == nil {
		t.Fatal("Update returned nil")
	}
	if ds, _ := db.Delegates(ctx, "", true); len(ds) != 0 {
		t.Errorf("delegates after rollback = %v", ds)
	}
	if regs, _ := db.Registrations(ctx); len(regs) != 0 {
		t.Errorf("registrations after rollback = %v", regs)
	}
}

func testReviewQueue(t *testing.T, eng store.Engine) {
	ctx := t.Context()
	db := openTest(t, eng)
	var id int64
	db.Update(ctx, func(tx *store.Tx) (err error) {
		id, err = tx.AddReview(store.ReviewItem{Kind: "other", Reason: "unknown sender", From: "x@y.example"})
		return err
	})
	items, _ := db.ReviewItems(ctx, false)
	if len(items) != 1 || items[0].Reason != "unknown sender" {
		t.Fatalf("open items = %+v", items)
	}
	if err := db.Update(ctx, func(tx *store.Tx) error { return tx.ResolveReview(id, "anna", "dismissed") }); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(tx *store.Tx) error { return tx.ResolveReview(id, "anna", "again") }); err != store.ErrNotFound {
		t.Errorf("resolving twice = %v, want ErrNotFound", err)
	}
	items, _ = db.ReviewItems(ctx, false)
	all, _ := db.ReviewItems(ctx, true)
	if len(items) != 0 || len(all) != 1 || all[0].ResolvedBy != "anna" {
		t.Errorf("after resolve: open %d, all %+v", len(items), all)
	}
}

func testTokensStableAndUnique(t *testing.T, eng store.Engine) {
	ctx := t.Context()
	db := openTest(t, eng)
	cs, err := meeting.ParseContacts("c.csv", meeting.ExampleContactsCSV)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SyncContacts(ctx, cs); err != nil {
		t.Fatal(err)
	}
	first, _ := db.Tokens(ctx)
	if err := db.SyncContacts(ctx, cs); err != nil {
		t.Fatal(err)
	}
	second, _ := db.Tokens(ctx)
	seen := map[string]bool{}
	for name, tok := range first {
		if second[name] != tok {
			t.Errorf("token of %q changed: %q -> %q", name, tok, second[name])
		}
		if len(tok) != 10 || seen[tok] {
			t.Errorf("token %q of %q: want 10 characters, unique", tok, name)
		}
		seen[tok] = true
		if n, err := db.ContactByToken(ctx, tok); err != nil || n != name {
			t.Errorf("ContactByToken(%q) = %q, %v", tok, n, err)
		}
	}
	if len(first) != len(cs.List) {
		t.Errorf("tokens = %d, want %d", len(first), len(cs.List))
	}
}

// TestKillDuringWrites kills a process that writes registrations as fast as
// it can with SIGKILL, several times, and checks that every transaction it
// reported committed is there whole, and that the database is intact.
func TestKillDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process")
	}
	path := filepath.Join(t.TempDir(), "kill.db")
	committed := 0
	for round := 0; round < 3; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$")
		cmd.Env = append(os.Environ(), "STORE_HELPER_DB="+path, "STORE_HELPER_START="+strconv.Itoa(committed))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		target := committed + 50 + round*37
		for sc.Scan() {
			n, err := strconv.Atoi(sc.Text())
			if err != nil {
				continue
			}
			committed = n
			if n >= target {
				break
			}
		}
		cmd.Process.Kill() // SIGKILL, in the middle of the next write
		cmd.Wait()

		db, err := store.Open(t.Context(), path)
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		var check string
		db.SQL().QueryRow(`PRAGMA integrity_check`).Scan(&check)
		if check != "ok" {
			t.Fatalf("round %d: integrity_check = %q", round, check)
		}
		ds, _ := db.Delegates(t.Context(), "", true)
		h, _ := db.History(t.Context(), "")
		if len(ds) < committed {
			t.Fatalf("round %d: %d delegates after kill, but %d were reported committed", round, len(ds), committed)
		}
		if len(h) != len(ds) {
			t.Fatalf("round %d: %d delegates but %d history events: a transaction was half-applied", round, len(ds), len(h))
		}
		committed = len(ds) // the write under way may have committed before its report
		db.Close()
	}
}

// TestHelperWriter is the child process of TestKillDuringWrites.
func TestHelperWriter(t *testing.T) {
	path := os.Getenv("STORE_HELPER_DB")
	if path == "" {
		t.Skip("helper process only")
	}
	start, _ := strconv.Atoi(os.Getenv("STORE_HELPER_START"))
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	for i := start; ; i++ {
		d := meeting.Delegate{Name: fmt.Sprintf("Delegate %d", i), Email: fmt.Sprintf("d%d@x.example", i)}
		err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RegisterDelegates(fmt.Sprintf("Mission %d", i), []meeting.Delegate{d}, store.Source{Actor: "test"})
			return err
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		fmt.Println(i + 1)
	}
}

func testBouncesAndAutoAnswerCap(t *testing.T, eng store.Engine) {
	ctx := t.Context()
	db := openTest(t, eng)
	err := db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.RecordBounce(store.Bounce{Email: "X@elbonia.example", Contact: "Elbonia", Permanent: true, Status: "5.1.1"}); err != nil {
			return err
		}
		return tx.RecordBounce(store.Bounce{Email: "y@slow.example", Permanent: false, Status: "4.4.1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	hard, _ := db.HardBounced(ctx)
	if len(hard) != 1 || hard["x@elbonia.example"] != "Elbonia" {
		t.Errorf("HardBounced = %v", hard)
	}
	var got []bool
	for i := 0; i < 4; i++ {
		db.Update(ctx, func(tx *store.Tx) error {
			ok, err := tx.AllowAutoAnswer("Mission@x.example", 3)
			got = append(got, ok)
			return err
		})
	}
	if fmt.Sprint(got) != "[true true true false]" {
		t.Errorf("AllowAutoAnswer x4 with cap 3 = %v", got)
	}
}

func TestRegistrationsAndHistory(t *testing.T) { storetest.Each(t, testRegistrationsAndHistory) }

func TestUpdateRollsBack(t *testing.T) { storetest.Each(t, testUpdateRollsBack) }

func TestReviewQueue(t *testing.T) { storetest.Each(t, testReviewQueue) }

func TestTokensStableAndUnique(t *testing.T) { storetest.Each(t, testTokensStableAndUnique) }

func TestBouncesAndAutoAnswerCap(t *testing.T) { storetest.Each(t, testBouncesAndAutoAnswerCap) }
