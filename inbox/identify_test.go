package inbox_test

import (
	"strings"
	"testing"

	"convene/inbox"
	"convene/meeting"
)

func testContacts(t *testing.T) *meeting.Contacts {
	t.Helper()
	cs, err := meeting.ParseContacts("contacts.csv", []byte(`name,category,emails,language
Arcadia,state-party,mission@arcadia-mfa.example;jane.roe@arcadia-mfa.example,en
Belavie,state-party,mission@belavie.example,fr
`))
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestIdentify(t *testing.T) {
	cs := testContacts(t)
	tokens := map[string]string{"k7qmzt4x": "Arcadia", "b4n6xq2w": "Belavie", "zzzzzzzz": "Gone"}
	tests := []struct {
		name    string
		m       inbox.Message
		contact string // "" for none
		reason  string // substring; "" for no review
	}{
		{"token and sender agree", inbox.Message{Token: "k7qmzt4x", From: "jane.roe@arcadia-mfa.example"}, "Arcadia", ""},
		{"sender only", inbox.Message{From: "mission@belavie.example"}, "Belavie", ""},
		{"sender address in upper case", inbox.Message{From: "Mission@Belavie.example"}, "Belavie", ""},
		{"token says A, sender is B", inbox.Message{Token: "k7qmzt4x", From: "mission@belavie.example"}, "", "belongs to Arcadia but the sender mission@belavie.example is an address of Belavie"},
		{"token, unknown sender", inbox.Message{Token: "b4n6xq2w", From: "someone@gmail.example"}, "", "not a known address"},
		{"unknown sender", inbox.Message{From: "someone@gmail.example"}, "", "unknown sender someone@gmail.example"},
		{"no sender", inbox.Message{}, "", "unknown sender (none)"},
		{"unknown token, known sender", inbox.Message{Token: "qqqqqqqq", From: "mission@belavie.example"}, "Belavie", ""},
		{"unknown token, unknown sender", inbox.Message{Token: "qqqqqqqq", From: "x@y.example"}, "", "unknown reference token"},
		{"token of a removed contact", inbox.Message{Token: "zzzzzzzz", From: "mission@belavie.example"}, "", "no longer in the contact list"},
		{"calendar reply from a delegate", inbox.Message{Kind: inbox.KindCalendarReply, From: "j.smith@arcadia-mfa.example"}, "", ""},
		{"calendar reply from a contact address", inbox.Message{Kind: inbox.KindCalendarReply, From: "mission@belavie.example"}, "Belavie", ""},
		{"bounce by recipient", inbox.Message{Kind: inbox.KindBounce, From: "mailer-daemon@mx.example", Bounce: &inbox.Bounce{Recipients: []string{"mission@arcadia-mfa.example"}}}, "Arcadia", ""},
		{"bounce of an unknown address", inbox.Message{Kind: inbox.KindBounce, From: "mailer-daemon@mx.example", Bounce: &inbox.Bounce{Recipients: []string{"x@y.example"}}}, "", "not in the contact list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m
			c, reason := inbox.Identify(&m, cs, tokens)
			got := ""
			if c != nil {
				got = c.Name
			}
			if got != tt.contact {
				t.Errorf("Identify = %q, want %q", got, tt.contact)
			}
			if tt.reason == "" && reason != "" || tt.reason != "" && !strings.Contains(reason, tt.reason) {
				t.Errorf("reason = %q, want %q", reason, tt.reason)
			}
			if m.NeedsReview != (tt.reason != "") || m.ReviewReason != reason {
				t.Errorf("NeedsReview = %v, ReviewReason = %q; want %v, %q", m.NeedsReview, m.ReviewReason, tt.reason != "", reason)
			}
			if c != nil && reason != "" {
				t.Errorf("a contact and a review reason together")
			}
		})
	}
}

func TestIdentifyParsed(t *testing.T) {
	cs := testContacts(t)
	m := parseFile(t, "outlook-form-en.eml")
	c, reason := inbox.Identify(m, cs, map[string]string{"k7qmzt4x": "Arcadia"})
	if c == nil || c.Name != "Arcadia" || reason != "" {
		t.Errorf("Identify(outlook-form-en) = %v, %q; want Arcadia", c, reason)
	}
}
