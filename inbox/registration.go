package inbox

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"convene/meeting"
)

// Registration is what the text of a reply says about a mission's delegation.
type Registration struct {
	Delegates []meeting.Delegate // delegates to register, in the order written
	Withdrawn []string           // e-mail addresses (or names, when no address was given) withdrawn
	Replaced  []Replacement      // corrections; their New delegates are not repeated in Delegates
	Declined  bool               // the mission will not attend at all
	Problems  []string           // what could not be read with certainty
}

// Replacement is a correction: the delegate Old (an address, or a name when
// no address was given) is replaced by New.
type Replacement struct {
	Old string           `json:"old"`
	New meeting.Delegate `json:"new"`
}

// Empty reports whether r says nothing about the delegation.
func (r Registration) Empty() bool {
	return len(r.Delegates) == 0 && len(r.Withdrawn) == 0 && len(r.Replaced) == 0 && !r.Declined
}

// MaxRegistrationText is how much text ParseRegistration reads; the rest is
// ignored (and reported as a problem).
const MaxRegistrationText = 256 << 10

// ParseRegistration reads the new text of a reply (quotes and signature
// already stripped, see [StripReply]): the reply form with its labels in
// English, French or Spanish, text tables with a header row, free text with
// one delegate per line or several separated by semicolons, corrections
// ("replace X by Y") and withdrawals ("X will no longer attend"). An e-mail
// address anchors a delegate in free text; in the form a Name alone is
// enough, with a problem noted. It never panics.
func ParseRegistration(text string) Registration {
	p := &regParser{}
	if len(text) > MaxRegistrationText {
		text = text[:MaxRegistrationText]
		p.problem("text longer than %d bytes: the rest was not read", MaxRegistrationText)
	}
	p.split(normalizeText(text))
	p.corrections()
	p.textTables()
	p.form()
	p.freeText()
	return p.result()
}

// found is a delegate and the logical line it was read from.
type found struct {
	d    meeting.Delegate
	line int
}

type regParser struct {
	lines    []string // logical lines (soft-wrapped prose joined)
	used     []bool
	found    []found
	reg      Registration
	replLine []int // line of each Replaced entry whose New is still to come
}

func (p *regParser) problem(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if !slices.Contains(p.reg.Problems, s) {
		p.reg.Problems = append(p.reg.Problems, s)
	}
}

// normalizeText turns CRLF and CR into LF, no-break and other odd spaces into
// spaces, drops zero-width characters and invalid UTF-8.
func normalizeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		switch r {
		case '\u00a0', '\u2007', '\u202f', '\u2009', '\u200a', '\u2002', '\u2003', '\u3000', '\v', '\f':
			return ' '
		case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u200e', '\u200f':
			return -1
		case '\u2028', '\u2029':
			return '\n'
		}
		if r < 0x20 && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, s)
}

var (
	emailRE       = regexp.MustCompile(`(?i)(?:mailto:)?([a-z0-9][a-z0-9._%+'\-]*@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,})`)
	sentenceEndRE = regexp.MustCompile(`[.:;!?)]$`)
)

// split cuts text into logical lines: prose soft-wrapped by the mail client
// is joined back, form lines and list items stay on their own.
func (p *regParser) split(text string) {
	raw := strings.Split(text, "\n")
	for i := 0; i < len(raw); i++ {
		line := strings.TrimRight(raw[i], " \t")
		for i+1 < len(raw) && len(line) > 50 && len(line) < 2000 && !sentenceEndRE.MatchString(line) &&
			!strings.ContainsAny(line, "|\t") && isContinuation(raw[i+1], strings.Contains(line, "@")) {
			i++
			line += " " + strings.TrimSpace(raw[i])
		}
		p.lines = append(p.lines, line)
	}
	p.used = make([]bool, len(p.lines))
}

