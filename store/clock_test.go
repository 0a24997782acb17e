package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"convene/store"
)

func TestClockReading(t *testing.T) {
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "convene.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, ok, err := db.ClockReading(t.Context()); ok || err != nil {
		t.Fatalf("empty store: reading %v, %v", ok, err)
	}
	real := time.Date(2026, 12, 3, 4, 0, 0, 0, time.UTC)
	r := store.ClockReading{Sim: time.Date(2020, 6, 10, 7, 0, 0, 0, time.UTC), Real: real, Speed: 3600}
	for range 2 { // the second write replaces the first
		if err := db.SetClockReading(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	got, ok, err := db.ClockReading(t.Context())
	if !ok || err != nil || !got.Sim.Equal(r.Sim) || !got.Real.Equal(r.Real) || got.Speed != 3600 {
		t.Fatalf("ClockReading = %+v, %v, %v; want %+v", got, ok, err, r)
	}
	if now, want := got.Now(real.Add(2*time.Second)), r.Sim.Add(2*time.Hour); !now.Equal(want) {
		t.Errorf("two real seconds later the daemon's clock reads %v, want %v", now, want)
	}
}
