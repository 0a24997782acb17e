package regweb

import (
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"convene/inbox"
	"convene/meeting"
	"convene/secretariat"
)

// Field limits.
const (
	maxName  = 200
	maxTitle = 200
	maxEmail = 254
)

// row is one delegate block of the form: a registered delegate (Orig is
// their address) or a new one (Orig empty).
type row struct {
	Key                string // field name prefix: d3 or n1
	Orig               string
	Name, Title, Email string
	Withdraw           bool
	Answers            map[string]string // the meeting's fields (registration.fields): name → value
	Errs               map[string]string // field (name, title, email, f.NAME) → message
}

func (r row) Blank() bool {
	return strings.TrimSpace(r.Name) == "" && strings.TrimSpace(r.Title) == "" && strings.TrimSpace(r.Email) == ""
}

// answersOf reads the answers to the meeting's fields of block k.
func answersOf(v url.Values, k string, fields []meeting.Field) map[string]string {
	if len(fields) == 0 {
		return nil
	}
	a := map[string]string{}
	for _, fd := range fields {
		a[fd.Name] = v.Get(k + ".f." + fd.Name)
	}
	return a
}

// answersFrom gives the stored answers of a delegate, by field.
func answersFrom(f meeting.Fields, fields []meeting.Field) map[string]string {
	if len(fields) == 0 {
		return nil
	}
	a := map[string]string{}
	for _, fd := range fields {
		a[fd.Name] = f.Get(fd.Name)
	}
	return a
}

// form is what the page submits.
type form struct {
	Rows    []row // registered delegates
	New     []row // blocks for new delegates
	Decline bool
	Errors  []string // above the form
}

// formOf reads the submitted values. cur is the delegation now; blocks
// is how many new-delegate blocks to read.
func formOf(v url.Values, maxRows, blocks int, fields []meeting.Field) form {
	var f form
	for i := 0; i < maxRows; i++ {
		k := "d" + strconv.Itoa(i)
		orig := v.Get(k + ".orig")
		if orig == "" {
			break
		}
		f.Rows = append(f.Rows, row{Key: k, Orig: orig, Name: v.Get(k + ".name"), Title: v.Get(k + ".title"),
			Email: v.Get(k + ".email"), Withdraw: v.Get(k+".withdraw") != "", Answers: answersOf(v, k, fields)})
	}
	for i := 0; i < blocks; i++ {
		k := "n" + strconv.Itoa(i)
		f.New = append(f.New, row{Key: k, Name: v.Get(k + ".name"), Title: v.Get(k + ".title"), Email: v.Get(k + ".email"),
			Answers: answersOf(v, k, fields)})
	}
	f.Decline = v.Get("decline") != ""
	return f
}

// formFor is the form showing the delegation ds, with blocks empty blocks.
func formFor(ds []meeting.Delegate, blocks int, fields []meeting.Field) form {
	var f form
	for i, d := range ds {
		f.Rows = append(f.Rows, row{Key: "d" + strconv.Itoa(i), Orig: d.Email, Name: d.Name, Title: d.Title, Email: d.Email,
			Answers: answersFrom(d.Fields, fields)})
	}
	for i := 0; i < blocks; i++ {
		f.New = append(f.New, row{Key: "n" + strconv.Itoa(i)})
	}
	return f
}

