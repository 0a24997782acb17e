package templates

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// md parses CommonMark with GitHub's tables and bare links (linkify), and
// renders HTML with inline styles: the default HTML renderer of goldmark
// for text and emphasis, mailHTML for every block and link.
var md = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Linkify),
	goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(mailHTML{}, 100))),
)

// parseMarkdown parses src (CRLF or CR line ends welcome).
func parseMarkdown(src string) (ast.Node, []byte) {
	b := []byte(strings.ReplaceAll(strings.ReplaceAll(src, "\r\n", "\n"), "\r", "\n"))
	return md.Parser().Parse(text.NewReader(b)), b
}

// Markdown renders a circular's body, CommonMark with tables, into HTML
// for mail clients: every block carries its style inline (mail clients
// ignore style sheets), headings, numbered and nested lists, tables, block
// quotes, code and links included. Raw HTML is not passed through: it is
// shown escaped, as the text the author typed. Links other than http, https
// and mailto keep only their text.
func Markdown(src string) template.HTML {
	doc, b := parseMarkdown(src)
	var out bytes.Buffer
	if err := md.Renderer().Render(&out, b, doc); err != nil {
		// Rendering writes to memory and fails only on a bug: show the
		// source, escaped, rather than nothing.
		return template.HTML(`<pre style="white-space:pre-wrap;">` + template.HTMLEscapeString(src) + "</pre>\n")
	}
	return template.HTML(out.String())
}

// Inline styles, kept as they were before goldmark.
const (
	styleP     = `margin:0 0 12px 0;`
	styleList  = `margin:0 0 12px 0;padding-left:24px;`
	styleSub   = `margin:4px 0 4px 0;padding-left:24px;`
	styleLi    = `margin:0 0 4px 0;`
	styleA     = `color:#1a5c96;`
	styleQuote = `margin:0 0 12px 0;padding:0 0 0 12px;border-left:3px solid #cccccc;color:#555555;`
	styleTable = `border-collapse:collapse;margin:0 0 12px 0;`
	styleCell  = `border:1px solid #cccccc;padding:4px 8px;vertical-align:top;`
	styleTh    = styleCell + `background-color:#f2f2f2;font-weight:bold;`
	stylePre   = `margin:0 0 12px 0;padding:8px;background-color:#f6f6f6;white-space:pre-wrap;font-family:monospace;`
	styleHr    = `border:0;border-top:1px solid #cccccc;margin:12px 0;`
)

var headingStyle = [...]string{1: "font-size:20px;", 2: "font-size:18px;", 3: "font-size:16px;", 4: "font-size:15px;", 5: "font-size:14px;", 6: "font-size:14px;"}

// mailHTML renders the nodes whose look matters in a mail client.
type mailHTML struct{}

func (mailHTML) RegisterFuncs(r renderer.NodeRendererFuncRegisterer) {
	r.Register(ast.KindParagraph, renderParagraph)
	r.Register(ast.KindHeading, renderHeading)
	r.Register(ast.KindList, renderList)
	r.Register(ast.KindListItem, renderListItem)
	r.Register(ast.KindBlockquote, renderBlockquote)
	r.Register(ast.KindCodeBlock, renderCode)
	r.Register(ast.KindFencedCodeBlock, renderCode)
	r.Register(ast.KindThematicBreak, renderHr)
	r.Register(ast.KindHTMLBlock, renderHTMLBlock)
	r.Register(ast.KindRawHTML, renderRawHTML)
	r.Register(ast.KindLink, renderLink)
	r.Register(ast.KindAutoLink, renderAutoLink)
	r.Register(ast.KindImage, renderImage)
	r.Register(extast.KindTable, renderTable)
	r.Register(extast.KindTableHeader, renderTableHeader)
	r.Register(extast.KindTableRow, renderTableRow)
	r.Register(extast.KindTableCell, renderTableCell)
}

func open(w util.BufWriter, entering bool, on, off string) (ast.WalkStatus, error) {
	if entering {
		w.WriteString(on)
	} else {
		w.WriteString(off)
	}
	return ast.WalkContinue, nil
}

func renderParagraph(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	return open(w, entering, `<p style="`+styleP+`">`, "</p>\n")
}

func renderHeading(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	l := n.(*ast.Heading).Level
	return open(w, entering, fmt.Sprintf(`<h%d style="margin:16px 0 8px 0;%sfont-weight:bold;">`, l, headingStyle[l]), fmt.Sprintf("</h%d>\n", l))
}

func renderList(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	l := n.(*ast.List)
	style := styleList
	if _, nested := n.Parent().(*ast.ListItem); nested {
		style = styleSub
	}
	tag := "ul"
	start := ""
	if l.IsOrdered() {
		tag = "ol"
		if l.Start != 1 {
			start = fmt.Sprintf(` start="%d"`, l.Start)
		}
	}
	return open(w, entering, "<"+tag+start+` style="`+style+`">`+"\n", "</"+tag+">\n")
}

func renderListItem(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	return open(w, entering, `<li style="`+styleLi+`">`, "</li>\n")
}

func renderBlockquote(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	return open(w, entering, `<blockquote style="`+styleQuote+`">`+"\n", "</blockquote>\n")
}

