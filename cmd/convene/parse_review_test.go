package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A reply read without certainty (a delegate listed with no name, an
// address in a sentence) is printed with needs_review true and its reasons;
// what was read is printed too.
func TestParseNeedsReviewOnProblems(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "uncertain.eml")
	msg := "From: Mission <mission@arcadia-mfa.example>\r\nTo: registrations+k7qmzt4x@isu.example\r\n" +
		"Subject: Re: invitation\r\nMessage-ID: <uncertain@x.example>\r\n\r\n" +
		"Our delegation:\r\nMs. Jane Roe, First Secretary, jane.roe@arcadia-mfa.example\r\n\r\n" +
		"Mr. Paul Green may join too, we will tell you later; his address would be p.green@arcadia-mfa.example if he comes.\r\n"
	if err := os.WriteFile(p, []byte(msg), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"parse", p}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	var got struct {
		NeedsReview  bool     `json:"needs_review"`
		ReviewReason string   `json:"review_reason"`
		Problems     []string `json:"problems"`
		Delegates    []struct {
			Email string `json:"email"`
		} `json:"delegates"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, stdout.String())
	}
	if !got.NeedsReview || !strings.Contains(got.ReviewReason, "p.green@arcadia-mfa.example") || len(got.Problems) == 0 {
		t.Errorf("needs_review %v, reason %q, problems %q; want the address not read as the reason", got.NeedsReview, got.ReviewReason, got.Problems)
	}
	if len(got.Delegates) != 1 || got.Delegates[0].Email != "jane.roe@arcadia-mfa.example" {
		t.Errorf("delegates = %+v, want what was read kept", got.Delegates)
	}
}
