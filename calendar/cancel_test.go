package calendar

import (
	"strings"
	"testing"
	"time"

	"convene/meeting"
)

// TestCancelKinds renders, through Plan and Render, the two kinds of
// CANCEL: the un-invitation of a withdrawn delegate (the event goes on: no
// STATUS) and the cancellation of a session that left meeting.yaml or was
// cancelled (STATUS:CANCELLED). Both repeat the version last sent, in the
// language it was sent in.
func TestCancelKinds(t *testing.T) {
	zurich, _ := time.LoadLocation("Europe/Zurich")
	m0 := exampleMeeting(t)
	a5, _ := m0.Session("article-5")
	shownES := ShownOf(m0, a5, meeting.ES)
	// What a Spanish delegate was sent for a session since removed: an older time and title.
	gone := Shown{Lang: meeting.ES, Start: time.Date(2020, 7, 2, 9, 0, 0, 0, zurich), End: time.Date(2020, 7, 2, 10, 30, 0, 0, zurich),
		Summary: "Sesión suprimida", Location: location(m0)}
	sent := func(id string, sh Shown) Sent {
		return Sent{Email: delegate.Email, EventID: id, UID: UID(m0, id), Sequence: 1, Hash: "h", Shown: sh, Name: delegate.Name}
	}
	tests := []struct {
		name      string
		cancel    func(m *meeting.Meeting) // what changes in the meeting (nil: the delegate withdraws)
		sent      Sent
		want      []string // lines that must be there
		wantNot   []string // prefixes that must not be there
		withdrawn bool
	}{
		{
			name: "uninvite_es", sent: sent("article-5", shownES), withdrawn: true,
			want:    []string{"METHOD:CANCEL", "SEQUENCE:2", "DTSTART;TZID=Europe/Zurich:20200701T153000", "DTEND;TZID=Europe/Zurich:20200701T170000", "SUMMARY:" + a5.Title.In(meeting.ES), "LOCATION:Interprefy: https://meet.isu.example/ism-2020", "BEGIN:VTIMEZONE"},
			wantNot: []string{"STATUS:", "PARTSTAT", "BEGIN:VALARM"},
		},
		{
			// A row recorded before the version was: the event now, in the recorded language.
			name: "uninvite_es_unrecorded", sent: sent("article-5", Shown{Lang: meeting.ES}), withdrawn: true,
			want:    []string{"DTSTART;TZID=Europe/Zurich:20200701T153000", "SUMMARY:" + a5.Title.In(meeting.ES)},
			wantNot: []string{"STATUS:"},
		},
		{
			name: "cancel_removed", sent: sent("gone-session", gone),
			cancel:  func(m *meeting.Meeting) {},
			want:    []string{"METHOD:CANCEL", "STATUS:CANCELLED", "DTSTART;TZID=Europe/Zurich:20200702T090000", "DTEND;TZID=Europe/Zurich:20200702T103000", "SUMMARY:Sesión suprimida", "BEGIN:VTIMEZONE", "UID:ism-2020-gone-session@isu.example"},
			wantNot: []string{"PARTSTAT"},
		},
		{
			name: "cancel_cancelled", sent: sent("article-5", shownES),
			cancel: func(m *meeting.Meeting) {
				for i := range m.Sessions {
					if m.Sessions[i].ID == "article-5" {
						m.Sessions[i].Status = meeting.StatusCancelled
						m.Sessions[i].Start = m.Sessions[i].Start.Add(time.Hour) // moved, then cancelled: the last time sent counts
						m.Sessions[i].End = m.Sessions[i].End.Add(time.Hour)
					}
				}
			},
			want: []string{"STATUS:CANCELLED", "DTSTART;TZID=Europe/Zurich:20200701T153000", "SUMMARY:" + a5.Title.In(meeting.ES)},
		},
	}
	files := map[string][]byte{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := exampleMeeting(t)
			var want []Want
			if tt.cancel != nil {
				tt.cancel(m)
				want = Wanted(m, delegate, meeting.ES, time.Time{})
			}
			var acts []Action
			for _, a := range Plan(m, []Sent{tt.sent}, want) {
				if a.EventID == tt.sent.EventID {
					acts = append(acts, a)
				}
			}
			if len(acts) != 1 || acts[0].Kind != KindCancel || acts[0].Withdrawn != tt.withdrawn || acts[0].Lang != meeting.ES {
				t.Fatalf("Plan = %+v, want one cancel (withdrawn %v) in es", acts, tt.withdrawn)
			}
			b, err := Render(m, acts[0], stamp)
			if err != nil {
				t.Fatal(err)
			}
			// The ATTENDEE as the invitation named it (its CN), without PARTSTAT/RSVP.
			att := `ATTENDEE;CN="Ms. Ana 'Ani' Pérez, Jr.";CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT:mailto:ana.perez@mission.example`
			for _, w := range append(tt.want, att) {
				if line(b, w) != w {
					t.Errorf("no line %q in\n%s", w, b)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(string(b), w) {
					t.Errorf("%q in\n%s", w, b)
				}
			}
			checkLines(t, tt.name, b)
			files[tt.name+".ics"] = b
		})
	}
	for _, name := range []string{"uninvite_es.ics", "cancel_removed.ics"} {
		golden(t, name, files[name])
	}
	icscheck(t, files)
}

// TestLateDelegateNotInvitedToPast: a delegate registered after the
// rehearsal is not invited to it; one invited before keeps it (no cancel).
func TestLateDelegateNotInvitedToPast(t *testing.T) {
	m := exampleMeeting(t)
	reh, _ := m.Session(meeting.RehearsalID)
	late := reh.End.Add(72 * time.Hour)
	var got []string
	for _, a := range Plan(m, nil, Wanted(m, ana, meeting.EN, late)) {
		got = append(got, a.EventID)
	}
	if len(got) != len(m.Events())-1 || got[0] == meeting.RehearsalID {
		t.Errorf("late delegate invited to %v, want every session but the rehearsal", got)
	}
	sent := []Sent{{Email: ana.Email, EventID: meeting.RehearsalID, UID: UID(m, meeting.RehearsalID), Hash: Hash(m, reh, meeting.EN)}}
	for _, a := range Plan(m, sent, Wanted(m, ana, meeting.EN, late)) {
		if a.EventID == meeting.RehearsalID {
			t.Errorf("delegate invited to the rehearsal before it gets %s", a)
		}
	}
	// Withdrawn before the rehearsal, registered again after it: not invited again.
	sent[0].Cancelled, sent[0].Sequence = true, 1
	for _, a := range Plan(m, sent, Wanted(m, ana, meeting.EN, late)) {
		if a.EventID == meeting.RehearsalID {
			t.Errorf("delegate registered again after the rehearsal gets %s", a)
		}
	}
	// Registered before the rehearsal ended: invited.
	if acts := Plan(m, nil, Wanted(m, ana, meeting.EN, reh.Start)); len(acts) != len(m.Events()) {
		t.Errorf("on-time delegate: %d actions, want %d", len(acts), len(m.Events()))
	}
}