func isContinuation(next string, hasAddress bool) bool {
	t := strings.TrimSpace(next)
	if t == "" || bulletRE.MatchString(next) && stripBullet(next) != t {
		return false
	}
	if f, _, sep := matchLabel(t); f != fNone && sep {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t)
	return unicode.IsLower(r) || !hasAddress && strings.Contains(t, "@") && !strings.ContainsAny(t, "|\t")
}

// ---- corrections, withdrawals, declines ----

var (
	replaceREs = []*regexp.Regexp{
		regexp.MustCompile(`(?i)\b(?:replace|substitute|replacing)\s+(?P<old>.+?)\s+(?:by|with)\b\s*:?\s*(?P<new>.*)$`),
		regexp.MustCompile(`(?i)^(?P<old>.+?)\s+(?:will\s+be|is\s+to\s+be|is|has\s+been|shall\s+be|should\s+be)\s+replaced\s+by\b\s*:?\s*(?P<new>.*)$`),
		regexp.MustCompile(`(?i)\bremplac(?:er|ez|ement\s+de)\s+(?P<old>.+?)\s+par\b\s*:?\s*(?P<new>.*)$`),
		regexp.MustCompile(`(?i)^(?P<old>.+?)\s+(?:sera|est|a\s+été|doit\s+être)\s+remplac[ée]e?\s+par\b\s*:?\s*(?P<new>.*)$`),
		regexp.MustCompile(`(?i)\b(?:sustituir|sustituya|sustituyan|reemplazar|reemplace|reemplacen|sustituci[óo]n\s+de|reemplazo\s+de|cambiar|cambie)\s+(?:a\s+)?(?P<old>.+?)\s+(?:por|con)\b\s*:?\s*(?P<new>.*)$`),
		regexp.MustCompile(`(?i)^(?P<old>.+?)\s+(?:ser[áa]|es|ha\s+sido|debe\s+ser)\s+(?:sustituid[oa]|reemplazad[oa])\s+por\b\s*:?\s*(?P<new>.*)$`),
		regexp.MustCompile(`(?i)^(?P<new>.+?)\s+(?:instead\s+of|in\s+place\s+of|in\s+replacement\s+of|à\s+la\s+place\s+de|en\s+remplacement\s+de|au\s+lieu\s+de|en\s+lugar\s+de|en\s+vez\s+de|en\s+sustituci[óo]n\s+de|en\s+reemplazo\s+de)\s+(?P<old>.+?)\s*[.;]?$`),
	}
	withdrawREs = []*regexp.Regexp{
		regexp.MustCompile(`(?i)^(?P<who>.+?)\s+(?:will|would|shall|can|could|is\s+going\s+to)\s+no\s+longer\s+(?:be\s+(?:able\s+to\s+)?)?(?:attend|attending|participate|participating|take\s+part|be\s+part|join|come|travel|be\s+present)`),
		regexp.MustCompile(`(?i)^(?P<who>.+?)\s+(?:is|are)\s+no\s+longer\s+(?:attending|participating|part\s+of|a\s+member|coming|available|able)`),
		regexp.MustCompile(`(?i)^(?P<who>.+?)\s+(?:has|have)\s+(?:withdrawn|cancelled|canceled)\b`),
		regexp.MustCompile(`(?i)\b(?:withdraw|remove|cancel|delete|unregister|deregister)\s+(?:the\s+(?:registration|participation|name)\s+of\s+)?(?P<who>.+?)(?:\s+(?:from|of)\s+(?:the|our|my)\s+.*|\s*[.,;]?\s*)$`),
		regexp.MustCompile(`(?i)^(?P<who>.+?)\s+ne\s+(?:participera|pourra|sera|viendra|fera|prendra)\s+plus\b`),
		regexp.MustCompile(`(?i)^(?P<who>.+?)\s+(?:se\s+retire|s['’]est\s+retir[ée]e?|a\s+annul[ée])`),
		regexp.MustCompile(`(?i)\b(?:retirer|supprimer|annuler|rayer|retirez|supprimez|annulez)\s+(?:l['’]inscription\s+de\s+|la\s+participation\s+de\s+|le\s+nom\s+de\s+)?(?P<who>.+?)(?:\s+de\s+(?:la|notre|votre)\s+.*|\s*[.,;]?\s*)$`),
		regexp.MustCompile(`(?i)^(?P<who>.+?)\s+ya\s+no\s+(?:participar[áa]|asistir[áa]|podr[áa]|formar[áa]|viajar[áa]|estar[áa]|va\s+a)`),
		regexp.MustCompile(`(?i)^(?P<who>.+?)\s+(?:se\s+ha\s+retirado|ha\s+cancelado)`),
		regexp.MustCompile(`(?i)\b(?:retirar|retire|eliminar|elimine|cancelar|cancele|borrar|borre|dar\s+de\s+baja)\s+(?:la\s+(?:inscripci[óo]n|participaci[óo]n)\s+de\s+|a\s+|el\s+nombre\s+de\s+)?(?P<who>.+?)(?:\s+de\s+(?:la|nuestra|su)\s+.*|\s*[.,;]?\s*)$`),
	}
	// notAttendREs: "X will not attend": a withdrawal when X is a person, a
	// decline when X is the mission.
	notAttendREs = []*regexp.Regexp{
		regexp.MustCompile(`(?i)^(?P<who>.+?)\s+(?:will|would|shall|can|could|is\s+going\s+to)\s*(?:not|n['’]t)\s+(?:be\s+(?:able|in\s+a\s+position)\s+to\s+)?(?:attend|participate|take\s+part|join|come|be\s+represented|be\s+present)`),
		regexp.MustCompile(`(?i)^(?P<who>.+?)\s+(?:is|are)\s+(?:unable|not\s+able)\s+to\s+(?:attend|participate|take\s+part|join)`),
		regexp.MustCompile(`(?i)^(?P<who>.+?)\s+ne\s+(?:participera|pourra|sera|viendra|prendra)\s+pas\b`),
		regexp.MustCompile(`(?i)^(?P<who>.+?)\s+(?:n['’]est\s+pas\s+en\s+mesure|n['’]a\s+pas\s+la\s+possibilit[ée])`),
		regexp.MustCompile(`(?i)^(?P<who>.+?)\s+no\s+(?:participar[áa]|asistir[áa]|podr[áa]\s+(?:participar|asistir|estar)|estar[áa]\s+(?:representad|presente))`),
	}
	declineREs = []*regexp.Regexp{
		regexp.MustCompile(`(?i)\b(?:regrets?|regret\s+to\s+inform\s+you)\s+that\s+(?:it|we|the\s+\w+)\s+(?:will|would|can|is|are)\s*(?:not|n['’]t|unable)`),
		regexp.MustCompile(`(?i)\b(?:decline|declines)\s+(?:the|your)\s+(?:kind\s+)?invitation\b`),
		regexp.MustCompile(`(?i)\b(?:will|shall)\s+not\s+be\s+represented\b`),
		regexp.MustCompile(`(?i)\bregrett?e\s+de\s+ne\s+pas\s+pouvoir\s+(?:participer|assister|prendre\s+part|être\s+représent)`),
		regexp.MustCompile(`(?i)\bne\s+sera\s+pas\s+représenté`),
		regexp.MustCompile(`(?i)\bd[ée]cliner?\s+(?:l['’]|votre\s+aimable\s+)invitation`),
		regexp.MustCompile(`(?i)\blamenta\s+(?:informar(?:le|les)?\s+que\s+)?no\s+(?:poder|podr[áa])\s+(?:participar|asistir|estar)`),
		regexp.MustCompile(`(?i)\bno\s+estar[áa]\s+representad[oa]`),
		regexp.MustCompile(`(?i)\bdeclinar\s+(?:la\s+|su\s+amable\s+)invitaci[óo]n`),
	}
	leadInRE       = regexp.MustCompile(`(?i)^(?:.*?\b(?:that|que|qu['’]))\s+`)
	adverbRE       = regexp.MustCompile(`(?i)^(?:unfortunately|regrettably|sadly|however|please\s+note\s+that|kindly\s+note\s+that|malheureusement|toutefois|cependant|lamentablemente|desafortunadamente|sin\s+embargo|desgraciadamente)[, ]+`)
	missionRE      = regexp.MustCompile(`(?i)(?:^|\s)(?:i|we|it|they|us|our|my|nous|je|j['’]|notre|ma|mon|il|elle|nosotros|yo|nuestra|nuestro|mi)(?:\s|$)|\b(?:mission|delegation|government|state|country|permanent|embassy|ministry|mission|délégation|gouvernement|état|pays|ambassade|ministère|misión|delegación|gobierno|estado|país|embajada|ministerio)\b`)
	honorificAnyRE = regexp.MustCompile(`(?i)(?:^|[\s(,;])(?:h\.\s?e\.|s\.\s?e\.|mr\.?|mrs\.?|ms\.?|m\.|mme\.?|mlle\.?|sr\.?|sra\.?|srta\.?|dr\.?|dra\.?|prof\.?)\s+\p{Lu}`)
	phoneRE        = regexp.MustCompile(`^[+()\d\s./\-]{6,}$`)
)

