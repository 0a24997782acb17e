package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"convene/store"
)

// A send recorded while a daemon on a simulated clock holds the store is
// dated on the daemon's clock: the batch, and the messages' Date.
func TestSendOnDaemonClock(t *testing.T) {
	t.Parallel()
	cfg := sendMeeting(t, nil)
	m, _ := loadExample(t, cfg)
	db := openStore(t, m)
	sim := time.Date(2020, 6, 10, 7, 0, 0, 0, time.UTC)
	// The daemon published its clock: speed 1, so the reading barely moves
	// while the test runs.
	if err := db.SetClockReading(t.Context(), store.ClockReading{Sim: sim, Real: time.Now(), Speed: 1}); err != nil {
		t.Fatal(err)
	}
	unlock, err := db.Lock()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runIn(t, "", "send", "-c", cfg, "--template", "reminder", "--to", "state-not-party", "--yes")
	unlock()
	if code != exitOK || !strings.Contains(out, "3 messages recorded") {
		t.Fatalf("send: exit %d\n%s\n%s", code, out, errs)
	}
	bs, err := db.OutboxBatches(t.Context(), "")
	if err != nil || len(bs) != 1 {
		t.Fatalf("batches %v, %v", bs, err)
	}
	if got := bs[0].CreatedAt; got.Sub(sim) < 0 || got.Sub(sim) > time.Hour {
		t.Errorf("batch recorded at %v, want the daemon's clock, %v", got, sim)
	}
	es, err := db.OutboxEntries(t.Context(), bs[0].ID)
	if err != nil || len(es) != 3 {
		t.Fatalf("entries %d, %v", len(es), err)
	}
	raw, err := db.OutboxBody(t.Context(), es[0].ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if date := env.GetHeader("Date"); !strings.Contains(date, "Jun 2020") {
		t.Errorf("message Date %q, want the daemon's June 2020", date)
	}

	// Without a daemon holding the store, a reading left behind is ignored.
	now, err := storeClock(t.Context(), db)
	if err != nil || now().Year() == 2020 {
		t.Errorf("no daemon: storeClock reads %v, %v; want real time", now(), err)
	}
}
