package regweb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestChromium: a mission opens its link in headless Chromium, adds two
// delegates by typing and clicking, confirms, then corrects one and
// confirms (the meeting asks each delegate's participation: one is
// chosen); the store is checked. Screenshots at 1280 and 390 px in the
// three languages go to testdata/screenshots (ignored by git). With
// TEST_AXE naming axe-core's axe.min.js (npm axe-core), each page is
// checked and a serious or critical violation fails the test.
// Set TEST_CHROMIUM=/usr/bin/chromium.
func TestChromium(t *testing.T) {
	bin := os.Getenv("TEST_CHROMIUM")
	if bin == "" {
		t.Skip("TEST_CHROMIUM not set")
	}
	e := newFieldsEnv(t, false) // the meeting asks each delegate's participation
	link := e.srv.URL + e.link(arcadia)

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-quic", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	// Add two delegates.
	err := chromedp.Do(bctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`#n0\.name`)),
		chromedp.Click(chromedp.CSS(`#n0\.name`)),
		chromedp.SendKeys(chromedp.CSS(`#n0\.name`), "Ms. Jane Roe"),
		chromedp.SendKeys(chromedp.CSS(`#n0\.title`), "First Secretary"),
		chromedp.SendKeys(chromedp.CSS(`#n0\.email`), "jane.roe@arcadia-mfa.example"),
		chromedp.SetValue(chromedp.CSS(`#n0\.f\.participation`), "online"),
		chromedp.SendKeys(chromedp.CSS(`#n1\.name`), "Mr. John Doe"),
		chromedp.SendKeys(chromedp.CSS(`#n1\.email`), "john.doe@arcadia-mfa.example"),
		chromedp.Click(chromedp.CSS(`button[value="review"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="confirm"]`)),
	)
	if err != nil {
		t.Fatalf("adding: %v", err)
	}
	shot(t, bctx, "summary-en-1280")
	axe(t, bctx, "summary")
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`button[value="confirm"]`)), chromedp.WaitVisible(chromedp.CSS(`p.notice`))); err != nil {
		t.Fatalf("confirming: %v", err)
	}
	if got := e.delegates(arcadia); len(got) != 2 {
		t.Fatalf("delegates after the browser registered two: %v", got)
	}
	if ds, _ := e.db.Delegates(t.Context(), arcadia, false); len(ds) != 2 || ds[0].Fields.Get("participation") != "online" || ds[1].Fields.Get("participation") != "" {
		t.Errorf("participation after the browser chose it for one: %+v", ds)
	}
	// Correct Jane's title.
	err = chromedp.Do(bctx,
		chromedp.Clear(chromedp.CSS(`input[value="First Secretary"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name$=".title"][id^="d"]`), "Counsellor"),
		chromedp.Click(chromedp.CSS(`button[value="review"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="confirm"]`)),
		chromedp.Click(chromedp.CSS(`button[value="confirm"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
	)
	if err != nil {
		t.Fatalf("correcting: %v", err)
	}
	got := e.delegates(arcadia)
	if len(got) != 2 || !strings.Contains(strings.Join(got, ";"), "Ms. Jane Roe|Counsellor|jane.roe@arcadia-mfa.example") {
		t.Errorf("delegates after the correction: %v", got)
	}

	// An error shown next to its field, then the pages in each language
	// and width.
	err = chromedp.Do(bctx,
		chromedp.SendKeys(chromedp.CSS(`#n0\.name`), "X"),
		chromedp.SendKeys(chromedp.CSS(`#n0\.email`), "not-an-address"),
		chromedp.Click(chromedp.CSS(`button[value="review"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#n0\.email\.err`)),
	)
	if err != nil {
		t.Fatalf("invalid address: %v", err)
	}
	shot(t, bctx, "error-en-1280")
	axe(t, bctx, "error")
	for _, lang := range []string{"en", "fr", "es"} {
		for _, w := range []int64{1280, 390} {
			if err := chromedp.Do(bctx, chromedp.EmulateViewport(w, 844), chromedp.Navigate(link+"?lang="+lang), chromedp.WaitVisible(chromedp.CSS(`h1`))); err != nil {
				t.Fatal(err)
			}
			shot(t, bctx, fmt.Sprintf("page-%s-%d", lang, w))
			axe(t, bctx, "page-"+lang+fmt.Sprint(w))
		}
	}
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("testdata", "screenshots")
	os.MkdirAll(dir, 0o755)
	file := filepath.Join(dir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s: %d bytes", file, len(png))
}

// axe runs axe-core (TEST_AXE) on the current page and fails on a serious
// or critical violation; every violation is logged.
func axe(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	path := os.Getenv("TEST_AXE")
	if path == "" {
		return
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(src)+";true")); err != nil {
		t.Fatalf("axe: inject: %v", err)
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document).then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help}))))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe: %v", err)
	}
	var vs []struct {
		ID, Impact, Help string
		Nodes            int
	}
	if err := json.Unmarshal([]byte(res), &vs); err != nil {
		t.Fatalf("axe: %v: %s", err, res)
	}
	t.Logf("axe %s: %d violations %s", name, len(vs), res)
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("axe %s: %s (%s) on %d nodes: %s", name, v.ID, v.Impact, v.Nodes, v.Help)
		}
	}
}
