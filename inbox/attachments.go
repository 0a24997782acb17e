package inbox

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"convene/meeting"
)

// DefaultAttachmentRows is how many rows of one attachment (a sheet, a
// table, a CSV file) are read when Limits.AttachmentRows is not set; the
// meeting's limits.attachment_rows overrides it.
const DefaultAttachmentRows = meeting.DefaultAttachmentRows

// Bounds of the attachment readers, beyond the size of the part
// (Limits.MaxAttachment) and the rows (Limits.AttachmentRows).
const (
	maxListAttachments = 10       // attachments read from one message
	maxSheets          = 10       // sheets of one workbook
	maxPDFPages        = 20       // pages of one PDF
	maxUnzipped        = 16 << 20 // bytes of one file inside an OOXML zip
	minImageScan       = 40 << 10 // an attached image at least this large may be a scanned list
)

// listKind is how an attachment that may hold a delegation list is read.
type listKind int

const (
	notAList listKind = iota
	listCSV
	listXLSX
	listDOCX
	listPDF
	listText
	listUnreadable // may hold a list, but convene has no reader for it
)

// attachmentKind tells whether part p may hold a delegation list and how it
// is read; for an unreadable one, what it is.
func attachmentKind(p *enmime.Part) (listKind, string) {
	if p.FirstChild != nil {
		return notAList, ""
	}
	name := strings.ToLower(p.FileName)
	ext := path.Ext(name)
	ct := strings.ToLower(p.ContentType)
	switch {
	case ct == "text/csv" || ct == "application/csv" || ct == "text/comma-separated-values" || ext == ".csv":
		return listCSV, ""
	case ext == ".xlsx" || ext == ".xlsm" || ct == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return listXLSX, ""
	case ext == ".docx" || ext == ".docm" || ct == "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return listDOCX, ""
	case ext == ".pdf" || ct == "application/pdf":
		return listPDF, ""
	case ext == ".txt" || ct == "text/plain" && p.Disposition == "attachment":
		return listText, ""
	case ext == ".xls" || ct == "application/vnd.ms-excel":
		return listUnreadable, "an Excel 97-2003 workbook (.xls)"
	case ext == ".doc" || ct == "application/msword":
		return listUnreadable, "a Word 97-2003 document (.doc)"
	case ext == ".odt" || ext == ".ods" || strings.HasPrefix(ct, "application/vnd.oasis.opendocument."):
		return listUnreadable, "an OpenDocument file"
	case ext == ".rtf" || ct == "application/rtf" || ct == "text/rtf":
		return listUnreadable, "an RTF document"
	case ext == ".pages" || ext == ".numbers":
		return listUnreadable, "an Apple iWork document"
	case ct == "application/pkcs7-mime" || ct == "application/x-pkcs7-mime" || ext == ".p7m":
		return listUnreadable, "an S/MIME encrypted or opaque-signed message (smime.p7m), whose content was not read"
	case ct == "application/ms-tnef" || name == "winmail.dat":
		return listUnreadable, "an Outlook TNEF wrapper (winmail.dat), whose attachments were not read"
	case ext == ".tif" || ext == ".tiff" || ct == "image/tiff":
		return listUnreadable, "an image (a scan or a fax)"
	case strings.HasPrefix(ct, "image/") && len(p.Content) >= minImageScan && (p.Disposition == "attachment" || p.ContentID == ""):
		return listUnreadable, "an image (perhaps a scanned list)"
	}
	return notAList, ""
}

// attachmentReading is what the attachments of a message say.
type attachmentReading struct {
	reg    Registration // delegates (and withdrawals) read, with problems
	read   []string     // names of the attachments read
	unread []string     // "name: why", for each attachment that may hold a list and was not read
	// complete: an attachment that gave delegates says they are the
	// complete delegation (a note verbale's "liste complète")
	complete bool
}

