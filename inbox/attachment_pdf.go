package inbox

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/ledongthuc/pdf"
)

// maxPDFContent bounds the decoded content stream of one PDF page: a
// compressed stream can expand a thousandfold.
const maxPDFContent = 4 << 20

// readPDF reads the text layer of a PDF (github.com/ledongthuc/pdf: pure
// Go, no dependencies, maintained fork of rsc.io/pdf with text
// positions) and then the delegates in it as free text. Lines are rebuilt
// from the glyphs' positions; a wide gap between two words becomes a tab,
// so that a table keeps its columns. A PDF without text is a scan: it is
// not read.
func readPDF(data []byte) (reg Registration, why string, complete bool) {
	defer func() {
		// the library reports damage in objects it reads lazily by
		// panicking (as rsc.io/pdf does)
		if v := recover(); v != nil {
			reg, why, complete = Registration{}, fmt.Sprintf("a damaged PDF, not read (%v)", v), false
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if strings.Contains(strings.ToLower(err.Error()), "encrypt") {
			return Registration{}, "an encrypted PDF, not read", false
		}
		return Registration{}, fmt.Sprintf("not a readable PDF (%v)", err), false
	}
	pages, more := pdfPages(r.Trailer().Key("Root").Key("Pages"), maxPDFPages)
	var b strings.Builder
	var problems []string
	for i, pg := range pages {
		text, err := pdfPageText(pg)
		if err != nil {
			problems = append(problems, fmt.Sprintf("page %d could not be read (%v)", i+1, err))
			continue
		}
		b.WriteString(text)
		b.WriteString("\n\n")
	}
	if more {
		problems = append(problems, fmt.Sprintf("more than %d pages: the rest was not read", maxPDFPages))
	}
	text := b.String()
	if len(strings.Join(strings.Fields(text), "")) < 20 {
		if len(problems) > 0 {
			return Registration{}, "a PDF whose text could not be read (" + problems[0] + ")", false
		}
		return Registration{}, "a PDF without text (a scan), not read", false
	}
	reg = ParseRegistration(text)
	if reg.Empty() {
		// the text in the order it was written, for a layout the
		// positions did not rebuild
		if alt := ParseRegistration(pdfStreamText(pages)); !alt.Empty() {
			reg = alt
		}
	}
	reg.Problems = append(problems, reg.Problems...)
	return reg, "", saysComplete("", text)
}

// pdfStreamText is the text of the pages in content-stream order, a line
// per text object.
func pdfStreamText(pages []pdf.Page) string {
	var b strings.Builder
	for _, pg := range pages {
		func() {
			defer func() { recover() }()
			if pdfContentBounded(pg.V.Key("Contents")) != nil {
				return
			}
			t, err := pg.GetPlainText(nil)
			if err == nil {
				b.WriteString(t)
				b.WriteString("\n")
			}
		}()
	}
	return b.String()
}

// pdfPages walks the page tree from its root, depth first, and returns at
// most limit pages; more reports that there were more. The walk is bounded
// (a hostile file may make the tree a cycle).
func pdfPages(root pdf.Value, limit int) (pages []pdf.Page, more bool) {
	nodes := 0
	var walk func(v pdf.Value, depth int)
	walk = func(v pdf.Value, depth int) {
		if depth > 32 || nodes > 10*limit+100 || more {
			return
		}
		nodes++
		switch v.Key("Type").Name() {
		case "Page":
			if len(pages) >= limit {
				more = true
				return
			}
			pages = append(pages, pdf.Page{V: v})
		case "Pages":
			kids := v.Key("Kids")
			for i := 0; i < kids.Len() && !more; i++ {
				walk(kids.Index(i), depth+1)
			}
		}
	}
	walk(root, 0)
	return pages, more
}

// pdfPageText returns the text of one page, line by line.
func pdfPageText(pg pdf.Page) (text string, err error) {
	defer func() {
		if v := recover(); v != nil {
			text, err = "", fmt.Errorf("malformed page: %v", v)
		}
	}()
	if err := pdfContentBounded(pg.V.Key("Contents")); err != nil {
		return "", err
	}
	return pdfLines(pg.Content().Text), nil
}

// pdfContentBounded checks that the decoded content of a page is at most
// maxPDFContent bytes, reading no more than that.
func pdfContentBounded(strm pdf.Value) error {
	n := int64(0)
	count := func(v pdf.Value) error {
		rc := v.Reader()
		defer rc.Close()
		m, _ := io.Copy(io.Discard, io.LimitReader(rc, maxPDFContent+1-n))
		n += m
		if n > maxPDFContent {
			return fmt.Errorf("page content larger than %d bytes", maxPDFContent)
		}
		return nil
	}
	if strm.Kind() == pdf.Array {
		for i := 0; i < strm.Len() && i < 1000; i++ {
			if err := count(strm.Index(i)); err != nil {
				return err
			}
		}
		return nil
	}
	if strm.Kind() != pdf.Stream {
		return nil
	}
	return count(strm)
}

// pdfLines rebuilds lines from glyphs: glyphs on the same baseline (within
// a third of the font size) make one line, in reading order; a gap wider
// than a fifth of the font size is a space, one wider than two ems a tab.
func pdfLines(glyphs []pdf.Text) string {
	if len(glyphs) > 1<<20 {
		glyphs = glyphs[:1<<20]
	}
	gs := append([]pdf.Text(nil), glyphs...)
	size := func(t pdf.Text) float64 {
		if s := math.Abs(t.FontSize); s > 0.5 {
			return s
		}
		return 10
	}
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].Y > gs[j].Y })
	var lines [][]pdf.Text
	for _, g := range gs {
		if strings.TrimSpace(g.S) == "" && g.S != " " {
			continue
		}
		if n := len(lines); n > 0 && math.Abs(lines[n-1][0].Y-g.Y) <= size(g)/3 {
			lines[n-1] = append(lines[n-1], g)
			continue
		}
		lines = append(lines, []pdf.Text{g})
	}
	var b strings.Builder
	for _, l := range lines {
		sort.SliceStable(l, func(i, j int) bool { return l[i].X < l[j].X })
		end := math.Inf(-1)
		known := true // the previous glyph's width was known
		for _, g := range l {
			gap := g.X - end
			switch {
			case end == math.Inf(-1):
			case gap > 2*size(g) && known:
				b.WriteByte('\t')
			case gap > size(g)/5:
				// without the width (a font whose widths the reader does not
				// know), a gap is a space, never a column
				b.WriteByte(' ')
			}
			b.WriteString(g.S)
			w := g.W
			if known = w > 0; !known {
				w = size(g) / 2
			}
			end = g.X + w
		}
		b.WriteByte('\n')
	}
	return b.String()
}
