package inbox

import (
	"regexp"
	"strings"

	"convene/meeting"
)

var (
	segSepRE    = regexp.MustCompile(`\s*[,;|\t]\s*|\s+[-–—/]\s+|\s*[()\[\]]\s*|\s{3,}|\s*:\s+`)
	surnameRE   = regexp.MustCompile(`^(\p{Lu}[\p{Lu}'’\-]+(?:\s+\p{Lu}[\p{Lu}'’\-]+)*)\s*,\s*(\p{Lu}[\p{L}'’\-.]*(?:\s+\p{Lu}[\p{L}'’\-.]*)*)\s*(?:\(([^)]{1,20})\))?`)
	junkRE      = regexp.MustCompile(`[{}]|":|=\S|://|\S{60,}|^(?i:from|to|cc|reply-to|sender|return-path|received|message-id|subject|date)\s*:|^[A-Z][A-Za-z]*-[A-Za-z-]+:\s`)
	proseWordRE = regexp.MustCompile(`(?i)\b(?:please|contact|write|questions?|queries|regarding|should|would|could|kindly|veuillez|contacter|contactez|écrire|questions?|merci|por\s+favor|contacte|escriba|preguntas?|consultas?|reply|respond|send|envoyer|enviar|copy|copie|copia|cc)\b`)
)

// contactLineRE finds the words that give an address as a contact.
var contactLineRE = regexp.MustCompile(`(?i)\b(?:contact|focal\s+point|for\s+(?:any|further)\s+(?:questions?|queries|information)|questions?\s+(?:may|can|should)\s+be|point\s+focal|pour\s+toute\s+question|contacter|contactez|punto\s+focal|para\s+cualquier\s+(?:consulta|pregunta)|contactar|cont[áa]ctese)\b`)

// sentenceLeadRE and sentenceTailRE are what surrounds a person named in a
// sentence: "We are pleased to inform you that" … "will represent Arcadia".
var (
	sentenceLeadRE = regexp.MustCompile(`(?i)^.*?\b(?:that|que|qu['’])\s+`)
	sentenceTailRE = regexp.MustCompile(`(?i),?\s+(?:will|shall|would|is\s+going\s+to)\s+(?:also\s+)?(?:attend|represent|participate|take\s+part|join|be\s+(?:part|attending|representing|participating))\b.*$|,?\s+(?:participera|assistera|repr[ée]sentera|fera\s+partie|participar[áa]|asistir[áa]|representar[áa]|formar[áa]\s+parte)\b.*$`)
)

// trimSentence cuts the lead-in and the verb of a sentence around a person.
func trimSentence(seg string) string {
	if loc := sentenceLeadRE.FindStringIndex(seg); loc != nil && !emailRE.MatchString(seg[:loc[1]]) {
		seg = seg[loc[1]:]
	}
	// "… le nom de notre délégué : M. Pierre Martin, …"
	if i := strings.Index(seg, ": "); i > 0 && !emailRE.MatchString(seg[:i]) && honorificAnyRE.MatchString(" "+seg[i+2:]) {
		seg = seg[i+2:]
	}
	if loc := sentenceTailRE.FindStringIndex(seg); loc != nil && !emailRE.MatchString(seg[loc[0]:]) {
		seg = seg[:loc[0]]
	}
	return seg
}

// registerLeadRE is the request that may start a line naming a delegate.
var registerLeadRE = regexp.MustCompile(`(?i)^(?:(?:please|kindly|we\s+(?:would\s+like\s+to|wish\s+to)|merci\s+d['’]|veuillez|pri[èe]re\s+d['’]|favor\s+de|s[íi]rvanse|le\s+ruego|les\s+ruego|rogamos)\s+)?(?:also\s+|aussi\s+|tambi[ée]n\s+)?(?:register|add|inscrire|ajouter|inscribir|registrar|agregar|a[ñn]adir)\s+(?:also\s+|aussi\s+|tambi[ée]n\s+)?(?:a\s+)?`)

// emptyBrackets are what is left around an address taken out of a segment.
var emptyBrackets = strings.NewReplacer("<>", " ", "()", " ", "[]", " ", "< >", " ", "( )", " ")

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
	rest = emptyBrackets.Replace(rest)
	rest = stripBullet(rest)
	// labels in the segment: "Email:", "Name:"
	d.Name, d.Title = nameAndTitle(rest)
	return d, true
}

