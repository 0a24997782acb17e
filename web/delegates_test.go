package web_test

import (
	"net/mail"
	"os"
	"strings"
	"testing"

	"convene/meeting"
	"convene/web"
)

func TestParseDelegates(t *testing.T) {
	tests := []struct {
		name, in string
		want     []meeting.Delegate
		err      string
	}{
		{name: "three fields", in: "Jan Novak, First Secretary, jan@syldavia.example",
			want: []meeting.Delegate{{Name: "Jan Novak", Title: "First Secretary", Email: "jan@syldavia.example"}}},
		{name: "no title", in: "  Eva Kral ,eva@syldavia.example  ",
			want: []meeting.Delegate{{Name: "Eva Kral", Email: "eva@syldavia.example"}}},
		{name: "title with commas, CRLF, blank lines", in: "\r\nMaría Pérez, Consejera, Misión Permanente, mp@freedonia.example\r\n\r\nA B, x@y.example\r\n",
			want: []meeting.Delegate{
				{Name: "María Pérez", Title: "Consejera, Misión Permanente", Email: "mp@freedonia.example"},
				{Name: "A B", Email: "x@y.example"},
			}},
		{name: "empty", in: " \n\n", err: "at least one delegate"},
		{name: "one field", in: "Jan Novak", err: "line 1: want"},
		{name: "no name", in: ", Counsellor, a@b.example", err: "line 1: the name is empty"},
		{name: "bad address on line 2", in: "A, a@b.example\nB, Counsellor, b at example", err: `line 2: "b at example" is not an email address`},
		{name: "display name", in: "A, Jan <a@b.example>", err: "not an email address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := web.ParseDelegates(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseDelegates(%q) error = %v, want %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDelegates(%q): %v", tt.in, err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("ParseDelegates(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("ParseDelegates(%q)[%d] = %+v, want %+v", tt.in, i, got[i], tt.want[i])
				}
			}
		})
	}
}

func FuzzParseDelegates(f *testing.F) {
	seed, err := os.ReadFile("testdata/delegates.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(seed))
	f.Add("A, a@b.example")
	f.Add(",,,\n@,")
	f.Fuzz(func(t *testing.T, in string) {
		ds, err := web.ParseDelegates(in)
		if err != nil {
			return
		}
		if len(ds) == 0 {
			t.Fatal("no delegates and no error")
		}
		for _, d := range ds {
			if d.Name == "" || strings.ContainsAny(d.Name+d.Title+d.Email, "\r\n") {
				t.Fatalf("bad delegate %+v", d)
			}
			if a, err := mail.ParseAddress(d.Email); err != nil || a.Address != d.Email {
				t.Fatalf("email %q does not parse back: %v", d.Email, err)
			}
		}
	})
}

func TestReviewActionString(t *testing.T) {
	tests := []struct {
		a    web.ReviewAction
		want string
	}{
		{web.ReviewAction{Kind: web.ActionAssign, Mission: "Permanent Mission of Arcadia"}, "assigned to Permanent Mission of Arcadia"},
		{web.ReviewAction{Kind: web.ActionRegister, Mission: "X", Delegates: make([]meeting.Delegate, 1)}, "registered 1 delegate for X"},
		{web.ReviewAction{Kind: web.ActionRegister, Mission: "X", Delegates: make([]meeting.Delegate, 2)}, "registered 2 delegates for X"},
		{web.ReviewAction{Kind: web.ActionDismiss, Note: "spam"}, "dismissed: spam"},
		{web.ReviewAction{Kind: web.ActionDismiss}, "dismissed"},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.a, got, tt.want)
		}
	}
}