// corrections finds replacements, withdrawals and declines, line by line.
func (p *regParser) corrections() {
	for i, line := range p.lines {
		s := strings.TrimSpace(stripBullet(line))
		if s == "" || len(s) > 1000 {
			continue
		}
		if p.replacement(i, s) || p.withdrawal(s) {
			p.used[i] = true
			continue
		}
		for _, re := range declineREs {
			if re.MatchString(s) {
				p.reg.Declined = true
				p.used[i] = true
				break
			}
		}
	}
}

func (p *regParser) replacement(i int, s string) bool {
	for _, re := range replaceREs {
		m := re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		old := strings.TrimSpace(m[re.SubexpIndex("old")])
		nw := strings.TrimSpace(m[re.SubexpIndex("new")])
		o := personRef(old)
		if o == "" {
			continue
		}
		r := Replacement{Old: o}
		if d, ok := parseSegment(nw); ok {
			r.New = d
		} else if name := leadingName(cleanClause(nw, false)); name != "" {
			r.New = meeting.Delegate{Name: name}
			p.problem("no e-mail address for %s", name)
		}
		p.reg.Replaced = append(p.reg.Replaced, r)
		if r.New == (meeting.Delegate{}) {
			p.replLine = append(p.replLine, i) // the new delegate follows, in a form
		} else {
			p.replLine = append(p.replLine, -1)
		}
		return true
	}
	return false
}

