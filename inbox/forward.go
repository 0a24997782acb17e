package inbox

import (
	"regexp"
	"strings"
)

// Forwarded content. A mission often forwards the list its capital sent,
// with a line of its own on top ("Please register the delegation below").
// StripReply keeps only that line; readForwarded reads the forwarded message
// too when the mission's own text asks for it. The forwarded message's own
// quoted history is cut as any quote is, and a forwarded message that is our
// own invitation (from our address, or carrying our [REF …] subject with
// nothing filled in) is never data.

var (
	// the subject of a forward: "Fwd:", "FW:", "TR :", "RV:", "ENC:", "WG:"
	fwdSubjectRE = regexp.MustCompile(`(?i)^\s*(?:(?:re|aw|sv|r)\s*:\s*)*(?:fwd?|fw|tr|rv|enc|wg|i)\s*:`)
	// what the mission's own text says when it wants the forwarded part read
	askForwardRE = regexp.MustCompile(`(?i)\b(?:below|underneath|following|forwarded|forward|attached\s+(?:list|message)|as\s+follows|from\s+(?:our|the)\s+capital|see\s+(?:the\s+)?(?:list|message|e-?mail)|ci-dessous|ci-apr[èe]s|suivante?s?|transf[ée]r[ée]e?|r[ée]exp[ée]di[ée]e?|de\s+la\s+capitale|a\s+continuaci[óo]n|abajo|siguientes?|reenv[íi]ad[oa]|reenv[íi]o|de\s+la\s+capital|desde\s+la\s+capital|register|registration|inscri(?:re|vez|ption|bir|ban|ba|pci[óo]n)|delegates?|d[ée]l[ée]gu[ée]s?|delegad[oa]s?|d[ée]l[ée]gation|delegation|delegaci[óo]n)\b`)
)

// forwarded is the message forwarded inside a reply.
type forwarded struct {
	own     string // the mission's own text, above the forward
	from    string // the forwarded message's From line, as written
	subject string
	body    string // its new text (its own quotes and signature cut)
}

// findForwarded finds a forwarded message in text (the whole text of the
// reply, quotes included): after a forward separator ("---------- Forwarded
// message ---------", "Begin forwarded message:", "Début du message
// réexpédié :", "-------- Mensaje reenviado --------"), or after the first
// header block of a reply whose subject is a forward ("FW:", "TR :", "RV:").
func findForwarded(text, subject string) (forwarded, bool) {
	fwdSubject := fwdSubjectRE.MatchString(subject)
	if !fwdSubject && !mayForward(text) {
		return forwarded{}, false // no separator of forwardRE can be there
	}
	lines := strings.Split(normalizeText(text), "\n")
	at := -1
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimLeft(l, " "), ">") {
			continue
		}
		if forwardRE.MatchString(l) || fwdSubject && originalRE.MatchString(l) {
			at = i + 1
			break
		}
		if fwdSubject && hdrFromRE.MatchString(l) && headerBlockFollows(lines, i) {
			at = i
			break
		}
		if fwdSubject && underRE.MatchString(l) && i+1 < len(lines) && hdrFromRE.MatchString(nextNonEmpty(lines, i+1)) {
			at = i + 1
			break
		}
	}
	if at < 0 {
		return forwarded{}, false
	}
	var f forwarded
	f.own = strings.Join(lines[:at], "\n")
	j := at
	for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
		j++
	}
	// the forwarded header block, with its folded lines
header:
	for ; j < len(lines); j++ {
		l := lines[j]
		t := strings.TrimSpace(l)
		switch {
		case t == "":
			break header
		case hdrFromRE.MatchString(l):
			f.from = t
		case hdrNextRE.MatchString(l):
			if k := strings.IndexAny(t, ":："); k >= 0 {
				key := strings.ToLower(strings.Trim(t[:k], "* "))
				if key == "subject" || key == "objet" || key == "asunto" || key == "betreff" {
					f.subject = strings.TrimSpace(t[k+1:])
				}
			}
		case l[0] == ' ' || l[0] == '\t':
			// a folded header line
		default:
			break header // no (more) header
		}
	}
	f.body = StripReply(strings.Join(lines[j:], "\n"))
	return f, true
}

// readForwarded reads the registration in a forwarded message when the
// mission's own text asks for it. It returns the registration and the
// forwarded text read, or ok false.
func readForwarded(m *Message, text, replyTo string) (reg Registration, body string, ok bool) {
	f, found := findForwarded(text, m.Subject)
	if !found {
		return Registration{}, "", false
	}
	own := StripReply(f.own)
	if strings.TrimSpace(own) == "" || !askForwardRE.MatchString(own) {
		return Registration{}, "", false
	}
	if isOurs(f, replyTo) {
		return Registration{}, "", false // our own invitation, forwarded
	}
	b, sigAddrs, sure := cutSignature(f.body, "", "")
	m.NotDelegates = append(m.NotDelegates, sigAddrs...)
	if !sure {
		m.problem("the block at the end of the forwarded message was read as a signature, not as a delegate (%s)", strings.Join(sigAddrs, ", "))
	}
	if from := emailRE.FindStringSubmatch(f.from); from != nil {
		// the capital's sender is not a delegate by being the sender
		m.NotDelegates = append(m.NotDelegates, strings.ToLower(from[1]))
	}
	return ParseRegistration(b), f.body, true
}

// isOurs reports whether a forwarded message is the secretariat's own mail.
func isOurs(f forwarded, replyTo string) bool {
	if replyTo != "" {
		if _, domain, ok := strings.Cut(strings.ToLower(replyTo), "@"); ok {
			if from := emailRE.FindStringSubmatch(f.from); from != nil && strings.HasSuffix(strings.ToLower(from[1]), "@"+domain) {
				return true
			}
		}
	}
	return false
}

// mergeForwarded adds what a forwarded message holds to reg, when the
// mission's own text asks for it, and the forwarded text to m.Body so that
// the review desk sees what was read.
func mergeForwarded(m *Message, text, replyTo string, reg Registration) Registration {
	fw, body, ok := readForwarded(m, text, replyTo)
	if !ok || fw.Empty() && len(fw.Problems) == 0 {
		return reg
	}
	m.Body = strings.TrimSpace(m.Body + "\n\n---------- forwarded ----------\n" + body)
	reg.Delegates = append(reg.Delegates, fw.Delegates...)
	reg.Withdrawn = append(reg.Withdrawn, fw.Withdrawn...)
	reg.Replaced = append(reg.Replaced, fw.Replaced...)
	reg.Declined = reg.Declined || fw.Declined
	reg.Problems = append(reg.Problems, fw.Problems...)
	reg.NotDelegates = append(reg.NotDelegates, fw.NotDelegates...)
	return reg
}

// mayForward reports whether text may hold a separator of forwardRE: each
// holds one of these words.
func mayForward(text string) bool {
	// the words without their first letter, in lower and upper case: no
	// copy of text, and strings.Contains is fast
	for _, w := range []string{"orward", "ORWARD", "ransf", "RANSF", "eenviad", "EENVIAD", "eitergeleitet", "EITERGELEITET",
		"ollows", "OLLOWS", "u message r", "U MESSAGE R", "u Message r"} {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}
