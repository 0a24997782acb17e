package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
)

// Reply is one attendee's answer read from a REPLY or COUNTER object.
type Reply struct {
	Method    string // MethodReply or MethodCounter, from the METHOD property (not the MIME parameter)
	UID       string
	Sequence  int
	Attendee  string // the attendee's address, lower case, without mailto:
	CN        string
	Partstat  string // upper case: ACCEPTED, DECLINED, TENTATIVE, DELEGATED, NEEDS-ACTION or an X- value
	Organizer string // lower case without mailto:; empty when the client left it out (outlook.com)
	Comment   string // COMMENT, Google's X-RESPONSE-COMMENT or Apple's private comment
	// Stamp is the DTSTAMP: when the attendee answered (RFC 5546 §2.1.5
	// orders answers of the same SEQUENCE by it); zero when missing or
	// unreadable.
	Stamp time.Time
	// ProposedStart is the start a COUNTER, or an iOS REPLY with
	// TO-ALL-PROPOSED-NEW-TIME, proposes; zero otherwise or when its time
	// zone could not be resolved.
	ProposedStart time.Time
}

// ErrNotReply is returned by ParseReplies for an object whose METHOD is not
// REPLY or COUNTER (a REQUEST quoted in a bounce, a CANCEL, ...).
var ErrNotReply = errors.New("calendar: not a REPLY or COUNTER")

// errParserPanic marks a panic of golang-ical's parser turned into an error.
var errParserPanic = errors.New("calendar: parser panic")

// ParseReplies reads the answers in one text/calendar body. It tolerates
// what real clients send: LF or CRLF, property names with '_'
// (X-ENTOURAGE_UUID), quotes inside quoted parameters, MAILTO: in upper
// case, Windows TZIDs, no ORGANIZER, properties after components. Each
// ATTENDEE of each VEVENT gives one Reply (RFC 5546 §3.2.3: normally
// exactly one). Time zones are only resolved for ProposedStart.
func ParseReplies(data []byte) (replies []Reply, err error) {
	defer func() {
		// golang-ical reads untrusted input here; a panic in it must not take
		// the inbox down.
		if r := recover(); r != nil {
			replies, err = nil, fmt.Errorf("%w: %v", errParserPanic, r)
		}
	}()
	cals := prepass(data)
	if len(cals) == 0 {
		return nil, errors.New("calendar: no VCALENDAR")
	}
	method := ""
	for _, c := range cals {
		cal, err := ics.ParseCalendarWithOptions(strings.NewReader(c), ics.WithUnknownPropertyHandler(ics.AcceptUnknownPropertyHandler))
		if err != nil {
			return nil, fmt.Errorf("calendar: parse: %w", err)
		}
		m := strings.ToUpper(strings.TrimSpace(calProp(cal, "METHOD")))
		if method == "" {
			method = m
		}
		if m != MethodReply && m != MethodCounter {
			continue
		}
		replies = append(replies, repliesOf(cal, m)...)
	}
	if method != MethodReply && method != MethodCounter && len(replies) == 0 {
		if method == "" {
			method = "none"
		}
		return nil, fmt.Errorf("%w: METHOD %s", ErrNotReply, method)
	}
	return replies, nil
}

func calProp(cal *ics.Calendar, name string) string {
	for _, p := range cal.CalendarProperties {
		if strings.EqualFold(p.IANAToken, name) {
			return p.Value
		}
	}
	return ""
}

func prop(props []ics.IANAProperty, name string) *ics.IANAProperty {
	for i := range props {
		if strings.EqualFold(props[i].IANAToken, name) {
			return &props[i]
		}
	}
	return nil
}

func param(p *ics.IANAProperty, name string) string {
	for k, v := range p.ICalParameters {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return decodeParam(strings.Join(v, ","))
		}
	}
	return ""
}

// calAddress strips the mailto: scheme in any case and lower-cases the address.
func calAddress(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		v = v[7:]
	}
	return strings.ToLower(strings.TrimSpace(v))
}

