package inbox

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"convene/meeting"
)

// csvParts returns the CSV attachments: text/csv and the like, or *.csv.
func csvParts(root *enmime.Part) []*enmime.Part {
	var out []*enmime.Part
	var walk func(p *enmime.Part)
	walk = func(p *enmime.Part) {
		for ; p != nil; p = p.NextSibling {
			switch {
			case p.ContentType == "text/csv", p.ContentType == "application/csv", p.ContentType == "text/comma-separated-values",
				strings.HasSuffix(strings.ToLower(p.FileName), ".csv"):
				out = append(out, p)
			}
			walk(p.FirstChild)
		}
	}
	walk(root)
	return out
}

// parseCSVDelegates reads delegates from a CSV file with a header row naming
// the columns in English, French or Spanish (name, title, email, or first and
// last name). Commas, semicolons and tabs are accepted as separators; a
// UTF-8 byte-order mark is ignored. It reads at most maxRows rows after the
// header and MaxRegistrationText bytes, and never half a row; cuts says what
// it left unread (each sends the reply to review).
func parseCSVDelegates(data []byte, maxRows int) (ds []meeting.Delegate, problems, cuts []string) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(data) > MaxRegistrationText {
		// only whole lines: a row cut in the middle would give a wrong
		// address (…@gmail.co for …@gmail.com)
		data = data[:MaxRegistrationText]
		if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
			data = data[:i+1]
		}
		cuts = append(cuts, fmt.Sprintf("CSV longer than %d bytes: the rest was not read", MaxRegistrationText))
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(data))
	switch {
	case bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")):
		r.Comma = ';'
	case bytes.Count(first, []byte("\t")) > bytes.Count(first, []byte(",")):
		r.Comma = '\t'
	}
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	p := &regParser{}
	var cols []field
	var out []meeting.Delegate
	rows := 0
	for n := 0; ; n++ {
		rec, err := r.Read()
		if err != nil {
			if err != io.EOF {
				p.problem("CSV: %v", err)
				cuts = append(cuts, fmt.Sprintf("CSV: %v: the rest was not read", err))
			}
			break
		}
		if cols == nil {
			cols = headerFields(rec)
			if cols == nil && n >= 5 {
				break
			}
			continue
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		if rows++; rows > maxRows {
			cuts = append(cuts, fmt.Sprintf("more than %d rows, beyond limits.attachment_rows (%d): the rest was not read", maxRows, maxRows))
			break
		}
		if d, ok := p.rowDelegate(cols, rec); ok {
			if d.Email == "" {
				p.problem("no e-mail address for %s", d.Name)
			}
			out = append(out, d)
		}
	}
	if cols == nil && len(bytes.TrimSpace(data)) > 0 {
		p.problem("CSV: no header row naming name, title and email columns")
		cuts = append(cuts, "CSV without a header row naming name, title and email columns: not read")
	}
	return out, p.reg.Problems, cuts
}

// dedupeDelegates merges delegates with the same address.
func dedupeDelegates(ds []meeting.Delegate) []meeting.Delegate {
	var out []meeting.Delegate
	seen := map[string]int{}
	for _, d := range ds {
		if d.Email != "" {
			if k, ok := seen[d.Email]; ok {
				mergeDelegate(&out[k], d)
				continue
			}
			seen[d.Email] = len(out)
		}
		out = append(out, d)
	}
	return out
}
