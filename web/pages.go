package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"convene/meeting"
)

type overviewPage struct {
	page
	Overview Overview
	Chart    chart
	// How long ago the inbox was last reached and last brought a message.
	ContactAgo, MessageAgo string
	LeaderAgo              string // how long the leader has led (several instances)
}

func (s *server) overview(w http.ResponseWriter, r *http.Request) {
	ov, err := s.src.Overview(r.Context())
	if err != nil {
		s.fail(w, r, "the overview", err)
		return
	}
	now := s.opts.Now()
	ov.Timeline = slices.Clone(ov.Timeline) // the Source may share it
	slices.SortStableFunc(ov.Timeline, func(a, b Job) int { return a.Due.Compare(b.Due) })
	s.render(w, r, http.StatusOK, pageOverview, overviewPage{
		page:       page{Title: "Overview", Nav: "overview"},
		Overview:   ov,
		Chart:      newChart(ov.Registrations, ov.Deadline, ov.Counts.Invited, now),
		ContactAgo: ago(ov.Inbox.LastContact, now),
		MessageAgo: ago(ov.Inbox.LastMessage, now),
		LeaderAgo:  clusterAgo(ov.Cluster, now),
	})
}

type missionsPage struct {
	page
	Missions   []Mission
	Filter     MissionFilter
	Categories []meeting.Category
	Languages  []meeting.Lang
	Counts     map[MissionState]int
	Query      string // the name searched for
	Sort       string // name, state, delegates, last; "" for the contact list's order
}

func (s *server) missions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := MissionFilter{
		Category: meeting.Category(strings.TrimSpace(q.Get("category"))),
		Language: meeting.Lang(strings.TrimSpace(q.Get("language"))),
	}
	if f.Category != "" && !f.Category.Valid() {
		http.Error(w, "unknown category", http.StatusBadRequest)
		return
	}
	if f.Language != "" && !f.Language.Valid() {
		http.Error(w, "unknown language", http.StatusBadRequest)
		return
	}
	ms, err := s.src.Missions(r.Context(), f)
	if err != nil {
		s.fail(w, r, "the missions", err)
		return
	}
	// Search by name (any part, any case) and sort, here rather than in the
	// Source: a few hundred contacts at most.
	query := strings.TrimSpace(q.Get("q"))
	if query != "" {
		ms = slices.DeleteFunc(slices.Clone(ms), func(m Mission) bool {
			return !strings.Contains(strings.ToLower(m.Name), strings.ToLower(query))
		})
	}
	sortBy := q.Get("sort")
	switch sortBy {
	case "name":
		slices.SortStableFunc(ms, func(a, b Mission) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	case "state":
		slices.SortStableFunc(ms, func(a, b Mission) int { return strings.Compare(string(a.State), string(b.State)) })
	case "delegates":
		slices.SortStableFunc(ms, func(a, b Mission) int { return b.Delegates - a.Delegates })
	case "last":
		slices.SortStableFunc(ms, func(a, b Mission) int { return b.LastMessage.Compare(a.LastMessage) })
	default:
		sortBy = ""
	}
	counts := map[MissionState]int{}
	for _, m := range ms {
		counts[m.State]++
	}
	s.render(w, r, http.StatusOK, pageMissions, missionsPage{
		page:       page{Title: "Missions", Nav: "missions"},
		Missions:   ms,
		Filter:     f,
		Categories: meeting.Categories,
		Languages:  []meeting.Lang{meeting.EN, meeting.FR, meeting.ES},
		Counts:     counts,
		Query:      query,
		Sort:       sortBy,
	})
}

type missionPage struct {
	page
	M        MissionDetail
	WebLinks bool   // the registration page is configured (weblink.go)
	Notice   string // after an action on the link
}

func (s *server) mission(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	m, err := s.src.Mission(r.Context(), name)
	if errors.Is(err, ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, "the mission", err)
		return
	}
	s.render(w, r, http.StatusOK, pageMission, missionPage{page: page{Title: m.Name, Nav: "missions"}, M: m,
		WebLinks: s.webLinks() != nil, Notice: webLinkDone[r.URL.Query().Get("done")]})
}

type delegatesPage struct {
	page
	Sessions []SessionInfo
	Rows     []delegateRow
	Cols     int // columns of the table
	Totals   []sessionTotal
}

type delegateRow struct {
	DelegateAttendance
	Answers []answer // per session, in Sessions order
}

// answer is a delegate's answer for one session, with the session's title
// (the cell's label when the table stacks on a phone).
type answer struct {
	Session  string
	Partstat string
}

type sessionTotal struct {
	Session                                 string
	Accepted, Declined, Tentative, NoAnswer int
}

func (s *server) delegates(w http.ResponseWriter, r *http.Request) {
	sessions, err := s.src.Sessions(r.Context())
	if err != nil {
		s.fail(w, r, "the sessions", err)
		return
	}
	ds, err := s.src.Delegates(r.Context())
	if err != nil {
		s.fail(w, r, "the delegates", err)
		return
	}
	p := delegatesPage{
		page:     page{Title: "Delegates", Nav: "delegates"},
		Sessions: sessions,
		Totals:   make([]sessionTotal, len(sessions)),
		Cols:     len(sessions) + 2,
	}
	for i, se := range sessions {
		p.Totals[i].Session = se.Title
	}
	for _, d := range ds {
		row := delegateRow{DelegateAttendance: d, Answers: make([]answer, len(sessions))}
		for i, se := range sessions {
			ps := d.Partstat[se.ID]
			switch ps {
			case meeting.PartstatAccepted:
				p.Totals[i].Accepted++
			case meeting.PartstatDeclined:
				p.Totals[i].Declined++
			case meeting.PartstatTentative:
				p.Totals[i].Tentative++
			default:
				ps = meeting.PartstatNeedsAction
				p.Totals[i].NoAnswer++
			}
			row.Answers[i] = answer{Session: se.Title, Partstat: ps}
		}
		p.Rows = append(p.Rows, row)
	}
	s.render(w, r, http.StatusOK, pageDelegates, p)
}

type outboxPage struct {
	page
	Batches  []Batch
	Failures []Failure
}

func (s *server) outbox(w http.ResponseWriter, r *http.Request) {
	bs, fs, err := s.src.Outbox(r.Context())
	if err != nil {
		s.fail(w, r, "the outbox", err)
		return
	}
	s.render(w, r, http.StatusOK, pageOutbox, outboxPage{
		page:     page{Title: "Outbox", Nav: "outbox"},
		Batches:  bs,
		Failures: fs,
	})
}

func (s *server) calendar(w http.ResponseWriter, r *http.Request) {
	ics, err := s.src.Calendar(r.Context())
	if err != nil {
		s.fail(w, r, "the calendar", err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="meeting.ics"`)
	w.Write(ics)
}

// ago says how long before now t was, roughly ("3 min ago"); "" for a zero
// or future time.
func ago(t, now time.Time) string {
	if t.IsZero() || t.After(now) {
		return ""
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
}
