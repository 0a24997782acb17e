package secretariat

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"convene/inbox"
	"convene/meeting"
	"convene/store"
)

// The public registration page (package regweb) reaches the secretariat
// here: each mission's link, and the registration a page submits, applied
// by applyRegistration as an e-mail reply is.
//
// A link is PUBLIC_URL/r/TOKEN. TOKEN is HMAC-SHA256(key, meeting, contact,
// generation), 160 bits in base32: the key (registration.web.key_file) never
// leaves the host, the store keeps only the token's SHA-256, and rotating a
// link increments its generation, so the old token matches nothing.

// webLinks is the state of the web links: the key and each contact's
// current generation.
type webLinks struct {
	key []byte
	mu  sync.Mutex
	gen map[string]int // contact → generation
	// one is held while a submission is applied: submissions queue here
	// rather than in SQLite's busy handler, which gives up under a crowd.
	one chan struct{}
}

// ErrNoWeb is returned when the web page is not configured.
var ErrNoWeb = errors.New("secretariat: registration.web is not configured")

// EnableWeb turns on the mission links with key (at least 32 bytes) and
// records a link for every contact that has none. Call it after New when
// registration.web is configured; SetConfig then records new contacts' links.
func (s *Service) EnableWeb(ctx context.Context, key []byte) error {
	if len(key) < 32 {
		return errors.New("secretariat: the web link key must be at least 32 bytes")
	}
	s.web = &webLinks{key: append([]byte(nil), key...), gen: map[string]int{}, one: make(chan struct{}, 1)}
	return s.syncWebLinks(ctx)
}

// PreviewWeb gives a read-only service (NewReadOnly, for dry runs) the
// mission links as EnableWeb records them, writing nothing: the store's
// current links, and the first link of a contact that has none yet.
func (s *Service) PreviewWeb(ctx context.Context, key []byte) error {
	if len(key) < 32 {
		return errors.New("secretariat: the web link key must be at least 32 bytes")
	}
	w := &webLinks{key: append([]byte(nil), key...), gen: map[string]int{}, one: make(chan struct{}, 1)}
	c := s.config()
	if s.db != nil {
		have, err := s.db.WebLinks(ctx, c.m.ID)
		if err != nil {
			return err
		}
		for name, l := range have {
			w.gen[name] = l.Generation
		}
	}
	for _, ct := range c.cs.List {
		if w.gen[ct.Name] == 0 {
			w.gen[ct.Name] = 1
		}
	}
	s.web = w
	return nil
}

// syncWebLinks loads the generations and gives a link to each contact
// that has none.
func (s *Service) syncWebLinks(ctx context.Context) error {
	w := s.web
	if w == nil {
		return nil
	}
	c := s.config()
	have, err := s.db.WebLinks(ctx, c.m.ID)
	if err != nil {
		return err
	}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		for _, ct := range c.cs.List {
			if _, ok := have[ct.Name]; ok {
				continue
			}
			l := store.WebLink{Contact: ct.Name, Generation: 1, Hash: HashWebToken(w.token(c.m.ID, ct.Name, 1))}
			if err := tx.SetWebLink(c.m.ID, l); err != nil {
				return err
			}
			have[ct.Name] = l
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for name, l := range have {
		w.gen[name] = l.Generation
	}
	return nil
}

// WebEnabled reports whether EnableWeb was called.
func (s *Service) WebEnabled() bool { return s.web != nil }

// token derives a link's token.
func (w *webLinks) token(meetingID, contact string, gen int) string {
	h := hmac.New(sha256.New, w.key)
	fmt.Fprintf(h, "convene web link\x00%s\x00%s\x00%d", meetingID, contact, gen)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h.Sum(nil)[:20]))
}

// HashWebToken is what the store keeps of a token.
func HashWebToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// WebLink is contact's link to the registration page, "" when the page is
// not configured.
func (s *Service) WebLink(contact string) string { return s.webLink(s.config(), contact) }

func (s *Service) webLink(c *config, contact string) string {
	w := s.web
	if w == nil || c.m.Registration.Web == nil || c.m.Registration.Web.PublicURL == "" {
		return ""
	}
	w.mu.Lock()
	gen := w.gen[contact]
	w.mu.Unlock()
	if gen == 0 {
		return ""
	}
	return c.m.Registration.Web.PublicURL + "/r/" + w.token(c.m.ID, contact, gen)
}

