package inbox_test

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Real attachment files, written as the programs that make them do: an
// .xlsx by excelize (the layout Excel writes), a .docx with the parts Word
// writes, a PDF with a text layer (fonts with widths, text placed by Tm and
// Td as Word's and LibreOffice's exports do) and a PDF that is only an image
// (a scan).

// xlsxFile writes a workbook whose sheets are the given rows, by name;
// names starting with "hidden:" are hidden sheets.
func xlsxFile(tb testing.TB, sheets ...sheet) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		name, hidden := strings.CutPrefix(s.name, "hidden:")
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				tb.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			tb.Fatal(err)
		}
		for r, row := range s.rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if err := f.SetCellValue(name, cell, v); err != nil {
					tb.Fatal(err)
				}
			}
		}
		if hidden {
			if err := f.SetSheetVisible(name, false); err != nil {
				tb.Fatal(err)
			}
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

type sheet struct {
	name string
	rows [][]string
}

// docxFile writes a Word document: each block is a paragraph (a string) or
// a table ([][]string).
func docxFile(tb testing.TB, blocks ...any) []byte {
	tb.Helper()
	var body strings.Builder
	para := func(s string) string {
		var runs strings.Builder
		for i, part := range strings.Split(s, "\t") {
			if i > 0 {
				runs.WriteString(`<w:r><w:tab/></w:r>`)
			}
			fmt.Fprintf(&runs, `<w:r><w:rPr><w:lang w:val="fr-FR"/></w:rPr><w:t xml:space="preserve">%s</w:t></w:r>`, html.EscapeString(part))
		}
		return `<w:p><w:pPr><w:spacing w:after="120"/></w:pPr>` + runs.String() + `</w:p>`
	}
	for _, b := range blocks {
		switch b := b.(type) {
		case string:
			body.WriteString(para(b))
		case [][]string:
			body.WriteString(`<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/></w:tblPr>`)
			for _, row := range b {
				body.WriteString(`<w:tr>`)
				for _, c := range row {
					body.WriteString(`<w:tc><w:tcPr><w:tcW w:w="3000" w:type="dxa"/></w:tcPr>`)
					for _, line := range strings.Split(c, "\n") {
						body.WriteString(para(line))
					}
					body.WriteString(`</w:tc>`)
				}
				body.WriteString(`</w:tr>`)
			}
			body.WriteString(`</w:tbl>`)
		}
	}
	files := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>` +
			body.String() + `<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>`},
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			tb.Fatal(err)
		}
		w.Write([]byte(f.body))
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// pdfLine is text at a position on an A4 page, in points from the bottom
// left.
type pdfLine struct {
	x, y float64
	text string // ISO-8859-1 (WinAnsiEncoding)
}

// pdfFile writes a one-page PDF with a text layer in Courier (every glyph
// 600/1000 em wide, declared in Widths). The first line is placed with Tm,
// the next ones with Td relative to it, as LibreOffice does.
func pdfFile(lines ...pdfLine) []byte {
	var content strings.Builder
	content.WriteString("BT\n/F1 11 Tf\n")
	var px, py float64
	for i, l := range lines {
		if i == 0 {
			fmt.Fprintf(&content, "1 0 0 1 %.2f %.2f Tm\n", l.x, l.y)
		} else {
			fmt.Fprintf(&content, "%.2f %.2f Td\n", l.x-px, l.y-py)
		}
		px, py = l.x, l.y
		fmt.Fprintf(&content, "(%s) Tj\n", pdfEscape(latin1(l.text)))
	}
	content.WriteString("ET\n")
	widths := strings.TrimSpace(strings.Repeat("600 ", 224))
	return pdfObjects(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		pdfStream(content.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 255 /Widths ["+widths+"] >>",
	)
}

// wordsPDF writes a one-page PDF as some exporters do: every word shown
// on its own at its own position, in a font without Widths (the reader then
// knows no glyph's width).
func wordsPDF(lines ...string) []byte {
	var content strings.Builder
	content.WriteString("BT\n/F1 11 Tf\n")
	y := 760.0
	for _, l := range lines {
		x := 72.0
		for _, w := range strings.Fields(l) {
			fmt.Fprintf(&content, "1 0 0 1 %.2f %.2f Tm (%s) Tj\n", x, y, pdfEscape(latin1(w)))
			x += float64(len(w))*6.1 + 3
		}
		y -= 14
	}
	content.WriteString("ET\n")
	return pdfObjects(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		pdfStream(content.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	)
}

// scanPDF writes a one-page PDF whose only content is an image, as a
// scanner makes it.
func scanPDF() []byte {
	img := bytes.Repeat([]byte{0x80}, 64*64)
	return pdfObjects(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
		pdfStream("q 595 0 0 842 0 0 cm /Im1 Do Q\n"),
		fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream", len(img), img),
	)
}

func pdfStream(s string) string {
	return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(s), s)
}

// pdfObjects numbers the objects from 1 and writes them with their
// cross-reference table.
func pdfObjects(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func pdfEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`).Replace(s)
}

func latin1(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 256 {
			b.WriteByte(byte(r))
		} else {
			b.WriteByte('?')
		}
	}
	return b.String()
}

// attachment is one file of a message built by mailWith.
type attachment struct {
	name, contentType string
	data              []byte
}

// mailWith writes a multipart/mixed message as Outlook and Thunderbird do:
// the text first, then each file in base64, CRLF line ends.
func mailWith(from, subject, text string, files ...attachment) []byte {
	var b strings.Builder
	w := func(s string) { b.WriteString(strings.ReplaceAll(s, "\n", "\r\n")) }
	w("From: " + from + "\nTo: registrations+k7m2q4x3ab@isu.example\nSubject: " + subject +
		"\nDate: Thu, 11 Jun 2020 09:30:00 +0200\nMessage-ID: <" + fmt.Sprint(len(text), len(files)) + "@mission.example>\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=\"----=_NextPart_000_0001\"\n\nThis is a multi-part message in MIME format.\n\n")
	w("------=_NextPart_000_0001\nContent-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: 8bit\n\n" + text + "\n\n")
	for _, f := range files {
		w("------=_NextPart_000_0001\nContent-Type: " + f.contentType + "; name=\"" + f.name + "\"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"" + f.name + "\"\n\n")
		enc := base64.StdEncoding.EncodeToString(f.data)
		for len(enc) > 76 {
			w(enc[:76] + "\n")
			enc = enc[76:]
		}
		w(enc + "\n\n")
	}
	w("------=_NextPart_000_0001--\n")
	return []byte(b.String())
}

const (
	ctXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	ctDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	ctPDF  = "application/pdf"
)
