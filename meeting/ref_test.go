package meeting_test

import (
	"testing"

	"convene/meeting"
)

func TestReplyAddressRoundTrip(t *testing.T) {
	addr := meeting.ReplyAddress("registrations@isu.example", "abcde23456")
	if addr != "registrations+abcde23456@isu.example" {
		t.Fatalf("ReplyAddress = %q", addr)
	}
	tests := []struct{ addr, want string }{
		{addr, "abcde23456"},
		{"Registrations+ABCDE23456@ISU.example", "abcde23456"},
		{"registrations@isu.example", ""},
		{"other+abcde23456@isu.example", ""},
		{"registrations+abcde23456@evil.example", ""},
		{"registrations+x@isu.example", ""},
	}
	for _, tt := range tests {
		if got := meeting.TokenFromAddress(tt.addr, "registrations@isu.example"); got != tt.want {
			t.Errorf("TokenFromAddress(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestTokenFromSubject(t *testing.T) {
	tests := []struct{ subject, want string }{
		{"RE: Invitation: 2020 Intersessional Meetings " + meeting.SubjectRef("abcde23456"), "abcde23456"},
		{"AW: Einladung [ref:ABCDE23456]", "abcde23456"},
		{"Re: Invitation", ""},
		{"[REF short]", ""},
	}
	for _, tt := range tests {
		if got := meeting.TokenFromSubject(tt.subject); got != tt.want {
			t.Errorf("TokenFromSubject(%q) = %q, want %q", tt.subject, got, tt.want)
		}
	}
}