// readAttachments reads the delegation lists attached under root: CSV,
// XLSX, DOCX, PDF with a text layer and plain text. Each attachment that may
// hold a list and could not be read is named in unread; each problem a
// reader met is in reg.Problems, prefixed by the attachment's name. At most
// maxRows rows of each table are read.
func readAttachments(root *enmime.Part, maxRows int) attachmentReading {
	if maxRows <= 0 {
		maxRows = DefaultAttachmentRows
	}
	var out attachmentReading
	n := 0
	var walk func(p *enmime.Part)
	walk = func(p *enmime.Part) {
		for ; p != nil; p = p.NextSibling {
			walk(p.FirstChild)
			kind, what := attachmentKind(p)
			if kind == notAList {
				continue
			}
			name := partName(p)
			if kind == listText && p.Disposition != "attachment" {
				continue // an inline text part is part of the body (bodyText)
			}
			if n++; n > maxListAttachments {
				out.unread = append(out.unread, fmt.Sprintf("%s: more than %d attachments, not read", name, maxListAttachments))
				continue
			}
			if kind == listUnreadable {
				out.unread = append(out.unread, name+": "+what+", not read")
				continue
			}
			reg, why, complete := readAttachment(kind, p.Content, maxRows)
			if why != "" {
				out.unread = append(out.unread, name+": "+why)
				continue
			}
			out.read = append(out.read, name)
			out.complete = out.complete || complete && len(reg.Delegates) > 0
			out.reg.Delegates = append(out.reg.Delegates, reg.Delegates...)
			out.reg.Withdrawn = append(out.reg.Withdrawn, reg.Withdrawn...)
			out.reg.Replaced = append(out.reg.Replaced, reg.Replaced...)
			out.reg.Declined = out.reg.Declined || reg.Declined
			for _, pr := range reg.Problems {
				out.reg.Problems = append(out.reg.Problems, name+": "+pr)
			}
			if reg.Empty() {
				why := "no delegate list found in it"
				if len(reg.Problems) > 0 {
					why += " (" + strings.Join(reg.Problems, "; ") + ")"
				}
				out.unread = append(out.unread, name+": "+why)
			}
		}
	}
	walk(root)
	return out
}

// readAttachment reads one attachment of a known kind. why is set when it
// could not be read at all.
func readAttachment(kind listKind, data []byte, maxRows int) (reg Registration, why string, complete bool) {
	defer func() {
		// the readers parse untrusted files with third-party code
		if v := recover(); v != nil {
			reg, why, complete = Registration{}, fmt.Sprintf("could not be read (internal error: %v)", v), false
		}
	}()
	switch kind {
	case listCSV:
		ds, problems, cuts := parseCSVDelegates(data, maxRows)
		return Registration{Delegates: ds, Problems: append(problems, cuts...)}, "", false
	case listXLSX:
		reg, why := readXLSX(data, maxRows)
		return reg, why, false
	case listDOCX:
		return readDOCX(data, maxRows)
	case listPDF:
		return readPDF(data)
	case listText:
		text := normalizeText(string(data))
		return ParseRegistration(text), "", saysComplete("", text)
	}
	return Registration{}, "not read", false
}

// tableRegistration reads delegates from the rows of a table whose header
// row (among the first rows: a title may come above it) names the columns.
// Without a header row, each row is read as a line of free text ("Name,
// Title, address"). At most maxRows rows are read.
func tableRegistration(rows [][]string, maxRows int) Registration {
	p := &regParser{}
	var cols []field
	start := 0
	for i, r := range rows {
		if i >= 10 {
			break
		}
		if c := headerFields(trimRow(r)); c != nil {
			cols, start = c, i+1
			break
		}
		if c := sheetHeader(trimRow(r)); c != nil {
			cols, start = c, i+1
			break
		}
	}
	if cols == nil {
		var b strings.Builder
		for i, r := range rows {
			if i >= maxRows {
				p.problem("more than %d rows: the rest was not read", maxRows)
				break
			}
			b.WriteString(strings.Join(nonEmpty(r), ", "))
			b.WriteByte('\n')
		}
		reg := ParseRegistration(b.String())
		reg.Problems = append(p.reg.Problems, reg.Problems...)
		return reg
	}
	honorificColumns(cols, rows[start:])
	var ds []meeting.Delegate
	for i, r := range rows[start:] {
		if i >= maxRows {
			p.problem("more than %d rows: the rest was not read", maxRows)
			break
		}
		if ne := nonEmpty(r); len(ne) == 0 || len(ne) == 1 && sectionRowRE.MatchString(ne[0]) {
			continue // an empty row, or a heading: "Head of delegation", "Membres", "Asesores"
		}
		if d, ok := p.rowDelegate(cols, r); ok {
			if d.Email == "" {
				p.problem("no e-mail address for %s", d.Name)
			}
			ds = append(ds, d)
		}
	}
	p.reg.Delegates = dedupeDelegates(ds)
	return p.reg
}

// trimRow drops the empty cells at the end of a row (a sheet's row is as
// wide as its widest row).
func trimRow(r []string) []string {
	for len(r) > 0 && strings.TrimSpace(r[len(r)-1]) == "" {
		r = r[:len(r)-1]
	}
	return r
}

