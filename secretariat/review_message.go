package secretariat

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"

	"convene/inbox"
	"convene/meeting"
)

// Limits of what a review item keeps of its message (stated in README.md).
const (
	// reviewRawLimit is how much of the message as received is stored with
	// the item, for download; a longer message is stored cut.
	reviewRawLimit = 256 << 10
	// reviewTextLimit is how much of its new text is stored for the desk
	// (50 items a page stay under a megabyte).
	reviewTextLimit = 16 << 10
	// Attachments are listed from at most this many parts, this deep.
	reviewMaxParts = 100
	reviewMaxDepth = 4
)

// attachment is a part of a message listed on the review desk.
type attachment struct {
	Name string `json:"name,omitempty"`
	Type string `json:"type"`
	Size int    `json:"size"`
}

// listAttachments lists the parts of raw that are not its text: the name,
// media type and decoded size of each. It walks the MIME tree with the
// standard library, in one linear pass bounded by reviewMaxParts and
// reviewMaxDepth, so a hostile message (one that went to review for its
// size or shape) costs no more than reading it; what it cannot read is
// left out.
func listAttachments(raw []byte) []attachment {
	out, _ := walkAttachments(raw, -1)
	return out
}

// attachmentData returns attachment n (as listAttachments counts them) of
// raw, decoded, or false when there is none.
func attachmentData(raw []byte, n int) (attachment, []byte, bool) {
	list, data := walkAttachments(raw, n)
	if n < 0 || n >= len(list) || data == nil {
		return attachment{}, nil, false
	}
	return list[n], data, true
}

// walkAttachments lists the attachments of raw and, when want is one of
// them, returns its decoded content too.
func walkAttachments(raw []byte, want int) ([]attachment, []byte) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, nil
	}
	var data []byte
	var out []attachment
	parts := 0
	var walk func(h textproto.MIMEHeader, body io.Reader, depth int)
	walk = func(h textproto.MIMEHeader, body io.Reader, depth int) {
		parts++
		if parts > reviewMaxParts {
			return
		}
		ct, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil {
			ct = "text/plain"
		}
		if strings.HasPrefix(ct, "multipart/") {
			if depth >= reviewMaxDepth || params["boundary"] == "" {
				return
			}
			mr := multipart.NewReader(body, params["boundary"])
			for parts <= reviewMaxParts {
				p, err := mr.NextRawPart()
				if err != nil {
					return
				}
				walk(p.Header, p, depth+1)
			}
			return
		}
		disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
		name := dparams["filename"]
		if name == "" {
			name = params["name"]
		}
		if depth == 0 || (disp != "attachment" && name == "" && (ct == "text/plain" || ct == "text/html")) {
			return // the text of the message, not an attachment
		}
		if len(out) == want {
			data = decoded(h.Get("Content-Transfer-Encoding"), body)
			out = append(out, attachment{Name: clipName(name), Type: ct, Size: len(data)})
			return
		}
		out = append(out, attachment{Name: clipName(name), Type: ct, Size: decodedSize(h.Get("Content-Transfer-Encoding"), body)})
	}
	walk(textproto.MIMEHeader(msg.Header), msg.Body, 0)
	return out, data
}

// decoded reads a part without its transfer encoding (base64,
// quoted-printable; others as they are). What cannot be decoded ends the
// content there.
func decoded(cte string, body io.Reader) []byte {
	var r io.Reader = body
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &stripSpace{r: bufio.NewReader(body)})
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	}
	b, _ := io.ReadAll(r)
	if b == nil {
		b = []byte{}
	}
	return b
}

// decodedSize counts the bytes of a part once its transfer encoding is
// removed; for encodings it does not decode, the encoded size.
func decodedSize(cte string, body io.Reader) int {
	var r io.Reader = body
	if strings.EqualFold(strings.TrimSpace(cte), "base64") {
		r = base64.NewDecoder(base64.StdEncoding, &stripSpace{r: bufio.NewReader(body)})
	}
	n, _ := io.Copy(io.Discard, r)
	return int(n)
}

// stripSpace drops the line breaks and spaces of base64 text.
type stripSpace struct{ r *bufio.Reader }

func (s *stripSpace) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		b, err := s.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if b == '\r' || b == '\n' || b == ' ' || b == '\t' {
			continue
		}
		p[n] = b
		n++
	}
	return n, nil
}

func clipName(s string) string {
	if dec, err := new(mime.WordDecoder).DecodeHeader(s); err == nil {
		s = dec
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// reviewDetail is the JSON a review item keeps of its message.
type reviewDetail struct {
	Delegates   []meeting.Delegate  `json:"delegates,omitempty"`
	Withdrawn   []string            `json:"withdrawn,omitempty"`
	Replaced    []inbox.Replacement `json:"replaced,omitempty"`
	Declined    bool                `json:"declined,omitempty"`
	Body        string              `json:"body,omitempty"`
	Problems    []string            `json:"problems,omitempty"`
	Date        time.Time           `json:"date,omitzero"`
	Attachments []attachment        `json:"attachments,omitempty"`
	RawSize     int                 `json:"raw_size,omitempty"`  // the message's size as received
	Suggested   []string            `json:"suggested,omitempty"` // addresses an out-of-office named
}

// suggestedBy returns the addresses an out-of-office names (a colleague to
// write to), for the desk's "remind the colleague too".
func suggestedBy(msg *inbox.Message) []string {
	if msg.AutoReply == nil {
		return nil
	}
	return msg.AutoReply.Suggested
}
