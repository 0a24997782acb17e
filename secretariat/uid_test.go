package secretariat

import (
	"testing"

	"convene/meeting"
)

// TestEventOfUID: a calendar answer's UID names one of our events only when
// it carries our meeting's id and our domain, as calendar.UID writes them.
func TestEventOfUID(t *testing.T) {
	m := &meeting.Meeting{ID: "ism-2020", Sender: meeting.Sender{Address: "isu@isu.example", ReplyTo: "registrations@isu.example"},
		Sessions: []meeting.Session{{ID: "article-5"}}}
	tests := []struct {
		uid    string
		want   string
		wantOK bool
	}{
		{"ism-2020-article-5@isu.example", "article-5", true},
		{"ISM-2020-Article-5@ISU.example", "article-5", true},
		{"ism-2020-removed-session@isu.example", "removed-session", true}, // since removed from meeting.yaml
		{"ism-2020-article-5@any.domain", "", false},
		{"ism-2020-removed-session@evil.example", "", false},
		{"ism-2020-article-5@evil.example@isu.example", "", false},
		{"ism-2020-article-5@isu.example.evil.example", "", false},
		{"ism-2020-@isu.example", "", false},
		{"ism-2020-article-5", "", false},
		{"ism-2021-article-5@isu.example", "", false},
	}
	for _, tt := range tests {
		got, ok := eventOfUID(m, tt.uid)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("eventOfUID(%q) = %q, %v; want %q, %v", tt.uid, got, ok, tt.want, tt.wantOK)
		}
	}
}