func repliesOf(cal *ics.Calendar, method string) []Reply {
	zones := map[string]*ics.VTimezone{}
	for _, tz := range cal.Timezones() {
		if p := prop(tz.Properties, "TZID"); p != nil {
			zones[p.Value] = tz
		}
	}
	var out []Reply
	for _, ev := range cal.Events() {
		base := Reply{Method: method}
		if p := prop(ev.Properties, "UID"); p != nil {
			base.UID = strings.TrimSpace(p.Value)
		}
		if p := prop(ev.Properties, "SEQUENCE"); p != nil {
			base.Sequence, _ = strconv.Atoi(strings.TrimSpace(p.Value))
		}
		if p := prop(ev.Properties, "ORGANIZER"); p != nil {
			base.Organizer = calAddress(p.Value)
		}
		if p := prop(ev.Properties, "DTSTAMP"); p != nil {
			base.Stamp = parseDateTime(p.Value, param(p, "TZID"), zones)
		}
		for _, name := range []string{"COMMENT", "X-CALENDARSERVER-PRIVATE-COMMENT"} {
			if p := prop(ev.Properties, name); p != nil && base.Comment == "" {
				base.Comment = strings.TrimSpace(p.Value)
			}
		}
		if method == MethodCounter {
			if p := prop(ev.Properties, "DTSTART"); p != nil {
				base.ProposedStart = parseDateTime(p.Value, param(p, "TZID"), zones)
			}
		}
		for i := range ev.Properties {
			p := &ev.Properties[i]
			if !strings.EqualFold(p.IANAToken, "ATTENDEE") {
				continue
			}
			r := base
			r.Attendee = calAddress(p.Value)
			r.CN = param(p, "CN")
			r.Partstat = strings.ToUpper(param(p, "PARTSTAT"))
			if r.Partstat == "" {
				r.Partstat = "NEEDS-ACTION"
			}
			if c := param(p, "X-RESPONSE-COMMENT"); c != "" && r.Comment == "" {
				r.Comment = c
			}
			if v := param(p, "TO-ALL-PROPOSED-NEW-TIME"); v != "" {
				r.ProposedStart = proposedTime(v, zones)
			}
			out = append(out, r)
		}
	}
	return out
}

// proposedTime reads iOS's TO-ALL-PROPOSED-NEW-TIME="DTSTART:20201225T083000Z;STATUS:;".
func proposedTime(v string, zones map[string]*ics.VTimezone) time.Time {
	for f := range strings.SplitSeq(v, ";") {
		if k, val, ok := strings.Cut(f, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "DTSTART") {
			return parseDateTime(val, "", zones)
		}
	}
	return time.Time{}
}

// parseDateTime reads a DATE-TIME in UTC, with a TZID that Go knows, or with
// one of the calendar's own VTIMEZONEs (Windows names); zero if none works.
func parseDateTime(v, tzid string, zones map[string]*ics.VTimezone) time.Time {
	v = strings.TrimSpace(v)
	if t, err := time.Parse("20060102T150405Z", v); err == nil {
		return t
	}
	l, err := time.Parse(localLayout, v)
	if err != nil {
		return time.Time{}
	}
	if tzid == "" {
		return time.Time{} // floating: no instant
	}
	if loc, err := time.LoadLocation(tzid); err == nil {
		return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, loc).UTC()
	}
	if tz, ok := zones[tzid]; ok {
		if t, err := resolveLocal(tz, l); err == nil {
			return t
		}
	}
	return time.Time{}
}

