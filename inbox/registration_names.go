package inbox

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

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
var greetingRE = mustLineRE(`(?i)^(?:dear|hello|hi|good\s+(?:morning|afternoon)|excellency|your\s+excellency|madam|sir|ladies|bonjour|cher|ch[èe]re|chers|madame,|monsieur,|excellence|mesdames|estimad[oa]s?|querid[oa]s?|se[ñn]or(?:a|es)?\s*:|excelencia|distinguid[oa]s?|hola|buenos\s+d[íi]as)\b`)

var titleWordRE = regexp.MustCompile(`(?i)\b(?:ambassador|ambassadeur|embajador|embajadora|secretary|secrétaire|secretari[oa]|counsell?or|conseill[eè]re?|consejer[oa]|attaché|agregad[oa]|minister|ministre|ministro|director|directeur|directrice|directora?|head|chef|jef[ae]|deputy|adjointe?|adjunt[oa]|representative|représentante?|representante|officer|fonctionnaire|funcionari[oa]|advis[eo]r|expert|experte?|expert[oa]|delegate|délégué|delegad[oa]|permanent|chargé|encargad[oa]|first|second|third|premier|première|deuxième|troisième|primer|primera|segund[oa]|tercer[oa]|minister-counsellor|intern|stagiaire|pasante|mission|misión|ministry|ministère|ministerio|department|département|departamento|division|unit|section)\b`)

func isTitleWords(s string) bool {
	return titleWordRE.MatchString(s) && !honorificAnyRE.MatchString(" "+s)
}

var articleRE = mustLineRE(`(?i)^(?:the|la|el|le|les|los|las|a|al|à|por\s+el|por\s+la|par)\s+`)

// stripArticle drops an article before a courtesy title: "la Sra. Díaz".
func stripArticle(s string) string {
	if loc := articleRE.FindStringIndex(s); loc != nil && honorificRE.MatchString(s[loc[1]:]) {
		return s[loc[1]:]
	}
	return s
}