func (p *regParser) withdrawal(s string) bool {
	for _, re := range withdrawREs {
		m := re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		who := strings.TrimSpace(m[re.SubexpIndex("who")])
		if isMission(who) {
			p.reg.Declined = true
			return true
		}
		if ref := personRef(who); ref != "" {
			p.reg.Withdrawn = appendUnique(p.reg.Withdrawn, ref)
			return true
		}
	}
	for _, re := range notAttendREs {
		m := re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		who := strings.TrimSpace(m[re.SubexpIndex("who")])
		if isMission(who) {
			p.reg.Declined = true
			return true
		}
		if ref := personRef(who); ref != "" {
			p.reg.Withdrawn = appendUnique(p.reg.Withdrawn, ref)
			return true
		}
		p.reg.Declined = true
		return true
	}
	return false
}

// cleanClause drops the lead-in of a clause ("Please note that", "We
// inform you that", "Unfortunately,"); withComma also drops everything
// up to the last comma.
func cleanClause(s string, withComma bool) string {
	s = strings.TrimSpace(s)
	if loc := leadInRE.FindStringIndex(s); loc != nil && loc[1] < len(s) {
		s = s[loc[1]:]
	}
	for {
		loc := adverbRE.FindStringIndex(s)
		if loc == nil || loc[1] == 0 {
			break
		}
		s = s[loc[1]:]
	}
	if i := strings.LastIndex(s, ", "); withComma && i >= 0 {
		s = s[i+2:]
	}
	return strings.Trim(s, " ,;:.")
}

