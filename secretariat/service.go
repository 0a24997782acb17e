// Package secretariat holds the workflows of convene: what each scheduled job
// sends (jobs.go), what a reply read from the inbox does (replies.go), how
// messages for missions and delegates are built (service.go, compose.go),
// which calendar messages are owed (invites.go), and what the staff
// dashboard reads and does (dashboard.go). Its effects go through the store,
// and its mail through the outbox, in the same transactions. It does no
// network I/O of its own: cmd/convene wires it to the inbox watcher, the
// outbox sender, the scheduler and the web server.
package secretariat

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"convene/calendar"
	"convene/mailer"
	"convene/meeting"
	"convene/store"
	"convene/templates"
)

// config is what meeting.yaml and contacts.csv say, with the contacts'
// reply tokens. It is replaced whole on SIGHUP.
type config struct {
	m      *meeting.Meeting
	cs     *meeting.Contacts
	tokens map[string]string // contact name → reply token
	owners map[string]string // reply token → contact name
}

// Service holds the workflows of convene: what each scheduled job sends,
// and what each reply read from the inbox does. Its effects go through the
// store, and its mail through the outbox, in the same transactions.
type Service struct {
	cfg  atomic.Pointer[config]
	db   *store.DB
	ldb  *store.DB // what the scheduled jobs write through (SetLeaderStore); nil: db
	tpl  *templates.Set
	log  *slog.Logger
	now  func() time.Time
	wake func()    // tells the outbox there is new mail; may be nil
	web  *webLinks // the mission links of the web page (webreg.go); nil when off
	// parseTime is the time budget of reading one message (inbox.Limits.MaxTime);
	// zero means inbox's default. Tests lift it: a budget in wall-clock time
	// must not decide a test's outcome on a busy machine.
	parseTime time.Duration
}

// New loads the templates and records the contacts (giving new ones
// their reply token).
func New(ctx context.Context, m *meeting.Meeting, cs *meeting.Contacts, db *store.DB, log *slog.Logger, now func() time.Time) (*Service, error) {
	tpl, err := templates.Load(m.Templates)
	if err != nil {
		return nil, err
	}
	s := &Service{db: db, tpl: tpl, log: log, now: now}
	if err := s.SetConfig(ctx, m, cs); err != nil {
		return nil, err
	}
	return s, nil
}

// SetConfig records the contact list and makes m and cs current.
func (s *Service) SetConfig(ctx context.Context, m *meeting.Meeting, cs *meeting.Contacts) error {
	if err := s.db.SyncContacts(ctx, cs); err != nil {
		return err
	}
	tokens, err := s.db.Tokens(ctx)
	if err != nil {
		return err
	}
	owners := make(map[string]string, len(tokens))
	for name, tok := range tokens {
		owners[tok] = name
	}
	s.cfg.Store(&config{m: m, cs: cs, tokens: tokens, owners: owners})
	return s.syncWebLinks(ctx)
}

func (s *Service) config() *config { return s.cfg.Load() }

// SetLeaderStore sets the handle the scheduled jobs write through. The
// daemon on PostgreSQL gives a fenced handle (store.DB.Fenced): a job still
// running on an instance that has lost the leader lease then writes nothing
// (its writes fail with store.ErrFenced). The inbox handler writes through
// the transaction it is given, already on that handle. Call it before the
// service is used; by default the jobs write through the service's handle.
func (s *Service) SetLeaderStore(db *store.DB) { s.ldb = db }

// leaderDB is the handle of SetLeaderStore.
func (s *Service) leaderDB() *store.DB {
	if s.ldb != nil {
		return s.ldb
	}
	return s.db
}

// Meeting is the current meeting.
func (s *Service) Meeting() *meeting.Meeting { return s.config().m }

// Contacts is the current contact list.
func (s *Service) Contacts() *meeting.Contacts { return s.config().cs }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// SetWake sets what tells the outbox there is new mail (nil: nothing).
// Call it before the service is used.
func (s *Service) SetWake(wake func()) { s.wake = wake }

func (s *Service) notify() {
	if s.wake != nil {
		s.wake()
	}
}

func (c *config) from() mailer.Address {
	return mailer.Address{Name: c.m.Sender.Name, Email: c.m.Sender.Address}
}

// MissionMessage renders template name for contact ct as missionMessage does,
// with the current configuration.
func (s *Service) MissionMessage(name string, ct *meeting.Contact, to []string, d templates.Data) (mailer.Message, error) {
	return s.missionMessage(s.config(), name, ct, to, d)
}

// missionMessage renders template name for contact c, addressed to its
// addresses in to (all of them when to is nil), with its reply token in the
// reply address and the subject.
func (s *Service) missionMessage(c *config, name string, ct *meeting.Contact, to []string, d templates.Data) (mailer.Message, error) {
	tok := c.tokens[ct.Name]
	d.Meeting, d.Contact, d.Token, d.Now = c.m, ct, tok, s.now()
	d.ReplyTo = meeting.ReplyAddress(c.m.Sender.ReplyTo, tok)
	d.WebLink = s.webLink(c, ct.Name)
	content, err := s.tpl.Render(name, ct.Language, d)
	if err != nil {
		return mailer.Message{}, fmt.Errorf("%s for %s: %w", name, ct.Name, err)
	}
	if to == nil {
		to = ct.Emails
	}
	msg := mailer.Message{
		From:    c.from(),
		ReplyTo: mailer.Address{Name: c.m.Sender.Name, Email: d.ReplyTo},
		Subject: content.Subject, Text: content.Text, HTML: content.HTML,
		Date: s.now(), Automated: true, ReturnPath: c.m.Sender.ReplyTo,
	}
	for _, e := range to {
		msg.To = append(msg.To, mailer.Address{Name: ct.Name, Email: e})
	}
	return msg, nil
}

