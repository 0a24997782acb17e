package inbox

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// readDOCX reads the delegation list of an Office Open XML document (a zip
// holding word/document.xml): its tables through tableRegistration, its
// paragraphs as free text (ParseRegistration). The standard library
// suffices. At most maxUnzipped bytes of XML are read.
func readDOCX(data []byte, maxRows int) (Registration, string, bool) {
	doc, err := docxContent(data, maxRows)
	if err != nil {
		return Registration{}, fmt.Sprintf("not a readable .docx document (%v)", err), false
	}
	var reg Registration
	for k, t := range doc.tables {
		if !rowsHaveAddress(t) {
			continue
		}
		tr := tableRegistration(t, maxRows)
		for i, pr := range tr.Problems {
			tr.Problems[i] = fmt.Sprintf("table %d: %s", k+1, pr)
		}
		mergeRegistration(&reg, tr)
	}
	if strings.Contains(doc.text, "@") || len(reg.Delegates) == 0 {
		mergeRegistration(&reg, ParseRegistration(doc.text))
	}
	if doc.truncated {
		reg.Problems = append(reg.Problems, fmt.Sprintf("more than %d table rows: the rest was not read", maxRows))
	}
	reg.Delegates = dedupeDelegates(reg.Delegates)
	return reg, "", saysComplete("", doc.text)
}

// docx is the text of a Word document: its paragraphs outside tables, one a
// line, and its tables, row by row.
type docx struct {
	text      string
	tables    [][][]string
	truncated bool // more rows than asked for
}

var errDocxNoBody = errors.New("no word/document.xml")

// docxContent unpacks word/document.xml and reads it. Deleted text (tracked
// changes), field instructions and the fallback copies of text boxes are
// left out.
func docxContent(data []byte, maxRows int) (docx, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return docx{}, err
	}
	var body *zip.File
	for _, f := range zr.File {
		if strings.EqualFold(f.Name, "word/document.xml") {
			body = f
			break
		}
	}
	if body == nil {
		return docx{}, errDocxNoBody
	}
	if body.UncompressedSize64 > maxUnzipped {
		return docx{}, fmt.Errorf("word/document.xml larger than %d bytes", maxUnzipped)
	}
	rc, err := body.Open()
	if err != nil {
		return docx{}, err
	}
	defer rc.Close()
	return docxRead(io.LimitReader(rc, maxUnzipped), maxRows)
}

// docxRead reads the XML of a Word document body.
func docxRead(r io.Reader, maxRows int) (docx, error) {
	var out docx
	d := xml.NewDecoder(r)
	d.Strict = false
	var (
		paras  []*strings.Builder // paragraphs being read (a text box nests one in another)
		tables []*docxTable       // tables being read (tables nest)
		inText bool               // inside <w:t>
		lines  []string
		rows   int
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(lines) == 0 && len(out.tables) == 0 {
				return out, err
			}
			break // what was read before the damage stands
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "Fallback", "delText", "instrText", "del", "moveFrom":
				if err := d.Skip(); err != nil {
					return out, err
				}
			case "p":
				paras = append(paras, &strings.Builder{})
			case "t":
				inText = true
			case "tab":
				if len(paras) > 0 {
					paras[len(paras)-1].WriteByte('\t')
				}
			case "br", "cr":
				if len(paras) > 0 {
					paras[len(paras)-1].WriteByte('\n')
				}
			case "tbl":
				tables = append(tables, &docxTable{})
			case "tr":
				if len(tables) > 0 {
					tables[len(tables)-1].rows = append(tables[len(tables)-1].rows, nil)
				}
			case "tc":
				if len(tables) > 0 {
					tables[len(tables)-1].cell = tables[len(tables)-1].cell[:0]
				}
			}
		case xml.CharData:
			if inText && len(paras) > 0 && paras[len(paras)-1].Len() < 64<<10 {
				paras[len(paras)-1].Write(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				if len(paras) == 0 {
					continue
				}
				s := paras[len(paras)-1].String()
				paras = paras[:len(paras)-1]
				switch {
				case len(paras) > 0:
					// a text box's paragraph: part of the paragraph around it
					paras[len(paras)-1].WriteString("\n" + s)
				case len(tables) > 0:
					tb := tables[len(tables)-1]
					if s = strings.Join(strings.Fields(s), " "); s != "" {
						tb.cell = append(tb.cell, s)
					}
				default:
					if len(lines) < 100000 {
						lines = append(lines, s)
					}
				}
			case "tc":
				if len(tables) > 0 {
					tb := tables[len(tables)-1]
					if n := len(tb.rows); n > 0 {
						tb.rows[n-1] = append(tb.rows[n-1], strings.Join(tb.cell, ", "))
					}
				}
			case "tr":
				if rows++; rows > maxRows+10 && len(tables) > 0 {
					// keep the row count bounded: drop the rows beyond
					tb := tables[len(tables)-1]
					tb.rows = tb.rows[:len(tb.rows)-1]
					out.truncated = true
				}
			case "tbl":
				if len(tables) == 0 {
					continue
				}
				tb := tables[len(tables)-1]
				tables = tables[:len(tables)-1]
				if len(tb.rows) > 0 {
					out.tables = append(out.tables, tb.rows)
				}
			}
		}
	}
	out.text = strings.Join(lines, "\n")
	return out, nil
}

type docxTable struct {
	rows [][]string
	cell []string // paragraphs of the cell being read
}
