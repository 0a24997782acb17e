package inbox

import (
	"regexp"
	"strings"
)

// Signatures are not delegates. StripReply removes the signatures it can
// tell by their start ("-- ", "Regards," followed by a short block, "Sent
// from my iPhone"); cutSignature removes the blocks that end a reply and
// look like a signature by their content: a telephone or fax line, a postal
// address, the mission's name, a web address, or the sender's own name or
// address. Their addresses are not read as delegates.

var (
	// a telephone, fax or mobile line: "Tel: +41 22 555 55 55", "Tél. :",
	// "T +41…", "Fax", "Móvil", "Phone (direct)"
	phoneLineRE = regexp.MustCompile(`(?i)^\s*(?:(?:tel|t[ée]l|t[ée]l[ée]phone|tel[ée]fono|phone|telephone|fax|t[ée]l[ée]copie|mobile|mob|cell|cellulaire|portable|m[óo]vil|celular|direct|office|bureau|oficina|switchboard|standard|centralita|t|f|m|p)\b\.?\s*(?:\([^)]{0,20}\))?\s*[:.]?\s*\+?\(?\d[\d\s().\-/]{5,}|\+?\(?\d[\d\s().\-/]{6,}\d\s*$)`)
	// a postal address: a street, a post code with a town, a PO box
	postalLineRE = regexp.MustCompile(`(?i)(?:\b(?:rue|avenue|av\.|chemin|ch\.|route|rte|boulevard|bd|place|quai|street|st\.|road|rd\.|lane|calle|avenida|avda\.|plaza|paseo|carrera|strasse|straße|gasse|weg|platz)\b.*\d|\d.*\b(?:rue|avenue|chemin|route|street|road|calle|avenida|strasse|straße)\b|\b(?:case\s+postale|c\.p\.|p\.?\s?o\.?\s+box|postfach|apartado|casilla|bp)\s*\d|\b(?:CH|F|D|A|E)?-?\d{4,5}\s+\p{Lu}\p{L}+|\b(?:geneva|genève|ginebra|genf|new\s+york|vienna|vienne|viena|wien|nairobi)\b\s*\d*\s*$)`)
	// the mission or its ministry named on a line of its own
	missionLineRE = regexp.MustCompile(`(?i)^\s*(?:(?:the\s+)?permanent\s+mission|mission\s+permanente|misi[óo]n\s+permanente|delegaci[óo]n\s+permanente|d[ée]l[ée]gation\s+permanente|permanent\s+delegation|embassy\s+of|ambassade\s+d|embajada\s+de|ministry\s+of|minist[èe]re\s+des|ministerio\s+de|consulate|consulat|consulado)\b`)
	webLineRE     = regexp.MustCompile(`(?i)^\s*(?:https?://|www\.)\S+\s*$`)
	// a line that is only an address, with its label: "E-mail: x@y", "x@y"
	addressLineRE = regexp.MustCompile(`(?i)^\s*(?:(?:e-?\s?mail|email|courriel|correo(?:\s+electr[óo]nico)?|mail|e|@)\s*[:.]?\s*)?(?:mailto:)?<?[a-z0-9][a-z0-9._%+'\-]*@[a-z0-9.\-]+\.[a-z]{2,}>?\s*$`)
)

// cutSignature returns text without the signature block that ends it, the
// addresses of that block, and whether the reading is certain: a block cut
// whose address is not the sender's, and that does not name the sender, may
// have been the last delegate of a list.
func cutSignature(text, from, fromName string) (kept string, addrs []string, certain bool) {
	lines := strings.Split(text, "\n")
	end := len(lines)
	for end > 0 && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	// the trailing paragraphs that could be a signature
	start := end
	paragraphs := 0
	for start > 0 && paragraphs < 4 {
		i := start
		for i > 0 && strings.TrimSpace(lines[i-1]) != "" {
			i--
		}
		if start-i > 10 || !signatureLike(lines[i:start]) {
			break
		}
		if k := i - 1; k >= 0 && strings.HasSuffix(strings.TrimSpace(prevNonEmpty(lines, k)), ":") {
			break // a list introduced by "Our delegation:", not a signature
		}
		start = i
		paragraphs++
		for start > 0 && strings.TrimSpace(lines[start-1]) == "" {
			start--
		}
	}
	if start == end {
		return text, nil, true
	}
	// the signature starts at its first paragraph with a sign of one; the
	// paragraphs above it may be delegates written on several lines
	sig := -1
	for i := start; i < end; i++ {
		if signatureSign(lines[i], from, fromName) {
			// back to the start of the paragraph
			for sig = i; sig > start && strings.TrimSpace(lines[sig-1]) != ""; sig-- {
			}
			break
		}
	}
	if sig < 0 {
		return text, nil, true
	}
	if strings.TrimSpace(strings.Join(lines[:sig], "")) == "" {
		return text, nil, true // the whole text: not a signature after something
	}
	certain = true
	sender := false
	for _, l := range lines[sig:end] {
		if from != "" && strings.Contains(strings.ToLower(l), from) || sameName(l, fromName) {
			sender = true
		}
		for _, m := range emailRE.FindAllStringSubmatch(l, 10) {
			addrs = appendUnique(addrs, strings.ToLower(m[1]))
		}
	}
	for _, a := range addrs {
		if a != from && !(sender && len(addrs) <= 2) {
			certain = false
		}
	}
	return strings.TrimRight(strings.Join(lines[:sig], "\n"), "\n "), addrs, certain
}

