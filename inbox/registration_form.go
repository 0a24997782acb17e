package inbox

import (
	"regexp"
	"strings"

	"convene/meeting"
)

// formDelegate is a delegate being read from the reply form.
type formDelegate struct {
	name, first, last, title, email, hon string
	line                                 int
	any                                  bool
}

// setPart sets a field that holds one part of a name or the title, and
// reports whether f was one of those.
func (d *formDelegate) setPart(f field, v string) bool {
	switch f {
	case fName:
		d.name = v
	case fFirst:
		d.first = v
	case fLast:
		d.last = v
	case fTitle:
		d.title = v
	case fHonorific:
		d.hon = v
	default:
		return false
	}
	return true
}

func (d *formDelegate) has(f field) bool {
	switch f {
	case fName, fNameTitle:
		return d.name != ""
	case fFirst:
		return d.first != ""
	case fLast:
		return d.last != ""
	case fTitle:
		return d.title != ""
	case fEmail:
		return d.email != ""
	case fHonorific:
		return d.hon != ""
	}
	return false
}

// form reads the labelled lines of the reply form. A label already filled in
// the delegate being read starts a new delegate. Blank fields yield nothing.
func (p *regParser) form() {
	var cur formDelegate
	flush := func() {
		if d, ok := p.finishForm(cur); ok {
			p.found = append(p.found, found{d: d, line: cur.line})
		}
		cur = formDelegate{}
	}
	var segBuf [4]string
	for i := 0; i < len(p.lines); i++ {
		if p.used[i] {
			continue
		}
		segs := appendInlineLabels(segBuf[:0], p.lines[i])
		isForm := false
		for _, seg := range segs {
			f, v, sep := matchLabel(seg)
			if f == fNone {
				continue
			}
			if !sep && !acceptBareLabel(f, v) {
				continue
			}
			isForm = true
			v = cleanValue(v)
			if v == "" && len(segs) == 1 {
				v = p.valueBelow(i, f)
			}
			if f == fDelegation || f == fIgnore || v == "" {
				continue
			}
			if f == fTitle && isHonorific(v) {
				f = fHonorific // "Title: Ms."
			}
			if cur.has(f) || (f == fName && (cur.first != "" || cur.last != "") && cur.email != "") {
				flush()
			}
			if !cur.any {
				cur.line, cur.any = i, true
			}
			switch {
			case cur.setPart(f, v):
			case f == fNameTitle:
				cur.name, cur.title = nameAndTitle(v)
				if cur.name == "" {
					cur.name = v
				}
			case f == fEmail:
				if cur.name == "" && cur.first == "" && cur.last == "" && cur.title == "" {
					// "Mr. John Smith / Ambassador / Email: j.smith@x": the
					// name and title are the unlabelled lines above
					cur.name, cur.title = p.lookBack(i)
				}
				if m := emailRE.FindStringSubmatch(v); m != nil {
					cur.email = strings.ToLower(m[1])
				} else {
					p.problem("%q is not an e-mail address", v)
					cur.email = "?"
				}
			}
		}
		if isForm {
			p.used[i] = true
		}
	}
	flush()
}

// acceptBareLabel decides whether a label without a colon ("Name John
// Smith") is a form field rather than the start of a sentence.
func acceptBareLabel(f field, v string) bool {
	switch f {
	case fName, fFirst, fLast, fTitle, fEmail, fNameTitle:
	default:
		return false
	}
	if v == "" || len(strings.Fields(v)) > 8 {
		return false
	}
	if f == fEmail {
		return emailRE.MatchString(v)
	}
	r := []rune(v)[0]
	return r >= 'A' && r <= 'Z' || r > 0x7f && strings.ToUpper(string(r)) == string(r) || honorificRE.MatchString(v)
}

// valueBelow takes the value of an empty field from the next line when the
// form was laid out with values under their labels.
func (p *regParser) valueBelow(i int, f field) string {
	j := i + 1
	for j < len(p.lines) && j <= i+2 && strings.TrimSpace(p.lines[j]) == "" {
		j++
	}
	if j >= len(p.lines) || p.used[j] {
		return ""
	}
	t := strings.TrimSpace(stripBullet(p.lines[j]))
	if lf, _, _ := matchLabel(t); lf != fNone {
		return ""
	}
	ok := false
	switch f {
	case fEmail:
		ok = emailRE.MatchString(t) && len(strings.Fields(t)) <= 2
	case fName, fNameTitle:
		ok = looksLikeName(t)
	case fFirst, fLast:
		ok = len(strings.Fields(t)) <= 3 && !strings.ContainsAny(t, "@0123456789:")
	case fTitle:
		ok = len(strings.Fields(t)) <= 8 && !strings.ContainsAny(t, "@:") && isTitleWords(t)
	}
	if !ok {
		return ""
	}
	p.used[j] = true
	return cleanValue(t)
}

func (p *regParser) finishForm(d formDelegate) (meeting.Delegate, bool) {
	if !d.any {
		return meeting.Delegate{}, false
	}
	if d.email == "?" {
		d.email = ""
	}
	name := d.name
	if d.first != "" || d.last != "" {
		last := d.last
		if last == "" {
			last = d.name
		}
		name = strings.TrimSpace(d.first + " " + last)
	}
	title := d.title
	if isHonorific(title) {
		// "Title: Mr." is a courtesy title, not a function
		if d.hon == "" {
			d.hon = title
		}
		title = ""
	}
	if d.hon != "" && name != "" && !honorificRE.MatchString(name) {
		name = d.hon + " " + name
	}
	if name == "" && d.email == "" {
		return meeting.Delegate{}, false
	}
	return meeting.Delegate{Name: collapseSpaces(name), Title: collapseSpaces(title), Email: d.email}, true
}