// isMission reports whether the subject of a sentence is the mission itself
// ("we", "our delegation", "the Permanent Mission of Arcadia", "Arcadia").
func isMission(who string) bool {
	w := cleanClause(who, false)
	if emailRE.MatchString(w) || honorificAnyRE.MatchString(" "+w) {
		return false
	}
	if missionRE.MatchString(w) {
		return true
	}
	w = cleanClause(w, true)
	return missionRE.MatchString(w) || len(strings.Fields(w)) == 1
}

// personRef names a person in a correction or withdrawal: the e-mail address
// when one is given, else the name.
func personRef(s string) string {
	if m := emailRE.FindStringSubmatch(s); m != nil {
		return strings.ToLower(m[1])
	}
	for _, comma := range []bool{false, true} {
		if name := leadingName(cleanClause(s, comma)); len(strings.Fields(name)) >= 2 {
			return name
		}
	}
	return ""
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return list
		}
	}
	return append(list, s)
}

// leadingName returns the name that starts s: courtesy titles, then words
// that start with a capital letter (with particles such as "de", "van",
// "del"). "Ms. Jane Roe will attend" gives "Ms. Jane Roe".
func leadingName(s string) string {
	s = stripArticle(strings.TrimSpace(s))
	hon := ""
	if loc := honorificRE.FindStringIndex(s); loc != nil {
		hon, s = strings.TrimSpace(s[:loc[1]]), s[loc[1]:]
	}
	var words []string
	fields := strings.Fields(s)
	for i, w := range fields {
		w = strings.Trim(w, ",;:()")
		r, _ := utf8.DecodeRuneInString(w)
		switch {
		case unicode.IsUpper(r):
			words = append(words, w)
			if strings.ContainsAny(fields[i][len(fields[i])-1:], ",;:)") {
				break
			}
			continue
		case isParticle(w) && len(words) > 0 && i+1 < len(fields):
			if r2, _ := utf8.DecodeRuneInString(fields[i+1]); unicode.IsUpper(r2) {
				words = append(words, w)
				continue
			}
		}
		break
	}
	for len(words) > 0 && isParticle(words[len(words)-1]) {
		words = words[:len(words)-1]
	}
	if len(words) == 0 || len(words) > 6 {
		return ""
	}
	name := strings.Join(words, " ")
	if hon != "" {
		name = hon + " " + name
	}
	return name
}

func isParticle(w string) bool {
	switch strings.ToLower(w) {
	case "de", "da", "di", "do", "dos", "das", "del", "de la", "la", "le", "van", "von", "der", "den", "ter", "bin", "binti", "ibn", "al", "el", "y", "e", "du", "des":
		return true
	}
	return false
}

// looksLikeName reports whether s could be a person's name: one to seven
// words, no digits, mostly capitalised, not a known label or title.
func looksLikeName(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "@0123456789:?!") || len(s) > 80 || closingRE.MatchString(s) || greetingRE.MatchString(s) {
		return false
	}
	if honorificAnyRE.MatchString(" " + s) {
		return true
	}
	words := strings.Fields(s)
	if len(words) < 2 || len(words) > 7 {
		return false
	}
	caps := 0
	for _, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsUpper(r) {
			caps++
		} else if !isParticle(w) {
			return false
		}
	}
	return caps >= 2 && !isTitleWords(s)
}

