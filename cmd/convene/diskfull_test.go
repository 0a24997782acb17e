package main

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"convene/inbox"
	"convene/internal/testmail"
	"convene/secretariat"
	"convene/store"
)

// TestStoreFull fills the store (SQLite's page limit stands in for a full
// disk) while replies are read: nothing is applied, nothing is moved or lost,
// and once there is room again every reply is applied once.
func TestStoreFull(t *testing.T) {
	ctx := t.Context()
	srv := testmail.StartIMAP(t, nil)
	host, port, _ := strings.Cut(srv.Addr, ":")
	t.Setenv("FULL_IMAP_SECRET", srv.Password)
	_, m, cs := exampleMeeting(t, fmt.Sprintf("imap: {host: %s, port: %s, security: none, username: %s, auth: password, secret: {env: FULL_IMAP_SECRET}, trusted_authserv_id: mx.isu.example}\n", host, port, srv.Username))
	db, err := store.Open(ctx, m.Store)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := func() time.Time { return time.Date(2020, 6, 1, 10, 0, 0, 0, time.UTC) }
	db.Now = now
	svc, err := secretariat.New(ctx, m, cs, db, slog.New(slog.DiscardHandler), now)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	var raws [][]byte
	body := strings.Repeat("We look forward to the meetings. ", 200)
	for i := range n {
		raws = append(raws, []byte(strings.ReplaceAll(fmt.Sprintf("Authentication-Results: mx.isu.example; dmarc=pass header.from=arcadia-mfa.example\nFrom: mission@arcadia-mfa.example\nTo: registrations@isu.example\nSubject: Registration\nMessage-ID: <full-%d@arcadia-mfa.example>\n\nPlease register Mr. Delegate Full%d, Adviser, f%d@arcadia-mfa.example\n\n%s\n", i, i, i, body), "\n", "\r\n")))
	}
	testmail.AppendMessages(t, srv.Addr, srv.Username, srv.Password, "INBOX", raws...)

	// One connection, so that the page limit holds for every statement.
	db.SQL().SetMaxOpenConns(1)
	var pages int64
	db.SQL().QueryRow("PRAGMA page_count").Scan(&pages)
	if _, err := db.SQL().Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages+2)); err != nil {
		t.Fatal(err)
	}
	w, err := inbox.NewWatcher(db, inbox.Options{Server: m.IMAP.Server, Logger: slog.New(slog.DiscardHandler), MaxFailures: 1000}, svc.Handle)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	st, err := w.Once(ctx)
	t.Logf("with the store full: %+v, %v", st, err)
	counts := testmail.CountMailboxes(t, srv.Addr, srv.Username, srv.Password)
	ds, _ := db.Delegates(ctx, "", true)
	if counts["INBOX"]+counts["Processed"] != n || counts["Review"] != 0 {
		t.Errorf("mailboxes while full: %v (want all %d in INBOX or Processed, none lost)", counts, n)
	}
	if len(ds) != counts["Processed"] {
		t.Errorf("%d delegates applied but %d messages moved to Processed: applied and moved must go together", len(ds), counts["Processed"])
	}
	if counts["INBOX"] == 0 {
		t.Fatalf("the store never filled up: the test proves nothing")
	}

	// Room again: the rest is applied, once.
	if _, err := db.SQL().Exec("PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Once(ctx); err != nil {
		t.Fatal(err)
	}
	counts = testmail.CountMailboxes(t, srv.Addr, srv.Username, srv.Password)
	ds, _ = db.Delegates(ctx, "", true)
	if counts["INBOX"] != 0 || counts["Processed"] != n || len(ds) != n {
		t.Errorf("after freeing space: mailboxes %v, %d delegates; want all %d processed once", counts, len(ds), n)
	}
}
