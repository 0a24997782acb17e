package inbox_test

import (
	"testing"

	"convene/internal/inboxbench"
)

// BenchmarkIngest compares Watcher.Once (fetch, a trivial store write per
// message, checkpoint, move) with a bare client's UID FETCH 1:* BODY.PEEK[]
// of the same Dovecot mailbox; see internal/inboxbench and
// scripts/bench-inbox. The daemon's real handler is measured the same way
// from its own package with inboxbench.Ingest.
func BenchmarkIngest(b *testing.B) {
	inboxbench.Ingest(b, inboxbench.Trivial)
}
