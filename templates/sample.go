package templates

import (
	"time"

	"convene/meeting"
)

// sampleData is the data every template is executed with at Load: every
// field set, so that a template that fails on any of them fails at startup.
func sampleData(name string) Data {
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		zurich = time.UTC
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = nil
	}
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2020, m, d, h, min, 0, 0, zurich) }
	sessions := []meeting.Session{
		{ID: "s1", Title: meeting.Text{meeting.EN: "Session one", meeting.FR: "Séance un", meeting.ES: "Sesión uno"},
			Start: at(6, 30, 13, 0), End: at(6, 30, 15, 30), Description: meeting.Text{meeting.EN: "Opening."}, Status: meeting.StatusConfirmed},
		{ID: "s2", Title: meeting.Text{meeting.EN: "Session two"}, Start: at(7, 1, 13, 0), End: at(7, 1, 15, 0), Status: meeting.StatusCancelled},
	}
	m := &meeting.Meeting{
		ID:       "sample",
		Title:    meeting.Text{meeting.EN: "Sample meeting", meeting.FR: "Réunion type", meeting.ES: "Reunión de ejemplo"},
		TimeZone: "Europe/Zurich",
		Location: zurich,
		Platform: meeting.Platform{Name: "Platform", URL: "https://meet.example/sample", Notes: meeting.Text{meeting.EN: "Interpretation is available."}},
		Sender:   meeting.Sender{Name: "Implementation Support Unit", Address: "isu@isu.example", ReplyTo: "registrations@isu.example"},
		Registration: meeting.Registration{Opens: at(5, 26, 9, 0), Deadline: at(6, 12, 18, 0),
			Reminders: []time.Duration{7 * 24 * time.Hour}, Late: meeting.LateReview},
		Rehearsal: &meeting.Rehearsal{Start: at(6, 16, 14, 0), Duration: 90 * time.Minute, Notice: 72 * time.Hour},
		Sessions:  sessions,
		Invite:    meeting.Categories,
	}
	c := &meeting.Contact{Name: "Permanent Mission of Sample", Category: meeting.StateParty, Emails: []string{"mission@sample.example"},
		Language: meeting.EN, Salutation: "Excellency", Country: "Sample", TimeZone: "America/New_York", Location: ny}
	dels := []meeting.Delegate{{Name: "A. Delegate", Title: "Counsellor", Email: "a@sample.example"}}
	s := sessions[0]
	d := Data{
		Meeting: m, Contact: c, Token: "abcdefgh23", ReplyTo: meeting.ReplyAddress(m.Sender.ReplyTo, "abcdefgh23"),
		Delegates: dels, Delegate: &dels[0], Session: &s,
		Reason: "The reply names no delegate.",
		Body:   "Subject: Sample circular\n\nA **bold** and *italic* [link](https://isu.example).\n\n- one\n- two\n",
		Now:    at(6, 1, 8, 0),
		Digest: &DigestData{
			Since: at(5, 31, 8, 0), Invited: 20, Registered: 3, Declined: 1, NoAnswer: 16, Late: 1, Delegates: 7,
			NewSince: []string{c.Name},
			Review:   []ReviewLine{{At: at(5, 31, 17, 0), Kind: "other", From: "x@sample.example", Contact: c.Name, Summary: "Question"}},
			Bounces:  []BounceLine{{At: at(5, 31, 18, 0), Address: "old@sample.example", Contact: c.Name, Reason: "550 5.1.1 no such user", Hard: true}},
			Outbox:   OutboxHealth{Sent: 20, Queued: 1, Failed: 1},
			Inbox:    InboxHealth{LastPoll: at(6, 1, 7, 59), Processed: 4, Unprocessed: 1},
			SignIn:   "convene cannot sign in to isu@sample.example since 1 Jun 07:00",
		},
	}
	switch name {
	case Digest:
		d.Contact, d.Token, d.ReplyTo = nil, "", ""
	case Invite, DayBefore, Rehearsal: // mail to a delegate
		d.Contact, d.Token, d.ReplyTo, d.Update = nil, "", "", true
		prev := sessions[1]
		d.Previous, d.PreviousLink = &prev, "https://meet.example/old"
	}
	return d
}
