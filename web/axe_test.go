package web_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"convene/web"
)

// TestAxe runs axe-core (TEST_AXE, npm axe-core's axe.min.js; .ci/run
// installs it) in headless Chromium (TEST_CHROMIUM) on each dashboard page
// at a desktop and a phone width, and fails on a serious or critical
// violation; every violation is logged.
func TestAxe(t *testing.T) {
	bin, axePath := os.Getenv("TEST_CHROMIUM"), os.Getenv("TEST_AXE")
	if bin == "" || axePath == "" {
		t.Skip("TEST_CHROMIUM and TEST_AXE not both set")
	}
	axeSrc, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newHandler(t, &fakeSource{}, web.Options{Addr: "127.0.0.1:0"}))
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-quic", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	pages := []string{"/", "/review", "/missions", "/missions/Permanent%20Mission%20of%20Arcadia", "/delegates", "/outbox"}
	for _, w := range []int64{1280, 390} {
		for _, p := range pages {
			if err := chromedp.Do(bctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(srv.URL+p),
				chromedp.WaitVisible(chromedp.CSS(`h1`))); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](string(axeSrc)+";true")); err != nil {
				t.Fatalf("axe: inject: %v", err)
			}
			res, err := chromedp.Run(bctx, chromedp.Evaluate[string](`axe.run(document).then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help, targets: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))))`,
				chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("axe %s: %v", p, err)
			}
			var vs []struct {
				ID, Impact, Help string
				Nodes            int
				Targets          []string
			}
			if err := json.Unmarshal([]byte(res), &vs); err != nil {
				t.Fatalf("axe: %v: %s", err, res)
			}
			t.Logf("axe %s at %d px: %d violations %s", p, w, len(vs), res)
			for _, v := range vs {
				if v.Impact == "serious" || v.Impact == "critical" {
					t.Errorf("axe %s at %d px: %s (%s) on %d nodes %q: %s", p, w, v.ID, v.Impact, v.Nodes, v.Targets, v.Help)
				}
			}
		}
	}
}
