package inbox

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	// separators that start the quoted message in Outlook, Apple Mail and
	// others, in the languages staff and missions use.
	originalRE = mustLineRE(`(?i)^\s*[-_=*]{2,}\s*(?:original\s+message|message\s+d['’]origine|mensaje\s+original|ursprüngliche\s+nachricht|messaggio\s+originale|mensagem\s+original|oorspronkelijk\s+bericht|исходное\s+сообщение|原始邮件)\s*[-_=*]{2,}\s*$`)
	forwardRE  = mustLineRE(`(?i)^\s*(?:[-_=*>]{2,}\s*(?:forwarded\s+message|message\s+transf[ée]r[ée]|mensaje\s+reenviado|weitergeleitete\s+nachricht|original\s+message\s+follows)\s*[-_=*<]{0,}|begin\s+forwarded\s+message\s*:|d[ée]but\s+du\s+message\s+r[ée]exp[ée]di[ée]\s*:|inicio\s+del\s+mensaje\s+reenviado\s*:)\s*$`)
	// header lines of a quoted message: "From:", "De :", "De:", "Von:", "Od:"
	hdrFromRE = mustLineRE(`(?i)^\s*\**\s*(?:from|de|von|od|da|van|от|发件人|寄件者)\s*\**\s*[:：]\s*\**\s*\S`)
	hdrNextRE = mustLineRE(`(?i)^\s*\**\s*(?:sent|date|to|cc|subject|envoy[ée]|[àa]|objet|date\s+d['’]envoi|enviado(?:\s+el)?|fecha|para|asunto|gesendet|an|betreff|datum|verzonden|aan|onderwerp|inviato|oggetto|wysłano|temat|do|отправлено|кому|тема|发送时间|收件人|主题)\s*\**\s*[:：]`)
	// attribution lines: "On Mon, 8 Jun 2020 at 10:00, X <x@y> wrote:",
	// "Le lun. 8 juin 2020 à 10:00, X a écrit :", "El lun, 8 jun 2020, X escribió:"
	wroteRE   = regexp.MustCompile(`(?i)(?:wrote|writes|(?:schreef|skrev|schrieb)\s+[^:]{0,120}|schreef|skrev|пише|kirjoitti|napsal\(a\)|napsal|írta|a\s+[ée]crit|escribi[óo]|schrieb|ha\s+scritto|escreveu|schreef|napisał\(a\)|napisał|пишет|написал\(а\)|написал|写道)\s*[:：]?\s*$`)
	onStartRE = regexp.MustCompile(`(?i)^\s*(?:-+\s*)?(?:on|le|el|am|il|em|op|den|dne|w\s+dniu|dnia|в)\b|^\s*\d{1,4}[-/.年]\d{1,2}|^\s*\S+@\S+|^\s*[^\s]+,\s`)
	// onStartWordRE is the first branch of onStartRE; a line without digits
	// or '@' matches onStartRE when it matches this or startsWithComma
	onStartWordRE = mustLineRE(`(?i)^\s*(?:-+\s*)?(?:on|le|el|am|il|em|op|den|dne|w\s+dniu|dnia|в)\b`)
	underRE       = mustLineRE(`^\s*_{10,}\s*$`)
	// signatures
	sigDashRE   = mustLineRE(`^-- ?$`)
	sentFromRE  = mustLineRE(`(?i)^\s*(?:sent\s+from\s+my\s+|sent\s+from\s+(?:outlook|mail|yahoo|samsung)|sent\s+from\s+\S+\s+(?:for|on)\s+(?:ios|android|iphone|ipad)|get\s+outlook\s+for\s+|envoy[ée]\s+(?:de|depuis)\s+(?:mon|l['’]|outlook|yahoo)|obtenir\s+outlook\s+pour|enviado\s+desde\s+(?:mi|el|outlook|yahoo|correo)|obtener\s+outlook\s+para|von\s+meinem\s+\S+\s+gesendet|inviato\s+da|sendt\s+fra\s+min|skickat\s+från\s+min|verzonden\s+(?:vanaf|met)\s+mijn|enviado\s+do\s+meu|sent\s+via\s+)`)
	closingRE   = mustLineRE(`(?i)^\s*(?:(?:best|kind|warm|warmest|many\s+thanks\s+and|with\s+best|with\s+kind)\s+regards|regards|best\s+wishes|best|cheers|sincerely(?:\s+yours)?|yours\s+(?:sincerely|faithfully|truly)|thanks?(?:\s+you)?(?:\s+(?:in\s+advance|very\s+much))?|many\s+thanks|respectfully|cordialement|bien\s+cordialement|tr[èe]s\s+cordialement|sinc[èe]res\s+salutations|meilleures\s+salutations|salutations(?:\s+distingu[ée]es)?|bien\s+[àa]\s+vous|merci(?:\s+beaucoup|\s+d['’]avance)?|atentamente|saludos(?:\s+cordiales)?|un\s+(?:cordial\s+)?saludo|cordiales\s+saludos|muchas\s+gracias|gracias|reciba\s+un\s+cordial\s+saludo)\s*[,.!]?\s*$`)
	maxSigLines = 10
	// lines left at the end: separators, blank lines, Gmail's tracking dot
	trailerRE = regexp.MustCompile(`^[\s\-_=*~ᐧ]*$`)
)

