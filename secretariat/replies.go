package secretariat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"convene/calendar"
	"convene/inbox"
	"convene/mailer"
	"convene/meeting"
	"convene/store"
	"convene/templates"
)

// Handle is the inbox's handler: it applies what one message means,
// inside tx (the inbox commits it together with the message's checkpoint,
// then moves the message). It returns where the message goes: Processed
// when it was understood and applied, Review when a person must look; in
// that case a review item says why. Nothing is ever half-applied: an error
// rolls everything back and the message stays in the inbox.
func (s *Service) Handle(ctx context.Context, tx *store.Tx, f inbox.Fetched) (inbox.Disposition, error) {
	c := s.config()
	p, ok := f.Prepared.(parsedMessage)
	if !ok {
		p = s.Prepare(f).(parsedMessage)
	}
	msg, err := p.msg, p.err
	if err != nil {
		return s.review(tx, c, f, &inbox.Message{MessageID: f.MessageID, Kind: inbox.KindOther}, nil, "unreadable message: "+err.Error())
	}
	if msg.MessageID == "" {
		msg.MessageID = f.MessageID
	}
	if s.isOurs(c, msg.From) {
		return s.done(tx, msg, nil, "our own mail came back: not answered")
	}
	switch msg.Kind {
	case inbox.KindCalendarReply:
		return s.calendarReply(tx, c, f, msg)
	case inbox.KindBounce:
		return s.bounce(tx, c, f, msg)
	case inbox.KindAutoReply:
		ct, _ := c.cs.ByEmail(msg.From)
		if msg.AutoReply != nil && len(msg.AutoReply.Suggested) > 0 {
			return s.review(tx, c, f, msg, ct, "out-of-office names another contact: "+strings.Join(msg.AutoReply.Suggested, ", "))
		}
		return s.done(tx, msg, ct, "auto-reply recorded, not answered")
	case inbox.KindRegistration:
		return s.registrationWithinCaps(ctx, tx, c, f, msg)
	}
	reason := msg.ReviewReason
	if reason == "" {
		reason = "not a registration, calendar answer, bounce or auto-reply"
	}
	ct, _ := c.cs.ByEmail(msg.From)
	return s.review(tx, c, f, msg, ct, reason)
}

// parsedMessage is a message as inbox.Parse read it.
type parsedMessage struct {
	msg *inbox.Message
	err error
}

// Prepare parses a fetched message; it has no effects, so the
// watcher runs it on several messages at once (inbox.Options.Prepare) ahead
// of Handle.
func (s *Service) Prepare(f inbox.Fetched) any {
	c := s.config()
	msg, err := inbox.ParseBytes(f.Raw, c.m.Sender.ReplyTo, inbox.Limits{AttachmentRows: c.limits().AttachmentRows, MaxTime: s.parseTime})
	if err == nil {
		msg.Auth = inbox.ReadAuth(f.Raw, c.m.IMAP.TrustedAuthservID, msg.From)
	}
	return parsedMessage{msg, err}
}

// isOurs reports whether addr is the secretariat's own (a loop).
func (s *Service) isOurs(c *config, addr string) bool {
	addr = meeting.NormalizeEmail(addr)
	base := func(a string) string {
		local, domain, _ := strings.Cut(meeting.NormalizeEmail(a), "@")
		local, _, _ = strings.Cut(local, "+")
		return local + "@" + domain
	}
	return addr != "" && (base(addr) == base(c.m.Sender.Address) || base(addr) == base(c.m.Sender.ReplyTo))
}

// review records a review item and sends the message to the review folder.
func (s *Service) review(tx *store.Tx, c *config, f inbox.Fetched, msg *inbox.Message, ct *meeting.Contact, reason string) (inbox.Disposition, error) {
	_, err := s.reviewItem(tx, c, f, msg, ct, reason)
	return inbox.Review, err
}

