package secretariat

import (
	"context"
	"encoding/json"
	"errors"
	"net/mail"
	"slices"
	"sort"
	"strings"
	"time"

	"convene/calendar"
	"convene/meeting"
	"convene/schedule"
	"convene/store"
	"convene/templates"
	"convene/web"
)

// Dashboard is the web dashboard's view of the store: web.Source.
type Dashboard struct {
	s    *Service
	jobs func(ctx context.Context) ([]schedule.JobState, error) // the timeline and its states
	// afterResolve, when set, is called after a review item is resolved
	// (the daemon wakes the inbox watcher, which moves its message).
	afterResolve func()
}

// AfterResolve sets f to be called after each resolved review item, outside
// the transaction; it must not block.
func (d *Dashboard) AfterResolve(f func()) { d.afterResolve = f }

var _ web.Source = (*Dashboard)(nil)

// NewDashboard is the dashboard's view of s; jobs lists the timeline and its
// states (nil: none).
func NewDashboard(s *Service, jobs func(ctx context.Context) ([]schedule.JobState, error)) *Dashboard {
	return &Dashboard{s: s, jobs: jobs}
}

func (d *Dashboard) local(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(d.s.config().m.Location)
}

func (d *Dashboard) Overview(ctx context.Context) (web.Overview, error) {
	c := d.s.config()
	o := web.Overview{Title: c.m.Title.In(meeting.EN), Start: d.local(c.m.Start()), End: d.local(c.m.End()), Deadline: d.local(c.m.Registration.Deadline)}
	missions, err := d.Missions(ctx, web.MissionFilter{})
	if err != nil {
		return o, err
	}
	for _, m := range missions {
		o.Counts.Invited++
		switch m.State {
		case web.StateRegistered:
			o.Counts.Registered++
			o.Counts.Delegates += m.Delegates
		case web.StateDeclined:
			o.Counts.Declined++
		case web.StateBounced:
			o.Counts.Bounced++
		case web.StateInReview:
			o.Counts.InReview++
		default:
			o.Counts.NoReply++
		}
	}
	if o.Counts.ReviewOpen, err = d.s.db.ReviewOpenCount(ctx); err != nil {
		return o, err
	}
	batches, err := d.s.db.OutboxBatches(ctx, "")
	if err != nil {
		return o, err
	}
	for _, b := range batches {
		o.Counts.OutboxSent += b.Counts[store.OutboxSent]
		o.Counts.OutboxFailed += b.Counts[store.OutboxFailed]
		o.Counts.OutboxQueued += b.Counts[store.OutboxQueued] + b.Counts[store.OutboxRetry] + b.Counts[store.OutboxSending]
	}
	if d.jobs != nil {
		states, err := d.jobs(ctx)
		if err != nil {
			return o, err
		}
		for _, st := range states {
			if st.Kind == schedule.InboxPoll {
				continue
			}
			o.Timeline = append(o.Timeline, web.Job{Label: st.Label, Kind: string(st.Kind), Due: d.local(st.Due), State: web.JobState(st.State), DoneAt: d.local(st.FinishedAt)})
		}
	}
	regs, err := d.s.db.Registrations(ctx)
	if err != nil {
		return o, err
	}
	perDay := map[time.Time]int{}
	loc := c.m.Location
	for _, r := range regs {
		if r.Status != store.Registered {
			continue
		}
		t := r.FirstAt.In(loc)
		perDay[time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)]++
	}
	var days []time.Time
	for day := range perDay {
		days = append(days, day)
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Before(days[j]) })
	total := 0
	for _, day := range days {
		total += perDay[day]
		o.Registrations = append(o.Registrations, web.DayCount{Day: day, Count: total})
	}
	if o.Inbox, err = d.Health(ctx); err != nil {
		return o, err
	}
	return o, nil
}