// StripReply returns the new text of a reply: the quoted message (lines
// starting with '>', Outlook header blocks, "-----Original Message-----",
// "On … wrote:", "Le … a écrit :", "El … escribió:") and the signature
// ("-- ", "Sent from my iPhone", a closing followed by a short name block)
// are removed. A forwarded message that is the whole content is kept. Text
// is normalised first: CRLF to LF, no-break spaces to spaces.
func StripReply(text string) string { return stripReply(text, 0) }

func stripReply(text string, depth int) string {
	text = normalizeText(text)
	lines := strings.Split(text, "\n")
	wrote := make([]int8, len(lines)) // isAttribution's memo of mayWrote
	cut := len(lines)
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case originalRE.MatchString(line):
			cut = i
		case forwardRE.MatchString(line):
			if strings.TrimSpace(unquoted(lines[:i])) == "" {
				// only a forwarded message: keep it, without its headers
				j := i + 1
				if j < len(lines) && (hdrFromRE.MatchString(lines[j]) || hdrNextRE.MatchString(lines[j])) {
					for j < len(lines) && strings.TrimSpace(lines[j]) != "" {
						j++ // the forwarded headers, with their folded lines
					}
				}
				if depth < 2 {
					return stripReply(strings.Join(lines[j:], "\n"), depth+1)
				}
				cut = i
			}
			cut = i
		case underRE.MatchString(line) && i+1 < len(lines) && (hdrFromRE.MatchString(nextNonEmpty(lines, i+1)) || hdrNextRE.MatchString(nextNonEmpty(lines, i+1))):
			cut = i
		case hdrFromRE.MatchString(line) && headerBlockFollows(lines, i):
			cut = i
		case isAttribution(lines, i, wrote):
			cut = i
		}
		if cut != len(lines) {
			break
		}
	}
	if cut < len(lines) && strings.TrimSpace(unquoted(lines[:cut])) == "" {
		// bottom-posting: nothing above the quote, the reply is below it
		if below := stripReply(unquoted(lines[cut+1:]), depth+1); below != "" && depth < 2 {
			return below
		}
	}
	lines = lines[:cut]
	// drop '>' quotes wherever they are
	var kept []string
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimLeft(l, " "), ">") {
			continue
		}
		kept = append(kept, strings.TrimRight(l, " \t"))
	}
	kept = stripSignature(kept)
	for len(kept) > 0 && trailerRE.MatchString(kept[len(kept)-1]) {
		kept = kept[:len(kept)-1]
	}
	return strings.TrimSpace(strings.Join(kept, "\n"))
}

