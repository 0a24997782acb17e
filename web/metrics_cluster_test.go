package web_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"convene/web"
)

type clusterFake struct{ *fakeSource }

func (c clusterFake) Metrics(ctx context.Context) (web.Metrics, error) {
	m, err := c.fakeSource.Metrics(ctx)
	m.Cluster = &web.Cluster{Instance: "b/2/x", Leader: "a/1/y", LeaderSince: time.Unix(1591350000, 0), Alive: []string{"a/1/y", "b/2/x"}}
	return m, err
}

func (c clusterFake) Overview(ctx context.Context) (web.Overview, error) {
	o, err := c.fakeSource.Overview(ctx)
	o.Cluster = &web.Cluster{Instance: "b/2/x", Leader: "a/1/y", LeaderSince: now.Add(-3 * time.Minute), Alive: []string{"a/1/y", "b/2/x"}}
	return o, err
}

// TestOverviewCluster: the overview page says which instance leads, since
// when, and which are alive; on SQLite (no cluster) it says nothing of it.
func TestOverviewCluster(t *testing.T) {
	_, body := get(t, newHandler(t, clusterFake{&fakeSource{}}, web.Options{}), httptest.NewRequest("GET", "/", nil))
	for _, want := range []string{
		`<dd id="cluster-leader"><code>a/1/y</code></dd>`,
		"(3 min ago)",
		`<code>a/1/y</code> <span class="badge done">leader</span><br>`,
		`<code>b/2/x</code> <small class="muted">(this page)</small><br>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q:\n%s", want, body)
		}
	}
	_, body = get(t, newHandler(t, &fakeSource{}, web.Options{}), httptest.NewRequest("GET", "/", nil))
	if strings.Contains(body, `id="cluster"`) {
		t.Errorf("cluster card without a cluster:\n%s", body)
	}
}

func TestMetricsCluster(t *testing.T) {
	h := newHandler(t, clusterFake{&fakeSource{}}, web.Options{})
	_, body := get(t, h, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		"convene_is_leader 0\n",
		`convene_leader{instance="a/1/y"} 1` + "\n",
		"convene_leader_since_timestamp_seconds 1591350000\n",
		`convene_instance_up{instance="a/1/y"} 1` + "\n",
		`convene_instance_up{instance="b/2/x"} 1` + "\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	// SQLite: no cluster lines.
	_, body = get(t, newHandler(t, &fakeSource{}, web.Options{}), httptest.NewRequest("GET", "/metrics", nil))
	if strings.Contains(body, "convene_leader") || strings.Contains(body, "convene_instance_up") {
		t.Errorf("cluster metrics without a cluster:\n%s", body)
	}
}
