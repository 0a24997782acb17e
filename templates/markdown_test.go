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
		{"paragraphs", "one\ntwo\n\nthree", pOpen + "one\ntwo</p>\n" + pOpen + "three</p>\n"},
		{"CRLF", "one\r\n\r\ntwo", pOpen + "one</p>\n" + pOpen + "two</p>\n"},
		{"bold and italic", "a **b** and *c*", pOpen + "a <strong>b</strong> and <em>c</em></p>\n"},
		{"italic inside bold", "**a *b* c**", pOpen + "<strong>a <em>b</em> c</strong></p>\n"},
		{"lone stars", "2 * 3 = 6 and a*", pOpen + "2 * 3 = 6 and a*</p>\n"},
		{"unclosed bold", "**open", pOpen + "**open</p>\n"},
		{"escaped star", `\*not italic\*`, pOpen + "*not italic*</p>\n"},
		{"list", "Items:\n\n- one\n* two\n\nafter",
			pOpen + "Items:</p>\n" + ulOpen + liOpen + "one</li>\n</ul>\n" + ulOpen + liOpen + "two</li>\n</ul>\n" + pOpen + "after</p>\n"},
		{"list right after a paragraph", "Items:\n- one",
			pOpen + "Items:</p>\n" + ulOpen + liOpen + "one</li>\n</ul>\n"},
		{"numbered list from 3", "3. three\n4. four",
			`<ol start="3" style="margin:0 0 12px 0;padding-left:24px;">` + "\n" + liOpen + "three</li>\n" + liOpen + "four</li>\n</ol>\n"},
		{"nested list", "1. one\n   - a\n2. two",
			`<ol style="margin:0 0 12px 0;padding-left:24px;">` + "\n" + liOpen + "one\n" + `<ul style="margin:4px 0 4px 0;padding-left:24px;">` + "\n" +
				liOpen + "a</li>\n</ul>\n</li>\n" + liOpen + "two</li>\n</ol>\n"},
		{"heading", "# Title *x*\ntext", `<h1 style="margin:16px 0 8px 0;font-size:20px;font-weight:bold;">Title <em>x</em></h1>` + "\n" + pOpen + "text</p>\n"},
		{"block quote", "> quoted\n> text", `<blockquote style="margin:0 0 12px 0;padding:0 0 0 12px;border-left:3px solid #cccccc;color:#555555;">` + "\n" +
			pOpen + "quoted\ntext</p>\n</blockquote>\n"},
		{"link", "see [the *site*](https://isu.example/a?b=1&c=2)",
			pOpen + `see <a href="https://isu.example/a?b=1&amp;c=2"` + aStyle + `>the <em>site</em></a></p>` + "\n"},
		{"mailto link", "[write](mailto:isu@isu.example)", pOpen + `<a href="mailto:isu@isu.example"` + aStyle + `>write</a></p>` + "\n"},
		{"javascript link", "[click](javascript:alert(1))", pOpen + "click</p>\n"},
		{"data link", "[x](data:text/html;base64,AAAA)", pOpen + "x</p>\n"},
		{"quote in link", `[x](https://a.example/"onmouseover="y)`, pOpen + `<a href="https://a.example/%22onmouseover=%22y"` + aStyle + `>x</a></p>` + "\n"},
		{"space and accent in link", "[x](<https://a.example/é t>)", pOpen + `<a href="https://a.example/%C3%A9%20t"` + aStyle + `>x</a></p>` + "\n"},
		{"entity-hidden scheme", "[x](java&#115;cript:alert(1))", pOpen + "x</p>\n"},
		{"autolink", "<https://isu.example> or <isu@isu.example>",
			pOpen + `<a href="https://isu.example"` + aStyle + `>https://isu.example</a> or <a href="mailto:isu@isu.example"` + aStyle + `>isu@isu.example</a></p>` + "\n"},
		{"bare link", "see https://isu.example/docs.", pOpen + `see <a href="https://isu.example/docs"` + aStyle + `>https://isu.example/docs</a>.</p>` + "\n"},
		{"raw html inline", `a <b onclick=1>b</b> & c`, pOpen + `a &lt;b onclick=1&gt;b&lt;/b&gt; &amp; c</p>` + "\n"},
		{"raw html block", `<script>alert("x")</script>`, pOpen + `&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>` + "\n"},
		{"html in emphasis", "**<img src=x onerror=y>**", pOpen + "<strong>&lt;img src=x onerror=y&gt;</strong></p>\n"},
		{"image", "![the logo](https://isu.example/logo.png)", pOpen + "the logo</p>\n"},
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

func TestMarkdownText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"paragraphs as typed", "one\ntwo\n\n**three**", "one\ntwo\n\nthree"},
		{"headings underlined", "# One\n\n## Two\n\n### Three", "One\n===\n\nTwo\n---\n\nThree"},
		{"numbered and nested", "1. one\n   - a\n   - b\n2. two\n\n7) seven",
			"1. one\n   - a\n   - b\n2. two\n\n7) seven"},
		{"loose list", "- one\n\n- two", "- one\n\n- two"},
		{"quote", "> a\n>\n> b", "> a\n>\n> b"},
		{"table aligned", "| Time | Item | Room |\n|:-----|:----:|-----:|\n| 10:00 | Opening | XVIII |\n| 9:30 | Art. 5 | 1 |",
			"Time    Item     Room\n-----  -------  -----\n10:00  Opening  XVIII\n9:30   Art. 5       1"},
		{"links", "[site](https://isu.example) <isu@isu.example> [x](javascript:y) [https://a.example](https://a.example)",
			"site <https://isu.example> isu@isu.example x https://a.example"},
		{"raw html as typed", "<b>hi</b> &amp; \\*", "<b>hi</b> & *"},
		{"code", "    let x = 1\n", "    let x = 1"},
		{"rule", "a\n\n---\n\nb", "a\n\n----------\n\nb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := templates.MarkdownText(tc.in); got != tc.want {
				t.Errorf("MarkdownText(%q) =\n%s\nwant\n%s", tc.in, got, tc.want)
			}
		})
	}
}

// allowedTag matches the tags Markdown may write; any other "<" in its
// output means raw HTML got through.
var allowedTag = regexp.MustCompile(`^(</?(p|ul|ol|li|strong|em|a|h[1-6]|blockquote|table|thead|tbody|tr|th|td|pre|code|hr|br)( start="\d+")?( style="[^"<>]*")?>|<a href="(https?://|mailto:)[^"<>]*" style="[^"<>]*">)`)

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
	f.Add("| a | b |\n|:-|-:|\n| 1 | 2 | 3 |\n\n> - x\n>   1. y\n\n<div>\n*z*\n</div>")
	f.Fuzz(func(t *testing.T, in string) {
		templates.MarkdownText(in) // the text part: must not panic
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
