package calendar

import (
	"strings"

	"convene/meeting"
)

// paramValue writes a parameter value (RFC 5545 §3.2): parameters have no
// backslash escaping, so a value with ':' ';' or ',' is put in double
// quotes. The characters a quoted string cannot hold are replaced rather
// than caret-encoded (RFC 6868), since most parsers show ^' and ^n as they
// are: a double quote becomes an apostrophe, a line break a space. Other
// control characters are dropped.
func paramValue(s string) string {
	var b strings.Builder
	quote := false
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteRune('\'')
		case r == '\n' || r == '\r':
			b.WriteRune(' ')
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			// not allowed in a parameter value
		default:
			if r == ':' || r == ';' || r == ',' {
				quote = true
			}
			b.WriteRune(r)
		}
	}
	if quote {
		return `"` + b.String() + `"`
	}
	return b.String()
}

// decodeParam undoes RFC 6868 caret encoding.
func decodeParam(s string) string {
	if !strings.Contains(s, "^") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '^' && i+1 < len(s) {
			switch s[i+1] {
			case '^':
				b.WriteByte('^')
				i++
				continue
			case 'n':
				b.WriteByte('\n')
				i++
				continue
			case '\'':
				b.WriteByte('"')
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// text normalises a TEXT value before golang-ical escapes it: CR LF and lone
// CR become LF (a raw CR would break the line), other control characters go.
func text(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || (r >= 0x20 && r != 0x7f) {
			return r
		}
		return -1
	}, s)
}

// labels are the few words the calendar object says itself.
var labels = map[string]meeting.Text{
	"join": {
		meeting.EN: "Join online",
		meeting.FR: "Participer en ligne",
		meeting.ES: "Participar en línea",
	},
	"meeting": {
		meeting.EN: "Meeting",
		meeting.FR: "Réunion",
		meeting.ES: "Reunión",
	},
	"reminder": {
		meeting.EN: "Reminder",
		meeting.FR: "Rappel",
		meeting.ES: "Recordatorio",
	},
}

func label(key string, lang meeting.Lang) string { return labels[key].In(lang) }

// location is the LOCATION text: the platform name and its link.
func location(m *meeting.Meeting) string {
	p := m.Platform
	switch {
	case p.Name != "" && p.URL != "":
		return p.Name + ": " + p.URL
	case p.URL != "":
		return p.URL
	}
	return p.Name
}

// description is the DESCRIPTION text in lang: the session's description,
// the meeting, the link to join and the interpretation notes.
func description(m *meeting.Meeting, ev meeting.Session, lang meeting.Lang) string {
	var parts []string
	if d := strings.TrimSpace(ev.Description.In(lang)); d != "" {
		parts = append(parts, d)
	}
	if t := m.Title.In(lang); t != "" {
		parts = append(parts, label("meeting", lang)+": "+t)
	}
	if m.Platform.URL != "" {
		join := label("join", lang)
		if m.Platform.Name != "" {
			join += " (" + m.Platform.Name + ")"
		}
		parts = append(parts, join+": "+m.Platform.URL)
	}
	if n := strings.TrimSpace(m.Platform.Notes.In(lang)); n != "" {
		parts = append(parts, n)
	}
	return strings.Join(parts, "\n\n")
}