// greetingRE matches the openings of letters, which are not names.
var greetingRE = regexp.MustCompile(`(?i)^(?:dear|hello|hi|good\s+(?:morning|afternoon)|excellency|your\s+excellency|madam|sir|ladies|bonjour|cher|ch[èe]re|chers|madame,|monsieur,|excellence|mesdames|estimad[oa]s?|querid[oa]s?|se[ñn]or(?:a|es)?\s*:|excelencia|distinguid[oa]s?|hola|buenos\s+d[íi]as)\b`)

var titleWordRE = regexp.MustCompile(`(?i)\b(?:ambassador|ambassadeur|embajador|embajadora|secretary|secrétaire|secretari[oa]|counsell?or|conseill[eè]re?|consejer[oa]|attaché|agregad[oa]|minister|ministre|ministro|director|directeur|directrice|directora?|head|chef|jef[ae]|deputy|adjointe?|adjunt[oa]|representative|représentante?|representante|officer|fonctionnaire|funcionari[oa]|advis[eo]r|expert|experte?|expert[oa]|delegate|délégué|delegad[oa]|permanent|chargé|encargad[oa]|first|second|third|premier|première|deuxième|troisième|primer|primera|segund[oa]|tercer[oa]|minister-counsellor|intern|stagiaire|pasante|mission|misión|ministry|ministère|ministerio|department|département|departamento|division|unit|section)\b`)

func isTitleWords(s string) bool {
	return titleWordRE.MatchString(s) && !honorificAnyRE.MatchString(" "+s)
}

// ---- free text ----

var (
	segSepRE    = regexp.MustCompile(`\s*[,;|\t]\s*|\s+[-–—/]\s+|\s*[()\[\]]\s*|\s{3,}|\s*:\s+`)
	surnameRE   = regexp.MustCompile(`^(\p{Lu}[\p{Lu}'’\-]+(?:\s+\p{Lu}[\p{Lu}'’\-]+)*)\s*,\s*(\p{Lu}[\p{L}'’\-.]*(?:\s+\p{Lu}[\p{L}'’\-.]*)*)\s*(?:\(([^)]{1,20})\))?`)
	junkRE      = regexp.MustCompile(`[{}]|":|=\S|://|\S{60,}|^(?i:from|to|cc|reply-to|sender|return-path|received|message-id|subject|date)\s*:|^[A-Z][A-Za-z]*-[A-Za-z-]+:\s`)
	proseWordRE = regexp.MustCompile(`(?i)\b(?:please|contact|write|questions?|queries|regarding|should|would|could|kindly|veuillez|contacter|contactez|écrire|questions?|merci|por\s+favor|contacte|escriba|preguntas?|consultas?|reply|respond|send|envoyer|enviar|copy|copie|copia|cc)\b`)
)

// parseSegment reads one delegate from free text anchored by an e-mail
// address: "H.E. Mr. John Smith, Ambassador, j.smith@x.example",
// "DOE, Jane (Ms.) - Counsellor - jane.doe@x.example",
// "Ms. Jane Roe <jane.roe@x.example>".
func parseSegment(seg string) (meeting.Delegate, bool) {
	m := emailRE.FindStringSubmatchIndex(seg)
	if m == nil {
		return meeting.Delegate{}, false
	}
	d := meeting.Delegate{Email: strings.ToLower(seg[m[2]:m[3]])}
	rest := seg[:m[0]] + " " + seg[m[1]:]
	rest = strings.NewReplacer("<>", " ", "()", " ", "[]", " ", "< >", " ", "( )", " ").Replace(rest)
	rest = stripBullet(rest)
	// labels in the segment: "Email:", "Name:"
	d.Name, d.Title = nameAndTitle(rest)
	return d, true
}