// check validates every field (errors in lang next to each) and returns
// the change the form asks for. ok is false when a field is wrong.
func (f *form) check(lang meeting.Lang, cur []meeting.Delegate, lim meeting.Limits, newAllowed bool, fields []meeting.Field) (ch secretariat.WebChange, ok bool) {
	t := texts[lang]
	ok = true
	fieldErrs := false
	defer func() {
		if fieldErrs { // announced first (role=alert), each field's error next to it
			f.Errors = append([]string{t["errors"]}, f.Errors...)
		}
	}()
	fail := func(r *row, field, msg string) {
		fieldErrs = true
		if r.Errs == nil {
			r.Errs = map[string]string{}
		}
		if _, had := r.Errs[field]; !had {
			r.Errs[field] = msg
		}
		ok = false
	}
	current := map[string]meeting.Delegate{}
	for _, d := range cur {
		current[meeting.NormalizeEmail(d.Email)] = d
	}
	if f.Decline {
		return secretariat.WebChange{Decline: true}, true
	}
	seen := map[string]bool{}
	keep := 0 // delegates after the change
	added := 0
	checkRow := func(r *row) (meeting.Delegate, bool) {
		d := meeting.Delegate{Name: clean(r.Name), Title: clean(r.Title), Email: meeting.NormalizeEmail(r.Email)}
		good := true
		for _, x := range []struct {
			field, v string
			max      int
			required bool
		}{{"name", r.Name, maxName, true}, {"title", r.Title, maxTitle, false}, {"email", r.Email, maxEmail, true}} {
			switch {
			case !utf8.ValidString(x.v) || hasControl(x.v):
				fail(r, x.field, t["e_control"])
				good = false
			case utf8.RuneCountInString(strings.TrimSpace(x.v)) > x.max:
				fail(r, x.field, fmt.Sprintf(t["e_long"], x.max))
				good = false
			case x.required && strings.TrimSpace(x.v) == "":
				fail(r, x.field, t["e_required"])
				good = false
			}
		}
		if r.Errs["email"] == "" && d.Email != "" {
			if msg := emailProblem(t, d.Email); msg != "" {
				fail(r, "email", msg)
				good = false
			} else if seen[d.Email] {
				fail(r, "email", t["e_duplicate"])
				good = false
			}
			seen[d.Email] = true
		}
		if len(fields) > 0 {
			a := map[string]string{}
			for _, fd := range fields {
				v := r.Answers[fd.Name]
				switch _, known := fd.Choice(v); {
				case v == "" && fd.Required:
					fail(r, "f."+fd.Name, t["e_required"])
					good = false
				case v != "" && !known:
					fail(r, "f."+fd.Name, t["e_choice"])
					good = false
				}
				a[fd.Name] = v
			}
			d.Fields = meeting.EncodeFields(a)
		}
		return d, good
	}
	for i := range f.Rows {
		r := &f.Rows[i]
		old, exists := current[meeting.NormalizeEmail(r.Orig)]
		if !exists {
			f.Errors = append(f.Errors, t["e_stale"])
			return ch, false
		}
		if r.Withdraw {
			ch.Withdraw = append(ch.Withdraw, old.Email)
			continue
		}
		d, good := checkRow(r)
		keep++
		if !good {
			continue
		}
		switch {
		case d.Email != old.Email:
			ch.Replace = append(ch.Replace, inbox.Replacement{Old: old.Email, New: d})
			added++
		case d.Name != old.Name || d.Title != old.Title || answersDiffer(old.Fields, d.Fields, fields):
			ch.Correct = append(ch.Correct, d)
		}
	}
	// An address withdrawn above may be registered again below; one kept may not.
	for i := range f.New {
		r := &f.New[i]
		if r.Blank() {
			continue
		}
		d, good := checkRow(r)
		keep++
		added++
		if good {
			if old, ok := current[d.Email]; ok && !withdrawn(ch.Withdraw, old.Email) {
				fail(r, "email", t["e_registered"])
				continue
			}
			ch.Add = append(ch.Add, d)
		}
	}
	if !newAllowed && (len(ch.Add) > 0 || len(ch.Replace) > 0) {
		f.Errors = append(f.Errors, t["e_refused"])
		ok = false
	}
	if keep > lim.DelegatesPerMission || added > lim.DelegatesPerReply {
		f.Errors = append(f.Errors, fmt.Sprintf(t["e_cap"], lim.DelegatesPerMission, lim.DelegatesPerReply))
		ok = false
	}
	if ok && ch.Empty() {
		f.Errors = append(f.Errors, t["e_nothing"])
		ok = false
	}
	return ch, ok
}

// answersDiffer reports a changed answer to one of the fields.
func answersDiffer(old, now meeting.Fields, fields []meeting.Field) bool {
	for _, fd := range fields {
		if old.Get(fd.Name) != now.Get(fd.Name) {
			return true
		}
	}
	return false
}

func withdrawn(list []string, email string) bool {
	for _, w := range list {
		if w == email {
			return true
		}
	}
	return false
}

// clean trims a name or title and folds runs of spaces.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// hasControl reports control or formatting characters (line breaks, bidi
// overrides, zero-width marks): none belongs in a name, title or address.
func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}

// emailProblem checks an address (already lower-cased and trimmed): a bare
// local@domain that net/mail reads back unchanged, a local part of at most
// 64 characters, and a domain of at least two labels of letters, digits
// and hyphens (no leading or trailing hyphen), its last label alphabetic
// or a punycode one.
func emailProblem(t map[string]string, e string) string {
	a, err := mail.ParseAddress(e)
	if err != nil || a.Name != "" || a.Address != e || strings.ContainsAny(e, " <>\"(),;:[]\\") {
		return t["e_email"]
	}
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" || len(local) > 64 || strings.Contains(domain, "@") {
		return t["e_email"]
	}
	labels := strings.Split(domain, ".")
	if len(domain) > 253 || len(labels) < 2 {
		return t["e_domain"]
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return t["e_domain"]
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return t["e_domain"]
			}
		}
	}
	tld := labels[len(labels)-1]
	if !strings.HasPrefix(tld, "xn--") {
		if len(tld) < 2 {
			return t["e_domain"]
		}
		for _, c := range tld {
			if c < 'a' || c > 'z' {
				return t["e_domain"]
			}
		}
	}
	return ""
}

// summary lists the change in lang, one line each.
func summary(lang meeting.Lang, ch secretariat.WebChange, m *meeting.Meeting) []string {
	t := texts[lang]
	who := func(d meeting.Delegate) string {
		s := d.Name
		if d.Title != "" {
			s += ", " + d.Title
		}
		s += " <" + d.Email + ">"
		if a := d.Fields.Labels(m, lang); len(a) > 0 {
			s += " (" + strings.Join(a, "; ") + ")"
		}
		return s
	}
	if ch.Decline {
		return []string{t["s_decline"]}
	}
	var out []string
	for _, d := range ch.Add {
		out = append(out, fmt.Sprintf(t["s_add"], who(d)))
	}
	for _, d := range ch.Correct {
		out = append(out, fmt.Sprintf(t["s_correct"], who(d)))
	}
	for _, r := range ch.Replace {
		out = append(out, fmt.Sprintf(t["s_replace"], r.Old, who(r.New)))
	}
	for _, e := range ch.Withdraw {
		out = append(out, fmt.Sprintf(t["s_withdraw"], e))
	}
	return out
}