// signatureLike reports whether a paragraph could belong to a signature:
// short lines, none a sentence, a form field or a delegate with an address.
func signatureLike(par []string) bool {
	addrs := 0
	for _, l := range par {
		if strings.Contains(l, "@") {
			if addrs++; addrs > 2 {
				return false // a list of addresses
			}
		}
	}
	for _, l := range par {
		t := strings.TrimSpace(l)
		if isSentence(t) {
			return false
		}
		if len(t) <= 120 && !strings.Contains(t, "@") && (phoneLineRE.MatchString(t) || missionLineRE.MatchString(t) || postalLineRE.MatchString(t)) {
			continue
		}
		if len(t) > 90 || strings.HasSuffix(t, ":") || len(strings.Fields(t)) > 9 {
			return false
		}
		if strings.Contains(t, "@") && !addressLineRE.MatchString(t) {
			return false // "Mr. X, Counsellor, x@y": a delegate
		}
		if f, v, sep := matchLabel(t); sep && v != "" && (f == fName || f == fTitle || f == fNameTitle || f == fFirst || f == fLast) {
			return false
		}
		if bulletRE.MatchString(l) && !phoneLineRE.MatchString(t) {
			return false // a list item
		}
	}
	return true
}

// signatureSign reports whether a line marks a signature: a telephone or
// fax line, a postal address, the mission's name, a web address, the
// sender's address or name.
func signatureSign(l, from, fromName string) bool {
	t := strings.TrimSpace(l)
	if t == "" || isSentence(t) {
		return false
	}
	if phoneLineRE.MatchString(t) || missionLineRE.MatchString(t) || webLineRE.MatchString(t) {
		return true
	}
	if !strings.Contains(t, "@") && postalLineRE.MatchString(t) {
		return true
	}
	if from != "" && addressLineRE.MatchString(t) && strings.Contains(strings.ToLower(t), from) {
		return true
	}
	return sameName(t, fromName)
}

// sameName reports whether line is the sender's display name, forms of
// address and order aside ("Roe, Jane" and "Ms. Jane Roe").
func sameName(line, fromName string) bool {
	fromName = strings.Trim(strings.TrimSpace(fromName), `"'`)
	if fromName == "" || strings.Contains(fromName, "@") {
		return false
	}
	key := func(s string) string {
		s = strings.NewReplacer(",", " ", "(", " ", ")", " ").Replace(s)
		n, _ := splitHonorifics(s)
		ws := strings.Fields(strings.ToLower(n))
		// order aside: sorted words
		for i := 1; i < len(ws); i++ {
			for j := i; j > 0 && ws[j] < ws[j-1]; j-- {
				ws[j], ws[j-1] = ws[j-1], ws[j]
			}
		}
		return strings.Join(ws, " ")
	}
	a, b := key(line), key(fromName)
	return a != "" && len(strings.Fields(b)) >= 2 && a == b
}

// prevNonEmpty returns the last non-blank line of lines[:i+1], or "".
func prevNonEmpty(lines []string, i int) string {
	for ; i >= 0; i-- {
		if strings.TrimSpace(lines[i]) != "" {
			return lines[i]
		}
	}
	return ""
}

// sentenceRE finds the words of a sentence, which a signature's lines are not.
var sentenceRE = regexp.MustCompile(`(?i)\b(?:that|que|qu['’]|will|would|shall|regrets?|honou?r|honneur|lamenta|saluda|pr[ée]sente|presents|informs?|informe|informa|please|veuillez|favor|kindly|register|attend|participate|participer|participar)\b`)

// isSentence reports whether a line is a sentence: it ends with a full stop
// after several words, or holds the words of one.
func isSentence(t string) bool {
	return strings.HasSuffix(t, ".") && len(strings.Fields(t)) > 4 || sentenceRE.MatchString(t)
}
