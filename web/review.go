package web

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	"convene/meeting"
)

type reviewPage struct {
	page
	Items    []ReviewItem
	Total    int // open items in all
	Page     int // 1-based
	Pages    int
	First    int      // 1-based index of the first item shown
	Missions []string // names, for the forms' suggestions
	Sessions int      // calendar invitations each registered delegate gets
	Person   string   // who acts
	Done     string   // what the last action did
	// A refused action, shown on its item with what was typed.
	Error     string
	ErrorItem int64
	Form      reviewForm
}

type reviewForm struct {
	Action    string
	Mission   string
	Delegates string
	Address   string
	Note      string
}

func (s *server) review(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := reviewPage{Page: 1}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		p.Page = n
	}
	if id := q.Get("done"); id != "" {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			p.Done = fmt.Sprintf("Item %d: %s.", n, actionLabel(ActionKind(q.Get("action"))))
		}
	}
	if n, err := strconv.Atoi(q.Get("dismissed")); err == nil {
		p.Done = fmt.Sprintf("%d items dismissed.", n)
		if n == 1 {
			p.Done = "1 item dismissed."
		}
	}
	s.renderReview(w, r, http.StatusOK, p)
}

func (s *server) renderReview(w http.ResponseWriter, r *http.Request, status int, p reviewPage) {
	size := s.opts.ReviewPageSize
	if p.Page < 1 {
		p.Page = 1
	}
	items, total, err := s.src.Review(r.Context(), (p.Page-1)*size, size)
	if err != nil {
		s.fail(w, r, "the review queue", err)
		return
	}
	ms, err := s.src.Missions(r.Context(), MissionFilter{})
	if err != nil {
		s.fail(w, r, "the missions", err)
		return
	}
	sessions, err := s.src.Sessions(r.Context())
	if err != nil {
		s.fail(w, r, "the sessions", err)
		return
	}
	p.Sessions = len(sessions)
	p.Person = s.person(r)
	p.page = page{Title: "Review", Nav: "review"}
	p.Items, p.Total = items, total
	p.Pages = max(1, (total+size-1)/size)
	p.First = (p.Page-1)*size + 1
	for _, m := range ms {
		p.Missions = append(p.Missions, m.Name)
	}
	s.render(w, r, status, pageReview, p)
}

