package main

import (
	"os"
	"runtime/debug"
)

// gcPercent is convene's default for GOGC. Its live heap is small (jobs
// render and record in chunks; a drain holds a few MiB), but sending
// allocates every message's ~20 KB body anew (the SQLite driver copies
// each blob it returns), so at Go's default of 100 the collector ran every
// few hundred messages. At 400 the outbox drain took 15-25% less CPU per
// message (scripts/bench-send, 10,000 x 20 KB: 178-209 -> 151-162 µs) for a
// heap that may grow to five times the live data instead of twice.
const gcPercent = 400

// init applies gcPercent unless the GOGC environment variable decides.
func init() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
}