// prepass rewrites data into calendars golang-ical's strict parser accepts:
// unfolded, one VCALENDAR each, property and parameter names restricted to
// [A-Za-z0-9-], parameter values re-quoted, components balanced, lines
// without a value dropped. Invalid UTF-8 is replaced.
func prepass(data []byte) []string {
	s := string(data)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "\n ", "")
	s = strings.ReplaceAll(s, "\n\t", "")
	lines := strings.Split(s, "\n")
	var cals []string
	var b strings.Builder
	var stack []string
	for _, l := range lines {
		name, params, value, ok := splitLine(l)
		if !ok {
			continue
		}
		switch name {
		case "BEGIN":
			comp := strings.ToUpper(strings.TrimSpace(value))
			comp = sanitizeName(comp)
			if comp == "" {
				continue
			}
			if len(stack) == 0 && comp != "VCALENDAR" {
				continue
			}
			stack = append(stack, comp)
			b.WriteString("BEGIN:" + comp + "\r\n")
			continue
		case "END":
			comp := sanitizeName(strings.ToUpper(strings.TrimSpace(value)))
			i := len(stack) - 1
			for i >= 0 && stack[i] != comp {
				i--
			}
			if i < 0 {
				continue
			}
			for len(stack) > i {
				b.WriteString("END:" + stack[len(stack)-1] + "\r\n")
				stack = stack[:len(stack)-1]
			}
			if len(stack) == 0 {
				cals = append(cals, b.String())
				b.Reset()
			}
			continue
		}
		if len(stack) == 0 {
			continue
		}
		b.WriteString(name)
		for _, p := range params {
			b.WriteString(";" + p.name + "=")
			for i, v := range p.values {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(`"` + quoteSafe(v) + `"`)
			}
		}
		b.WriteString(":" + value + "\r\n")
	}
	if len(stack) > 0 {
		for i := len(stack) - 1; i >= 0; i-- {
			b.WriteString("END:" + stack[i] + "\r\n")
		}
		cals = append(cals, b.String())
	}
	return cals
}

type rawParam struct {
	name   string
	values []string
}

// splitLine splits a content line into its name, parameters and value,
// tolerantly: a parameter without '=' is dropped, a quoted value ends at a
// '"' followed by ';', ':' or ',' (so a raw '"' inside survives).
func splitLine(l string) (name string, params []rawParam, value string, ok bool) {
	i := strings.IndexAny(l, ";:")
	if i <= 0 {
		return "", nil, "", false
	}
	name = sanitizeName(strings.ToUpper(l[:i]))
	if name == "" {
		return "", nil, "", false
	}
	p := i
	for p < len(l) && l[p] == ';' {
		p++
		eq := strings.IndexAny(l[p:], "=;:")
		if eq < 0 {
			return "", nil, "", false
		}
		if l[p+eq] != '=' {
			p += eq // a parameter without a value: skip it
			continue
		}
		pname := sanitizeName(strings.ToUpper(l[p : p+eq]))
		p += eq + 1
		var vals []string
		for {
			var v string
			if p < len(l) && l[p] == '"' {
				end := -1
				for j := p + 1; j < len(l); j++ {
					if l[j] == '"' && (j+1 == len(l) || strings.IndexByte(";:,", l[j+1]) >= 0) {
						end = j
						break
					}
				}
				if end < 0 {
					return "", nil, "", false
				}
				v, p = l[p+1:end], end+1
			} else {
				j := strings.IndexAny(l[p:], ";:,")
				if j < 0 {
					return "", nil, "", false
				}
				v, p = l[p:p+j], p+j
			}
			vals = append(vals, v)
			if p < len(l) && l[p] == ',' {
				p++
				continue
			}
			break
		}
		if pname != "" {
			params = append(params, rawParam{pname, vals})
		}
	}
	if p >= len(l) || l[p] != ':' {
		return "", nil, "", false
	}
	return name, params, l[p+1:], true
}

// sanitizeName keeps [A-Za-z0-9-] and turns anything else into '-'.
func sanitizeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			b[i] = '-'
		}
	}
	return string(b)
}

// quoteSafe makes a parameter value fit between double quotes for
// golang-ical's parser: quotes and control characters go, and a backslash
// (which it reads as an escape) is doubled.
func quoteSafe(v string) string {
	return strings.Map(func(r rune) rune {
		if r == '"' || r < 0x20 && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, strings.ReplaceAll(v, `\`, `\\`))
}
