package mailer_test

import (
	"testing"

	"convene/internal/testmail"
	"convene/mailer"
)

func TestEnvelopeSender(t *testing.T) {
	id := mailer.MessageID("reminder-7d", "Arcadia", "isu.example")
	tag := mailer.VERPTag(id)
	tests := []struct {
		returnPath, messageID, from, want string
	}{
		{"", id, "isu@isu.example", "isu@isu.example"},
		{"registrations@isu.example", id, "isu@isu.example", "registrations+b-" + tag + "@isu.example"},
		{"registrations+tok@isu.example", id, "isu@isu.example", "registrations+b-" + tag + "@isu.example"},
		{"registrations@isu.example", "abc@elsewhere.example", "isu@isu.example", "registrations@isu.example"},
		{"registrations@isu.example", "cv.UPPER@isu.example", "isu@isu.example", "registrations@isu.example"},
		{"not-an-address", id, "isu@isu.example", "isu@isu.example"},
	}
	for _, tt := range tests {
		if got := mailer.EnvelopeSender(tt.returnPath, tt.messageID, tt.from); got != tt.want {
			t.Errorf("EnvelopeSender(%q, %q, %q) = %q, want %q", tt.returnPath, tt.messageID, tt.from, got, tt.want)
		}
	}
	if tag == "" || mailer.MessageIDOfTag(tag, "ISU.example") != id {
		t.Errorf("VERPTag(%q) = %q does not lead back to it", id, tag)
	}
}

// TestVERPOnTheWire checks that MAIL FROM carries the message's tag, so a
// bounce reaches the reply_to mailbox and names the message.
func TestVERPOnTheWire(t *testing.T) {
	db := openStore(t)
	srv := testmail.NewSMTP(t, testmail.Options{})
	s := newSender(t, db, srv, nil)
	msgs := outgoing(3, 1, nil)
	for i := range msgs {
		msgs[i].Message.ReturnPath = "registrations@isu.example"
	}
	if _, err := s.Enqueue(t.Context(), mailer.Batch{ID: "v", Template: "t"}, msgs); err != nil {
		t.Fatal(err)
	}
	if rep, err := s.Drain(t.Context(), "v"); err != nil || rep.Sent != 3 {
		t.Fatalf("Drain = %+v, %v; want 3 sent", rep, err)
	}
	for _, m := range srv.Messages() {
		want := "registrations+b-" + mailer.VERPTag(m.MessageID) + "@isu.example"
		if mailer.VERPTag(m.MessageID) == "" || m.From != want {
			t.Errorf("MAIL FROM %q for %s, want %q", m.From, m.MessageID, want)
		}
	}
}
