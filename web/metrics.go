package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	// VictoriaMetrics/metrics rather than prometheus/client_golang: we expose
	// six values read from the store at scrape time, which needs neither
	// client_golang's collectors nor its dependencies (protobuf, procfs,
	// x/sys...); metrics has two small ones and writes the same text format.
	// Each scrape fills a fresh Set, so nothing is registered globally.
	"github.com/VictoriaMetrics/metrics"
)

// The metric names exposed at /metrics.
const (
	metricSent        = "convene_messages_sent_total"
	metricFailed      = "convene_messages_failed_total"
	metricInbox       = "convene_inbox_messages_total"
	metricReview      = "convene_review_queue_length"
	metricJobLag      = "convene_job_lag_seconds"
	metricLastContact = "convene_inbox_last_contact_timestamp_seconds"
	metricAuthFailed  = "convene_inbox_auth_failed"
	metricUnreachable = "convene_inbox_unreachable"

	metricSignIn = "convene_signin_failing" // 1 while the OAuth2 sign-in fails
)

// writeMetrics writes m in the Prometheus text exposition format (0.0.4).
func writeMetrics(buf *bytes.Buffer, m Metrics) {
	set := metrics.NewSet()
	set.NewCounter(metricSent).Set(uint64(max(m.MessagesSent, 0)))
	set.NewCounter(metricFailed).Set(uint64(max(m.MessagesFailed, 0)))
	for kind, n := range m.InboxByKind {
		set.NewCounter(fmt.Sprintf(`%s{kind="%s"}`, metricInbox, escapeLabel(kind))).Set(uint64(max(n, 0)))
	}
	set.NewGauge(metricReview, nil).Set(float64(m.ReviewQueue))
	set.NewGauge(metricJobLag, nil).Set(max(m.JobLag.Seconds(), 0))
	last := 0.0
	if !m.InboxLastContact.IsZero() {
		last = float64(m.InboxLastContact.UnixMilli()) / 1000
	}
	set.NewGauge(metricLastContact, nil).Set(last)
	set.NewGauge(metricAuthFailed, nil).Set(b2f(m.InboxStatus == InboxAuthFailed))
	set.NewGauge(metricUnreachable, nil).Set(b2f(m.InboxStatus == InboxUnreachable))
	set.NewGauge(metricSignIn, nil).Set(b2f(m.SignInFailing))
	writeClusterMetrics(set, m.Cluster)
	set.WritePrometheus(buf)
}

// escapeLabel escapes a label value as the exposition format requires.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }

func (s *server) metrics(w http.ResponseWriter, r *http.Request) {
	m, err := s.src.Metrics(r.Context())
	if err != nil {
		s.log.Error("metrics", "err", err)
		http.Error(w, "metrics unavailable", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	writeMetrics(&buf, m)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Write(buf.Bytes())
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