func renderCode(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		w.WriteString(`<pre style="` + stylePre + `">`)
		writeLines(w, src, n)
		w.WriteString("</pre>\n")
	}
	return ast.WalkSkipChildren, nil
}

func renderHr(w util.BufWriter, _ []byte, _ ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		w.WriteString(`<hr style="` + styleHr + `">` + "\n")
	}
	return ast.WalkContinue, nil
}

// renderHTMLBlock shows a block of raw HTML as the text it is.
func renderHTMLBlock(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		var b bytes.Buffer
		lines := n.Lines()
		for i := range lines.Len() {
			seg := lines.At(i)
			b.Write(seg.Value(src))
		}
		if hb := n.(*ast.HTMLBlock); hb.HasClosure() {
			b.Write(hb.ClosureLine.Value(src))
		}
		w.WriteString(`<p style="` + styleP + `">`)
		w.Write(util.EscapeHTML(bytes.TrimRight(b.Bytes(), "\n")))
		w.WriteString("</p>\n")
	}
	return ast.WalkSkipChildren, nil
}

// writeLines writes n's lines escaped, without the last newline.
func writeLines(w util.BufWriter, src []byte, n ast.Node) {
	lines := n.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		v := seg.Value(src)
		if i == lines.Len()-1 {
			v = bytes.TrimRight(v, "\n")
		}
		w.Write(util.EscapeHTML(v))
	}
}

// renderRawHTML shows inline raw HTML (a tag) as the text it is.
func renderRawHTML(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		segs := n.(*ast.RawHTML).Segments
		for i := range segs.Len() {
			seg := segs.At(i)
			w.Write(util.EscapeHTML(seg.Value(src)))
		}
	}
	return ast.WalkSkipChildren, nil
}

func renderLink(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	u, ok := safeURL(string(n.(*ast.Link).Destination))
	if !ok {
		return ast.WalkContinue, nil // the label alone
	}
	return open(w, entering, `<a href="`+href(u)+`" style="`+styleA+`">`, "</a>")
}

func renderAutoLink(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	al := n.(*ast.AutoLink)
	label := string(al.Label(src))
	if u, ok := autoLinkURL(al, src); ok {
		fmt.Fprintf(w, `<a href="%s" style="%s">%s</a>`, href(u), styleA, template.HTMLEscapeString(label))
	} else {
		w.WriteString(template.HTMLEscapeString(label))
	}
	return ast.WalkSkipChildren, nil
}

// autoLinkURL is the target of <https://…>, <name@domain> or a bare link.
func autoLinkURL(al *ast.AutoLink, src []byte) (string, bool) {
	u := string(al.URL(src))
	if al.AutoLinkType == ast.AutoLinkEmail && !strings.HasPrefix(strings.ToLower(u), "mailto:") {
		u = "mailto:" + u
	}
	if al.AutoLinkType == ast.AutoLinkURL && strings.HasPrefix(strings.ToLower(u), "www.") {
		u = "https://" + u
	}
	return safeURL(u)
}

// renderImage writes an image's alternative text: a circular carries no
// remote images (they track their readers), attach the file instead.
func renderImage(w util.BufWriter, _ []byte, _ ast.Node, _ bool) (ast.WalkStatus, error) {
	return ast.WalkContinue, nil
}

func renderTable(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		w.WriteString(`<table style="` + styleTable + `">` + "\n")
		return ast.WalkContinue, nil
	}
	if n.ChildCount() > 1 {
		w.WriteString("</tbody>\n")
	}
	w.WriteString("</table>\n")
	return ast.WalkContinue, nil
}

func renderTableHeader(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	return open(w, entering, "<thead>\n<tr>\n", "</tr>\n</thead>\n")
}

func renderTableRow(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	on := "<tr>\n"
	if _, first := n.PreviousSibling().(*extast.TableHeader); first {
		on = "<tbody>\n" + on
	}
	return open(w, entering, on, "</tr>\n")
}

func renderTableCell(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	tag, style := "td", styleCell
	if _, head := n.Parent().(*extast.TableHeader); head {
		tag, style = "th", styleTh
	}
	switch n.(*extast.TableCell).Alignment {
	case extast.AlignRight:
		style += "text-align:right;"
	case extast.AlignCenter:
		style += "text-align:center;"
	default:
		style += "text-align:left;"
	}
	return open(w, entering, "<"+tag+` style="`+style+`">`, "</"+tag+">\n")
}

// href is u for an href attribute: percent-encoded where a URL may not
// hold the character (spaces, quotes, non-ASCII), then HTML-escaped.
func href(u string) string {
	return template.HTMLEscapeString(string(util.URLEscape([]byte(u), false)))
}

// safeURL reports whether u is an http, https or mailto link, and returns
// it with its scheme in lower case ("HTTPS://x" works, and reads as usual).
func safeURL(u string) (string, bool) {
	for _, scheme := range []string{"https://", "http://", "mailto:"} {
		if len(u) >= len(scheme) && strings.EqualFold(u[:len(scheme)], scheme) {
			return scheme + u[len(scheme):], true
		}
	}
	return "", false
}
