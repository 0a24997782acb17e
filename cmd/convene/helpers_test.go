package main

import (
	"testing"

	"convene/internal/testmeeting"
	"convene/meeting"
)

// exampleConfig writes the example meeting to a temporary folder and returns
// the path of its meeting.yaml (testmeeting.Config).
func exampleConfig(t testing.TB, servers string) string {
	t.Helper()
	return testmeeting.Config(t, servers)
}

// exampleMeeting writes the example meeting and loads it (testmeeting.Load).
func exampleMeeting(t testing.TB, servers string) (cfg string, m *meeting.Meeting, cs *meeting.Contacts) {
	t.Helper()
	return testmeeting.Load(t, servers)
}