func unquoted(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		if !strings.HasPrefix(strings.TrimLeft(l, " "), ">") {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func nextNonEmpty(lines []string, i int) string {
	for ; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "" {
			return lines[i]
		}
	}
	return ""
}

// headerBlockFollows reports whether a "From:" line at i starts a block of
// quoted headers (Sent:, To:, Subject: within the next lines).
func headerBlockFollows(lines []string, i int) bool {
	n := 0
	for j := i + 1; j < len(lines) && j <= i+5; j++ {
		if strings.TrimSpace(lines[j]) == "" {
			continue
		}
		if hdrNextRE.MatchString(lines[j]) {
			n++
			if n >= 1 {
				return true
			}
		}
	}
	// Outlook on one line: "From: X Sent: Monday ... To: Y Subject: Z"
	l := strings.ToLower(lines[i])
	return (strings.Contains(l, " sent:") || strings.Contains(l, " envoyé :") || strings.Contains(l, " enviado el:")) && strings.Contains(l, "subject:") || strings.Contains(l, "objet :") || strings.Contains(l, "asunto:")
}

// isAttribution reports whether line i (possibly wrapped onto the next one
// or two lines) is an "On … wrote:" line.
// wrote memoizes mayWrote for each line (0 not known, 1 true, 2 false).
func isAttribution(lines []string, i int, wrote []int8) bool {
	line := strings.TrimSpace(lines[i])
	if line == "" || len(line) > 400 {
		return false
	}
	if !strings.ContainsAny(line, "@0123456789") && !onStartWordRE.MatchString(line) && !startsWithComma(line) {
		return false
	}
	// the match below needs onStartRE on line or an '@' in the lines joined
	if !mayStartOn(line) && !atInJoined(lines, i) {
		return false
	}
	// wroteRE needs one of its verbs in one of the lines joined below
	may := false
	for k := 0; k < 3 && i+k < len(lines) && !may; k++ {
		if k > 0 {
			next := strings.TrimSpace(lines[i+k])
			if next == "" || strings.HasPrefix(next, ">") {
				break
			}
		}
		if wrote[i+k] == 0 {
			wrote[i+k] = 2
			if mayWrote(strings.TrimSpace(lines[i+k])) {
				wrote[i+k] = 1
			}
		}
		may = wrote[i+k] == 1
	}
	if !may {
		return false
	}
	joined := line
	for k := 0; k < 3 && i+k < len(lines); k++ {
		if k > 0 {
			next := strings.TrimSpace(lines[i+k])
			if next == "" || strings.HasPrefix(next, ">") {
				break
			}
			joined += " " + next
		}
		tail := joined
		if len(tail) > 200 {
			tail = tail[len(tail)-200:]
		}
		if wroteRE.MatchString(tail) && (onStartRE.MatchString(line) || strings.Contains(joined, "@")) {
			// the quoted text follows (or the message ends)
			rest := nextNonEmpty(lines, i+k+1)
			return rest == "" || strings.HasPrefix(strings.TrimSpace(rest), ">") || k > 0 || len(joined) > 20
		}
	}
	return false
}

// mayStartOn reports whether onStartRE may match s: when it does, s starts
// with one of its words (onStartWordRE), a word ending with a comma, a
// digit, or a word holding an '@'.
func mayStartOn(s string) bool {
	i := 0
	for i < len(s) && isRESpace(s[i]) {
		i++
	}
	if i < len(s) && '0' <= s[i] && s[i] <= '9' {
		return true
	}
	j := i
	for j < len(s) && !isRESpace(s[j]) {
		j++
	}
	return strings.IndexByte(s[i:j], '@') >= 0 || startsWithComma(s) || onStartWordRE.MatchString(s)
}

// atInJoined reports whether one of the lines isAttribution joins from
// lines[i] holds an '@'.
func atInJoined(lines []string, i int) bool {
	for k := 0; k < 3 && i+k < len(lines); k++ {
		l := strings.TrimSpace(lines[i+k])
		if k > 0 && (l == "" || strings.HasPrefix(l, ">")) {
			break
		}
		if strings.IndexByte(l, '@') >= 0 {
			return true
		}
	}
	return false
}

// startsWithComma reports whether the first word of s ends with a comma
// followed by white space: the last branch of onStartRE, ^\s*[^\s]+,\s.
func startsWithComma(s string) bool {
	i := 0
	for i < len(s) && isRESpace(s[i]) {
		i++
	}
	j := i
	for j < len(s) && !isRESpace(s[j]) {
		j++
	}
	return j-i >= 2 && s[j-1] == ',' && j < len(s)
}

// mayWrote reports whether s may hold one of the verbs of wroteRE. An
// ASCII line must hold one of their ASCII spellings: wrote, writes, schreef,
// skrev, schrieb, kirjoitti, napsal, (a e)crit, (e)scribio, (ha) scritto,
// (e)screveu; other lines are compared folded (mayWroteFolded).
func mayWrote(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return mayWroteFolded(s)
		}
		rest := s[i:]
		switch c | 0x20 {
		case 'w':
			if hasPrefixFold(rest, "wrote") || hasPrefixFold(rest, "writes") {
				return true
			}
		case 's':
			if hasPrefixFold(rest, "schreef") || hasPrefixFold(rest, "schrieb") || hasPrefixFold(rest, "skrev") ||
				hasPrefixFold(rest, "scri") || hasPrefixFold(rest, "scre") {
				return true
			}
		case 'k':
			if hasPrefixFold(rest, "kirjoitti") {
				return true
			}
		case 'n':
			if hasPrefixFold(rest, "napsal") {
				return true
			}
		case 'c':
			if hasPrefixFold(rest, "crit") {
				return true
			}
		}
	}
	return false
}

