package web_test

import (
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"convene/web"
)

// sampleLine is one sample of the Prometheus text format (0.0.4): a name,
// optional labels with escaped values, a value, an optional timestamp.
var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*,?\})?) (\S+)(?: -?[0-9]+)?$`)

func TestMetrics(t *testing.T) {
	h := newHandler(t, &fakeSource{}, web.Options{})
	res, body := get(t, h, httptest.NewRequest("GET", "/metrics", nil))
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type = %q", ct)
	}
	got := map[string]float64{}
	for i, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("line %d is not a sample: %q", i+1, line)
			continue
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			t.Errorf("line %d: value %q: %v", i+1, m[2], err)
		}
		if _, dup := got[m[1]]; dup {
			t.Errorf("line %d: %s repeated", i+1, m[1])
		}
		got[m[1]] = v
	}
	want := map[string]float64{
		"convene_messages_sent_total":                        118,
		"convene_messages_failed_total":                      2,
		`convene_inbox_messages_total{kind="registration"}`:  21,
		`convene_inbox_messages_total{kind="bounce"}`:        3,
		`convene_inbox_messages_total{kind="auto-reply"}`:    4,
		`convene_inbox_messages_total{kind="we\"ird\\kind"}`: 1,
		"convene_review_queue_length":                        4,
		"convene_job_lag_seconds":                            90,
		"convene_inbox_last_contact_timestamp_seconds":       float64(at("2020-06-05 09:58").Unix()),
		"convene_inbox_auth_failed":                          1,
		"convene_inbox_unreachable":                          0,
		"convene_signin_failing":                             1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d samples, want %d:\n%s", len(got), len(want), body)
	}
}
