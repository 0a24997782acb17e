package templates_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"convene/templates"
)

const (
	pOpen  = `<p style="margin:0 0 12px 0;">`
	ulOpen = `<ul style="margin:0 0 12px 0;padding-left:24px;">` + "\n"
	liOpen = `<li style="margin:0 0 4px 0;">`
	aStyle = ` style="color:#1a5c96;"`
)

func TestMarkdown(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"paragraphs", "one\ntwo\n\nthree", pOpen + "one two</p>\n" + pOpen + "three</p>\n"},
		{"CRLF", "one\r\n\r\ntwo", pOpen + "one</p>\n" + pOpen + "two</p>\n"},
		{"bold and italic", "a **b** and *c*", pOpen + "a <strong>b</strong> and <em>c</em></p>\n"},
		{"italic inside bold", "**a *b* c**", pOpen + "<strong>a <em>b</em> c</strong></p>\n"},
		{"lone stars", "2 * 3 = 6 and a*", pOpen + "2 * 3 = 6 and a*</p>\n"},
		{"unclosed bold", "**open", pOpen + "**open</p>\n"},
		{"escaped star", `\*not italic\*`, pOpen + "*not italic*</p>\n"},
		{"list", "Items:\n\n- one\n* two\n  continued\n\nafter",
			pOpen + "Items:</p>\n" + ulOpen + liOpen + "one</li>\n" + liOpen + "two continued</li>\n</ul>\n" + pOpen + "after</p>\n"},
		{"list right after a paragraph", "Items:\n- one",
			pOpen + "Items:</p>\n" + ulOpen + liOpen + "one</li>\n</ul>\n"},
		{"heading", "# Title *x*\ntext", pOpen + "<strong>Title <em>x</em></strong></p>\n" + pOpen + "text</p>\n"},
		{"link", "see [the *site*](https://isu.example/a?b=1&c=2)",
			pOpen + `see <a href="https://isu.example/a?b=1&amp;c=2"` + aStyle + `>the <em>site</em></a></p>` + "\n"},
		{"mailto link", "[write](mailto:isu@isu.example)", pOpen + `<a href="mailto:isu@isu.example"` + aStyle + `>write</a></p>` + "\n"},
		{"javascript link", "[click](javascript:alert(1))", pOpen + "click)</p>\n"},
		{"data link", "[x](data:text/html;base64,AAAA)", pOpen + "x</p>\n"},
		{"quote in link", `[x](https://a.example/"onmouseover="y)`, pOpen + `<a href="https://a.example/&#34;onmouseover=&#34;y"` + aStyle + `>x</a></p>` + "\n"},
		{"autolink", "<https://isu.example> or <isu@isu.example>",
			pOpen + `<a href="https://isu.example"` + aStyle + `>https://isu.example</a> or <a href="mailto:isu@isu.example"` + aStyle + `>isu@isu.example</a></p>` + "\n"},
		{"raw html", `<script>alert("x")</script> & <b onclick=1>b</b>`,
			pOpen + `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b onclick=1&gt;b&lt;/b&gt;</p>` + "\n"},
		{"html in emphasis", "**<img src=x onerror=y>**", pOpen + "<strong>&lt;img src=x onerror=y&gt;</strong></p>\n"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(templates.Markdown(tc.in)); got != tc.want {
				t.Errorf("Markdown(%q) =\n%s\nwant\n%s", tc.in, got, tc.want)
			}
		})
	}
}

// allowedTag matches the tags Markdown may write; any other "<" in its
// output means raw HTML got through.
var allowedTag = regexp.MustCompile(`^(</?(p|ul|li|strong|em|a)( style="[^"<>]*")?>|<a href="(https?://|mailto:)[^"<>]*" style="[^"<>]*">)`)

func FuzzMarkdown(f *testing.F) {
	for _, lang := range []string{"en", "fr", "es"} {
		b, err := os.ReadFile(filepath.Join("testdata", "circular."+lang+".md"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add(`[x](javascript:alert(1)) <script>**a*b**c*</script> \*\[`)
	f.Add("- [a](<https://x>)\n- <a@b.c>\n# **")
	f.Fuzz(func(t *testing.T, in string) {
		out := string(templates.Markdown(in))
		for i := 0; i < len(out); i++ {
			if out[i] != '<' {
				continue
			}
			m := allowedTag.FindString(out[i:])
			if m == "" {
				t.Fatalf("Markdown(%q) writes unexpected markup at %d: %q", in, i, out[i:min(len(out), i+40)])
			}
			i += len(m) - 1
		}
		if strings.Count(out, "<strong>") != strings.Count(out, "</strong>") || strings.Count(out, "<em>") != strings.Count(out, "</em>") ||
			strings.Count(out, "<a ") != strings.Count(out, "</a>") {
			t.Fatalf("Markdown(%q) = %q: unbalanced tags", in, out)
		}
	})
}
