package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"convene/meeting"
	"convene/store"
)

func TestParseCommand(t *testing.T) {
	t.Parallel()
	cfg, m, cs := exampleMeeting(t, "")
	dir := filepath.Dir(cfg)
	ctx := context.Background()
	db, err := store.Open(ctx, m.Store)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SyncContacts(ctx, cs); err != nil {
		t.Fatal(err)
	}
	tokens, err := db.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	arcadia := "Permanent Mission of Arcadia"
	tok := tokens[arcadia]
	write := func(name, from string) string {
		p := filepath.Join(dir, name)
		msg := "From: " + from + "\r\nTo: " + meeting.ReplyAddress(m.Sender.ReplyTo, tok) +
			"\r\nSubject: Re: invitation\r\nMessage-ID: <" + name + "@x.example>\r\nDate: Tue, 9 Jun 2020 10:00:00 +0200\r\n\r\n" +
			"Name: H.E. Mr. John Smith\r\nTitle: Ambassador\r\nEmail: j.smith@arcadia-mfa.example\r\n"
		if err := os.WriteFile(p, []byte(msg), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.eml", "Mission <mission@arcadia-mfa.example>")
	other := write("other.eml", "someone@gmail.example")

	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"parse", "-c", filepath.Join(dir, "meeting.yaml"), good, other}, nil, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), stdout.String())
	}
	var got []map[string]any
	for _, l := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		got = append(got, v)
	}
	if got[0]["kind"] != "registration" || got[0]["contact"] != arcadia || got[0]["needs_review"] != false {
		t.Errorf("good.eml: %s", lines[0])
	}
	ds, _ := got[0]["delegates"].([]any)
	if len(ds) != 1 || ds[0].(map[string]any)["email"] != "j.smith@arcadia-mfa.example" {
		t.Errorf("good.eml delegates = %v", ds)
	}
	for _, k := range []string{"attendee", "partstat", "uid"} {
		if v, ok := got[0][k]; !ok || v != nil {
			t.Errorf("%s = %v, want null", k, v)
		}
	}
	if got[1]["contact"] != nil || got[1]["needs_review"] != true || !strings.Contains(got[1]["review_reason"].(string), "not a known address") {
		t.Errorf("other.eml: %s", lines[1])
	}

	// without -c: no contact matching; a missing file is exit 1
	stdout.Reset()
	stderr.Reset()
	code = run(ctx, []string{"parse", good, filepath.Join(dir, "missing.eml")}, nil, &stdout, &stderr)
	if code != exitFail || !strings.Contains(stderr.String(), "missing.eml") {
		t.Errorf("exit %d, stderr %q; want 1 and the missing file named", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"contact":null`) || strings.Count(stdout.String(), "\n") != 2 {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	if code := run(ctx, []string{"parse"}, nil, &stdout, &stderr); code != exitUsage {
		t.Errorf("parse without files: exit %d, want %d", code, exitUsage)
	}
}

// A calendar answer from the corpus yields its attendee, PARTSTAT and UID.
func TestParseCalendarReply(t *testing.T) {
	t.Parallel()
	const file = "../../../shared/corpus/imip/google_reply_declined.eml"
	if _, err := os.Stat(file); err != nil {
		t.Skip("corpus absent")
	}
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"parse", file}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res map[string]any
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res["kind"] != "calendar-reply" || res["partstat"] != "DECLINED" || res["attendee"] == nil || res["uid"] == nil {
		t.Errorf("parse = %v", res)
	}
}
