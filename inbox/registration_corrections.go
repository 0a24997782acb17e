package inbox

import (
	"regexp"
	"strings"

	"convene/meeting"
)

var (
	replaceREs = []gatedRE{
		gated("replac substitut", `(?i)\b(?:replace|substitute|replacing)\s+(?P<old>.+?)\s+(?:by|with)\b\s*:?\s*(?P<new>.*)$`),
		gated("replac", `(?i)^(?P<old>.+?)\s+(?:will\s+be|is\s+to\s+be|is|has\s+been|shall\s+be|should\s+be)\s+replaced\s+by\b\s*:?\s*(?P<new>.*)$`),
		gated("remplac", `(?i)\bremplac(?:er|ez|ement\s+de)\s+(?P<old>.+?)\s+par\b\s*:?\s*(?P<new>.*)$`),
		gated("remplac", `(?i)^(?P<old>.+?)\s+(?:sera|est|a\s+été|doit\s+être)\s+remplac[ée]e?\s+par\b\s*:?\s*(?P<new>.*)$`),
		gated("sustitu reemplaz reemplac cambi", `(?i)\b(?:sustituir|sustituya|sustituyan|reemplazar|reemplace|reemplacen|sustituci[óo]n\s+de|reemplazo\s+de|cambiar|cambie)\s+(?:a\s+)?(?P<old>.+?)\s+(?:por|con)\b\s*:?\s*(?P<new>.*)$`),
		gated("sustitu reemplaz", `(?i)^(?P<old>.+?)\s+(?:ser[áa]|es|ha\s+sido|debe\s+ser)\s+(?:sustituid[oa]|reemplazad[oa])\s+por\b\s*:?\s*(?P<new>.*)$`),
		gated("instead place replac remplac lieu lugar vez sustitu reemplaz", `(?i)^(?P<new>.+?)\s+(?:instead\s+of|in\s+place\s+of|in\s+replacement\s+of|à\s+la\s+place\s+de|en\s+remplacement\s+de|au\s+lieu\s+de|en\s+lugar\s+de|en\s+vez\s+de|en\s+sustituci[óo]n\s+de|en\s+reemplazo\s+de)\s+(?P<old>.+?)\s*[.;]?$`),
	}
	withdrawREs = []gatedRE{
		gated("longer", `(?i)^(?P<who>.+?)\s+(?:will|would|shall|can|could|is\s+going\s+to)\s+no\s+longer\s+(?:be\s+(?:able\s+to\s+)?)?(?:attend|attending|participate|participating|take\s+part|be\s+part|join|come|travel|be\s+present)`),
		gated("longer", `(?i)^(?P<who>.+?)\s+(?:is|are)\s+no\s+longer\s+(?:attending|participating|part\s+of|a\s+member|coming|available|able)`),
		gated("withdraw cancel", `(?i)^(?P<who>.+?)\s+(?:has|have)\s+(?:withdrawn|cancelled|canceled)\b`),
		gated("withdraw remove cancel delete register", `(?i)\b(?:withdraw|remove|cancel|delete|unregister|deregister)\s+(?:the\s+(?:registration|participation|name)\s+of\s+)?(?P<who>.+?)(?:\s+(?:from|of)\s+(?:the|our|my)\s+.*|\s*[.,;]?\s*)$`),
		gated("plus + participera pourra sera viendra fera prendra", `(?i)^(?P<who>.+?)\s+ne\s+(?:participera|pourra|sera|viendra|fera|prendra)\s+plus\b`),
		gated("retir annul", `(?i)^(?P<who>.+?)\s+(?:se\s+retire|s['’]est\s+retir[ée]e?|a\s+annul[ée])`),
		gated("retir supprim annul rayer", `(?i)\b(?:retirer|supprimer|annuler|rayer|retirez|supprimez|annulez)\s+(?:l['’]inscription\s+de\s+|la\s+participation\s+de\s+|le\s+nom\s+de\s+)?(?P<who>.+?)(?:\s+de\s+(?:la|notre|votre)\s+.*|\s*[.,;]?\s*)$`),
		gated("ya", `(?i)^(?P<who>.+?)\s+ya\s+no\s+(?:participar[áa]|asistir[áa]|podr[áa]|formar[áa]|viajar[áa]|estar[áa]|va\s+a)`),
		gated("retir cancel", `(?i)^(?P<who>.+?)\s+(?:se\s+ha\s+retirado|ha\s+cancelado)`),
		gated("retir elimin cancel borr baja", `(?i)\b(?:retirar|retire|eliminar|elimine|cancelar|cancele|borrar|borre|dar\s+de\s+baja)\s+(?:la\s+(?:inscripci[óo]n|participaci[óo]n)\s+de\s+|a\s+|el\s+nombre\s+de\s+)?(?P<who>.+?)(?:\s+de\s+(?:la|nuestra|su)\s+.*|\s*[.,;]?\s*)$`),
	}
	// notAttendREs: "X will not attend": a withdrawal when X is a person, a
	// decline when X is the mission.
	notAttendREs = []gatedRE{
		gated("attend part join come present + will would shall can could going", `(?i)^(?P<who>.+?)\s+(?:will|would|shall|can|could|is\s+going\s+to)\s*(?:not|n['’]t)\s+(?:be\s+(?:able|in\s+a\s+position)\s+to\s+)?(?:attend|participate|take\s+part|join|come|be\s+represented|be\s+present)`),
		gated("unable not", `(?i)^(?P<who>.+?)\s+(?:is|are)\s+(?:unable|not\s+able)\s+to\s+(?:attend|participate|take\s+part|join)`),
		gated("pas + participera pourra sera viendra prendra", `(?i)^(?P<who>.+?)\s+ne\s+(?:participera|pourra|sera|viendra|prendra)\s+pas\b`),
		gated("pas + mesure possibilit", `(?i)^(?P<who>.+?)\s+(?:n['’]est\s+pas\s+en\s+mesure|n['’]a\s+pas\s+la\s+possibilit[ée])`),
		gated("particip asistir podr estar", `(?i)^(?P<who>.+?)\s+no\s+(?:participar[áa]|asistir[áa]|podr[áa]\s+(?:participar|asistir|estar)|estar[áa]\s+(?:representad|presente))`),
	}
	declineREs = []gatedRE{
		gated("regret", `(?i)\b(?:regrets?|regret\s+to\s+inform\s+you)\s+that\s+(?:it|we|the\s+\w+)\s+(?:will|would|can|is|are)\s*(?:not|n['’]t|unable)`),
		gated("declin", `(?i)\b(?:decline|declines)\s+(?:the|your)\s+(?:kind\s+)?invitation\b`),
		gated("represent + not", `(?i)\b(?:will|shall)\s+not\s+be\s+represented\b`),
		gated("regret", `(?i)\bregrett?e\s+de\s+ne\s+pas\s+pouvoir\s+(?:participer|assister|prendre\s+part|être\s+représent)`),
		gated("pas + sera", `(?i)\bne\s+sera\s+pas\s+représenté`),
		gated("clin", `(?i)\bd[ée]cliner?\s+(?:l['’]|votre\s+aimable\s+)invitation`),
		gated("lamenta", `(?i)\blamenta\s+(?:informar(?:le|les)?\s+que\s+)?no\s+(?:poder|podr[áa])\s+(?:participar|asistir|estar)`),
		gated("representad", `(?i)\bno\s+estar[áa]\s+representad[oa]`),
		gated("declin", `(?i)\bdeclinar\s+(?:la\s+|su\s+amable\s+)invitaci[óo]n`),
	}
	leadInRE       = regexp.MustCompile(`(?i)^(?:.*?\b(?:that|que|qu['’]))\s+`)
	adverbRE       = regexp.MustCompile(`(?i)^(?:unfortunately|regrettably|sadly|however|please\s+note\s+that|kindly\s+note\s+that|malheureusement|toutefois|cependant|lamentablemente|desafortunadamente|sin\s+embargo|desgraciadamente)[, ]+`)
	missionRE      = regexp.MustCompile(`(?i)(?:^|\s)(?:i|we|it|they|us|our|my|nous|je|j['’]|notre|ma|mon|il|elle|nosotros|yo|nuestra|nuestro|mi)(?:\s|$)|\b(?:mission|delegation|government|state|country|permanent|embassy|ministry|mission|délégation|gouvernement|état|pays|ambassade|ministère|misión|delegación|gobierno|estado|país|embajada|ministerio)\b`)
	honorificAnyRE = regexp.MustCompile(`(?i)(?:^|[\s(,;])(?:h\.\s?e\.|s\.\s?e\.|mr\.?|mrs\.?|ms\.?|m\.|mme\.?|mlle\.?|sr\.?|sra\.?|srta\.?|dr\.?|dra\.?|prof\.?)\s+\p{Lu}`)
	phoneRE        = mustLineRE(`^[+()\d\s./\-]{6,}$`)
)