// nameAndTitle splits what surrounds an address into a name and a title.
func nameAndTitle(rest string) (name, title string) {
	rest = strings.TrimSpace(rest)
	if i := strings.LastIndex(rest, ": "); i >= 0 {
		// "Our delegation: Mr. X, ..." drops the introduction
		if f, _, _ := matchLabel(rest[:i]); f == fNone {
			rest = rest[i+2:]
		}
	}
	hon := ""
	if m := surnameRE.FindStringSubmatchIndex(rest); m != nil {
		h := ""
		if m[6] >= 0 {
			h = rest[m[6]:m[7]]
		}
		if h == "" || isHonorific(h) {
			name = rest[m[4]:m[5]] + " " + rest[m[2]:m[3]]
			if h != "" {
				name = h + " " + name
			}
			rest = rest[m[1]:]
		}
	}
	var titles []string
	for _, c := range segSepRE.Split(rest, -1) {
		c = stripArticle(strings.Trim(c, " .,;:-–—*_\"'<>"))
		if c == "" {
			continue
		}
		if f, v, sep := matchLabel(c); f != fNone && (sep || v == "") {
			c = strings.TrimSpace(v)
			if c == "" {
				continue
			}
		}
		if name == "" && !honorificRE.MatchString(c) && len(strings.Fields(c)) > 3 {
			// "Our delegation will be headed by H.E. Mr. John Smith"
			if loc := honorificAnyRE.FindStringIndex(" " + c); loc != nil {
				if n := leadingName(strings.TrimLeft(c[max(loc[0]-1, 0):], " (,;")); n != "" {
					c = n
				}
			}
		}
		switch {
		case phoneRE.MatchString(c):
			continue
		case isHonorific(c) || isHonorific(c+"."):
			if name != "" && !honorificRE.MatchString(name) {
				name = c + " " + name
			} else {
				hon = c
			}
		case name == "" && (looksLikeName(c) || (hon != "" && leadingName(c) != "")):
			name = c
			if hon != "" {
				name = hon + " " + name
				hon = ""
			}
		case len(strings.Fields(c)) <= 10:
			titles = append(titles, c)
		}
	}
	if name == "" && len(titles) > 0 && !isTitleWords(titles[0]) && leadingName(titles[0]) == titles[0] {
		name, titles = titles[0], titles[1:]
	}
	return strings.TrimSpace(name), strings.Join(titles, ", ")
}

// freeText reads delegates from the lines not used yet: each line (or each
// part between semicolons) with an address is a delegate; an address alone
// on its line takes the name and title from the lines just above it.
func (p *regParser) freeText() {
	for i, line := range p.lines {
		if p.used[i] || !strings.Contains(line, "@") {
			continue
		}
		for _, seg := range splitSegments(line) {
			d, ok := parseSegment(seg)
			if !ok {
				continue
			}
			rest := strings.TrimSpace(emailRE.ReplaceAllString(seg, ""))
			if junkRE.MatchString(rest) {
				continue // JSON, URLs, headers: not written by a person
			}
			if words := len(strings.Fields(rest)); words > 12 || (proseWordRE.MatchString(rest) && d.Name == "") {
				p.problem("address %s appears in a sentence and was not read as a delegate", d.Email)
				continue
			}
			if d.Name == "" && d.Title == "" {
				d.Name, d.Title = p.lookBack(i)
			}
			p.found = append(p.found, found{d: d, line: i})
		}
		p.used[i] = true
	}
}

// splitSegments cuts a line holding several delegates: at semicolons, and
// after each address when there are several.
func splitSegments(line string) []string {
	var out []string
	for _, piece := range strings.Split(line, ";") {
		locs := emailRE.FindAllStringIndex(piece, -1)
		if len(locs) <= 1 {
			out = append(out, piece)
			continue
		}
		start := 0
		for k, loc := range locs {
			end := loc[1]
			if k == len(locs)-1 {
				end = len(piece)
			} else {
				for end < len(piece) && strings.ContainsRune(">)]", rune(piece[end])) {
					end++
				}
			}
			out = append(out, piece[start:end])
			start = end
		}
	}
	return out
}

