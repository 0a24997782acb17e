package inbox

import (
	"regexp"
	"strings"
)

// The confirmation tells missions (templates/default/confirmation.*.tmpl):
// a reply that names delegates adds them; a reply that says it gives the
// complete list of delegates replaces the delegation, so that a registered
// delegate it does not name is withdrawn. saysComplete recognises that
// statement, in English, French and Spanish.

// completeRE finds "the complete list" and its kin: complete, full, updated,
// revised, final, definitive, consolidated list; the composition of the
// delegation is now, will henceforth be.
var completeRE = regexp.MustCompile(`(?i)\b(?:` +
	// English
	`(?:complete|full|updated|revised|final|definitive|consolidated|entire|whole|new)\s+(?:and\s+(?:final|updated|complete)\s+)?(?:delegation\s+|delegates\s+)?(?:list|composition)|` +
	`(?:list|composition)\s+(?:is\s+now|is\s+as\s+follows\s+and\s+replaces|replaces)|` +
	`delegation\s+(?:will\s+)?(?:now|henceforth)\s+(?:consists?|be\s+composed)|` +
	`(?:only|sole)\s+(?:delegates?|members?)\s+(?:of\s+the\s+delegation\s+)?(?:will\s+be|are)|` +
	// French
	`liste\s+(?:compl[èe]te|mise\s+[àa]\s+jour|actualis[ée]e|d[ée]finitive|r[ée]vis[ée]e|finale|consolid[ée]e|enti[èe]re)|` +
	`(?:nouvelle|compl[èe]te)\s+(?:liste|composition)|composition\s+(?:compl[èe]te|d[ée]finitive|actualis[ée]e|mise\s+[àa]\s+jour)|` +
	`d[ée]l[ée]gation\s+(?:sera\s+)?d[ée]sormais\s+compos[ée]e|` +
	// Spanish
	`lista\s+(?:completa|actualizada|definitiva|revisada|final|consolidada|[íi]ntegra)|` +
	`(?:nueva)\s+(?:lista|composici[óo]n)|composici[óo]n\s+(?:completa|definitiva|actualizada)|` +
	`delegaci[óo]n\s+(?:estar[áa]\s+)?(?:ahora|en\s+adelante)\s+(?:integrada|compuesta|conformada)` +
	`)`)

// notCompleteRE in the same sentence undoes it: the complete list will
// follow, is not yet known, this is not the full list.
var notCompleteRE = regexp.MustCompile(`(?i)\b(?:not|n['’]t|will\s+follow|to\s+follow|later|soon|yet|partial|pas|suivra|ult[ée]rieurement|prochainement|encore|partielle|no\s|seguir[áa]|m[áa]s\s+adelante|pr[óo]ximamente|todav[íi]a|a[úu]n|parcial)\b`)

// addingRE in the same sentence (or anywhere in the text, when only the
// subject speaks of a complete list) says the reply adds: "please add Mr X
// to the updated list", "ajouter également", "añadir además".
var addingRE = regexp.MustCompile(`(?i)\b(?:add|adding|also|in\s+addition|additional|ajout\w*|ajouter|[ée]galement|aussi|en\s+plus|suppl[ée]mentaires?|a[ñn]adi\w*|a[ñn]ad[ae]n?|a[ñn]adir|agreg\w*|incluir|incluya|incluyan|include|inclure|tambi[ée]n|adem[áa]s|adicional(?:es)?)\b`)

// ourSentences are the confirmation's own words, which a quote that was not
// recognised may carry into the new text: they say nothing of the reply.
var ourSentences = []string{
	"says it gives the complete list", "with the complete list of delegates",
	"indique donner la liste complète", "en indiquant la liste complète",
	"indica que contiene la lista completa", "indicando la lista completa",
}

// saysComplete reports whether the subject or the new text of a reply says
// that the delegates it names are the complete delegation.
func saysComplete(subject, text string) bool {
	if len(text) > MaxRegistrationText {
		text = text[:MaxRegistrationText]
	}
	says := func(s string) bool {
		low := strings.ToLower(s)
		for _, o := range ourSentences {
			if strings.Contains(low, o) {
				return false
			}
		}
		return completeRE.MatchString(s) && !notCompleteRE.MatchString(s) && !addingRE.MatchString(s)
	}
	body := sentences(text)
	for _, s := range body {
		if says(s) {
			return true
		}
	}
	if !says(subject) {
		return false
	}
	for _, s := range body {
		if addingRE.MatchString(s) {
			return false // "Updated list" in the subject, "please also add" in the text
		}
	}
	return true
}

// sentences cuts text at full stops, line feeds before a blank line, and
// semicolons: where a negation stops applying.
func sentences(text string) []string {
	var out []string
	for para := range strings.SplitSeq(normalizeText(text), "\n\n") {
		para = strings.Join(strings.Fields(para), " ")
		for s := range strings.FieldsFuncSeq(para, func(r rune) bool { return r == '.' || r == ';' || r == '!' || r == '?' }) {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