// corrections finds replacements, withdrawals and declines, line by line.
func (p *regParser) corrections() {
	for i, line := range p.lines {
		s := strings.TrimSpace(stripBullet(line))
		if s == "" || len(s) > 1000 {
			continue
		}
		mask := keywordMask(s)
		if p.replacement(i, s, mask) || p.withdrawal(s, mask) {
			p.used[i] = true
			continue
		}
		for _, re := range declineREs {
			if re.match(s, mask) {
				p.reg.Declined = true
				p.used[i] = true
				break
			}
		}
	}
}

func (p *regParser) replacement(i int, s string, mask uint64) bool {
	for _, re := range replaceREs {
		m := re.find(s, mask)
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

func (p *regParser) withdrawal(s string, mask uint64) bool {
	// "X will no longer attend": a person is withdrawn, the mission declines.
	// "X will not attend": the same, and when X is neither, the mission declines.
	for _, set := range []struct {
		res      []gatedRE
		declines bool
	}{{withdrawREs, false}, {notAttendREs, true}} {
		for _, re := range set.res {
			m := re.find(s, mask)
			if m == nil {
				continue
			}
			who := lastClause(strings.TrimSpace(m[re.SubexpIndex("who")]))
			if refs := personRefs(who); len(refs) > 1 {
				// "Mr. A and Ms. B will not attend"
				for _, ref := range refs {
					p.reg.Withdrawn = appendUnique(p.reg.Withdrawn, ref)
				}
				return true
			}
			if roleRE.MatchString(who) && !entityRE.MatchString(who) && !honorificAnyRE.MatchString(" "+who) && personRef(who) == "" {
				// "our Ambassador will not attend": a delegate named by
				// function, not the mission declining
				p.problem("%q: a delegate named by function will not attend; which one?", clip(s, 120))
				return true
			}
			if isMission(who) {
				p.reg.Declined = true
				return true
			}
			if ref := personRef(who); ref != "" {
				p.reg.Withdrawn = appendUnique(p.reg.Withdrawn, ref)
				return true
			}
			if set.declines {
				p.reg.Declined = true
				return true
			}
		}
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

// clauseSepRE separates the clauses of a sentence: the subject of a verb is
// in the last clause before it ("Katharina Moser remains registered, but
// Stefan Huber will not attend").
var clauseSepRE = regexp.MustCompile(`(?i)\s*;\s*|,?\s+(?:but|while|whereas|however|although|mais|tandis\s+que|alors\s+que|cependant|pero|mientras\s+que|sin\s+embargo|aunque)\s+`)

// lastClause returns the last clause of s.
func lastClause(s string) string {
	locs := clauseSepRE.FindAllStringIndex(s, -1)
	if len(locs) == 0 {
		return s
	}
	return strings.TrimSpace(s[locs[len(locs)-1][1]:])
}

// andRE separates persons named together.
var andRE = regexp.MustCompile(`(?i)\s*,\s*(?:and\s+|et\s+|y\s+)?|\s+(?:and|et|y|as\s+well\s+as|ainsi\s+que|as[íi]\s+como)\s+`)

// personRefs names each person of "Mr. A and Ms. B" (or "A, B and C"), or
// returns nil when a part is not a person.
func personRefs(who string) []string {
	w := cleanClause(who, false)
	parts := andRE.Split(w, -1)
	if len(parts) < 2 {
		return nil
	}
	var out []string
	for _, part := range parts {
		ref := personRef(part)
		if ref == "" || isMission(part) {
			return nil
		}
		out = append(out, ref)
	}
	return out
}

var (
	// roleRE names a person by function; entityRE the mission as a whole
	roleRE   = regexp.MustCompile(`(?i)\b(?:ambassador|ambassadeur|ambassadrice|embajador[a]?|counsell?or|conseill[eè]re?|consejer[oa]|secretary|secr[ée]taire|secretari[oa]|attach[ée]e?|agregad[oa]|expert[oae]?|advis[eo]r|conseiller|asesor[a]?|delegate|d[ée]l[ée]gu[ée]e?|delegad[oa]|representative|repr[ée]sentante?|representante|minister|ministre|ministr[oa]|colleague|coll[èe]gue|colega|head|chef|jef[ae])\b`)
	entityRE = regexp.MustCompile(`(?i)\b(?:delegation|d[ée]l[ée]gation|delegaci[óo]n|mission|misi[óo]n|government|gouvernement|gobierno|country|pays|pa[íi]s|state|[ée]tat|estado|embassy|ambassade|embajada|ministry|minist[èe]re|ministerio)\b`)
)

// clip shortens s to n bytes for a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