// lookBack finds the name and title of an address alone on its line in the
// lines just above it ("Mr. John Smith / Ambassador / j.smith@x").
func (p *regParser) lookBack(i int) (name, title string) {
	var block []int
	blanks := 0
	for j := i - 1; j >= 0 && len(block) < 3; j-- {
		t := strings.TrimSpace(stripBullet(p.lines[j]))
		if t == "" {
			// cells of a table turned into text are often one per line,
			// separated by blank lines
			if blanks++; blanks > 3 {
				break
			}
			continue
		}
		if p.used[j] || strings.Contains(t, "@") || strings.HasSuffix(t, ":") || len(strings.Fields(t)) > 10 || closingRE.MatchString(t) || greetingRE.MatchString(t) {
			break
		}
		block = append([]int{j}, block...)
		if looksLikeName(t) {
			break // the name starts the block
		}
	}
	var titles []string
	for _, j := range block {
		t := strings.TrimSpace(stripBullet(p.lines[j]))
		if f, v, sep := matchLabel(t); f != fNone && sep {
			t = v
		}
		if name == "" && looksLikeName(t) {
			name = t
			p.used[j] = true
			continue
		}
		if name != "" {
			titles = append(titles, t)
			p.used[j] = true
		}
	}
	return name, strings.Join(titles, ", ")
}

// ---- result ----

func (p *regParser) result() Registration {
	// a correction whose new delegate was given below it, in the form
	for k, at := range p.replLine {
		if at < 0 {
			continue
		}
		for j, f := range p.found {
			if f.line > at {
				p.reg.Replaced[k].New = f.d
				p.found = slices.Delete(p.found, j, j+1)
				break
			}
		}
		if p.reg.Replaced[k].New == (meeting.Delegate{}) {
			p.problem("the replacement of %s is not named", p.reg.Replaced[k].Old)
		}
	}
	slices.SortStableFunc(p.found, func(a, b found) int { return a.line - b.line })
	byEmail := map[string]int{}
	byName := map[string]int{}
	for _, f := range p.found {
		d := f.d
		d.Name = collapseSpaces(d.Name)
		d.Title = collapseSpaces(d.Title)
		if d.Email != "" {
			if k, ok := byEmail[d.Email]; ok {
				mergeDelegate(&p.reg.Delegates[k], d)
				continue
			}
		}
		if key := strings.ToLower(d.Name); key != "" {
			if k, ok := byName[key]; ok && (p.reg.Delegates[k].Email == "" || d.Email == "") {
				mergeDelegate(&p.reg.Delegates[k], d)
				if d.Email != "" {
					byEmail[d.Email] = k
				}
				continue
			}
		}
		if d.Email != "" {
			byEmail[d.Email] = len(p.reg.Delegates)
		}
		if d.Name != "" {
			byName[strings.ToLower(d.Name)] = len(p.reg.Delegates)
		}
		p.reg.Delegates = append(p.reg.Delegates, d)
	}
	for _, d := range p.reg.Delegates {
		if d.Email == "" {
			p.problem("no e-mail address for %s", d.Name)
		}
	}
	return p.reg
}

func mergeDelegate(dst *meeting.Delegate, d meeting.Delegate) {
	if dst.Name == "" {
		dst.Name = d.Name
	}
	if dst.Title == "" {
		dst.Title = d.Title
	}
	if dst.Email == "" {
		dst.Email = d.Email
	}
}

func collapseSpaces(s string) string { return strings.Join(strings.Fields(s), " ") }

var articleRE = regexp.MustCompile(`(?i)^(?:the|la|el|le|les|los|las|a|al|à|por\s+el|por\s+la|par)\s+`)

// stripArticle drops an article before a courtesy title: "la Sra. Díaz".
func stripArticle(s string) string {
	if loc := articleRE.FindStringIndex(s); loc != nil && honorificRE.MatchString(s[loc[1]:]) {
		return s[loc[1]:]
	}
	return s
}
