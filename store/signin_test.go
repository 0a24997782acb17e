package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"convene/store"
)

func TestSignInState(t *testing.T) {
	ctx := t.Context()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, failing, err := db.SignInFailing(ctx); err != nil || failing {
		t.Fatalf("a new store: failing %v, %v", failing, err)
	}
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	if err := db.SetSignIn(ctx, store.SignIn{Account: "isu@x.example", OK: false, Since: at, Detail: "refresh token refused"}); err != nil {
		t.Fatal(err)
	}
	s, failing, err := db.SignInFailing(ctx)
	if err != nil || !failing || s.Account != "isu@x.example" || !s.Since.Equal(at) || s.Detail != "refresh token refused" {
		t.Fatalf("SignInFailing = %+v, %v, %v", s, failing, err)
	}
	if err := db.SetSignIn(ctx, store.SignIn{Account: "isu@x.example", OK: true, Since: at.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, failing, _ := db.SignInFailing(ctx); failing {
		t.Error("still failing after an ok")
	}
}
