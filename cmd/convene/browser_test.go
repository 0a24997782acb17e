package main

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// fillAndSubmit opens page in headless Chromium (bin), sets each value of
// fields in the field of that name inside the form matched by the CSS
// selector formSel (the hidden "action" field is left as the page set it),
// clicks the form's submit button, so that the browser posts the form as it
// does for a person, and waits until the page the server answers with no
// longer has that form.
func fillAndSubmit(t *testing.T, ctx context.Context, bin, page, formSel string, fields url.Values) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-quic", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(formSel))}
	for name, vs := range fields {
		if name == "action" {
			continue
		}
		steps = append(steps, chromedp.SetValue(chromedp.CSS(formSel+` [name="`+name+`"]`), vs[0]))
	}
	steps = append(steps,
		chromedp.Click(chromedp.CSS(formSel+` button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(formSel)),
	)
	if err := chromedp.Do(bctx, steps...); err != nil {
		t.Fatalf("browser on %s: %v", page, err)
	}
	at, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatalf("browser on %s: %v", page, err)
	}
	t.Logf("browser: submitted %s, now at %s", formSel, at)
}