// nameAndTitle splits what surrounds an address into a name and a title.
func nameAndTitle(rest string) (name, title string) {
	rest = strings.TrimSpace(rest)
	if loc := registerLeadRE.FindStringIndex(rest); loc != nil {
		rest = rest[loc[1]:] // "Please register NDIAYE Mamadou, …"
	}
	if i := strings.LastIndex(rest, ": "); i >= 0 {
		// "Mr. X, Counsellor, courriel : " drops the label of the address
		// taken out; "Our delegation: Mr. X, ..." drops the introduction
		if before, ok := dropTrailingLabel(rest[:i]); ok && strings.Trim(rest[i+2:], " .,;:-–—()") == "" {
			rest = before
		} else if f, _, _ := matchLabel(rest[:i]); f == fNone {
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
		if c == "" || strings.ContainsAny(c, "<>") || strings.Contains(c, "&gt") || strings.Contains(c, "&lt") {
			continue
		}
		switch strings.ToLower(c) {
		case "and", "et", "y", "e", "&", "as well as", "ainsi que", "así como":
			continue // what joins two persons
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
			if contactLineRE.MatchString(rest) {
				// "for any question, please contact our focal point, Mr.
				// X (x@…)": someone to write to, not a delegate
				p.reg.NotDelegates = appendUnique(p.reg.NotDelegates, d.Email)
				continue
			}
			if words := len(strings.Fields(rest)); words > 12 {
				// "We are pleased to inform you that Mr. X, Counsellor
				// (x@…), will represent Arcadia": the person without the
				// sentence around
				if s := trimSentence(seg); s != seg {
					if d2, ok := parseSegment(s); ok && d2.Name != "" && len(strings.Fields(emailRE.ReplaceAllString(s, ""))) <= 12 {
						d, rest = d2, strings.TrimSpace(emailRE.ReplaceAllString(s, ""))
					}
				}
			}
			if words := len(strings.Fields(rest)); words > 12 || (proseWordRE.MatchString(rest) && d.Name == "") {
				p.problem("address %s appears in a sentence and was not read as a delegate", d.Email)
				continue
			}
			if d.Name == "" {
				// the name (and title) on the lines above: "SMITH, John
				// (Mr.)" then "Expert, Ministry …" wrapped onto the address
				if name, title := p.lookBack(i); name != "" {
					d.Name = name
					if title != "" && d.Title != "" {
						title += ", "
					}
					d.Title = title + d.Title
				}
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
				// "Ms. A <a@x>, First Secretary, and Mr. B (b@x)": the
				// title after the address is A's; B starts at his
				// courtesy title
				gap := piece[end:locs[k+1][0]]
				if h := honorificAnyRE.FindStringIndex(gap); h != nil && h[0] > 0 && !strings.Contains(gap[:h[0]], "@") {
					if t := strings.Trim(gap[:h[0]], " ,;"); t != "" && t != "and" && t != "et" && t != "y" {
						end += h[0]
					}
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
	// the block starts at its name: a line that is a name, or starts with
	// one ("Ms. Jane Roe - First Secretary -", wrapped before the address)
	var parts []string
	for _, j := range block {
		t := strings.TrimSpace(stripBullet(p.lines[j]))
		if f, v, sep := matchLabel(t); f != fNone && sep {
			t = v
		}
		if len(parts) == 0 {
			n, _ := nameAndTitle(t)
			if !looksLikeName(t) && (n == "" || !looksLikeName(n) && leadingName(n) != n) {
				continue
			}
		}
		parts = append(parts, strings.Trim(t, " -–—,;"))
		p.used[j] = true
	}
	if len(parts) == 0 {
		return "", ""
	}
	return nameAndTitle(strings.Join(parts, ", "))
}

// dropTrailingLabel removes a label that ends s ("Mr. X, Counsellor,
// courriel", "Sr. Y - correo electrónico") and reports whether there was one.
func dropTrailingLabel(s string) (string, bool) {
	s = strings.TrimRight(s, " \t")
	cut, size := -1, 0
	for _, sep := range []string{",", ";", "(", "|", " - ", " – ", " — ", " / "} {
		if k := strings.LastIndex(s, sep); k > cut {
			cut, size = k, len(sep)
		}
	}
	tail := s
	if cut >= 0 {
		tail = s[cut+size:]
	}
	if f, v, _ := matchLabel(strings.TrimSpace(tail)); f != fNone && strings.TrimSpace(v) == "" {
		if cut < 0 {
			return "", true
		}
		return s[:cut], true
	}
	return s, false
}