// RotateWebLink gives contact a new link; the old one then opens nothing.
// It returns the new link.
func (s *Service) RotateWebLink(ctx context.Context, contact string) (string, error) {
	w, c := s.web, s.config()
	if w == nil {
		return "", ErrNoWeb
	}
	ct, ok := c.cs.ByName(contact)
	if !ok {
		return "", fmt.Errorf("secretariat: no contact %q", contact)
	}
	w.mu.Lock()
	gen := w.gen[ct.Name] + 1
	w.mu.Unlock()
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		return tx.SetWebLink(c.m.ID, store.WebLink{Contact: ct.Name, Generation: gen, Hash: HashWebToken(w.token(c.m.ID, ct.Name, gen))})
	})
	if err != nil {
		return "", err
	}
	w.mu.Lock()
	w.gen[ct.Name] = gen
	w.mu.Unlock()
	s.log.Info("web link rotated", "contact", ct.Name, "generation", gen)
	return s.webLink(c, ct.Name), nil
}

// WebContact returns the mission whose current link has token tok; nil
// for an unknown, rotated or malformed token, and for every token once the
// meeting has ended.
func (s *Service) WebContact(ctx context.Context, tok string) (*meeting.Contact, error) {
	c := s.config()
	if s.web == nil || len(tok) != 32 {
		return nil, nil
	}
	if end := c.m.End(); !end.IsZero() && s.now().After(end) {
		return nil, nil
	}
	name, err := s.db.WebLinkContact(ctx, c.m.ID, HashWebToken(strings.ToLower(tok)))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ct, ok := c.cs.ByName(name)
	if !ok { // no longer in contacts.csv
		return nil, nil
	}
	return ct, nil
}

// WebState is what the page shows of a mission's registration.
type WebState struct {
	Status    string // store.Registered, store.Declined or "" (no answer yet)
	Delegates []meeting.Delegate
}

// WebState reads contact's registration.
func (s *Service) WebState(ctx context.Context, contact string) (WebState, error) {
	var st WebState
	ds, err := s.db.Delegates(ctx, contact, false)
	if err != nil {
		return st, err
	}
	for _, d := range ds {
		st.Delegates = append(st.Delegates, d.Delegate)
	}
	regs, err := s.db.Registrations(ctx)
	if err != nil {
		return st, err
	}
	st.Status = regs[contact].Status
	return st, nil
}

// WebChange is what a mission submits on the page.
type WebChange struct {
	Add      []meeting.Delegate  // new delegates
	Correct  []meeting.Delegate  // a registered delegate's name or title, by address
	Replace  []inbox.Replacement // a registered delegate (Old, an address) by another address
	Withdraw []string            // addresses of registered delegates
	Decline  bool                // the mission will not attend: every delegate is withdrawn
}

// Empty reports whether ch changes nothing.
func (ch WebChange) Empty() bool {
	return len(ch.Add) == 0 && len(ch.Correct) == 0 && len(ch.Replace) == 0 && len(ch.Withdraw) == 0 && !ch.Decline
}

// Outcomes of WebRegister.
const (
	WebApplied     = "applied"      // done: confirmation and calendar messages queued
	WebLateRefused = "late-refused" // after the deadline, policy refuse: nothing applied
	WebLateReview  = "late-review"  // after the deadline, policy review: staff decide
	WebCapped      = "capped"       // beyond limits: nothing applied (Reason says which)
	WebUnchanged   = "unchanged"    // nothing to do
)

// WebResult is what WebRegister did.
type WebResult struct {
	Outcome string
	Reason  string   // for WebCapped, the cap (in English, for the log)
	Summary []string // the effects, for the log
}

