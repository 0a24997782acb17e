package meeting

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Contact list columns.
var (
	requiredColumns = []string{"name", "category", "emails", "language"}
	optionalColumns = []string{"salutation", "country", "timezone", "notes"}
)

// LoadContacts reads contacts.csv at path: a header of name, category, emails,
// language and optionally salutation, country, timezone, notes; UTF-8 with or
// without a byte-order mark; separated by commas (or semicolons, as some
// spreadsheets export). Every problem is returned, with its line.
func LoadContacts(path string) (*Contacts, Problems) {
	c := &checker{file: path}
	data, err := os.ReadFile(path)
	if err != nil {
		c.add(0, "", "%v", err)
		return nil, c.ps
	}
	list := c.contacts(data)
	return NewContacts(list), c.ps
}

// ParseContacts parses a contact list held in memory; name is used in problems.
func ParseContacts(name string, data []byte) (*Contacts, error) {
	c := &checker{file: name}
	list := c.contacts(data)
	if len(c.ps) > 0 {
		return nil, c.ps
	}
	return NewContacts(list), nil
}

func (c *checker) contacts(data []byte) []*Contact {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalid(data)], []byte("\n"))
		c.add(line, "", "the file is not UTF-8 (a spreadsheet's \"CSV\" in a local encoding?): save it as \"CSV UTF-8\"")
		return nil
	}
	r := csv.NewReader(bytes.NewReader(data))
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if !bytes.Contains(first, []byte(",")) && bytes.Contains(first, []byte(";")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		c.add(1, "", "cannot read the header: %v", err)
		return nil
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		known := false
		for _, k := range append(append([]string{}, requiredColumns...), optionalColumns...) {
			known = known || h == k
		}
		if !known {
			c.add(1, h, "unknown column (want %s, optionally %s)", strings.Join(requiredColumns, ","), strings.Join(optionalColumns, ","))
			continue
		}
		if _, dup := col[h]; dup {
			c.add(1, h, "column appears twice")
		}
		col[h] = i
	}
	for _, k := range requiredColumns {
		if _, ok := col[k]; !ok {
			c.add(1, k, "required column is missing")
		}
	}
	if len(c.ps) > 0 {
		return nil
	}
	var list []*Contact
	names := map[string]int{}
	emails := map[string]*Contact{}
	for {
		line, _ := r.FieldPos(0)
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				c.add(pe.StartLine, "", "%v", pe.Err)
			} else {
				c.add(0, "", "%v", err)
			}
			break
		}
		line, _ = r.FieldPos(0)
		get := func(k string) string {
			if i, ok := col[k]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue // blank row
		}
		ct := &Contact{
			Name:       get("name"),
			Category:   Category(strings.ToLower(get("category"))),
			Language:   Lang(strings.ToLower(get("language"))),
			Salutation: get("salutation"),
			Country:    get("country"),
			TimeZone:   get("timezone"),
			Notes:      get("notes"),
			Line:       line,
		}
		for _, f := range []struct{ k, v string }{{"name", ct.Name}, {"salutation", ct.Salutation}, {"country", ct.Country}} {
			if strings.ContainsAny(f.v, "\r\n\x00\u0085\u2028\u2029") {
				c.add(line, f.k, "must be on one line")
			} else if i := strings.IndexFunc(f.v, badTextRune); i >= 0 {
				c.add(line, f.k, "has a control or direction-override character (%U)", []rune(f.v[i:])[0])
			}
		}
		if ct.Name == "" {
			c.add(line, "name", "is required")
		} else if prev, dup := names[strings.ToLower(ct.Name)]; dup {
			c.add(line, "name", "%q is already on line %d", ct.Name, prev)
		} else {
			names[strings.ToLower(ct.Name)] = line
		}
		if !ct.Category.Valid() {
			c.add(line, "category", "unknown category %q: want state-party, state-not-party or organisation", ct.Category)
		}
		if !ct.Language.Valid() {
			c.add(line, "language", "unknown language %q: want en, fr or es", ct.Language)
		}
		if ct.TimeZone != "" {
			loc, err := time.LoadLocation(ct.TimeZone)
			if err != nil || ct.TimeZone == "Local" {
				c.add(line, "timezone", "unknown time zone %q: want an IANA name such as America/New_York", ct.TimeZone)
			} else {
				ct.Location = loc
			}
		}
		raw := get("emails")
		if raw == "" {
			c.add(line, "emails", "at least one address is required")
		}
		for _, e := range strings.FieldsFunc(raw, func(r rune) bool { return r == ';' || r == ',' || r == '\n' }) {
			e = strings.TrimSpace(e)
			if e == "" {
				continue
			}
			a, err := mail.ParseAddress(e)
			if err != nil || a.Name != "" || !strings.Contains(a.Address, "@") {
				c.add(line, "emails", "bad address %q", e)
				continue
			}
			addr := NormalizeEmail(a.Address)
			if other, dup := emails[addr]; dup {
				if other != ct {
					c.add(line, "emails", "%s is also the address of %q on line %d", addr, other.Name, other.Line)
				}
				continue
			}
			emails[addr] = ct
			ct.Emails = append(ct.Emails, addr)
		}
		if raw != "" && len(ct.Emails) == 0 && strings.Trim(raw, ";, \t\n") == "" {
			c.add(line, "emails", "at least one address is required")
		}
		list = append(list, ct)
	}
	return list
}

// badTextRune reports a character that has no place in a one-line name:
// a control character, or a bidirectional override or isolate, which would
// make a name read differently on the dashboard than it is.
func badTextRune(r rune) bool {
	return unicode.IsControl(r) || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// SameMailbox reports whether addr is the mailbox box, or a plus address of
// it (local+tag@domain), compared without case.
func SameMailbox(addr, box string) bool {
	al, ad, ok1 := strings.Cut(NormalizeEmail(addr), "@")
	bl, bd, ok2 := strings.Cut(NormalizeEmail(box), "@")
	if !ok1 || !ok2 || ad != bd {
		return false
	}
	al, _, _ = strings.Cut(al, "+")
	bl, _, _ = strings.Cut(bl, "+")
	return al == bl
}

// firstInvalid returns the offset of the first byte that is not valid UTF-8.
func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// WriteContactsCSV writes contacts in the contacts.csv format, with a BOM so
// that spreadsheets read it as UTF-8.
func WriteContactsCSV(w io.Writer, list []*Contact) error {
	if _, err := io.WriteString(w, "\xef\xbb\xbf"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(append(append([]string{}, requiredColumns...), optionalColumns...))
	for _, c := range list {
		rec := []string{c.Name, string(c.Category), strings.Join(c.Emails, ";"), string(c.Language), c.Salutation, c.Country, c.TimeZone, c.Notes}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write contacts: %w", err)
		}
	}
	cw.Flush()
	return cw.Error()
}