// reviewItem is review that returns the item's id.
func (s *Service) reviewItem(tx *store.Tx, c *config, f inbox.Fetched, msg *inbox.Message, ct *meeting.Contact, reason string) (int64, error) {
	// The desk shows the message from the item alone (reviewDetail): its
	// text and attachments, and the message as received for download.
	raw := f.Raw
	if len(raw) > reviewRawLimit {
		raw = raw[:reviewRawLimit]
	}
	detail, _ := json.Marshal(reviewDetail{
		Delegates: msg.Delegates, Withdrawn: msg.Withdrawn, Replaced: msg.Replaced, Declined: msg.Declined,
		Body: clip(msg.Body, reviewTextLimit), Problems: msg.Problems,
		Date: msg.Date, Attachments: listAttachments(raw), RawSize: len(f.Raw), Suggested: suggestedBy(msg),
	})
	name := ""
	if ct != nil {
		name = ct.Name
	}
	id, err := tx.AddReview(store.ReviewItem{
		Kind: string(msg.Kind), Reason: reason, Summary: clip(msg.Subject, 200), From: msg.From, Contact: name,
		MessageID: msg.MessageID, Mailbox: c.m.IMAP.Review, Detail: string(detail), Raw: raw,
	})
	if err != nil {
		return 0, err
	}
	s.log.Info("message needs review", "message_id", msg.MessageID, "kind", msg.Kind, "reason", reason)
	return id, tx.LogInbound(store.Inbound{MessageID: msg.MessageID, Kind: string(msg.Kind), Contact: name, From: msg.From,
		Summary: reason, Disposition: "review"})
}

