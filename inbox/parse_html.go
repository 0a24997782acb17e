package inbox

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxHTML bounds the HTML turned into text.
const maxHTML = 2 << 20

// htmlToText turns an HTML body into text for the registration parsers:
// paragraphs and line breaks become new lines, each table row one line with
// its cells separated by " | ", blockquotes are prefixed with "> ", and
// scripts, styles and the head are dropped. Unlike html2text it keeps tables
// readable row by row.
func htmlToText(s string) string {
	text, _ := htmlToTextRows(s, 0)
	return text
}

// htmlToTextRows is htmlToText that writes at most maxRows table rows (0:
// all of them); rows is how many the tables have. s must not be longer
// than maxHTML (a longer s is cut there; Message.htmlText reports it).
func htmlToTextRows(s string, maxRows int) (text string, rows int) {
	if len(s) > maxHTML {
		s = s[:maxHTML]
	}
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return "", 0
	}
	var b strings.Builder
	quote := 0
	atLineStart := true
	newline := func() {
		b.WriteByte('\n')
		atLineStart = true
	}
	write := func(t string) {
		if t == "" {
			return
		}
		if atLineStart && quote > 0 {
			b.WriteString(strings.Repeat("> ", quote))
		}
		b.WriteString(t)
		atLineStart = false
	}
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if depth > 200 {
			return
		}
		switch n.Type {
		case html.TextNode:
			t := strings.Join(strings.Fields(strings.ReplaceAll(n.Data, "\u00a0", " ")), " ")
			if t != "" {
				if !atLineStart && len(n.Data) > 0 && isSpaceByte(n.Data[0]) {
					t = " " + t
				}
				if len(n.Data) > 0 && isSpaceByte(n.Data[len(n.Data)-1]) {
					t += " "
				}
				write(t)
			}
			return
		case html.CommentNode, html.DoctypeNode:
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Head, atom.Title:
				return
			case atom.Br:
				newline()
				return
			case atom.Blockquote:
				newline()
				quote++
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					walk(c, depth+1)
				}
				quote--
				newline()
				return
			case atom.Tr:
				if isLayoutRow(n) {
					break // a layout table: render its cells as blocks
				}
				if rows++; maxRows > 0 && rows > maxRows {
					return // beyond the cap: counted, not written
				}
				if !atLineStart {
					newline()
				}
				first := true
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type == html.ElementNode && (c.DataAtom == atom.Td || c.DataAtom == atom.Th) {
						if !first {
							write(" | ")
						}
						first = false
						write(strings.Join(strings.Fields(cellText(c)), " "))
					}
				}
				newline()
				return
			}
		}
		block := n.Type == html.ElementNode && isBlock(n.DataAtom)
		if block && !atLineStart {
			newline()
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
		if block && !atLineStart {
			newline()
		}
		if n.Type == html.ElementNode && (n.DataAtom == atom.P || n.DataAtom == atom.Table || n.DataAtom == atom.Ul || n.DataAtom == atom.Ol) {
			b.WriteByte('\n') // a blank line after paragraphs, tables and lists
		}
	}
	walk(doc, 0)
	out := multiBlankRE.ReplaceAllString(b.String(), "\n\n")
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		lines = append(lines, strings.TrimRight(l, " "))
	}
	return strings.TrimSpace(strings.Join(lines, "\n")), rows
}

var multiBlankRE = regexp.MustCompile(`\n(?:[ \t]*\n){2,}`)

func isSpaceByte(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// cellText is the text of a table cell; line breaks inside it become spaces.
func cellText(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if depth > 100 {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(strings.ReplaceAll(n.Data, "\u00a0", " "))
			b.WriteByte(' ')
		}
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Table, atom.Ul, atom.Ol, atom.Li, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Pre, atom.Hr, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Tbody, atom.Thead, atom.Dl, atom.Dt, atom.Dd, atom.Center, atom.Address:
		return true
	}
	return false
}

// htmlQuoteRE finds where clients put the quoted message in HTML replies:
// Gmail's gmail_quote, Outlook's divRplyFwdMsg and its top-bordered header
// block, Apple Mail's and Thunderbird's blockquotes.
var htmlQuoteRE = regexp.MustCompile(`(?i)<div[^>]+class="?gmail_quote|<div[^>]+id="?divRplyFwdMsg|<div[^>]+id="?appendonsend|<div[^>]+style="[^"]*border-top:\s*solid\s+#[Ee]1[Ee]1[Ee]1|<blockquote|<div[^>]+class="?(?:moz-cite-prefix|yahoo_quoted|OutlookMessageHeader)|-----\s*Original Message\s*-----`)

// cutHTMLQuote drops the quoted message from an HTML reply.
func cutHTMLQuote(s string) string {
	if len(s) > maxHTML {
		s = s[:maxHTML]
	}
	if loc := htmlQuoteRE.FindStringIndex(s); loc != nil {
		return s[:loc[0]]
	}
	return s
}

// isLayoutRow reports whether a table row is layout rather than data: a
// single cell, or cells holding paragraphs, line breaks or other tables.
func isLayoutRow(tr *html.Node) bool {
	cells := 0
	layout := false
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if depth > 50 || layout {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode {
				if c.DataAtom == atom.Br || c.DataAtom == atom.Table || c.DataAtom == atom.Blockquote || (isBlock(c.DataAtom) && c.DataAtom != atom.Div && c.DataAtom != atom.P) {
					layout = true
					return
				}
				if c.DataAtom == atom.Div || c.DataAtom == atom.P {
					// one paragraph in a cell is common in data tables; several are layout
					if c.NextSibling != nil && hasElementSibling(c) {
						layout = true
						return
					}
				}
				walk(c, depth+1)
			}
		}
	}
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.DataAtom == atom.Td || c.DataAtom == atom.Th) {
			cells++
			walk(c, 0)
		}
	}
	return cells <= 1 || layout
}

func hasElementSibling(n *html.Node) bool {
	for c := n.NextSibling; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.DataAtom == atom.Div || c.DataAtom == atom.P) {
			return true
		}
	}
	return false
}