// Missions lists the invited contacts with their state (missionStates,
// the definition the reminders use too).
func (d *Dashboard) Missions(ctx context.Context, f web.MissionFilter) ([]web.Mission, error) {
	c := d.s.config()
	states, err := d.s.missionStates(ctx, c)
	if err != nil {
		return nil, err
	}
	ds, err := d.s.db.Delegates(ctx, "", false)
	if err != nil {
		return nil, err
	}
	count := map[string]int{}
	for _, x := range ds {
		count[x.Contact]++
	}
	last, err := d.s.db.LastInbound(ctx)
	if err != nil {
		return nil, err
	}
	via, err := d.s.db.LastVia(ctx)
	if err != nil {
		return nil, err
	}
	var out []web.Mission
	for _, ct := range c.cs.InCategories(c.m.Invite...) {
		if (f.Category != "" && ct.Category != f.Category) || (f.Language != "" && ct.Language != f.Language) {
			continue
		}
		st := states[ct.Name]
		m := web.Mission{Name: ct.Name, Category: ct.Category, Language: ct.Language, State: webState(st.State), Since: d.local(st.Since), Delegates: count[ct.Name]}
		if m.State == web.StateInvited && d.s.now().After(c.m.Registration.Deadline) {
			m.State = web.StateNoReply
		}
		if in, ok := last[ct.Name]; ok {
			m.LastMessage, m.LastSummary = d.local(in.At), answerTitles(c.m, in.Kind, in.Summary)
		}
		m.Via = via[ct.Name]
		out = append(out, m)
	}
	return out, nil
}

func webState(s MissionState) web.MissionState {
	switch s {
	case InReview:
		return web.StateInReview
	case Registered:
		return web.StateRegistered
	case Declined:
		return web.StateDeclined
	case Bounced:
		return web.StateBounced
	}
	return web.StateInvited
}

func (d *Dashboard) Delegates(ctx context.Context) ([]web.DelegateAttendance, error) {
	ds, err := d.s.db.Delegates(ctx, "", false)
	if err != nil {
		return nil, err
	}
	att, err := d.s.db.Attendance(ctx)
	if err != nil {
		return nil, err
	}
	by := map[string]map[string]string{}
	for _, a := range att {
		if by[a.Email] == nil {
			by[a.Email] = map[string]string{}
		}
		by[a.Email][a.EventID] = a.Partstat
	}
	out := make([]web.DelegateAttendance, 0, len(ds))
	for _, x := range ds {
		p := by[x.Email]
		if p == nil {
			p = map[string]string{}
		}
		out = append(out, web.DelegateAttendance{Mission: x.Contact, Name: x.Name, Title: x.Title, Email: x.Email, Partstat: p,
			Fields: fieldValues(d.s.config(), x.Fields)})
	}
	return out, nil
}

func (d *Dashboard) Sessions(ctx context.Context) ([]web.SessionInfo, error) {
	c := d.s.config()
	var out []web.SessionInfo
	for _, ev := range c.m.Events() {
		out = append(out, web.SessionInfo{ID: ev.ID, Title: ev.Title.In(meeting.EN), Start: d.local(ev.Start), End: d.local(ev.End)})
	}
	return out, nil
}

func (d *Dashboard) Review(ctx context.Context, offset, limit int) ([]web.ReviewItem, int, error) {
	c := d.s.config()
	items, total, err := d.s.db.ReviewPage(ctx, offset, limit)
	if err != nil {
		return nil, 0, err
	}
	out := make([]web.ReviewItem, 0, len(items))
	for _, it := range items {
		var det reviewDetail
		json.Unmarshal([]byte(it.Detail), &det) // an old or odd detail shows less, not an error
		w := web.ReviewItem{ID: it.ID, Kind: it.Kind, Reason: it.Reason, Summary: it.Summary, From: it.From, Contact: it.Contact, Created: d.local(it.CreatedAt),
			Date: d.local(det.Date), Text: det.Body, Problems: det.Problems, Delegates: det.Delegates, Withdrawn: det.Withdrawn, HasMessage: det.RawSize > 0,
			Suggested: addressesOnly(det.Suggested), Late: strings.HasPrefix(it.Reason, "registration after the deadline")}
		if ct, ok := c.cs.ByName(it.Contact); ok {
			w.ContactEmails = ct.Emails
		}
		for _, a := range det.Attachments {
			w.Attachments = append(w.Attachments, web.Attachment{Name: a.Name, Type: a.Type, Size: a.Size})
		}
		out = append(out, w)
	}
	return out, total, nil
}

// ReviewAttachment returns attachment n of a review item's stored message,
// decoded (cut if the message was stored cut).
func (d *Dashboard) ReviewAttachment(ctx context.Context, id int64, n int) (web.Attachment, []byte, error) {
	raw, err := d.s.db.ReviewRaw(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return web.Attachment{}, nil, web.ErrNotFound
	}
	if err != nil {
		return web.Attachment{}, nil, err
	}
	a, data, ok := attachmentData(raw, n)
	if !ok {
		return web.Attachment{}, nil, web.ErrNotFound
	}
	return web.Attachment{Name: a.Name, Type: a.Type, Size: a.Size}, data, nil
}

// ReviewMessage returns the stored message of a review item.
func (d *Dashboard) ReviewMessage(ctx context.Context, id int64) ([]byte, error) {
	raw, err := d.s.db.ReviewRaw(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, web.ErrNotFound
	}
	return raw, err
}

// Resolve applies a staff member's decision on a review item, recording who
// and when. Assigning the message to a mission applies the delegates it
// carried to that mission; registering delegates by hand applies those typed.
// Either way the mission gets its confirmation and the delegates their
// calendar invitations, as for a reply the inbox understood.
func (d *Dashboard) Resolve(ctx context.Context, a web.ReviewAction) error {
	c := d.s.config()
	var ct *meeting.Contact
	if a.Kind == web.ActionAssign || a.Kind == web.ActionRegister || a.Kind == web.ActionAcceptLate || a.Kind == web.ActionAddAddress {
		var ok bool
		if ct, ok = c.cs.ByName(a.Mission); !ok {
			return web.InputError("no mission called " + a.Mission + " in the contact list")
		}
	}
	err := d.s.db.Update(ctx, func(tx *store.Tx) error {
		src := store.Source{Actor: a.By, MessageID: "review-" + itoa(a.Item), Late: a.Kind == web.ActionAcceptLate}
		delegates := a.Delegates
		if a.Kind == web.ActionAddAddress {
			// The colleague an out-of-office named, or a new address: the
			// reminders go there too (missionStates).
			if _, err := tx.AddContactAddress(ct.Name, a.Address, a.Item, src); err != nil {
				return err
			}
		}
		if a.Kind == web.ActionAssign {
			// The message is the mission's after all: apply the delegates it carried.
			it, err := tx.ReviewItem(a.Item)
			if err != nil {
				return err
			}
			var detail struct {
				Delegates []meeting.Delegate `json:"delegates"`
			}
			json.Unmarshal([]byte(it.Detail), &detail)
			src.MessageID = it.MessageID
			for _, x := range detail.Delegates {
				if x.Email != "" {
					delegates = append(delegates, x)
				}
			}
		}
		if (a.Kind == web.ActionAcceptLate || a.Kind == web.ActionRegister) && len(delegates) > 0 {
			// Staff type name, title and address; the answers to the
			// meeting's fields a late web registration gave come from the item.
			it, err := tx.ReviewItem(a.Item)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			delegates = withItemAnswers(delegates, it.Detail)
		}
		if len(delegates) > 0 {
			if _, err := tx.RegisterDelegates(ct.Name, delegates, src); err != nil {
				return err
			}
			ds, err := tx.Delegates(ct.Name)
			if err != nil {
				return err
			}
			list := make([]meeting.Delegate, len(ds))
			for i, x := range ds {
				list[i] = x.Delegate
			}
			msg, err := d.s.missionMessage(c, templates.Confirmation, ct, nil, templates.Data{Delegates: list})
			if err != nil {
				return err
			}
			if err := enqueueOne(tx, "answer-confirmation", templates.Confirmation, ct.Name+"/review-"+itoa(a.Item), ct.Name, msg); err != nil {
				return err
			}
			if _, err := d.s.planInvites(tx, c, ct.Name); err != nil {
				return err
			}
		}
		if a.Kind == web.ActionDismiss {
			// not acted on: what the item recorded before the decision goes (a bounce)
			if _, err := tx.UndoReview(a.Item); err != nil {
				return err
			}
		}
		if err := tx.ResolveReview(a.Item, a.By, a.String()); err != nil {
			return err
		}
		// The message's line on the mission's page says what was done, and by whom.
		it, err := tx.ReviewItem(a.Item)
		if err != nil {
			return err
		}
		mission := ""
		if ct != nil {
			mission = ct.Name
		}
		if err := tx.ResolveInbound(it.MessageID, mission, a.String()+" (by "+a.By+")"); err != nil {
			return err
		}
		// Its IMAP message leaves the Review folder: recorded here, moved by
		// the inbox watcher after the commit.
		return tx.SetReviewMove(a.Item, c.m.IMAP.Processed)
	})
	if errors.Is(err, store.ErrNotFound) {
		return web.ErrNotFound
	}
	if err == nil {
		d.s.notify()
		if d.afterResolve != nil {
			d.afterResolve()
		}
	}
	return err
}

func (d *Dashboard) Outbox(ctx context.Context) ([]web.Batch, []web.Failure, error) {
	stats, err := d.s.db.OutboxBatches(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	var bs []web.Batch
	for _, b := range stats {
		bs = append(bs, web.Batch{ID: b.ID, Label: b.Template, Created: d.local(b.CreatedAt),
			Queued: b.Counts[store.OutboxQueued] + b.Counts[store.OutboxRetry] + b.Counts[store.OutboxSending],
			Sent:   b.Counts[store.OutboxSent], Failed: b.Counts[store.OutboxFailed]})
	}
	entries, err := d.s.db.OutboxEntries(ctx, "", store.OutboxFailed, store.OutboxRetry)
	if err != nil {
		return nil, nil, err
	}
	var fs []web.Failure
	for _, e := range entries {
		fs = append(fs, web.Failure{Batch: e.Batch, Mission: e.Contact, To: strings.Join(e.Recipients, ", "), Reply: e.LastError, Attempts: e.Attempts, At: d.local(e.UpdatedAt)})
	}
	return bs, fs, nil
}

func (d *Dashboard) Registrations(ctx context.Context) ([]web.RegistrationRow, error) {
	c := d.s.config()
	ds, err := d.s.db.Delegates(ctx, "", false)
	if err != nil {
		return nil, err
	}
	var out []web.RegistrationRow
	for _, x := range ds {
		row := web.RegistrationRow{Mission: x.Contact, Name: x.Name, Title: x.Title, Email: x.Email, RegisteredAt: d.local(x.CreatedAt),
			Fields: fieldValues(c, x.Fields)}
		if ct, ok := c.cs.ByName(x.Contact); ok {
			row.Category, row.Language = ct.Category, ct.Language
		}
		out = append(out, row)
	}
	return out, nil
}

func (d *Dashboard) Calendar(ctx context.Context) ([]byte, error) {
	seq, err := EventSequences(ctx, d.s.db, d.s.config().m)
	if err != nil {
		return nil, err
	}
	return calendar.Publish(d.s.config().m, meeting.EN, d.s.now(), seq)
}

func (d *Dashboard) Metrics(ctx context.Context) (web.Metrics, error) {
	var m web.Metrics
	batches, err := d.s.db.OutboxBatches(ctx, "")
	if err != nil {
		return m, err
	}
	for _, b := range batches {
		m.MessagesSent += int64(b.Counts[store.OutboxSent])
		m.MessagesFailed += int64(b.Counts[store.OutboxFailed])
	}
	if m.InboxByKind, err = d.s.db.InboundByKind(ctx); err != nil {
		return m, err
	}
	if m.ReviewQueue, err = d.s.db.ReviewOpenCount(ctx); err != nil {
		return m, err
	}
	if d.jobs != nil {
		states, err := d.jobs(ctx)
		if err != nil {
			return m, err
		}
		now := d.s.now()
		for _, st := range states {
			if (st.State == "pending" || st.State == "running" || st.State == "failed") && st.Due.Before(now) {
				if lag := now.Sub(st.Due); lag > m.JobLag {
					m.JobLag = lag
				}
			}
		}
	}
	if h, err := d.s.db.InboxHealth(ctx); err == nil {
		m.InboxLastContact, m.InboxStatus = h.LastContact, h.Status
	}
	if _, failing, err := d.s.db.SignInFailing(ctx); err == nil {
		m.SignInFailing = failing
	}
	return m, nil
}

// Health is the inbox's health as the watcher records it.
func (d *Dashboard) Health(ctx context.Context) (web.InboxHealth, error) {
	h, err := d.s.db.InboxHealth(ctx)
	if err != nil {
		return web.InboxHealth{}, err
	}
	out := web.InboxHealth{LastContact: d.local(h.LastContact), LastMessage: d.local(h.LastMessage),
		Status: h.Status, StatusSince: d.local(h.StatusSince), Detail: h.StatusDetail}
	if si, failing, err := d.s.db.SignInFailing(ctx); err != nil {
		return out, err
	} else if failing {
		out.SignIn, out.SignInSince = si.Detail, d.local(si.Since)
	}
	return out, nil
}

// addressesOnly keeps the e-mail addresses of what an out-of-office
// suggests (it may name people too), without duplicates.
func addressesOnly(xs []string) []string {
	var out []string
	for _, x := range xs {
		a, err := mail.ParseAddress(strings.TrimSpace(x))
		if err != nil || slices.Contains(out, meeting.NormalizeEmail(a.Address)) {
			continue
		}
		out = append(out, meeting.NormalizeEmail(a.Address))
	}
	return out
}

// fieldValues are a delegate's answers to the meeting's fields, one per
// field, labelled in English (a choice's label, or the stored value when
// the choice is no longer in meeting.yaml).
func fieldValues(c *config, f meeting.Fields) []web.FieldValue {
	var out []web.FieldValue
	for _, fd := range c.m.Registration.Fields {
		v := f.Get(fd.Name)
		if ch, ok := fd.Choice(v); ok {
			v = ch.Label.In(meeting.EN)
		}
		out = append(out, web.FieldValue{Label: fd.Label.In(meeting.EN), Value: v})
	}
	return out
}

// withItemAnswers gives each delegate without answers to the meeting's
// fields those of the same address in a review item's detail (a web
// registration held for staff), on a copy.
func withItemAnswers(ds []meeting.Delegate, detail string) []meeting.Delegate {
	var d struct {
		Delegates []meeting.Delegate `json:"delegates"`
	}
	if json.Unmarshal([]byte(detail), &d) != nil {
		return ds
	}
	answers := map[string]meeting.Fields{}
	for _, x := range d.Delegates {
		if x.Fields != "" {
			answers[meeting.NormalizeEmail(x.Email)] = x.Fields
		}
	}
	if len(answers) == 0 {
		return ds
	}
	out := append([]meeting.Delegate(nil), ds...)
	for i := range out {
		if out[i].Fields == "" {
			out[i].Fields = answers[meeting.NormalizeEmail(out[i].Email)]
		}
	}
	return out
}