// done logs a message that was understood and needs nothing more.
func (s *Service) done(tx *store.Tx, msg *inbox.Message, ct *meeting.Contact, summary string) (inbox.Disposition, error) {
	name := ""
	if ct != nil {
		name = ct.Name
	}
	s.log.Debug("message processed", "message_id", msg.MessageID, "kind", msg.Kind, "contact", name, "summary", summary)
	return inbox.Processed, tx.LogInbound(store.Inbound{MessageID: msg.MessageID, Kind: string(msg.Kind), Contact: name, From: msg.From,
		Summary: summary, Disposition: "processed"})
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// calendarReply records each delegate's answer for the session it names.
func (s *Service) calendarReply(tx *store.Tx, c *config, f inbox.Fetched, msg *inbox.Message) (inbox.Disposition, error) {
	var applied []string
	for _, part := range msg.Calendar {
		replies, err := calendar.ParseReplies(part)
		if errors.Is(err, calendar.ErrNotReply) {
			continue
		}
		if err != nil {
			return s.review(tx, c, f, msg, nil, "unreadable calendar answer: "+err.Error())
		}
		for _, r := range replies {
			eventID, ok := eventOfUID(c.m, r.UID)
			if r.Method == calendar.MethodCounter || !r.ProposedStart.IsZero() {
				if !ok {
					eventID = "an event convene did not send (UID " + r.UID + ")"
				}
				return s.review(tx, c, f, msg, nil, counterReason(c, r, eventID)) // counter.go
			}
			if !ok {
				return s.review(tx, c, f, msg, nil, "calendar answer for an event convene did not send (UID "+r.UID+")")
			}
			contact, err := tx.DelegateContact(r.Attendee)
			if errors.Is(err, store.ErrNotFound) {
				return s.review(tx, c, f, msg, nil, "calendar answer from "+r.Attendee+", who is not a registered delegate")
			}
			if err != nil {
				return 0, err
			}
			ct, _ := c.cs.ByName(contact)
			if reason := calendarSender(c, msg, r.Attendee); reason != "" {
				return s.review(tx, c, f, msg, ct, reason)
			}
			if _, err := tx.SetAttendance(store.Attendance{Email: r.Attendee, EventID: eventID, Partstat: r.Partstat, Sequence: r.Sequence, Comment: r.Comment, At: r.Stamp}); err != nil {
				return 0, err
			}
			applied = append(applied, fmt.Sprintf("%s %s %s", r.Attendee, strings.ToLower(r.Partstat), eventID))
		}
	}
	if len(applied) == 0 {
		return s.review(tx, c, f, msg, nil, "calendar message without an answer to read")
	}
	ct, _ := c.cs.ByEmail(msg.From)
	if ct == nil {
		if name, err := tx.DelegateContact(msg.From); err == nil {
			ct, _ = c.cs.ByName(name)
		}
	}
	return s.done(tx, msg, ct, strings.Join(applied, "; "))
}

// eventOfUID finds the event of a UID that calendar.UID gave.
func eventOfUID(m *meeting.Meeting, uid string) (string, bool) {
	for _, ev := range m.Events() {
		if strings.EqualFold(calendar.UID(m, ev.ID), uid) {
			return ev.ID, true
		}
	}
	prefix := strings.ToLower(m.ID + "-")
	local, domain, _ := strings.Cut(strings.ToLower(uid), "@")
	_, ours, _ := strings.Cut(calendar.UID(m, ""), "@")
	// An event since removed from meeting.yaml, under our domain.
	if strings.HasPrefix(local, prefix) && len(local) > len(prefix) && domain == ours {
		return local[len(prefix):], true
	}
	return "", false
}

// bounce records the failed addresses of a delivery report that refers to
// a message convene sent (bounces.go: its VERP tag, or a returned
// Message-ID), and only those addresses that message went to. A report tied
// to nothing we sent changes nothing: it goes to review. A delay is recorded
// and shown, never reviewed. A permanent failure of a mission's address opens
// a review item: the State must still be reached, so staff find its current
// address; the address is never silently dropped. Dismissing that item
// removes what it recorded.
func (s *Service) bounce(tx *store.Tx, c *config, f inbox.Fetched, msg *inbox.Message) (inbox.Disposition, error) {
	b := msg.Bounce
	if b == nil || len(b.Recipients) == 0 {
		return s.review(tx, c, f, msg, nil, "bounce without a recipient to read")
	}
	if !b.Permanent {
		for _, rcpt := range b.Recipients {
			if err := tx.RecordBounce(store.Bounce{Email: rcpt, Contact: s.ownerOf(tx, c, rcpt), Status: b.Status, Diagnostic: b.Diagnostic, MessageID: msg.MessageID}); err != nil {
				return 0, err
			}
		}
		return s.done(tx, msg, nil, "delivery delayed to "+strings.Join(b.Recipients, ", "))
	}
	sent, how, err := boundMessage(tx, c, msg, f.Raw)
	if err != nil {
		return 0, err
	}
	if sent == nil {
		return s.review(tx, c, f, msg, nil, fmt.Sprintf("a delivery report for %s that is not tied to a message convene sent (no VERP tag, no Message-ID of ours): nothing changed until a person decides", clip(strings.Join(b.Recipients, ", "), 300)))
	}
	var foreign []string
	for _, rcpt := range b.Recipients {
		if !slices.Contains(sent.Recipients, meeting.NormalizeEmail(rcpt)) {
			foreign = append(foreign, rcpt)
		}
	}
	if len(foreign) > 0 {
		return s.review(tx, c, f, msg, nil, fmt.Sprintf("a delivery report for %s, which message %s (%s) was not sent to: nothing changed until a person decides", clip(strings.Join(foreign, ", "), 300), sent.MessageID, how))
	}
	var mission *meeting.Contact
	for _, rcpt := range b.Recipients {
		if ct, ok := c.cs.ByEmail(rcpt); ok {
			mission = ct
		}
	}
	if mission == nil { // a delegate's address: ask the mission (bounce_delegate.go)
		if d, handled, err := s.delegateBounce(tx, c, msg); handled || err != nil {
			return d, err
		}
	}
	var reviewID int64
	switch {
	case mission != nil:
		reviewID, err = s.reviewItem(tx, c, f, msg, mission, fmt.Sprintf("mail to %s bounced permanently (%s): find the mission's current address", strings.Join(b.Recipients, ", "), b.Status))
	default:
		reviewID, err = s.reviewItem(tx, c, f, msg, nil, fmt.Sprintf("mail to %s bounced permanently (%s)", strings.Join(b.Recipients, ", "), b.Status))
	}
	if err != nil {
		return 0, err
	}
	for _, rcpt := range b.Recipients {
		if err := tx.RecordBounce(store.Bounce{Email: rcpt, Contact: s.ownerOf(tx, c, rcpt), Permanent: true, Status: b.Status, Diagnostic: b.Diagnostic,
			MessageID: msg.MessageID, ReviewID: reviewID}); err != nil {
			return 0, err
		}
	}
	return inbox.Review, nil
}

// ownerOf is the contact an address belongs to: a contact's own, or one of
// its delegates' ("" if neither).
func (s *Service) ownerOf(tx *store.Tx, c *config, addr string) string {
	if ct, ok := c.cs.ByEmail(addr); ok {
		return ct.Name
	}
	if name, err := tx.DelegateContact(addr); err == nil {
		return name
	}
	return ""
}

// boundMessage finds the message of ours a delivery report refers to: by the
// VERP tag of the address it came back to, else by a Message-ID it returns
// (or names in In-Reply-To or References). It returns nil when there is none,
// and how it was found.
func boundMessage(tx *store.Tx, c *config, msg *inbox.Message, raw []byte) (*store.SentMessage, string, error) {
	find := func(id string) (*store.SentMessage, error) {
		m, err := tx.SentByMessageID(id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &m, nil
	}
	domain := ""
	if _, d, ok := strings.Cut(c.m.Sender.Address, "@"); ok {
		domain = d
	}
	for _, tag := range verpTags(c, msg, raw) {
		if m, err := find(mailer.MessageIDOfTag(tag, domain)); m != nil || err != nil {
			return m, "VERP tag " + tag, err
		}
	}
	ids := append([]string(nil), msg.Bounce.MessageIDs...)
	if msg.InReplyTo != "" {
		ids = append(ids, msg.InReplyTo)
	}
	ids = append(ids, msg.References...)
	for i, id := range ids {
		if i >= 20 {
			break
		}
		if m, err := find(id); m != nil || err != nil {
			return m, "returned Message-ID", err
		}
	}
	return nil, "", nil
}

// registration applies a mission's reply: delegates added, replaced or
// withdrawn, or the mission declining; then confirms it and sends the
// delegates' calendar invitations and cancellations, all in tx.
func (s *Service) registration(ctx context.Context, tx *store.Tx, c *config, f inbox.Fetched, msg *inbox.Message) (inbox.Disposition, error) {
	ct, reason := identify(c, msg) // the token, or an authenticated From (policy.go)
	if ct == nil || reason != "" {
		return s.review(tx, c, f, msg, ct, reason)
	}
	if msg.NeedsReview {
		return s.review(tx, c, f, msg, ct, msg.ReviewReason)
	}
	if reason := replyCap(c, msg); reason != "" { // caps.go; the others in registrationWithinCaps
		return s.review(tx, c, f, msg, ct, reason)
	}
	src := store.Source{MessageID: msg.MessageID, Actor: "inbox", Via: store.ViaMail}
	// The late policy is about new delegates; a withdrawal or a decline after
	// the deadline is applied (and its calendar cancellations sent) as usual.
	if s.now().After(c.m.Registration.Deadline) && (len(msg.Delegates) > 0 || len(msg.Replaced) > 0) {
		src.Late = true
		switch c.m.Registration.Late {
		case meeting.LateReview:
			return s.review(tx, c, f, msg, ct, "registration after the deadline (late policy: review)")
		case meeting.LateRefuse:
			if err := s.autoAnswer(tx, c, ct, msg, templates.Late, templates.Data{}); err != nil {
				return 0, err
			}
			return s.done(tx, msg, ct, "late registration refused")
		}
	}

	summary, reason, err := s.applyRegistration(tx, c, ct, msg, src)
	if err != nil {
		return 0, err
	}
	if reason != "" {
		return s.review(tx, c, f, msg, ct, reason)
	}
	return s.done(tx, msg, ct, strings.Join(summary, "; "))
}

// applyRegistration applies what a mission asks in msg (delegates added or
// corrected, replaced, withdrawn; or declining) for ct, with src in the
// history: then confirms it and sends the delegates' calendar invitations
// and cancellations, all in tx. E-mail replies (registration) and the web
// page (WebRegister) both come here. It returns a summary of the effects,
// or the reason a person must decide instead.
func (s *Service) applyRegistration(tx *store.Tx, c *config, ct *meeting.Contact, msg *inbox.Message, src store.Source) (summary []string, review string, err error) {
	// Delegates without an address cannot receive invitations: ask.
	var withEmail []meeting.Delegate
	var missing []string
	for _, d := range msg.Delegates {
		if d.Email == "" {
			missing = append(missing, d.Name)
			continue
		}
		withEmail = append(withEmail, d)
	}
	if why := delegateAddressProblem(c, ct, msg); why != "" { // before any effect (addresses.go)
		return nil, why, nil
	}
	if msg.Complete && len(missing) > 0 { // before any effect (complete.go)
		return nil, "a complete list naming delegates without an address (" + strings.Join(missing, ", ") + "): who it replaces is for a person to confirm", nil
	}
	for _, r := range msg.Replaced {
		old := r.Old
		if !strings.Contains(old, "@") {
			old = s.emailOfName(tx, ct.Name, old)
		}
		if old == "" || r.New.Email == "" {
			return nil, fmt.Sprintf("replacement of %q by %q: cannot tell which registered delegate is meant", r.Old, r.New.Name), nil
		}
		if _, err := tx.WithdrawDelegates(ct.Name, []string{old}, src); err != nil {
			return nil, "", err
		}
		withEmail = append(withEmail, r.New)
		summary = append(summary, fmt.Sprintf("replaced %s by %s", old, r.New.Email))
	}
	var withdrawn []string
	for _, w := range msg.Withdrawn {
		if !strings.Contains(w, "@") {
			if e := s.emailOfName(tx, ct.Name, w); e != "" {
				w = e
			} else {
				return nil, fmt.Sprintf("withdrawal of %q: no registered delegate of that name", w), nil
			}
		}
		withdrawn = append(withdrawn, w)
	}
	fixed, err := replacedUnreachable(tx, ct.Name, withEmail) // a delegate's address that bounced, corrected (bounce_replace.go)
	if err != nil {
		return nil, "", err
	}
	withdrawn = append(withdrawn, fixed...)
	if msg.Complete { // the complete list replaces the delegation (complete.go)
		rest, err := notInCompleteList(tx, ct.Name, withEmail, missing)
		if err != nil {
			return nil, "", err
		}
		withdrawn = append(withdrawn, rest...)
	}
	if len(withdrawn) > 0 {
		gone, err := tx.WithdrawDelegates(ct.Name, withdrawn, src)
		if err != nil {
			return nil, "", err
		}
		summary = append(summary, fmt.Sprintf("withdrew %d", len(gone)))
	}
	if len(withEmail) > 0 {
		added, err := tx.RegisterDelegates(ct.Name, withEmail, src)
		if err != nil {
			return nil, "", err
		}
		summary = append(summary, fmt.Sprintf("registered %d (%d new)", len(withEmail), len(added)))
	}
	if msg.Declined && len(withEmail) == 0 {
		if err := tx.Decline(ct.Name, src); err != nil {
			return nil, "", err
		}
		summary = append(summary, "declined")
	}
	applied := len(summary) > 0 // anything changed in the registration
	if !applied && len(missing) == 0 {
		return nil, "a reply from the mission, but no delegate, withdrawal or decline could be read", nil
	}

	if len(missing) > 0 {
		reason := "no email address for: " + strings.Join(missing, ", ")
		if err := s.autoAnswer(tx, c, ct, msg, templates.Clarification, templates.Data{Reason: reason}); err != nil {
			return nil, "", err
		}
		summary = append(summary, "asked for "+reason)
	}
	if applied {
		active, err := tx.Delegates(ct.Name)
		if err != nil {
			return nil, "", err
		}
		ds := make([]meeting.Delegate, len(active))
		for i, d := range active {
			ds[i] = d.Delegate
		}
		if !msg.Declined || len(ds) > 0 {
			if err := s.autoAnswer(tx, c, ct, msg, templates.Confirmation, templates.Data{Delegates: ds}); err != nil {
				return nil, "", err
			}
		}
		n, err := s.planInvites(tx, c, ct.Name)
		if err != nil {
			return nil, "", err
		}
		if n > 0 {
			summary = append(summary, fmt.Sprintf("%d calendar messages", n))
		}
	}
	s.notify()
	s.log.Info("registration applied", "contact", ct.Name, "message_id", msg.MessageID, "via", src.Via, "effects", strings.Join(summary, "; "))
	return summary, "", nil
}

// emailOfName finds the address of contact's active delegate called name.
func (s *Service) emailOfName(tx *store.Tx, contact, name string) string {
	ds, err := tx.Delegates(contact)
	if err != nil {
		return ""
	}
	norm := func(x string) string { return strings.ToLower(strings.Join(strings.Fields(x), " ")) }
	for _, d := range ds {
		if norm(d.Name) == norm(name) || strings.HasSuffix(norm(d.Name), " "+norm(name)) {
			return d.Email
		}
	}
	return ""
}

// autoAnswer sends template tpl to the mission in answer to msg, in tx,
// unless the mission has had its automatic answers for the day (no mail
// loops). It answers to the mission's addresses, never to the sender of an
// automatic message.
func (s *Service) autoAnswer(tx *store.Tx, c *config, ct *meeting.Contact, msg *inbox.Message, tpl string, d templates.Data) error {
	ok, err := tx.AllowAutoAnswer(ct.Name, c.limits().AnswersPerDay)
	if err != nil || !ok {
		if !ok {
			s.log.Warn("automatic answers capped for the day", "contact", ct.Name, "template", tpl)
		}
		return err
	}
	out, err := s.missionMessage(c, tpl, ct, nil, d)
	if err != nil {
		return err
	}
	if msg.MessageID != "" && !isWebMessage(msg.MessageID) {
		out.InReplyTo = "<" + msg.MessageID + ">"
		out.References = out.InReplyTo
	}
	key := ct.Name + "/" + msg.MessageID
	_, err = mailer.EnqueueTx(tx, mailer.Batch{ID: "answer-" + tpl, Template: tpl}, []mailer.Outgoing{{Key: key, Contact: ct.Name, Message: out}})
	return err
}
