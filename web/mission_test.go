package web_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"convene/web"
)

func TestMissionPage(t *testing.T) {
	h := newHandler(t, &fakeSource{}, web.Options{})
	path := "/missions/" + url.PathEscape("Permanent Mission of Arcadia")
	res, body := get(t, h, httptest.NewRequest("GET", path, nil))
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	for _, want := range []string{
		"<h1>Permanent Mission of Arcadia</h1>", `<span class="badge registered">registered</span>`, "since 2020-06-01 11:02 CEST",
		"old@arcadia-mfa.example <span class=\"badge bounced\">bounced 2020-05-26</span>",
		"registered Ada Lovelace &lt;ada@arcadia-mfa.example&gt;, &lt;script&gt;x&lt;/script&gt;", "by anna",
		"<td data-label=\"State\">withdrawn", "<b>invitation</b> to mission@arcadia-mfa.example", "<b>registration</b> Registration form: 2 delegates",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("mission page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Error("mission page carries markup from the store")
	}
	if res, _ := get(t, h, httptest.NewRequest("GET", "/missions/Nobody", nil)); res.StatusCode != 404 {
		t.Errorf("unknown mission: %d", res.StatusCode)
	}
	// Every place that names a mission links to its page.
	for _, p := range []string{"/missions", "/delegates", "/review"} {
		_, body := get(t, h, httptest.NewRequest("GET", p, nil))
		if !strings.Contains(body, `href="/missions/Permanent%20Mission%20of`) {
			t.Errorf("GET %s: no link to a mission's page", p)
		}
	}
}

func TestMissionsSearchSort(t *testing.T) {
	h := newHandler(t, &fakeSource{}, web.Options{})
	tests := []struct {
		path  string
		order []string // names, in this order
		not   []string
	}{
		{"/missions?q=ARCA", []string{"Arcadia"}, []string{"Borduria", "Freedonia"}},
		{"/missions?q=mission+of", []string{"Arcadia", "Borduria"}, []string{"Geneva Centre"}},
		{"/missions?sort=name", []string{"Geneva Centre for Demining", "Permanent Mission of Arcadia", "Permanent Mission of Borduria"}, nil},
		{"/missions?sort=delegates", []string{"Arcadia", "Borduria"}, nil},
	}
	for _, tt := range tests {
		_, body := get(t, h, httptest.NewRequest("GET", tt.path, nil))
		last := -1
		for _, n := range tt.order {
			i := strings.Index(body, n+"</a>")
			if i < 0 || i < last {
				t.Errorf("GET %s: %q at %d, after %d", tt.path, n, i, last)
			}
			last = i
		}
		for _, n := range tt.not {
			if strings.Contains(body, n+"</a>") {
				t.Errorf("GET %s lists %q", tt.path, n)
			}
		}
	}
}