// appendInlineLabels appends to dst the fields of a line, which holds
// one, or several "Label: value" fields that it cuts.
func appendInlineLabels(dst []string, line string) []string {
	if strings.Count(line, ":")+strings.Count(line, "：") < 2 {
		return append(dst, line) // each match of inlineLabelRE ends with a colon
	}
	locs := inlineLabelRE.FindAllStringIndex(line, -1)
	if len(locs) < 2 {
		return append(dst, line)
	}
	out := dst
	prev := 0
	for k, loc := range locs {
		start := loc[0]
		if k == 0 {
			if strings.TrimSpace(stripBullet(line[:start])) != "" {
				return append(dst, line)
			}
			continue
		}
		out = append(out, strings.Trim(line[prev:start], " |;,\t"))
		prev = start
	}
	return append(out, strings.Trim(line[prev:], " |;,\t"))
}

// ---- text tables ----

// splitCells cuts a table row at tabs, vertical bars or runs of spaces.
func splitCells(line string) []string {
	var cells []string
	var seps func(rune) bool
	switch {
	case strings.Contains(line, "|"):
		seps = func(r rune) bool { return r == '|' }
	case strings.Contains(line, "\t"):
		seps = func(r rune) bool { return r == '\t' }
	default:
		t := strings.TrimSpace(line)
		if !hasSpaceRun(t) {
			return []string{t} // what multiSpaceRE.Split returns without a match
		}
		return multiSpaceRE.Split(t, -1)
	}
	for _, c := range strings.FieldsFunc(line, seps) {
		cells = append(cells, strings.TrimSpace(c))
	}
	// keep empty cells in the middle: FieldsFunc dropped them, which is
	// acceptable for our rows (an empty title cell shifts nothing after the
	// last field we read when the e-mail is found by its shape).
	return cells
}

// mayHaveCells reports whether splitCells may cut line into more than one
// cell: a line without a bar, a tab or a run of white space is one cell.
func mayHaveCells(line string) bool {
	return hasCellSep(line) || hasSpaceRun(strings.TrimSpace(line))
}

// headerFields reports the fields of a table header row, or nil.
func headerFields(cells []string) []field {
	if len(cells) < 2 || len(cells) > 12 {
		return nil
	}
	fs := make([]field, len(cells))
	named := 0
	for k, c := range cells {
		c = strings.TrimSpace(c)
		switch strings.ToLower(strings.Trim(c, " .")) {
		case "#", "no", "n°", "nº", "num", "número", "numéro", "":
			fs[k] = fIgnore
			continue
		}
		fs[k] = fieldOfHeader(c)
		if fs[k] == fNone {
			return nil
		}
		if fs[k] == fName || fs[k] == fEmail || fs[k] == fNameTitle || fs[k] == fLast {
			named++
		}
	}
	if named == 0 {
		return nil
	}
	return fs
}

// textTables reads tables written as text (tabs, bars, aligned columns) with
// a header row of labels.
func (p *regParser) textTables() {
	for i := 0; i < len(p.lines); i++ {
		if p.used[i] || !mayHaveCells(p.lines[i]) {
			continue // one cell is no header
		}
		cols := headerFields(splitCells(p.lines[i]))
		if cols == nil {
			continue
		}
		p.used[i] = true
		for j := i + 1; j < len(p.lines); j++ {
			line := p.lines[j]
			if strings.TrimSpace(line) == "" {
				if j+1 < len(p.lines) && strings.TrimSpace(p.lines[j+1]) != "" && len(splitCells(p.lines[j+1])) >= 2 {
					continue
				}
				break
			}
			if placeholderRE.MatchString(line) {
				p.used[j] = true
				continue
			}
			cells := splitCells(line)
			if len(cells) < 2 {
				break
			}
			p.used[j] = true
			if d, ok := p.rowDelegate(cols, cells); ok {
				p.found = append(p.found, found{d: d, line: j})
			}
			i = j
		}
	}
}

// rowDelegate maps a table row (text table, HTML table or CSV) onto a delegate.
func (p *regParser) rowDelegate(cols []field, cells []string) (meeting.Delegate, bool) {
	fd := formDelegate{any: true}
	for k, c := range cells {
		if k >= len(cols) {
			break
		}
		v := cleanValue(c)
		if v == "" {
			continue
		}
		switch f := cols[k]; {
		case fd.setPart(f, v):
		case f == fNameTitle:
			fd.name, fd.title = nameAndTitle(v)
		case f == fEmail:
			if m := emailRE.FindStringSubmatch(v); m != nil {
				fd.email = strings.ToLower(m[1])
			} else {
				p.problem("%q is not an e-mail address", v)
			}
		}
	}
	if fd.email == "" {
		// an address in another column
		for _, c := range cells {
			if m := emailRE.FindStringSubmatch(c); m != nil {
				fd.email = strings.ToLower(m[1])
				break
			}
		}
	}
	return p.finishForm(fd)
}

var multiSpaceRE = regexp.MustCompile(`\s{2,}`)

// hasSpaceRun reports whether s holds two white space bytes in a row, the
// ASCII \s of multiSpaceRE.
func hasSpaceRun(s string) bool {
	if strings.Contains(s, "  ") {
		return true
	}
	if strings.IndexByte(s, '\t') < 0 && strings.IndexByte(s, '\n') < 0 && strings.IndexByte(s, '\f') < 0 && strings.IndexByte(s, '\r') < 0 {
		return false // spaces only, none doubled
	}
	for i := 0; i+1 < len(s); i++ {
		if isRESpace(s[i]) && isRESpace(s[i+1]) {
			return true
		}
	}
	return false
}

func isRESpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }
