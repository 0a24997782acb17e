package inbox

import (
	"fmt"
	"strings"
)

// Nothing is cut silently. Every bound on what is read (the text, a CSV
// file, an HTML body or table, a cap on rows) that leaves something unread
// calls cut: the message gets a problem saying what was not read and goes
// to review, so a reply is never applied from part of what it says (a CSV
// cut in the middle of a row once gave "…@arcadia-mfa.ex" for
// "…@arcadia-mfa.example").

// cut records that part of the message was not read.
func (m *Message) cut(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	m.problem("%s", s)
	m.review("%s", s)
}

// checkComplete sends to review a reply naming a delegate without a name:
// a name that was all markup or punctuation is empty once cleaned, and a
// delegate registered without one is greeted "Dear delegate".
func (m *Message) checkComplete() {
	var unnamed []string
	for _, d := range m.Delegates {
		if strings.TrimSpace(d.Name) == "" {
			unnamed = append(unnamed, d.Email)
		}
	}
	for _, r := range m.Replaced {
		if strings.TrimSpace(r.New.Name) == "" && r.New.Email != "" {
			unnamed = append(unnamed, r.New.Email)
		}
	}
	if len(unnamed) == 0 {
		return
	}
	if len(unnamed) > 5 {
		unnamed = append(unnamed[:5], "…")
	}
	s := "a delegate without a name (" + strings.Join(unnamed, ", ") + ")"
	m.problem("%s", s)
	m.review("%s", s)
}

// cuts records each of what was not read (cut).
func (m *Message) cuts(what []string) {
	for _, c := range what {
		m.cut("%s", c)
	}
}

// htmlText is the text of an HTML body (htmlToText), without the quoted
// message when dropQuote, and what it left unread.
func htmlText(html string, dropQuote bool, lim Limits) (text string, cuts []string) {
	if dropQuote {
		head := html[:min(len(html), maxHTML)]
		if loc := htmlQuoteRE.FindStringIndex(head); loc != nil {
			html = html[:loc[0]] // the rest is the quoted message
		}
	}
	if len(html) > maxHTML {
		html = html[:maxHTML]
		cuts = append(cuts, fmt.Sprintf("HTML longer than %d bytes: the rest was not read", maxHTML))
	}
	text, rows := htmlToTextRows(html, lim.AttachmentRows+1) // +1: a header row
	if rows > lim.AttachmentRows+1 {
		cuts = append(cuts, fmt.Sprintf("an HTML table of more than %d rows, beyond limits.attachment_rows (%d): the rest was not read",
			lim.AttachmentRows, lim.AttachmentRows))
	}
	return text, cuts
}
