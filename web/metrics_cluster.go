package web

import (
	"fmt"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// Cluster is what an instance knows of the instances sharing its
// PostgreSQL store: which one leads, since when, and which are alive.
type Cluster struct {
	Instance    string    // the instance answering
	Leader      string    // the instance holding the leader lease ("" if none yet)
	LeaderSince time.Time // start of the leader's term
	Alive       []string  // instances seen within the alive window
}

// The cluster's metric names (PostgreSQL stores only).
const (
	metricLeader      = "convene_leader"                         // 1 for the leader, per instance label
	metricLeaderSince = "convene_leader_since_timestamp_seconds" // start of the leader's term
	metricInstanceUp  = "convene_instance_up"                    // 1 per instance alive
	metricIsLeader    = "convene_is_leader"                      // 1 when the instance answering leads
)

func writeClusterMetrics(set *metrics.Set, c *Cluster) {
	if c == nil {
		return
	}
	set.NewGauge(metricIsLeader, nil).Set(b2f(c.Leader != "" && c.Leader == c.Instance))
	if c.Leader != "" {
		set.NewGauge(fmt.Sprintf(`%s{instance="%s"}`, metricLeader, escapeLabel(c.Leader)), nil).Set(1)
		set.NewGauge(metricLeaderSince, nil).Set(float64(c.LeaderSince.UnixMilli()) / 1000)
	}
	for _, id := range c.Alive {
		set.NewGauge(fmt.Sprintf(`%s{instance="%s"}`, metricInstanceUp, escapeLabel(id)), nil).Set(1)
	}
}

// clusterAgo is how long ago c's leader took the lease ("" without one).
func clusterAgo(c *Cluster, now time.Time) string {
	if c == nil || c.Leader == "" {
		return ""
	}
	return ago(c.LeaderSince, now)
}
