package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	"convene/meeting"
)

// operatorCookie remembers the name typed in the review forms.
const operatorCookie = "convene_operator"

type reviewPage struct {
	page
	Items    []ReviewItem
	Missions []string // names, for the forms' suggestions
	Operator string
	Done     string // what the last action did
	// A refused action, shown on its item with what was typed.
	Error     string
	ErrorItem int64
	Form      reviewForm
}

type reviewForm struct {
	Action    string
	Mission   string
	Delegates string
	Note      string
}

func (s *server) review(w http.ResponseWriter, r *http.Request) {
	p := reviewPage{Operator: operator(r)}
	if id := r.URL.Query().Get("done"); id != "" {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			p.Done = fmt.Sprintf("Item %d: %s done.", n, actionLabel(ActionKind(r.URL.Query().Get("action"))))
		}
	}
	s.renderReview(w, r, http.StatusOK, p)
}

func (s *server) renderReview(w http.ResponseWriter, r *http.Request, status int, p reviewPage) {
	items, err := s.src.Review(r.Context())
	if err != nil {
		s.fail(w, r, "the review queue", err)
		return
	}
	ms, err := s.src.Missions(r.Context(), MissionFilter{})
	if err != nil {
		s.fail(w, r, "the missions", err)
		return
	}
	p.page = page{Title: "Review", Nav: "review"}
	p.Items = items
	for _, m := range ms {
		p.Missions = append(p.Missions, m.Name)
	}
	s.render(w, r, status, pageReview, p)
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
		Note:      strings.TrimSpace(r.PostForm.Get("note")),
	}
	by := strings.TrimSpace(r.PostForm.Get("by"))
	a := ReviewAction{Item: id, Kind: ActionKind(form.Action), Mission: form.Mission, Note: form.Note, By: by, At: s.opts.Now()}
	if a.By == "" {
		a.By = s.opts.User
	}
	refuse := func(msg string) {
		s.renderReview(w, r, http.StatusUnprocessableEntity, reviewPage{
			Operator: by, Error: msg, ErrorItem: id, Form: form,
		})
	}
	switch a.Kind {
	case ActionAssign:
		if a.Mission == "" {
			refuse("Name the mission to assign this message to.")
			return
		}
	case ActionRegister:
		if a.Mission == "" {
			refuse("Name the mission the delegates belong to.")
			return
		}
		a.Delegates, err = ParseDelegates(form.Delegates)
		if err != nil {
			refuse(err.Error())
			return
		}
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
	if by != "" {
		http.SetCookie(w, &http.Cookie{Name: operatorCookie, Value: url.QueryEscape(by), Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	}
	v := url.Values{"done": {strconv.FormatInt(id, 10)}, "action": {string(a.Kind)}}
	http.Redirect(w, r, "/review?"+v.Encode(), http.StatusSeeOther)
}

func operator(r *http.Request) string {
	c, err := r.Cookie(operatorCookie)
	if err != nil {
		return ""
	}
	v, err := url.QueryUnescape(c.Value)
	if err != nil {
		return ""
	}
	return v
}

func actionLabel(k ActionKind) string {
	switch k {
	case ActionAssign:
		return "assigned"
	case ActionRegister:
		return "delegates registered"
	case ActionDismiss:
		return "dismissed"
	}
	return "resolved"
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