// wroteVerbs are the verbs of wroteRE, one of which (or a part of it) is in
// every match, folded by foldRunes.
var wroteVerbs = func() []string {
	var out []string
	for _, w := range []string{"wrote", "writes", "schreef", "skrev", "schrieb", "пише", "kirjoitti", "napsal", "írta", "crit",
		"escribi", "scritto", "escreveu", "napisa", "написал", "写道"} {
		out = append(out, foldRunes(w))
	}
	return out
}()

// mayWroteFolded is mayWrote for any text: s and the verbs are compared
// with each rune replaced by the least rune of its case-folding orbit, so
// that they compare as (?i) does.
func mayWroteFolded(s string) bool {
	f := foldRunes(s)
	for _, w := range wroteVerbs {
		if strings.Contains(f, w) {
			return true
		}
	}
	return false
}

// foldRunes replaces each rune of s by the least rune of its simple case
// folding orbit (unicode.SimpleFold): two runes match each other in a (?i)
// regexp if and only if they fold to the same rune.
func foldRunes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z':
			r -= 'a' - 'A'
		case r >= utf8.RuneSelf:
			least := r
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				least = min(least, f)
			}
			r = least
		}
		b.WriteRune(r)
	}
	return b.String()
}

// hasPrefixFold reports whether s starts with the lower-case ASCII word w,
// ignoring ASCII case.
func hasPrefixFold[T string | []byte](s T, w string) bool {
	if len(s) < len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}

// stripSignature removes "-- " signatures, "Sent from my iPhone" lines and a
// closing ("Best regards,") followed by a short name block.
func stripSignature(lines []string) []string {
	for i, l := range lines {
		if sigDashRE.MatchString(l) {
			lines = lines[:i]
			break
		}
	}
	for i, l := range lines {
		if sentFromRE.MatchString(l) && len(l) < 80 {
			lines = lines[:i]
			break
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if !closingRE.MatchString(lines[i]) {
			continue
		}
		if strings.TrimSpace(strings.Join(lines[:i], "")) == "" {
			break // "Thank you." is the whole message
		}
		rest := 0
		for _, l := range lines[i+1:] {
			if strings.TrimSpace(l) != "" {
				rest++
			}
		}
		if rest <= maxSigLines && !formAfter(lines[i+1:]) && !delegatesAfter(lines[i+1:]) {
			lines = lines[:i]
		}
		break
	}
	return lines
}

// formAfter reports whether lines hold a filled-in form field, which a
// signature never does ("Name: ..." after "Thanks," is data).
func formAfter(lines []string) bool {
	for _, l := range lines {
		if f, v, sep := matchLabel(l); sep && v != "" && (f == fName || f == fTitle || f == fNameTitle) {
			return true
		}
	}
	return false
}

// delegatesAfter reports whether lines hold a delegate written with a
// courtesy title and an address ("Mr. A B, Ambassador, a.b@x"), which a
// signature does not.
func delegatesAfter(lines []string) bool {
	for _, l := range lines {
		if emailRE.MatchString(l) && honorificAnyRE.MatchString(" "+l) {
			return true
		}
	}
	return false
}
