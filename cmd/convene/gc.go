package main

import (
	"os"
	"runtime/debug"
)

// gcPercent is convene's default for GOGC. Its live heap is small (jobs
// render and record in chunks; a drain holds a few MiB; the inbox holds a
// few chunks of 500 messages), but sending allocates every message's ~20 KB
// body anew (the SQLite driver copies each blob it returns), so at Go's
// default of 100 the collector ran every few hundred messages. At 400 the
// outbox drain took 15-25% less CPU per message (scripts/bench-send, 10,000
// x 20 KB: 178-209 -> 151-162 µs) for a heap that may grow to five times the
// live data instead of twice.
const gcPercent = 400

// memoryLimit is convene's default soft memory limit (GOMEMLIMIT): past it
// the collector runs more often rather than let GOGC=400 take the heap to
// five times the live data (reading 10,000 replies of 20 KB at once, about
// 65 MiB live, peaked at 500 MB of RSS without it).
const memoryLimit = 256 << 20

// init applies gcPercent and memoryLimit unless the GOGC and GOMEMLIMIT
// environment variables decide.
func init() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(memoryLimit)
	}
}
