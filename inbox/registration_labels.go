package inbox

import (
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// field is what a label of the reply form (or a table column) names.
type field int

const (
	fNone       field = iota
	fName             // full name
	fFirst            // first name
	fLast             // last name
	fTitle            // title or function
	fEmail            // e-mail address
	fNameTitle        // "name and title" in one field
	fHonorific        // Mr., Ms., H.E.
	fDelegation       // delegation, country, mission: not data
	fIgnore           // telephone and the like: not data
)

// labelAlts lists the labels in English, French and Spanish. Matching is
// case-insensitive; the longest label wins.
var labelAlts = []struct {
	f  field
	re string
}{
	{fNameTitle, `(?:full\s+)?name\s*(?:and|&|/)\s*(?:title|function|position)|nom\s*(?:et|&|/)\s*(?:titre|fonction|qualit[ée])|nombre\s*(?:y|/)\s*(?:cargo|funci[óo]n)`},
	{fFirst, `first\s*name|given\s*name|pr[ée]noms?|nombre\s+de\s+pila|nombres?\s+propios?`},
	{fLast, `last\s*name|surname|family\s*name|nom\s+de\s+famille|apellidos?`},
	{fName, `(?:full\s+)?name|(?:delegate|participant)(?:'s)?\s+name|name\s+of\s+(?:the\s+)?(?:delegate|participant)|nom(?:\s+complet|\s+et\s+pr[ée]noms?|\s+du\s+d[ée]l[ée]gu[ée]e?|\s+du\s+participant)?|pr[ée]noms?\s+et\s+nom|nom\s*,\s*pr[ée]noms?|nombre(?:\s+completo|\s+y\s+apellidos?|\s+del\s+(?:delegado|participante))?|apellidos?\s+y\s+nombres?|d[ée]l[ée]gu[ée]e?|delegate|participant|delegad[oa]|participante`},
	{fTitle, `title\s*(?:/|or|and)\s*function|title|function|position|designation|job\s+title|titre\s*(?:/|ou|et)\s*fonction|titre|fonction|qualit[ée]|cargo|funci[óo]n|puesto|t[íi]tulo`},
	{fEmail, `e-?\s?mail(?:\s+address)?|email\s+address|courriel|adresse\s+(?:[ée]lectronique|e-?mail|courriel)|correo(?:\s+electr[óo]nico|-e)?|mail`},
	{fDelegation, `d[ée]l[ée]gation|delegaci[óo]n|country|pays|pa[íi]s|state|[ée]tat|estado|mission|misi[óo]n|organi[sz]ation|organi[sz]aci[óo]n|organisme|organismo`},
	{fHonorific, `salutation|civilit[ée]|tratamiento|honorific|mr\s*/\s*ms|m\.\s*/\s*mme|sr\.?\s*/\s*sra\.?`},
	{fIgnore, `tel|tel[ée]phone|tel[ée]fono|phone|mobile|cell|fax|m[óo]vil|portable|celular|address|adresse|direcci[óo]n|remarks|remarques|observaciones|notes?`},
}

var (
	labelREs = func() []*regexp.Regexp {
		out := make([]*regexp.Regexp, len(labelAlts))
		for i, a := range labelAlts {
			out[i] = regexp.MustCompile(`(?i)^(?:` + a.re + `)`)
			out[i].Longest()
		}
		return out
	}()
	// labelFilters tell that a line does not start with a label of
	// labelREs[i] (built on first use); labelStart, from their first two
	// runes, that it starts with none
	labelFilters = func() []func() *dfaFilter {
		out := make([]func() *dfaFilter, len(labelAlts))
		for i, a := range labelAlts {
			out[i] = sync.OnceValue(func() *dfaFilter { return newDFAFilter(`(?i)^(?:`+a.re+`)`, true) })
		}
		return out
	}()
	labelStart = func() *startFilter {
		var u *startFilter
		for _, a := range labelAlts {
			f, err := newStartFilter(`(?i)^(?:` + a.re + `)`)
			if err != nil {
				panic(err)
			}
			if u == nil {
				u = f
			} else {
				u = u.union(f)
			}
		}
		return u
	}()
	allLabels = func() string {
		var parts []string
		for _, a := range labelAlts {
			parts = append(parts, a.re)
		}
		return strings.Join(parts, "|")
	}()
	// inlineLabelRE finds "Label:" anywhere in a line, to split lines that
	// hold several fields ("Name: X   Title: Y   Email: Z").
	inlineLabelRE = regexp.MustCompile(`(?i)(?:^|[\s|;,(])(?:` + allLabels + `)\s*[:：]`)
	bulletRE      = mustLineRE(`^\s*(?:[-*•·▪◦‣–+►o]\s+|[-*•·▪◦‣–►]|\(?\d{1,2}[.)]\s*|\(?[a-h][.)]\s+|[ivx]{1,4}[.)]\s+)`)
)

// matchLabel reports which field s starts with (after bullets and emphasis),
// and the rest of s after the label and its separator. sep tells whether a
// separator (colon, equals sign, dash, tab, several spaces) followed the label.
func matchLabel(s string) (f field, rest string, sep bool) {
	s = stripBullet(s)
	s = strings.TrimLeft(s, "*_ ")
	if !labelStart.may(s) {
		return fNone, s, false // no label regexp matches
	}
	best, bestLen := fNone, 0
	for i, re := range labelREs {
		if !labelFilters[i]().may(s) {
			continue // re does not match
		}
		loc := re.FindStringIndex(s)
		if loc == nil || loc[1] <= bestLen {
			continue
		}
		// the label must end at a word boundary
		if r, _ := utf8.DecodeRuneInString(s[loc[1]:]); loc[1] < len(s) && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			continue
		}
		best, bestLen = labelAlts[i].f, loc[1]
	}
	if best == fNone {
		return fNone, s, false
	}
	rest = s[bestLen:]
	rest = strings.TrimLeft(rest, "*_")
	// an explanation in brackets: "Email (mandatory):", "Name (in full):"
	if t := strings.TrimLeft(rest, " "); strings.HasPrefix(t, "(") {
		if j := strings.IndexByte(t, ')'); j > 0 && j < 60 {
			rest = t[j+1:]
		}
	}
	rest = strings.TrimLeft(rest, "*_")
	switch t := strings.TrimLeft(rest, " \t"); {
	case t == "":
		return best, "", true
	case strings.HasPrefix(t, ":") || strings.HasPrefix(t, "：") || strings.HasPrefix(t, "="):
		_, size := utf8.DecodeRuneInString(t)
		return best, strings.TrimSpace(strings.TrimLeft(t[size:], "*_ \t")), true
	case strings.HasPrefix(rest, "\t") || strings.HasPrefix(rest, "  ") || strings.HasPrefix(t, "| "):
		return best, strings.TrimSpace(strings.TrimPrefix(t, "| ")), true
	case strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "– ") || strings.HasPrefix(t, "— "):
		_, size := utf8.DecodeRuneInString(t)
		return best, strings.TrimSpace(t[size:]), true
	default:
		return best, strings.TrimSpace(t), false
	}
}