func nonEmpty(r []string) []string {
	var out []string
	for _, c := range r {
		if c = strings.Join(strings.Fields(c), " "); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// mergeRegistration adds b to a.
func mergeRegistration(a *Registration, b Registration) {
	a.Delegates = append(a.Delegates, b.Delegates...)
	a.Withdrawn = append(a.Withdrawn, b.Withdrawn...)
	a.Replaced = append(a.Replaced, b.Replaced...)
	a.Declined = a.Declined || b.Declined
	a.Problems = append(a.Problems, b.Problems...)
}

// addAttachments reads the attachments of a message into reg (classify).
// Their problems become the message's; an attachment that may hold a list
// and was not read, or whose reading met a problem, sends the message to
// review with its name. It reports whether some attachment was not read,
// and whether one that gave delegates says they are the complete list.
func addAttachments(m *Message, reg *Registration, root *enmime.Part, maxRows int) (unread, complete bool) {
	att := readAttachments(root, maxRows)
	mergeRegistration(reg, Registration{Delegates: att.reg.Delegates, Withdrawn: att.reg.Withdrawn, Replaced: att.reg.Replaced, Declined: att.reg.Declined})
	var doubts []string
	for _, p := range att.reg.Problems {
		// "no e-mail address for X" is no doubt about the reading: X was
		// read, without an address, and the workflow asks the mission for
		// it (as for a form in the text); the file is named after it
		if i := strings.Index(p, "no e-mail address for "); i >= 0 {
			file, _, _ := strings.Cut(p, ": ")
			m.problem("%s (%s)", p[i:], file)
			continue
		}
		m.problem("%s", p)
		doubts = append(doubts, p)
	}
	for _, u := range att.unread {
		m.problem("attachment %s", u)
	}
	if att.reg.Declined || len(att.reg.Withdrawn) > 0 || len(att.reg.Replaced) > 0 {
		// what removes people is applied from an attachment only once a
		// person has read it
		m.review("an attachment (%s) withdraws, replaces or declines: a person confirms", strings.Join(att.read, ", "))
	}
	switch {
	case len(att.unread) > 0:
		m.review("an attachment that may hold the delegation list was not read (%s)", strings.Join(att.unread, "; "))
	case len(doubts) > 0:
		m.review("an attachment could not be read with certainty (%s)", strings.Join(doubts, "; "))
	}
	return len(att.unread) > 0, att.complete
}

// sheetHeader reads the header row of a spreadsheet or a document's table,
// which often has columns the reply form has not (gender, passport, dates
// of arrival): an unknown column is ignored, provided the row names both
// a name and an e-mail column, so that a data row is never taken for it.
func sheetHeader(cells []string) []field {
	if len(cells) < 2 || len(cells) > 40 {
		return nil
	}
	fs := make([]field, len(cells))
	name, email := false, false
	for k, c := range cells {
		fs[k] = fieldOfHeader(strings.TrimSpace(c))
		if fs[k] == fNone {
			// a bilingual header: "Nom / Name", "Correo electrónico / E-mail"
			for part := range strings.SplitSeq(c, "/") {
				if f := fieldOfHeader(strings.TrimSpace(part)); f != fNone {
					fs[k] = f
					break
				}
			}
		}
		switch fs[k] {
		case fNone:
			fs[k] = fIgnore
		case fName, fLast, fNameTitle:
			name = true
		case fEmail:
			email = true
		}
	}
	if !name || !email {
		return nil
	}
	return fs
}

// honorificCellRE is a cell that holds only a form of address.
var honorificCellRE = regexp.MustCompile(`(?i)^\s*(?:mr|mrs|ms|miss|mx|dr|prof|h\.?\s?e|s\.?\s?e|m|mme|mlle|sr|sra|srta|d|dña|excmo|excma|amb|lic|mtra|mag)\.?\s*$`)

// honorificColumns turns a "Title" column whose cells are forms of address
// (Mr., Ms., H.E., M., Mme, Sr., Sra.: many delegation sheets call the
// salutation "Title" and the function "Position") into the honorific.
func honorificColumns(cols []field, rows [][]string) {
	for k, f := range cols {
		if f != fTitle {
			continue
		}
		n, hon := 0, 0
		for _, r := range rows {
			if k >= len(r) || strings.TrimSpace(r[k]) == "" {
				continue
			}
			n++
			if honorificCellRE.MatchString(r[k]) {
				hon++
			}
		}
		if hon > 0 && 2*hon >= n {
			cols[k] = fHonorific
		}
	}
}

// sectionRowRE is a row of a delegation table that heads a part of it.
var sectionRowRE = regexp.MustCompile(`(?i)^\s*(?:head\s+of\s+(?:the\s+)?delegation|deputy\s+head(?:\s+of\s+(?:the\s+)?delegation)?|(?:other\s+)?members?(?:\s+of\s+(?:the\s+)?delegation)?|alternates?|advis[eo]rs?|experts?|representatives?|delegates?|delegation|` +
	`chef\s+de\s+(?:la\s+)?d[ée]l[ée]gation|chef\s+adjoint|membres?(?:\s+de\s+la\s+d[ée]l[ée]gation)?|suppl[ée]ants?|conseill(?:er|ère)s?|experts?|repr[ée]sentants?|d[ée]l[ée]gu[ée]s?|d[ée]l[ée]gation|` +
	`jef[ea]\s+de\s+(?:la\s+)?delegaci[óo]n|miembros?(?:\s+de\s+la\s+delegaci[óo]n)?|suplentes?|asesor(?:es|as?)?|expert[oa]s?|representantes?|delegad[oa]s?|delegaci[óo]n)\s*:?\s*$`)
