package secretariat

import (
	"fmt"
	"strings"
	"time"

	"convene/calendar"
	"convene/meeting"
)

// counterReason is the review reason of a proposed new time: an iTIP
// COUNTER (Outlook's "New Time Proposed", Google's "proposed a new time")
// or an iOS REPLY carrying a proposal. A person decides: convene never moves
// a session because one delegate asked. The reason shows the proposal next
// to the session's time, in the meeting's time zone and in UTC, and the
// delegate's comment.
func counterReason(c *config, r calendar.Reply, eventID string) string {
	var b strings.Builder
	who := r.Attendee
	if r.CN != "" {
		who = fmt.Sprintf("%s <%s>", r.CN, r.Attendee)
	}
	title := eventID
	var current string
	if s, ok := c.m.Session(eventID); ok {
		if t := s.Title.In(meeting.EN); t != "" {
			title = fmt.Sprintf("%q (%s)", t, eventID)
		}
		current = timeRange(c, s.Start, s.End)
	}
	fmt.Fprintf(&b, "%s proposes a new time for %s: ", who, title)
	if r.ProposedStart.IsZero() {
		b.WriteString("the proposed time could not be read (see the message)")
	} else {
		loc := c.m.Location
		if loc == nil {
			loc = r.ProposedStart.Location()
		}
		p := r.ProposedStart
		fmt.Fprintf(&b, "%s (%s UTC)", p.In(loc).Format("Mon 2 Jan 2006 15:04 MST"), p.UTC().Format("15:04"))
	}
	if current != "" {
		b.WriteString(" instead of " + current)
	}
	if cm := strings.TrimSpace(r.Comment); cm != "" {
		fmt.Fprintf(&b, "; comment: %q", clip(strings.Join(strings.Fields(cm), " "), 300))
	}
	b.WriteString("; the session was not moved, a person decides")
	return b.String()
}

// timeRange shows a session's time in the meeting's time zone.
func timeRange(c *config, start, end time.Time) string {
	loc := c.m.Location
	if loc == nil {
		loc = time.UTC
	}
	return fmt.Sprintf("%s–%s", start.In(loc).Format("Mon 2 Jan 2006 15:04"), end.In(loc).Format("15:04 MST"))
}
