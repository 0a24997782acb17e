package templates

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/util"
)

// MarkdownText renders a circular's body as the plain text part of the
// message, from the same CommonMark tree as Markdown: paragraphs as typed,
// headings underlined, lists with their bullets or numbers (nested lists
// indented), tables as aligned columns, block quotes with "> ", code
// indented, links as "label <url>", emphasis and raw HTML as typed text.
func MarkdownText(src string) string {
	doc, b := parseMarkdown(src)
	t := textRenderer{src: b}
	return t.blocks(doc, "\n\n")
}

type textRenderer struct{ src []byte }

// blocks renders n's children, each a block, joined by sep.
func (t textRenderer) blocks(n ast.Node, sep string) string {
	var parts []string
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if s := t.block(c); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, sep)
}

// block renders one block node, without a final newline.
func (t textRenderer) block(n ast.Node) string {
	switch n := n.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		return strings.TrimSpace(t.inline(n))
	case *ast.Heading:
		h := strings.TrimSpace(t.inline(n))
		switch n.Level {
		case 1:
			return h + "\n" + strings.Repeat("=", max(3, utf8.RuneCountInString(h)))
		case 2:
			return h + "\n" + strings.Repeat("-", max(3, utf8.RuneCountInString(h)))
		}
		return h
	case *ast.List:
		return t.list(n)
	case *ast.Blockquote:
		return prefixLines(t.blocks(n, "\n\n"), "> ", ">")
	case *ast.CodeBlock, *ast.FencedCodeBlock:
		return prefixLines(strings.TrimRight(t.lines(n), "\n"), "    ", "")
	case *ast.HTMLBlock:
		s := t.lines(n)
		if n.HasClosure() {
			s += string(n.ClosureLine.Value(t.src))
		}
		return strings.TrimRight(s, "\n")
	case *ast.ThematicBreak:
		return "----------"
	case *extast.Table:
		return t.table(n)
	}
	return t.blocks(n, "\n\n")
}

func (t textRenderer) lines(n ast.Node) string {
	var b strings.Builder
	ls := n.Lines()
	for i := range ls.Len() {
		seg := ls.At(i)
		b.Write(seg.Value(t.src))
	}
	return b.String()
}

// list renders the items with their markers, continuation lines indented
// under the item's text; a loose list keeps a blank line between items.
func (t textRenderer) list(l *ast.List) string {
	sep, inner := "\n", "\n"
	if !l.IsTight {
		sep, inner = "\n\n", "\n\n"
	}
	var items []string
	num := l.Start
	for c := l.FirstChild(); c != nil; c = c.NextSibling() {
		marker := "- "
		if l.IsOrdered() {
			marker = fmt.Sprintf("%d%c ", num, l.Marker)
			num++
		}
		body := t.blocks(c, inner)
		items = append(items, marker+indentRest(body, strings.Repeat(" ", len(marker))))
	}
	return strings.Join(items, sep)
}

// table renders a table as columns padded to their widest cell, aligned
// as the table says, the header underlined.
func (t textRenderer) table(tb *extast.Table) string {
	var rows [][]string
	var aligns []extast.Alignment
	for r := tb.FirstChild(); r != nil; r = r.NextSibling() {
		var row []string
		for c := r.FirstChild(); c != nil; c = c.NextSibling() {
			row = append(row, strings.TrimSpace(strings.ReplaceAll(t.inline(c), "\n", " ")))
			if r == tb.FirstChild() {
				aligns = append(aligns, c.(*extast.TableCell).Alignment)
			}
		}
		rows = append(rows, row)
	}
	width := make([]int, len(aligns))
	for _, row := range rows {
		for i, cell := range row {
			if i < len(width) {
				width[i] = max(width[i], utf8.RuneCountInString(cell))
			}
		}
	}
	var out []string
	line := func(row []string) {
		cells := make([]string, len(width))
		for i := range width {
			cell := ""
			if i < len(row) {
				cell = row[i]
			}
			pad := width[i] - utf8.RuneCountInString(cell)
			switch aligns[i] {
			case extast.AlignRight:
				cell = strings.Repeat(" ", pad) + cell
			case extast.AlignCenter:
				cell = strings.Repeat(" ", pad/2) + cell + strings.Repeat(" ", pad-pad/2)
			default:
				cell += strings.Repeat(" ", pad)
			}
			cells[i] = cell
		}
		out = append(out, strings.TrimRight(strings.Join(cells, "  "), " "))
	}
	for i, row := range rows {
		line(row)
		if i == 0 {
			dashes := make([]string, len(width))
			for j, w := range width {
				dashes[j] = strings.Repeat("-", max(w, 1))
			}
			out = append(out, strings.Join(dashes, "  "))
		}
	}
	return strings.Join(out, "\n")
}

// inline renders n's inline children as text.
func (t textRenderer) inline(n ast.Node) string {
	var b strings.Builder
	t.inlineTo(&b, n)
	return b.String()
}

func (t textRenderer) inlineTo(b *strings.Builder, n ast.Node) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			v := c.Segment.Value(t.src)
			if !c.IsRaw() {
				v = unescape(v)
			}
			b.Write(v)
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte('\n')
			}
		case *ast.String:
			if c.IsCode() || c.IsRaw() {
				b.Write(c.Value)
			} else {
				b.Write(unescape(c.Value))
			}
		case *ast.CodeSpan:
			for x := c.FirstChild(); x != nil; x = x.NextSibling() {
				if tx, ok := x.(*ast.Text); ok {
					b.Write(tx.Segment.Value(t.src))
				} else if s, ok := x.(*ast.String); ok {
					b.Write(s.Value)
				}
			}
		case *ast.RawHTML:
			for i := range c.Segments.Len() {
				seg := c.Segments.At(i)
				b.Write(seg.Value(t.src))
			}
		case *ast.AutoLink:
			b.Write(c.Label(t.src))
		case *ast.Link:
			label := t.inline(c)
			b.WriteString(label)
			if u, ok := safeURL(string(c.Destination)); ok && u != label && u != "mailto:"+label {
				b.WriteString(" <" + u + ">")
			}
		default: // emphasis, images (their alternative text), anything else: the text inside
			t.inlineTo(b, c)
		}
	}
}

// unescape resolves backslash escapes and character references, as the
// HTML renderer does when it writes text.
func unescape(v []byte) []byte {
	return util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v)))
}

// prefixLines puts prefix before every line of s (empty before an empty line).
func prefixLines(s, prefix, empty string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l == "" {
			lines[i] = empty
		} else {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// indentRest indents every line of s but the first.
func indentRest(s, indent string) string {
	lines := strings.Split(s, "\n")
	for i := 1; i < len(lines); i++ {
		if lines[i] != "" {
			lines[i] = indent + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}
