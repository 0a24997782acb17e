package secretariat

import (
	"context"
	"time"

	"convene/mailer"
	"convene/meeting"
	"convene/schedule"
	"convene/store"
	"convene/templates"
)

// handlers returns what each kind of scheduled job does. Every handler is
// idempotent for its job's key: the job key is the outbox batch, and the
// outbox records each (batch, recipient) once, so a job run again after a
// crash sends nothing twice.
func (s *Service) Handlers(poll func(context.Context) error) map[schedule.Kind]schedule.Handler {
	h := map[schedule.Kind]schedule.Handler{
		schedule.Invitation:     s.invitationJob,
		schedule.Reminder:       s.reminderJob,
		schedule.Deadline:       s.deadlineJob,
		schedule.Rehearsal:      s.rehearsalJob,
		schedule.SessionInvites: s.sessionInvitesJob,
		schedule.DayBefore:      s.dayBeforeJob,
		schedule.Digest:         s.digestJob,
	}
	if poll != nil {
		h[schedule.InboxPoll] = func(ctx context.Context, _ schedule.Job) error { return poll(ctx) }
	} else {
		h[schedule.InboxPoll] = func(context.Context, schedule.Job) error { return nil }
	}
	return h
}

// enqueueChunk is how many messages are rendered and recorded per
// transaction: memory stays flat whatever the size of the contact list.
const enqueueChunk = 500

