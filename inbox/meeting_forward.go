package inbox

import (
	"regexp"
	"strings"
)

// Outlook, when a delegate forwards one of our calendar invitations, may
// send the organiser a "Meeting Forward Notification" (Exchange's
// IPM.Schedule.Meeting.Notification.Forward, as a text and HTML message):
// who forwarded which meeting, at what time, to whom. It is neither a
// registration nor an answer: the people it names were not registered by
// their mission. It goes to review with what it says.

var (
	meetingForwardSubjectRE = regexp.MustCompile(`(?i)^\s*(?:meeting\s+forward\s+notification|notification\s+de\s+transfert\s+de\s+r[ée]union|notificaci[óo]n\s+de\s+reenv[íi]o\s+de\s+(?:la\s+)?reuni[óo]n)\s*:`)
	meetingForwardBodyRE    = regexp.MustCompile(`(?i)(?:has\s+forwarded\s+your\s+meeting\s+request|a\s+transf[ée]r[ée]\s+votre\s+(?:demande|invitation)\s+de\s+r[ée]union|ha\s+reenviado\s+su\s+(?:convocatoria|solicitud|invitaci[óo]n)\s+de\s+reuni[óo]n)`)
)

// meetingForwardSections are the headings of the notification's body, in
// English, French and Spanish, by what they introduce.
var meetingForwardSections = map[string]string{
	"meeting": "meeting", "réunion": "meeting", "reunion": "meeting", "reunión": "meeting",
	"meeting time": "time", "heure de la réunion": "time", "date et heure": "time", "hora de la reunión": "time", "fecha y hora": "time",
	"recipients": "to", "destinataires": "to", "destinatarios": "to",
}

// meetingForwardNotice returns the review reason for an Outlook meeting
// forward notification, or "" when the message is not one.
func meetingForwardNotice(subject, text string) string {
	if len(text) > 64<<10 {
		text = text[:64<<10]
	}
	by := meetingForwardBodyRE.FindStringIndex(text)
	if !meetingForwardSubjectRE.MatchString(subject) && by == nil {
		return ""
	}
	who := ""
	if by != nil {
		start := strings.LastIndexByte(text[:by[0]], '\n') + 1
		who = strings.Join(strings.Fields(text[start:by[0]]), " ")
	}
	got := map[string][]string{}
	section := ""
	for line := range strings.SplitSeq(normalizeText(text), "\n") {
		l := strings.TrimSpace(strings.Trim(line, "*"))
		if s, ok := meetingForwardSections[strings.ToLower(strings.TrimRight(l, " :"))]; ok {
			section = s
			continue
		}
		switch {
		case l == "":
			if len(got[section]) > 0 {
				section = ""
			}
		case section != "" && len(got[section]) < 20:
			got[section] = append(got[section], l)
		}
	}
	var b strings.Builder
	b.WriteString("Outlook meeting forward notification")
	if who != "" {
		b.WriteString(": " + clipText(who, 120) + " forwarded the invitation")
	}
	if m := got["meeting"]; len(m) > 0 {
		b.WriteString(" for \"" + clipText(strings.Join(m, " "), 200) + "\"")
	}
	if t := got["time"]; len(t) > 0 {
		b.WriteString(" (meeting time: " + clipText(strings.Join(t, " "), 200) + ")")
	}
	if to := got["to"]; len(to) > 0 {
		b.WriteString(" to " + clipText(strings.Join(to, ", "), 300))
	}
	b.WriteString("; nobody was registered or invited: a person decides whether the mission should register them")
	return b.String()
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
