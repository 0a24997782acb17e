package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// WebLinks is what a Source also implements when the missions have links
// to the public registration page (package regweb, registration.web): the
// mission page then offers to mail a mission its link, or to rotate it.
type WebLinks interface {
	WebLinksEnabled() bool
	ResendWebLink(ctx context.Context, mission, by string) error
	RotateWebLink(ctx context.Context, mission, by string) error
}

// webLinks returns the Source's WebLinks when they are enabled.
func (s *server) webLinks() WebLinks {
	if wl, ok := s.src.(WebLinks); ok && wl.WebLinksEnabled() {
		return wl
	}
	return nil
}

// webLinkDone are the notices after POST /missions/{name}/web-link.
var webLinkDone = map[string]string{
	"resent":  "The mission's link to its registration page is on its way.",
	"rotated": "The mission has a new link (the old one no longer opens its page); it is on its way.",
}

// webLink is POST /missions/{name}/web-link: action resend or rotate.
func (s *server) webLink(w http.ResponseWriter, r *http.Request) {
	wl := s.webLinks()
	if wl == nil {
		http.NotFound(w, r)
		return
	}
	name := r.PathValue("name")
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	var err error
	done := ""
	switch r.PostForm.Get("action") {
	case "resend":
		err, done = wl.ResendWebLink(r.Context(), name, s.person(r)), "resent"
	case "rotate":
		err, done = wl.RotateWebLink(r.Context(), name, s.person(r)), "rotated"
	default:
		http.Error(w, "unknown action", http.StatusBadRequest)
		return
	}
	if errors.Is(err, ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, "the mission's link", err)
		return
	}
	s.log.Info("web link", "mission", name, "action", done, "by", s.person(r))
	http.Redirect(w, r, "/missions/"+url.PathEscape(name)+"?done="+done, http.StatusSeeOther)
}
