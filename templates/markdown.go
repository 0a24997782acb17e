package templates

import (
	"html"
	"html/template"
	"strings"
)

// Markdown renders the small subset of Markdown that staff write in a
// circular into HTML: paragraphs (separated by blank lines), bullet lists
// ("- " or "* "), headings ("# ", rendered as a bold paragraph), **bold**,
// *italic*, [links](https://...) and <https://...> or <name@domain>
// autolinks. Everything else, raw HTML included, is
// escaped; links other than http, https and mailto keep only their text.
// Styles are inline, for mail clients.
func Markdown(src string) template.HTML {
	src = strings.ReplaceAll(strings.ReplaceAll(src, "\r\n", "\n"), "\r", "\n")
	var b strings.Builder
	var para, items []string
	flush := func() {
		if len(para) > 0 {
			b.WriteString(`<p style="margin:0 0 12px 0;">` + inline(strings.Join(para, " ")) + "</p>\n")
			para = nil
		}
		if len(items) > 0 {
			b.WriteString(`<ul style="margin:0 0 12px 0;padding-left:24px;">` + "\n")
			for _, it := range items {
				b.WriteString(`<li style="margin:0 0 4px 0;">` + inline(it) + "</li>\n")
			}
			b.WriteString("</ul>\n")
			items = nil
		}
	}
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == "":
			flush()
		case strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* "):
			if len(para) > 0 {
				flush()
			}
			items = append(items, strings.TrimSpace(t[2:]))
		case strings.HasPrefix(t, "#"):
			flush()
			h := strings.TrimSpace(strings.TrimLeft(t, "#"))
			b.WriteString(`<p style="margin:0 0 12px 0;"><strong>` + inline(h) + "</strong></p>\n")
		case len(items) > 0 && line != t && len(para) == 0:
			items[len(items)-1] += " " + t // an indented continuation of a list item
		default:
			if len(items) > 0 {
				flush()
			}
			para = append(para, t)
		}
	}
	flush()
	return template.HTML(b.String())
}

// inline renders emphasis and links in one paragraph, escaping the rest.
func inline(s string) string {
	var b, lit strings.Builder
	emit := func(h string) {
		b.WriteString(html.EscapeString(lit.String()))
		lit.Reset()
		b.WriteString(h)
	}
	for i := 0; i < len(s); {
		rest := s[i:]
		switch {
		case rest[0] == '\\' && len(rest) > 1 && strings.IndexByte(`\*[]()_#-`, rest[1]) >= 0:
			lit.WriteByte(rest[1])
			i += 2
			continue
		case strings.HasPrefix(rest, "**"):
			if j := closing(rest[2:], "**"); j > 0 {
				emit("<strong>" + inline(rest[2:2+j]) + "</strong>")
				i += 2 + j + 2
				continue
			}
		case rest[0] == '*':
			if j := closing(rest[1:], "*"); j > 0 {
				emit("<em>" + inline(rest[1:1+j]) + "</em>")
				i += 1 + j + 1
				continue
			}
		case rest[0] == '<':
			if end := strings.IndexByte(rest[:min(len(rest), maxSpan)], '>'); end > 1 {
				if u := autolink(rest[1:end]); u != "" {
					emit(`<a href="` + html.EscapeString(u) + `" style="color:#1a5c96;">` + html.EscapeString(rest[1:end]) + "</a>")
					i += end + 1
					continue
				}
			}
		case rest[0] == '[':
			if label, url, n, ok := link(rest); ok {
				if u, ok := safeURL(url); ok {
					emit(`<a href="` + html.EscapeString(u) + `" style="color:#1a5c96;">` + inline(label) + "</a>")
				} else {
					emit(inline(label))
				}
				i += n
				continue
			}
		}
		lit.WriteByte(s[i])
		i++
	}
	emit("")
	return b.String()
}

// maxSpan bounds how far an emphasis or a link may reach, which keeps
// rendering linear in the length of the body.
const maxSpan = 1000

// closing finds the end marker of an emphasis that opens at the start of s:
// the text must not start or end with a space and must not be empty.
func closing(s, mark string) int {
	if s == "" || s[0] == ' ' || strings.HasPrefix(s, mark) {
		return -1
	}
	if len(s) > maxSpan {
		s = s[:maxSpan]
	}
	for j := 1; j+len(mark) <= len(s); j++ {
		if strings.HasPrefix(s[j:], mark) && s[j-1] != ' ' {
			if mark == "*" && strings.HasPrefix(s[j:], "**") {
				j++ // a bold marker inside italics
				continue
			}
			return j
		}
	}
	return -1
}

// link parses "[label](url)" at the start of s and returns its length.
func link(s string) (label, url string, n int, ok bool) {
	if len(s) > 2*maxSpan {
		s = s[:2*maxSpan]
	}
	end := strings.Index(s[:min(len(s), maxSpan)], "](")
	if end < 1 {
		return "", "", 0, false
	}
	close := strings.IndexByte(s[end+2:], ')')
	if close < 1 {
		return "", "", 0, false
	}
	url = strings.TrimSpace(s[end+2 : end+2+close])
	if strings.ContainsAny(url, " \t") {
		return "", "", 0, false
	}
	return s[1:end], url, end + 2 + close + 1, true
}

// autolink returns the link target of "<https://...>" or "<name@domain>",
// or "" if s is neither.
func autolink(s string) string {
	if strings.ContainsAny(s, " \t<>\"'") {
		return ""
	}
	if u, ok := safeURL(s); ok {
		return u
	}
	if at := strings.IndexByte(s, '@'); at > 0 && at < len(s)-1 && strings.Contains(s[at:], ".") && !strings.Contains(s, ":") {
		return "mailto:" + s
	}
	return ""
}

// safeURL reports whether u is an http, https or mailto link, and returns
// it with its scheme in lower case ("HTTPS://x" works, and reads as usual).
func safeURL(u string) (string, bool) {
	for _, scheme := range []string{"https://", "http://", "mailto:"} {
		if len(u) >= len(scheme) && strings.EqualFold(u[:len(scheme)], scheme) {
			return scheme + u[len(scheme):], true
		}
	}
	return "", false
}
