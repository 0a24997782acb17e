package secretariat

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"convene/calendar"
	"convene/mailer"
	"convene/meeting"
	"convene/store"
	"convene/templates"
)

// PreviewToken stands in for a reply token the store has not given yet.
const PreviewToken = "previewtok"

// NewReadOnly is a service that renders mail without writing to the store:
// the contacts keep the reply tokens the store gave them, and those it has
// not given one yet get PreviewToken. db may be nil (no store yet). It
// returns the names of the contacts given the placeholder.
func NewReadOnly(ctx context.Context, m *meeting.Meeting, cs *meeting.Contacts, db *store.DB, log *slog.Logger) (*Service, []string, error) {
	tpl, err := templates.Load(m.Templates)
	if err != nil {
		return nil, nil, err
	}
	tokens := map[string]string{}
	if db != nil {
		if tokens, err = db.Tokens(ctx); err != nil {
			return nil, nil, err
		}
	}
	var placeholder []string
	for _, c := range cs.List {
		if tokens[c.Name] == "" {
			tokens[c.Name] = PreviewToken
			placeholder = append(placeholder, c.Name)
		}
	}
	owners := make(map[string]string, len(tokens))
	for name, tok := range tokens {
		owners[tok] = name
	}
	s := &Service{db: db, tpl: tpl, log: log, now: time.Now}
	s.cfg.Store(&config{m: m, cs: cs, tokens: tokens, owners: owners})
	return s, placeholder, nil
}

// Bodies gives a circular's body in a language.
type Bodies interface {
	For(lang meeting.Lang) (string, bool)
}

// MissionData is the template data for a mission template sent to ct: the
// circular's body (from b) and subject, the registered delegates for a
// confirmation. db may be nil (no store yet).
func MissionData(ctx context.Context, db *store.DB, tpl string, ct *meeting.Contact, b Bodies, subject string) (templates.Data, error) {
	var d templates.Data
	switch tpl {
	case templates.Circular:
		body, ok := b.For(ct.Language)
		if !ok {
			return d, fmt.Errorf("no --body for %s (%s): add --body %s=FILE, or one --body FILE for every language", ct.Language, ct.Name, ct.Language)
		}
		d.Body, d.Subject = body, subject
	case templates.Confirmation:
		if db == nil {
			return d, fmt.Errorf("%s has no registered delegates (the store does not exist yet)", ct.Name)
		}
		ds, err := db.Delegates(ctx, ct.Name, false)
		if err != nil {
			return d, err
		}
		if len(ds) == 0 {
			return d, fmt.Errorf("%s has no registered delegates: nothing to confirm", ct.Name)
		}
		for _, x := range ds {
			d.Delegates = append(d.Delegates, x.Delegate)
		}
	}
	return d, nil
}

// WithMessageID gives msg the Message-ID the outbox would give it in batch
// for key, so that what is shown or written is the bytes that are sent.
func WithMessageID(msg mailer.Message, batch, key string) mailer.Message {
	if msg.MessageID == "" {
		from := msg.From.Email
		msg.MessageID = mailer.MessageID(batch, key, strings.ToLower(from[strings.LastIndexByte(from, '@')+1:]))
	}
	return msg
}

// PreviewInvite renders the calendar invitation the daemon would send to
// del for the session: the action calendar.Plan gives from the store's
// record (a first request, or an update with SEQUENCE+1), or, when nothing
// is owed, the request as last sent. notes says what a person previewing
// should know (the delegate is not registered; nothing is owed).
func (s *Service) PreviewInvite(ctx context.Context, ct *meeting.Contact, del meeting.Delegate, session string) (msg mailer.Message, notes []string, err error) {
	c := s.config()
	ev, ok := c.m.Session(session)
	if !ok {
		ids := []string{}
		for _, e := range c.m.Events() {
			ids = append(ids, e.ID)
		}
		return mailer.Message{}, nil, fmt.Errorf("--session %s: no such session (have %s)", session, strings.Join(ids, ", "))
	}
	if ev.Status == meeting.StatusCancelled {
		return mailer.Message{}, nil, fmt.Errorf("session %s is cancelled: no invitation is sent for it", session)
	}
	del.Email = meeting.NormalizeEmail(del.Email)
	var sent []calendar.Sent
	if s.db != nil {
		ds, err := s.db.Delegates(ctx, ct.Name, false)
		if err != nil {
			return mailer.Message{}, nil, err
		}
		found := false
		for _, x := range ds {
			if x.Email == del.Email {
				del.Name, del.Title, found = x.Name, x.Title, true
			}
		}
		if !found {
			notes = append(notes, fmt.Sprintf("%s is not a registered delegate of %s", del.Email, ct.Name))
		}
		rows, err := s.db.SentInvites(ctx)
		if err != nil {
			return mailer.Message{}, nil, err
		}
		for _, x := range sentInvites(rows) {
			if meeting.NormalizeEmail(x.Email) == del.Email && x.EventID == ev.ID {
				sent = append(sent, x)
			}
		}
	}
	lang := ct.Language
	if !lang.Valid() {
		lang = meeting.EN
	}
	want := []calendar.Want{{Delegate: del, Lang: lang, EventID: ev.ID}}
	var act calendar.Action
	if actions := calendar.Plan(c.m, sent, want); len(actions) > 0 {
		act = actions[0]
	} else {
		// Sent and unchanged: show the request as sent.
		x := sent[0]
		act = calendar.Action{Kind: calendar.KindRequest, Delegate: del, Lang: lang, EventID: ev.ID, UID: x.UID, Sequence: x.Sequence, Hash: x.Hash}
		notes = append(notes, fmt.Sprintf("already sent with SEQUENCE %d and unchanged since: nothing is owed; this is that invitation", x.Sequence))
	}
	if act.Delegate.Name == "" {
		act.Delegate.Name = del.Name
	}
	o, err := s.inviteOutgoing(c, act, ct.Name)
	if err != nil {
		return mailer.Message{}, nil, err
	}
	return WithMessageID(o.Message, CalendarBatch, o.Key), notes, nil
}
