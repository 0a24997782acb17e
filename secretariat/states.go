package secretariat

import (
	"context"
	"slices"
	"time"

	"convene/meeting"
	"convene/store"
)

// MissionState is where an invited mission stands. It is the one
// definition the reminders, the dashboard, the digest, the exports and
// `convene plan` use.
type MissionState string

// The mission states, in the order a mission usually passes them.
const (
	// Invited: nothing from the mission yet (after the deadline: no reply).
	Invited MissionState = "invited"
	// InReview: a reply from the mission waits in the review queue; the
	// mission is not reminded.
	InReview MissionState = "in-review"
	// Registered: at least one delegate (a correction or a withdrawal keeps
	// it registered while one remains).
	Registered MissionState = "registered"
	// Declined: the mission will not attend.
	Declined MissionState = "declined"
	// Bounced: every address of the mission bounced permanently.
	Bounced MissionState = "bounced"
)

// MissionStatus is a mission's state, since when, and the addresses mail
// can still reach.
type MissionStatus struct {
	State MissionState
	// Since is when the mission entered State: the invitation's date
	// (registration opens), the oldest reply waiting in review, the first
	// registration or the decline, the last hard bounce.
	Since time.Time
	// Good are its addresses that have not bounced permanently: the contact
	// list's, then those staff added on the review desk (a colleague an
	// out-of-office named).
	Good []string
}

// missionStates returns the status of every invited contact of c, by name.
// A registration or decline wins over a reply in review (a correction
// waiting for a person does not unregister the mission); a reply in review
// wins over bounced addresses (the mission did write).
func (s *Service) missionStates(ctx context.Context, c *config) (map[string]MissionStatus, error) {
	regs, err := s.db.Registrations(ctx)
	if err != nil {
		return nil, err
	}
	bounced, err := s.db.HardBouncedAt(ctx)
	if err != nil {
		return nil, err
	}
	review, err := s.db.OpenReviewByContact(ctx)
	if err != nil {
		return nil, err
	}
	added, err := s.db.ContactAddresses(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]MissionStatus{}
	for _, ct := range c.cs.InCategories(c.m.Invite...) {
		st := MissionStatus{State: Invited, Since: c.m.Registration.Opens}
		var last time.Time
		for _, e := range ct.Emails {
			at, b := bounced[meeting.NormalizeEmail(e)]
			if !b {
				st.Good = append(st.Good, e)
			} else if at.After(last) {
				last = at
			}
		}
		for _, e := range added[ct.Name] {
			if _, b := bounced[e]; !b && !slices.ContainsFunc(st.Good, func(g string) bool { return meeting.NormalizeEmail(g) == e }) {
				st.Good = append(st.Good, e)
			}
		}
		switch r, ok := regs[ct.Name]; {
		case ok && r.Status == store.Declined:
			st.State, st.Since = Declined, r.UpdatedAt
		case ok:
			st.State, st.Since = Registered, r.FirstAt
		case !review[ct.Name].IsZero():
			st.State, st.Since = InReview, review[ct.Name]
		case len(ct.Emails) > 0 && len(st.Good) == 0:
			st.State, st.Since = Bounced, last
		}
		out[ct.Name] = st
	}
	return out, nil
}