// WebRegister applies a change submitted on contact's page, in one
// transaction, as an e-mail reply is applied (applyRegistration): the
// history (via web, with the client's address), the confirmation, the
// calendar invitations and cancellations; the deadline's late policy and
// the caps on effects apply.
func (s *Service) WebRegister(ctx context.Context, contact string, ch WebChange, client string) (WebResult, error) {
	if s.web == nil {
		return WebResult{}, ErrNoWeb
	}
	select {
	case s.web.one <- struct{}{}:
		defer func() { <-s.web.one }()
	case <-ctx.Done():
		return WebResult{}, ctx.Err()
	}
	c := s.config()
	ct, ok := c.cs.ByName(contact)
	if !ok {
		return WebResult{}, fmt.Errorf("secretariat: no contact %q", contact)
	}
	var res WebResult
	var nonce [12]byte
	rand.Read(nonce[:])
	msg := &inbox.Message{
		MessageID: webMessagePrefix + hex.EncodeToString(nonce[:]),
		Kind:      inbox.KindRegistration,
		From:      "web " + client,
		Subject:   "registration on the web page",
		Delegates: append(append([]meeting.Delegate(nil), ch.Add...), ch.Correct...),
		Replaced:  ch.Replace,
		Withdrawn: ch.Withdraw,
		Declined:  ch.Decline,
	}
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		res = WebResult{}
		if ch.Decline {
			active, err := tx.Delegates(ct.Name)
			if err != nil {
				return err
			}
			msg.Delegates, msg.Replaced, msg.Withdrawn = nil, nil, nil
			for _, d := range active {
				msg.Withdrawn = append(msg.Withdrawn, d.Email)
			}
		}
		if len(msg.Delegates) == 0 && len(msg.Replaced) == 0 && len(msg.Withdrawn) == 0 && !msg.Declined {
			res.Outcome = WebUnchanged
			return nil
		}
		if reason := replyCap(c, msg); reason != "" {
			res.Outcome, res.Reason = WebCapped, reason
			return nil
		}
		src := store.Source{Actor: "web", Via: store.ViaWeb, Client: client}
		if s.now().After(c.m.Registration.Deadline) && (len(ch.Add) > 0 || len(ch.Replace) > 0) && !ch.Decline {
			src.Late = true
			switch c.m.Registration.Late {
			case meeting.LateRefuse:
				res.Outcome = WebLateRefused
				return nil
			case meeting.LateReview:
				// New delegates wait for staff; corrections and withdrawals
				// of registered ones apply now.
				res.Outcome = WebLateReview
				late := *msg
				late.Delegates, late.Withdrawn = ch.Add, nil
				if _, err := s.reviewItem(tx, c, inbox.Fetched{MessageID: msg.MessageID}, &late, ct,
					"registration on the web page after the deadline (late policy: review), from "+client); err != nil {
					return err
				}
				if len(ch.Correct) == 0 && len(ch.Withdraw) == 0 {
					return nil
				}
				msg.Delegates, msg.Replaced = ch.Correct, nil
				src.Late = false
			}
		}
		before, err := tx.Delegates(ct.Name)
		if err != nil {
			return err
		}
		last, err := tx.LastOutboxID()
		if err != nil {
			return err
		}
		summary, reason, err := s.applyRegistration(tx, c, ct, msg, src)
		if err != nil {
			return err
		}
		if reason != "" {
			res.Outcome, res.Reason = WebCapped, reason
			return errWebUndo
		}
		over, err := effectsCap(tx, c, ct, len(before), last)
		if err != nil {
			return err
		}
		if over != "" {
			res.Outcome, res.Reason = WebCapped, over
			return errWebUndo
		}
		if res.Outcome == "" {
			res.Outcome = WebApplied
		}
		res.Summary = summary
		return nil
	})
	if errors.Is(err, errWebUndo) {
		s.log.Warn("web registration not applied", "contact", ct.Name, "client", client, "reason", res.Reason)
		return res, nil
	}
	return res, err
}

// errWebUndo rolls back a web registration that turned out beyond the caps.
var errWebUndo = errors.New("web registration undone")

// webMessagePrefix begins the Message-ID given to a web submission (used
// as the key of its confirmation in the outbox; no mail has it).
const webMessagePrefix = "web."

// isWebMessage reports whether id is a web submission's.
func isWebMessage(id string) bool {
	return strings.HasPrefix(id, webMessagePrefix) && !strings.Contains(id, "@")
}