// reviewMessage serves a review item's message as an .eml download, for a
// mail client: never rendered by the dashboard.
func (s *server) reviewMessage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.Error(w, "bad review item id", http.StatusBadRequest)
		return
	}
	raw, err := s.src.ReviewMessage(r.Context(), id)
	if errors.Is(err, ErrNotFound) || (err == nil && len(raw) == 0) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, "the message", err)
		return
	}
	w.Header().Set("Content-Type", "message/rfc822")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="review-%d.eml"`, id))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(raw)
}

// reviewAttachment serves an attachment of a review item's message as a
// download, never rendered by the dashboard: its type is not believed
// (application/octet-stream), and its name only as a file name.
func (s *server) reviewAttachment(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	n, nerr := strconv.Atoi(r.PathValue("n"))
	if err != nil || id <= 0 || nerr != nil || n < 0 {
		http.Error(w, "bad attachment", http.StatusBadRequest)
		return
	}
	a, data, err := s.src.ReviewAttachment(r.Context(), id, n)
	if errors.Is(err, ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, "the attachment", err)
		return
	}
	name := strings.Map(func(c rune) rune {
		if c < ' ' || c == 0x7f || c == '/' || c == '\\' {
			return '_'
		}
		return c
	}, a.Name)
	if name == "" {
		name = fmt.Sprintf("review-%d-attachment-%d", id, n+1)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data)
}

// maxBulk is how many items one bulk dismissal may close.
const maxBulk = 500

// dismissMany dismisses the checked items of a review page with one note.
func (s *server) dismissMany(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	ids := r.PostForm["id"]
	if len(ids) == 0 || len(ids) > maxBulk {
		http.Error(w, fmt.Sprintf("select between 1 and %d items", maxBulk), http.StatusBadRequest)
		return
	}
	by := s.person(r)
	note := strings.TrimSpace(r.PostForm.Get("note"))
	nums := make([]int64, len(ids))
	for i, v := range ids {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			http.Error(w, "bad review item id", http.StatusBadRequest)
			return
		}
		nums[i] = id
	}
	n := 0
	for _, id := range nums {
		err := s.src.Resolve(r.Context(), ReviewAction{Item: id, Kind: ActionDismiss, Note: note, By: by, At: s.opts.Now()})
		if errors.Is(err, ErrNotFound) {
			continue // closed meanwhile
		}
		if err != nil {
			s.fail(w, r, "the review action", err)
			return
		}
		n++
	}
	s.log.Info("review items dismissed", "count", n, "by", by)
	http.Redirect(w, r, "/review?dismissed="+strconv.Itoa(n), http.StatusSeeOther)
}

// resolve handles the forms of one review item, then redirects back to the
// queue (POST, redirect, GET). A refused action re-renders the queue with
// the error next to the item and the form as typed.
func (s *server) resolve(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.Error(w, "bad review item id", http.StatusBadRequest)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	form := reviewForm{
		Action:    r.PostForm.Get("action"),
		Mission:   strings.TrimSpace(r.PostForm.Get("mission")),
		Delegates: r.PostForm.Get("delegates"),
		Address:   strings.TrimSpace(r.PostForm.Get("address")),
		Note:      strings.TrimSpace(r.PostForm.Get("note")),
	}
	a := ReviewAction{Item: id, Kind: ActionKind(form.Action), Mission: form.Mission, Note: form.Note, By: s.person(r), At: s.opts.Now()}
	refuse := func(msg string) {
		s.renderReview(w, r, http.StatusUnprocessableEntity, reviewPage{Error: msg, ErrorItem: id, Form: form})
	}
	switch a.Kind {
	case ActionAssign:
		if a.Mission == "" {
			refuse("Name the mission to assign this message to.")
			return
		}
	case ActionRegister, ActionAcceptLate:
		if a.Mission == "" {
			refuse("Name the mission the delegates belong to.")
			return
		}
		a.Delegates, err = ParseDelegates(form.Delegates)
		if err != nil {
			refuse(err.Error())
			return
		}
	case ActionAddAddress:
		if a.Mission == "" {
			refuse("Name the mission the address belongs to.")
			return
		}
		addr, err := mail.ParseAddress(form.Address)
		if err != nil || addr.Name != "" || addr.Address != form.Address {
			refuse(fmt.Sprintf("%q is not an email address.", form.Address))
			return
		}
		a.Address = addr.Address
	case ActionDismiss:
	default:
		http.Error(w, "unknown action", http.StatusBadRequest)
		return
	}
	if err := s.src.Resolve(r.Context(), a); err != nil {
		var in InputError
		switch {
		case errors.As(err, &in):
			refuse(in.Error())
		case errors.Is(err, ErrNotFound):
			refuse(fmt.Sprintf("Item %d is no longer open.", id))
		default:
			s.fail(w, r, "the review action", err)
		}
		return
	}
	s.log.Info("review resolved", "item", id, "action", string(a.Kind), "by", a.By)
	v := url.Values{"done": {strconv.FormatInt(id, 10)}, "action": {string(a.Kind)}}
	http.Redirect(w, r, "/review?"+v.Encode(), http.StatusSeeOther)
}

func actionLabel(k ActionKind) string {
	switch k {
	case ActionAssign:
		return "assigned"
	case ActionRegister:
		return "delegates registered"
	case ActionDismiss:
		return "dismissed"
	case ActionAcceptLate:
		return "late registration accepted"
	case ActionAddAddress:
		return "address added"
	}
	return "resolved" // "Item 4: resolved."
}

// ParseDelegates reads delegates typed by hand, one per line as
// "Name, Title, email" or "Name, email". The email is the last field and
// the name the first; anything between is the title, commas included.
// Blank lines are skipped. The error names the first bad line.
func ParseDelegates(text string) ([]meeting.Delegate, error) {
	var out []meeting.Delegate
	// Browsers send CRLF; a lone CR (pasted from an old Mac file) ends a line too.
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		fields := strings.Split(line, ",")
		if len(fields) < 2 {
			return nil, fmt.Errorf("line %d: want \"Name, Title, email\", got %q", i+1, line)
		}
		for j := range fields {
			fields[j] = strings.TrimSpace(fields[j])
		}
		d := meeting.Delegate{
			Name:  fields[0],
			Title: strings.Join(fields[1:len(fields)-1], ", "),
			Email: fields[len(fields)-1],
		}
		if d.Name == "" {
			return nil, fmt.Errorf("line %d: the name is empty", i+1)
		}
		addr, err := mail.ParseAddress(d.Email)
		if err != nil || addr.Name != "" || addr.Address != d.Email {
			return nil, fmt.Errorf("line %d: %q is not an email address", i+1, d.Email)
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, errors.New("type at least one delegate: Name, Title, email")
	}
	return out, nil
}
