package secretariat

import (
	"log/slog"
	"testing"
	"time"

	"convene/internal/testmeeting"
	"convene/meeting"
	"convene/store"
)

// exampleMeeting writes the example meeting and loads it (testmeeting.Load).
func exampleMeeting(t testing.TB, servers string) (cfg string, m *meeting.Meeting, cs *meeting.Contacts) {
	t.Helper()
	return testmeeting.Load(t, servers)
}

// exampleService writes the example meeting to a temporary folder and
// returns a service over a new store there, on a clock that reads now.
func exampleService(t *testing.T, now time.Time) (*Service, *meeting.Meeting, *store.DB) {
	t.Helper()
	_, m, cs := exampleMeeting(t, "")
	db, err := store.Open(t.Context(), m.Store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Now = func() time.Time { return now }
	svc, err := New(t.Context(), m, cs, db, slog.New(slog.DiscardHandler), db.Now)
	if err != nil {
		t.Fatal(err)
	}
	return svc, m, db
}
