package inbox

import (
	"bytes"
	"encoding/csv"

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
// UTF-8 byte-order mark is ignored.
func parseCSVDelegates(data []byte) ([]meeting.Delegate, []string) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(data) > MaxRegistrationText {
		data = data[:MaxRegistrationText]
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
	for n := 0; n < 5000; n++ {
		rec, err := r.Read()
		if err != nil {
			if err.Error() != "EOF" {
				p.problem("CSV: %v", err)
			}
			break
		}
		if cols == nil {
			cols = headerFields(rec)
			if cols == nil && n >= 5 {
				p.problem("CSV: no header row naming name, title and email columns")
				break
			}
			continue
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		if d, ok := p.rowDelegate(cols, rec); ok {
			if d.Email == "" {
				p.problem("no e-mail address for %s", d.Name)
			}
			out = append(out, d)
		}
	}
	return out, p.reg.Problems
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
