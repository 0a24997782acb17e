package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/web"
)

// chromium runs headless Chromium (the binary named by TEST_CHROMIUM) with
// the given extra arguments on url and returns its standard output.
func chromium(t *testing.T, bin, url string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir=" + t.TempDir(),
	}
	cmd := exec.CommandContext(ctx, bin, append(append(base, args...), url)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// TestChromium renders the dashboard in headless Chromium at a desktop and
// a phone width, saves screenshots under testdata/screenshots (ignored by
// git) and checks the counts in the DOM. Set TEST_CHROMIUM=/usr/bin/chromium.
func TestChromium(t *testing.T) {
	bin := os.Getenv("TEST_CHROMIUM")
	if bin == "" {
		t.Skip("TEST_CHROMIUM not set")
	}
	src := &fakeSource{}
	srv := httptest.NewServer(newHandler(t, src, web.Options{Addr: "127.0.0.1:0"}))
	t.Cleanup(srv.Close)
	dir := filepath.Join("testdata", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	for _, size := range []struct {
		name string
		w, h int
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		for _, p := range []struct{ name, path string }{{"overview", "/"}, {"review", "/review"}, {"missions", "/missions"}, {"delegates", "/delegates"}, {"outbox", "/outbox"}} {
			t.Run(size.name+"/"+p.name, func(t *testing.T) {
				file, err := filepath.Abs(filepath.Join(dir, fmt.Sprintf("%s-%d.png", p.name, size.w)))
				if err != nil {
					t.Fatal(err)
				}
				os.Remove(file)
				chromium(t, bin, srv.URL+p.path, fmt.Sprintf("--window-size=%d,%d", size.w, size.h), "--screenshot="+file)
				checkPNG(t, file, size.w, size.h)
			})
		}
	}

	t.Run("dom", func(t *testing.T) {
		dom := string(chromium(t, bin, srv.URL+"/", "--dump-dom"))
		ov, _ := src.Overview(t.Context())
		c := ov.Counts
		for id, n := range map[string]int{
			"count-invited": c.Invited, "count-registered": c.Registered, "count-delegates": c.Delegates,
			"count-declined": c.Declined, "count-noreply": c.NoReply, "count-bounced": c.Bounced, "count-review": c.ReviewOpen,
		} {
			if want := fmt.Sprintf(`id="%s"><b>%d</b>`, id, n); !strings.Contains(dom, want) {
				t.Errorf("DOM lacks %s", want)
			}
		}
		if !strings.Contains(dom, "<svg") || !strings.Contains(dom, `class="deadline"`) {
			t.Error("DOM lacks the chart")
		}
		dom = string(chromium(t, bin, srv.URL+"/missions", "--dump-dom"))
		if !strings.Contains(dom, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Error("missions DOM lacks the escaped name")
		}
		if !strings.Contains(dom, `id="mission-count">5 missions`) {
			t.Error("missions DOM lacks the count")
		}
	})
}

// checkPNG checks that file is a w×h PNG with more than a blank page in it.
func checkPNG(t *testing.T, file string, w, h int) {
	t.Helper()
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if fi.Size() < 5000 {
		t.Errorf("%s: only %d bytes", file, fi.Size())
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("%s: %dx%d, want %dx%d", file, b.Dx(), b.Dy(), w, h)
	}
	if n := colours(img); n < 16 {
		t.Errorf("%s: %d colours, looks blank", file, n)
	}
	t.Logf("%s: %d bytes", file, fi.Size())
}

func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}
