package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"convene/mailer"
)

func TestProgress(t *testing.T) {
	t.Parallel()
	var term, short, logs bytes.Buffer
	tests := []struct {
		name string
		p    *progress
		out  *bytes.Buffer
		want []string
	}{
		{"terminal", &progress{w: &term, term: true}, &term, []string{
			"\rsent 3/12  failed 1  retried 0  2.0 msg/s  ETA 4s",
			"\rsent 5/12  failed 1  retried 0  2.0 msg/s  ETA 3s",
			"\rsent 11/12  failed 1  retried 2  55.0 msg/s  ETA 0s\n",
		}},
		{"terminal, shorter line", &progress{w: &short, term: true}, &short, []string{
			"\rsent 11/12  failed 1  retried 2  55.0 msg/s  ETA 0s\rsent 11/12  failed 1  retried 2  5.5 msg/s  ETA 0s \r", // padded over the longer line
			"5.5 msg/s  ETA 0s\n",
		}},
		{"log", &progress{w: &logs, term: false, log: slog.New(slog.NewTextHandler(&logs, nil)), every: time.Hour}, &logs, []string{
			"msg=sending sent=3 failed=1 retried=0 left=8 rate_per_s=2.0 eta=4s",
			"msg=sending sent=11 failed=1 retried=2 left=0 rate_per_s=55.0 eta=0s",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "terminal, shorter line" {
				tc.p.update(mailer.Progress{Sent: 11, Failed: 1, Retried: 2, Pending: 12, Rate: 55})
				tc.p.update(mailer.Progress{Sent: 11, Failed: 1, Retried: 2, Pending: 12, Rate: 5.5})
				tc.p.done()
			} else {
				tc.p.update(mailer.Progress{Sent: 3, Failed: 1, Pending: 12, Rate: 2})
				tc.p.update(mailer.Progress{Sent: 5, Failed: 1, Pending: 12, Rate: 2}) // within the interval (log): not shown
				tc.p.latest = mailer.Progress{Sent: 11, Failed: 1, Retried: 2, Pending: 12, Rate: 55}
				tc.p.done()
			}
			out := tc.out.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%q", w, out)
				}
			}
			if tc.name == "log" && strings.Contains(out, "sent=5 ") {
				t.Errorf("a log line within the interval:\n%s", out)
			}
		})
	}
}
