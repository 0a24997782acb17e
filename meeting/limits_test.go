package meeting_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"convene/meeting"
)

func TestLimits(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       meeting.Limits // after WithDefaults(5)
		trusted    string
		problem    string
	}{
		{"defaults", "", meeting.Limits{DelegatesPerReply: 15, DelegatesPerMission: 40, CalendarPerReply: 75, AnswersPerDay: 5, AttachmentRows: 200}, "", ""},
		{"set", "limits: {delegates_per_reply: 4, delegates_per_mission: 9, calendar_per_reply: 7, answers_per_day: 2, attachment_rows: 30}\n",
			meeting.Limits{DelegatesPerReply: 4, DelegatesPerMission: 9, CalendarPerReply: 7, AnswersPerDay: 2, AttachmentRows: 30}, "", ""},
		{"calendar follows the reply cap", "limits: {delegates_per_reply: 2}\n",
			meeting.Limits{DelegatesPerReply: 2, DelegatesPerMission: 40, CalendarPerReply: 10, AnswersPerDay: 5, AttachmentRows: 200}, "", ""},
		{"zero is refused", "limits: {delegates_per_reply: 0}\n", meeting.Limits{}, "", "limits.delegates_per_reply: want 1 to 100000"},
		{"unknown cap", "limits: {delegates: 3}\n", meeting.Limits{}, "", "delegates"},
		{"trusted authserv-id", "imap: {host: imap.isu.example, username: r@isu.example, secret: {env: X}, trusted_authserv_id: MX.isu.example}\n",
			meeting.Limits{DelegatesPerReply: 15, DelegatesPerMission: 40, CalendarPerReply: 75, AnswersPerDay: 5, AttachmentRows: 200}, "mx.isu.example", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := meeting.WriteExample(dir); err != nil {
				t.Fatal(err)
			}
			cfg := filepath.Join(dir, "meeting.yaml")
			b, _ := os.ReadFile(cfg)
			text := string(b)
			if strings.HasPrefix(tt.yaml, "imap:") {
				text = text[:strings.Index(text, "imap:")]
			}
			if err := os.WriteFile(cfg, []byte(text+tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			m, _, err := meeting.Load(cfg)
			if tt.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tt.problem) {
					t.Fatalf("Load = %v, want a problem with %q", err, tt.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Limits.WithDefaults(5); got != tt.want {
				t.Errorf("Limits = %+v, want %+v", got, tt.want)
			}
			if m.IMAP.TrustedAuthservID != tt.trusted {
				t.Errorf("TrustedAuthservID = %q, want %q", m.IMAP.TrustedAuthservID, tt.trusted)
			}
		})
	}
}