// delegateMessage renders template name for one delegate of contact ct.
func (s *Service) delegateMessage(c *config, name string, ct *meeting.Contact, del meeting.Delegate, d templates.Data) (mailer.Message, error) {
	d.Meeting, d.Contact, d.Delegate, d.Now = c.m, ct, &del, s.now()
	lang := meeting.EN
	if ct != nil {
		lang = ct.Language
	}
	content, err := s.tpl.Render(name, lang, d)
	if err != nil {
		return mailer.Message{}, fmt.Errorf("%s for %s: %w", name, del.Email, err)
	}
	return mailer.Message{
		From:    c.from(),
		To:      []mailer.Address{{Name: del.Name, Email: del.Email}},
		ReplyTo: mailer.Address{Name: c.m.Sender.Name, Email: c.m.Sender.ReplyTo},
		Subject: content.Subject, Text: content.Text, HTML: content.HTML,
		Date: s.now(), Automated: true, ReturnPath: c.m.Sender.ReplyTo,
	}, nil
}

// CalendarBatch is the outbox batch of every calendar invitation, update
// and cancellation; its keys name the delegate, the event, the sequence and
// the method, so each object is sent once.
const CalendarBatch = "calendar"

// inviteOutgoing renders one calendar action as a message: the cover note in
// the delegate's language and the iCalendar object inline (text/calendar)
// and as invite.ics. It comes From the ORGANIZER's address, as Google's and
// Microsoft's invitations do, with Reply-To the sender's, for people.
func (s *Service) inviteOutgoing(c *config, a calendar.Action, contact string) (mailer.Outgoing, error) {
	ct, _ := c.cs.ByName(contact)
	ev := shownSession(c.m, a)
	msg, err := s.delegateMessage(c, templates.Invite, ct, a.Delegate, templates.Data{
		Session: &ev, Update: a.Kind == calendar.KindUpdate, Previous: previousSession(a), PreviousLink: previousLink(a),
		Cancelled: a.Kind == calendar.KindCancel && !a.Withdrawn, Withdrawn: a.Withdrawn,
	})
	if err != nil {
		return mailer.Outgoing{}, err
	}
	ics, err := calendar.Render(c.m, a, s.now())
	if err != nil {
		return mailer.Outgoing{}, fmt.Errorf("calendar %s: %w", a, err)
	}
	msg.Calendar = &mailer.Calendar{Method: a.Method(), Data: ics}
	// Calendar clients answer the ORGANIZER; From says the same (IMIP.md §2).
	msg.From = mailer.Address{Name: c.m.Sender.Name, Email: calendar.Organizer(c.m)}
	msg.ReplyTo = mailer.Address{}
	if !strings.EqualFold(c.m.Sender.Address, msg.From.Email) {
		msg.ReplyTo = c.from() // people answer the sender, as before
	}
	key := fmt.Sprintf("%s/%s/%d/%s", a.Delegate.Email, a.EventID, a.Sequence, strings.ToLower(a.Method()))
	return mailer.Outgoing{Key: key, Contact: contact, Message: msg}, nil
}

// PlanInvites enqueues, inside tx, the calendar messages owed to
// contact's delegates (every contact's, when contact is ""), as planInvites
// does for the current configuration.
func (s *Service) PlanInvites(tx *store.Tx, contact string) (int, error) {
	return s.planInvites(tx, s.config(), contact)
}

// planInvites enqueues, inside tx, the calendar invitations, updates and
// cancellations that bring the calendars of contact's delegates (every
// contact's, when contact is "") in line with the meeting, and records what
// was sent. It returns how many were enqueued.
func (s *Service) planInvites(tx *store.Tx, c *config, contact string) (int, error) {
	sent, err := tx.SentInvites(contact)
	if err != nil {
		return 0, err
	}
	active, err := tx.Delegates(contact)
	if err != nil {
		return 0, err
	}
	owner := map[string]string{}
	for _, d := range active {
		owner[d.Email] = d.Contact
	}
	for _, r := range sent {
		if _, ok := owner[r.Email]; !ok {
			owner[r.Email] = r.Contact
		}
	}
	all, err := tx.AllDelegates(contact)
	if err != nil {
		return 0, err
	}
	actions := calendar.Plan(c.m, namedSent(sentInvitesIn(sent, c.cs), all), wantedInvites(c.m, c.cs, active))
	if len(actions) == 0 {
		return 0, nil
	}
	out := make([]mailer.Outgoing, 0, len(actions))
	for i, a := range actions {
		if a.Delegate.Name == "" {
			a.Delegate.Name = NameOf(active, a.Delegate.Email)
			actions[i] = a
		}
		o, err := s.inviteOutgoing(c, a, owner[a.Delegate.Email])
		if err != nil {
			return 0, err
		}
		out = append(out, o)
	}
	n, err := mailer.EnqueueTx(tx, mailer.Batch{ID: CalendarBatch, Template: templates.Invite}, out)
	if err != nil {
		return 0, err
	}
	for _, a := range actions {
		if err := tx.RecordInvite(sentInvite(a, owner[a.Delegate.Email])); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// NameOf is the name of the delegate with address email in ds ("" if none).
func NameOf(ds []store.Delegate, email string) string {
	for _, d := range ds {
		if d.Email == email {
			return d.Name
		}
	}
	return ""
}

// enqueueOne records one message in the outbox inside tx.
func enqueueOne(tx *store.Tx, batch, tpl, key, contact string, msg mailer.Message) error {
	_, err := mailer.EnqueueTx(tx, mailer.Batch{ID: batch, Template: tpl}, []mailer.Outgoing{{Key: key, Contact: contact, Message: msg}})
	return err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
