package web

import (
	"net/http"
	"strings"

	"convene/meeting"
)

type overviewPage struct {
	page
	Overview Overview
	Chart    chart
}

func (s *server) overview(w http.ResponseWriter, r *http.Request) {
	ov, err := s.src.Overview(r.Context())
	if err != nil {
		s.fail(w, r, "the overview", err)
		return
	}
	s.render(w, r, http.StatusOK, pageOverview, overviewPage{
		page:     page{Title: "Overview", Nav: "overview"},
		Overview: ov,
		Chart:    newChart(ov.Registrations, ov.Deadline, ov.Counts.Invited, s.opts.Now()),
	})
}

type missionsPage struct {
	page
	Missions   []Mission
	Filter     MissionFilter
	Categories []meeting.Category
	Languages  []meeting.Lang
	Counts     map[MissionState]int
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
	})
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
	Answers []string // per session, in Sessions order
}

type sessionTotal struct {
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
	for _, d := range ds {
		row := delegateRow{DelegateAttendance: d, Answers: make([]string, len(sessions))}
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
			row.Answers[i] = ps
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