// stripBullet removes a list bullet or number from the start of s.
func stripBullet(s string) string {
	if loc := bulletRE.FindStringIndex(s); loc != nil {
		// "o" and letters are bullets only when followed by a space; a
		// number must not be a date or a phone number.
		return s[loc[1]:]
	}
	return strings.TrimLeft(s, " \t")
}

// placeholderRE matches the blank of a form: underscores, dots, brackets.
var placeholderRE = regexp.MustCompile(`^[\s_.…\-–—:*\[\](){}<>|/\\]*$`)

// cleanValue trims a form value and empties placeholders such as "______",
// "[name]", "<email>", "N/A".
func cleanValue(v string) string {
	v = strings.TrimSpace(strings.Trim(v, "*_ \t"))
	if placeholderRE.MatchString(v) {
		return ""
	}
	if (strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]")) || (strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">") && !strings.Contains(v, "@")) {
		return ""
	}
	switch strings.ToLower(v) {
	case "n/a", "na", "n.a.", "none", "néant", "neant", "ninguno", "-", "tbd", "tbc", "à confirmer", "por confirmar":
		return ""
	}
	return strings.TrimRight(v, " ,;")
}

// honorificRE matches courtesy titles that start a name, in the three
// languages: "H.E. Mr.", "S.E. M.", "Mme", "Sr.", "Sra.", "Dr.", "Prof.".
var honorificRE = mustLineRE(`(?i)^(?:(?:h\.\s?e\.|s\.\s?e\.|his excellency|her excellency|son excellence|su excelencia|excmo\.?|excma\.?|mr\.?|mrs\.?|ms\.?|miss|mx\.?|m\.|mme\.?|mlle\.?|monsieur|madame|mademoiselle|sr\.?|sra\.?|srta\.?|se[ñn]or|se[ñn]ora|dr\.?|dra\.?|prof\.?|amb\.?)(?:\s+|$))+`)

// isHonorific reports whether s is only courtesy titles ("Mr.", "H.E. Ms.").
func isHonorific(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	loc := honorificRE.FindStringIndex(s + " ")
	return loc != nil && loc[1] >= len(s)
}

// fieldOfHeader reports which field a table or CSV header cell names.
func fieldOfHeader(s string) field {
	f, rest, _ := matchLabel(strings.TrimSpace(s))
	if f == fNone || strings.TrimSpace(strings.Trim(rest, ":：*")) != "" {
		return fNone
	}
	return f
}