// enqueue renders n messages with build and records them in the outbox as
// batch job.Key, enqueueChunk at a time, then wakes the sender. Enqueueing is
// idempotent per recipient, so a job run again after a crash adds only what
// the first run had not recorded.
func (s *Service) enqueue(ctx context.Context, job schedule.Job, tpl string, n int, build func(i int) (mailer.Outgoing, error)) error {
	added := 0
	for start := 0; start < n; start += enqueueChunk {
		end := min(start+enqueueChunk, n)
		out := make([]mailer.Outgoing, 0, end-start)
		for i := start; i < end; i++ {
			o, err := build(i)
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		k, err := mailer.Enqueue(ctx, s.leaderDB(), mailer.Batch{ID: job.Key, Template: tpl}, out)
		if err != nil {
			return err
		}
		added += k
		s.notify()
	}
	s.log.Info("batch enqueued", "job", job.Key, "template", tpl, "messages", n, "new", added)
	return nil
}

func (s *Service) invitationJob(ctx context.Context, job schedule.Job) error {
	c := s.config()
	list := c.cs.InCategories(c.m.Invite...)
	return s.enqueue(ctx, job, templates.Invitation, len(list), func(i int) (mailer.Outgoing, error) {
		msg, err := s.missionMessage(c, templates.Invitation, list[i], nil, templates.Data{})
		return mailer.Outgoing{Key: list[i].Name, Contact: list[i].Name, Message: msg}, err
	})
}

// unanswered returns the invited contacts still in state Invited (see
// missionStates: no registration, no decline, no reply waiting in review,
// not every address bounced), each with its addresses that have not
// bounced permanently.
func (s *Service) unanswered(ctx context.Context, c *config) ([]*meeting.Contact, map[string][]string, error) {
	states, err := s.missionStates(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	var list []*meeting.Contact
	to := map[string][]string{}
	for _, ct := range c.cs.InCategories(c.m.Invite...) {
		st := states[ct.Name]
		if st.State != Invited || len(st.Good) == 0 {
			continue
		}
		list = append(list, ct)
		to[ct.Name] = st.Good
	}
	return list, to, nil
}

func (s *Service) reminderJob(ctx context.Context, job schedule.Job) error {
	c := s.config()
	list, to, err := s.unanswered(ctx, c)
	if err != nil {
		return err
	}
	return s.enqueue(ctx, job, templates.Reminder, len(list), func(i int) (mailer.Outgoing, error) {
		ct := list[i]
		msg, err := s.missionMessage(c, templates.Reminder, ct, to[ct.Name], templates.Data{})
		return mailer.Outgoing{Key: ct.Name, Contact: ct.Name, Message: msg}, err
	})
}

func (s *Service) deadlineJob(ctx context.Context, job schedule.Job) error {
	regs, err := s.db.Registrations(ctx)
	if err != nil {
		return err
	}
	s.log.Info("registration deadline", "job", job.Key, "answered", len(regs))
	return nil
}

// delegateJob sends template tpl to every active delegate.
func (s *Service) delegateJob(ctx context.Context, job schedule.Job, tpl string, data templates.Data) error {
	return s.delegateJobFunc(ctx, job, tpl, func(store.Delegate) (templates.Data, bool) { return data, true })
}

// delegateJobFunc sends template tpl to every active delegate for whom
// each says yes, with the data it gives.
func (s *Service) delegateJobFunc(ctx context.Context, job schedule.Job, tpl string, each func(store.Delegate) (templates.Data, bool)) error {
	c := s.config()
	all, err := s.db.Delegates(ctx, "", false)
	if err != nil {
		return err
	}
	var ds []store.Delegate
	var data []templates.Data
	for _, d := range all {
		if x, ok := each(d); ok {
			ds, data = append(ds, d), append(data, x)
		}
	}
	return s.enqueue(ctx, job, tpl, len(ds), func(i int) (mailer.Outgoing, error) {
		d := ds[i]
		ct, _ := c.cs.ByName(d.Contact)
		msg, err := s.delegateMessage(c, tpl, ct, d.Delegate, data[i])
		return mailer.Outgoing{Key: d.Contact + "/" + d.Email, Contact: d.Contact, Message: msg}, err
	})
}

// invitedTo is the set of delegates (by address) whose calendar holds
// eventID: invited and not cancelled since.
func (s *Service) invitedTo(ctx context.Context, eventID string) (map[string]bool, error) {
	rows, err := s.db.SentInvites(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, r := range rows {
		if r.EventID == eventID && !r.Cancelled {
			out[r.Email] = true
		}
	}
	return out, nil
}

// rehearsalJob sends the rehearsal notice to the delegates invited to the
// rehearsal (not those registered after it).
func (s *Service) rehearsalJob(ctx context.Context, job schedule.Job) error {
	if err := s.sessionInvitesJob(ctx, job); err != nil {
		return err
	}
	c := s.config()
	ev, _ := c.m.Session(meeting.RehearsalID)
	invited, err := s.invitedTo(ctx, meeting.RehearsalID)
	if err != nil {
		return err
	}
	return s.delegateJobFunc(ctx, job, templates.Rehearsal, func(d store.Delegate) (templates.Data, bool) {
		return templates.Data{Session: &ev}, invited[meeting.NormalizeEmail(d.Email)]
	})
}

// dayBeforeJob sends the day-before note; only those invited to the
// rehearsal are told to use what they used there.
func (s *Service) dayBeforeJob(ctx context.Context, job schedule.Job) error {
	invited, err := s.invitedTo(ctx, meeting.RehearsalID)
	if err != nil {
		return err
	}
	return s.delegateJobFunc(ctx, job, templates.DayBefore, func(d store.Delegate) (templates.Data, bool) {
		return templates.Data{Rehearsed: invited[meeting.NormalizeEmail(d.Email)]}, true
	})
}

// sessionInvitesJob is the catch-up wave: whatever calendar invitation,
// update or cancellation is still owed to any delegate goes now.
func (s *Service) sessionInvitesJob(ctx context.Context, job schedule.Job) error {
	c := s.config()
	var n int
	err := s.leaderDB().Update(ctx, func(tx *store.Tx) (err error) {
		n, err = s.planInvites(tx, c, "")
		return err
	})
	if err != nil {
		return err
	}
	if n > 0 {
		s.log.Info("calendar invitations enqueued", "job", job.Key, "messages", n)
		s.notify()
	}
	return nil
}

func (s *Service) digestJob(ctx context.Context, job schedule.Job) error {
	c := s.config()
	d, err := s.digestData(ctx, c, job.Due.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	content, err := s.tpl.Render(templates.Digest, meeting.EN, templates.Data{Meeting: c.m, Digest: d, Now: s.now()})
	if err != nil {
		return err
	}
	msg := mailer.Message{
		From: c.from(), To: []mailer.Address{{Name: c.m.Sender.Name, Email: c.m.Sender.Address}},
		Subject: content.Subject, Text: content.Text, HTML: content.HTML, Date: s.now(), Automated: true,
	}
	return s.enqueue(ctx, job, templates.Digest, 1, func(int) (mailer.Outgoing, error) {
		return mailer.Outgoing{Key: "staff", Message: msg}, nil
	})
}

// digestData gathers the staff digest: registrations, what needs review,
// bounces, and the health of the outbox and the inbox.
func (s *Service) digestData(ctx context.Context, c *config, since time.Time) (*templates.DigestData, error) {
	regs, err := s.db.Registrations(ctx)
	if err != nil {
		return nil, err
	}
	ds, err := s.db.Delegates(ctx, "", false)
	if err != nil {
		return nil, err
	}
	states, err := s.missionStates(ctx, c)
	if err != nil {
		return nil, err
	}
	d := &templates.DigestData{Since: since, Delegates: len(ds)}
	invited := c.cs.InCategories(c.m.Invite...)
	d.Invited = len(invited)
	for _, ct := range invited {
		r := regs[ct.Name]
		// A mission whose reply waits in review has answered: it is counted
		// in none of these, and its item is listed under review.
		switch states[ct.Name].State {
		case Invited, Bounced:
			d.NoAnswer++
		case Declined:
			d.Declined++
		case Registered:
			d.Registered++
			if r.Late {
				d.Late++
			}
			if r.FirstAt.After(since) {
				d.NewSince = append(d.NewSince, ct.Name)
			}
		}
	}
	items, err := s.db.ReviewItems(ctx, false)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		d.Review = append(d.Review, templates.ReviewLine{At: it.CreatedAt, Kind: it.Kind, From: it.From, Contact: it.Contact, Summary: it.Reason})
	}
	bs, err := s.db.Bounces(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range bs {
		d.Bounces = append(d.Bounces, templates.BounceLine{Address: b.Email, Contact: b.Contact, Reason: b.Status + " " + b.Diagnostic, Hard: b.Permanent})
	}
	stats, err := s.db.OutboxBatches(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, b := range stats {
		d.Outbox.Sent += b.Counts[store.OutboxSent]
		d.Outbox.Failed += b.Counts[store.OutboxFailed]
		d.Outbox.Queued += b.Counts[store.OutboxQueued] + b.Counts[store.OutboxRetry] + b.Counts[store.OutboxSending]
	}
	h, err := s.db.InboxHealth(ctx)
	if err != nil {
		return nil, err
	}
	d.Inbox.LastPoll = h.LastContact // IDLE counts: the server was reached
	switch h.Status {
	case store.InboxAuthFailed:
		d.Inbox.LastError = "the IMAP server refuses the login since " + h.StatusSince.In(c.m.Location).Format("2 Jan 15:04") + ": " + h.StatusDetail
	case store.InboxUnreachable:
		d.Inbox.LastError = "the IMAP server is unreachable since " + h.StatusSince.In(c.m.Location).Format("2 Jan 15:04") + ": " + h.StatusDetail
	}
	if si, failing, err := s.db.SignInFailing(ctx); err != nil {
		return nil, err
	} else if failing {
		d.SignIn = "convene cannot sign in to " + si.Account + " since " + si.Since.In(c.m.Location).Format("2 Jan 15:04") +
			": nothing is sent or read, and the outbox is kept, until the sign-in is repaired: " + si.Detail
	}
	if d.Inbox.Processed, err = s.db.InboundSince(ctx, since); err != nil {
		return nil, err
	}
	return d, nil
}

// Unanswered counts the invited contacts of m that the next reminder would
// reach (as the reminder job counts them: no answer, and an address that
// has not bounced).
func Unanswered(ctx context.Context, db *store.DB, m *meeting.Meeting, cs *meeting.Contacts) (int, error) {
	list, _, err := (&Service{db: db}).unanswered(ctx, &config{m: m, cs: cs})
	return len(list), err
}
