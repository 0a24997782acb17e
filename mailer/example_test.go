package mailer_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"convene/mailer"
	"convene/meeting"
	"convene/store"
)

// What `convene send` does: record the batch, then drain it with a progress
// line, and report.
func ExampleSender_Drain() {
	ctx := context.Background()
	db, err := store.Open(ctx, "convene.db")
	if err != nil {
		return
	}
	defer db.Close()
	s, err := mailer.New(db, mailer.Options{
		Server:        meeting.Server{Host: "smtp.isu.example", Security: meeting.SecurityStartTLS, Port: 587, Auth: meeting.AuthPassword, Username: "isu", Secret: meeting.Secret{Env: "SMTP_PASSWORD"}},
		Concurrency:   4,
		RatePerMinute: 600,
		Logger:        slog.Default(),
		Progress: func(p mailer.Progress) {
			fmt.Printf("\r%d sent, %d failed, %.0f/s", p.Sent, p.Failed, p.Rate)
		},
	})
	if err != nil {
		return
	}
	batch := mailer.Batch{ID: "invitation-20200526", Template: "invitation"}
	msg := mailer.Message{
		From:      mailer.Address{Name: "ISU", Email: "isu@isu.example"},
		To:        []mailer.Address{{Name: "Permanent Mission of Norway", Email: "geneva@mission-no.example"}},
		ReplyTo:   mailer.Address{Email: "registrations+k7d2mq4x9a@isu.example"},
		Subject:   "Invitation [REF k7d2mq4x9a]",
		Text:      "Excellency, ...",
		Date:      time.Now(),
		Automated: true,
	}
	if _, err := s.Enqueue(ctx, batch, []mailer.Outgoing{{Key: "Norway", Contact: "Norway", Message: msg}}); err != nil {
		return
	}
	rep, err := s.Drain(ctx, batch.ID)
	fmt.Printf("\n%d sent, %d failed, %d left: %v\n", rep.Sent, rep.Failed, rep.Pending, err)
}
