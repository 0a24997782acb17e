package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"convene/meeting"
)

// Registration statuses of a contact.
const (
	Registered = "registered"
	Declined   = "declined"
)

// Delegate statuses.
const (
	DelegateActive    = "active"
	DelegateWithdrawn = "withdrawn"
)

// Delegate is a registered delegate as stored.
type Delegate struct {
	meeting.Delegate
	Contact   string
	Status    string // DelegateActive or DelegateWithdrawn
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Registration is a contact's registration state.
type Registration struct {
	Contact   string
	Status    string // Registered or Declined
	Late      bool
	FirstAt   time.Time
	UpdatedAt time.Time
}

// Event is one entry of a contact's registration history.
type Event struct {
	Contact   string
	Action    string
	Detail    string // JSON
	MessageID string
	Actor     string
	Via       string // Source.Via
	Client    string // Source.Client
	At        time.Time
}

// Source says where a change came from, for the history.
type Source struct {
	MessageID string // the message that carried it, if any
	Actor     string // "inbox", or the staff member who acted
	Late      bool   // it arrived after the deadline
	Via       string // ViaMail, ViaWeb or ViaStaff ("" before they were told apart)
	Client    string // for ViaWeb, the client's address
}

// RegisterDelegates adds the delegates to contact's registration, or updates
// their name and title; a withdrawn delegate registered again is active
// again. It returns the delegates that were not active before.
func (tx *Tx) RegisterDelegates(contact string, ds []meeting.Delegate, src Source) (added []meeting.Delegate, err error) {
	now := ms(tx.Now())
	for _, d := range ds {
		email := meeting.NormalizeEmail(d.Email)
		var status string
		err := tx.QueryRowContext(tx.ctx, `SELECT status FROM delegates WHERE contact = $1 AND email = $2`, contact, email).Scan(&status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(tx.ctx, `INSERT INTO delegates (contact, email, name, title, status, created_at, updated_at, fields)
				VALUES ($1, $2, $3, $4, $5, $6, $6, $7)`, contact, email, d.Name, d.Title, DelegateActive, now, string(d.Fields))
			added = append(added, meeting.Delegate{Name: d.Name, Title: d.Title, Email: email, Fields: d.Fields})
		case err == nil:
			if status != DelegateActive {
				added = append(added, meeting.Delegate{Name: d.Name, Title: d.Title, Email: email, Fields: d.Fields})
			}
			// Fields "" (an e-mail reply) keeps the answers given on the page.
			_, err = tx.ExecContext(tx.ctx, `UPDATE delegates SET name = $1, title = $2, status = $3, updated_at = $4,
				fields = CASE WHEN $7 = '' THEN fields ELSE $7 END
				WHERE contact = $5 AND email = $6`, d.Name, d.Title, DelegateActive, now, contact, email, string(d.Fields))
		}
		if err != nil {
			return nil, fmt.Errorf("store: register %s for %q: %w", email, contact, err)
		}
	}
	if err := tx.setStatus(contact, Registered, src); err != nil {
		return nil, err
	}
	return added, tx.addEvent(contact, "register", ds, src)
}

// WithdrawDelegates marks the delegates with these addresses withdrawn and
// returns those that were active.
func (tx *Tx) WithdrawDelegates(contact string, emails []string, src Source) (withdrawn []meeting.Delegate, err error) {
	now := ms(tx.Now())
	for _, e := range emails {
		e = meeting.NormalizeEmail(e)
		var d meeting.Delegate
		err := tx.QueryRowContext(tx.ctx, `SELECT name, title, email FROM delegates WHERE contact = $1 AND email = $2 AND status = $3`,
			contact, e, DelegateActive).Scan(&d.Name, &d.Title, &d.Email)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(tx.ctx, `UPDATE delegates SET status = $1, updated_at = $2 WHERE contact = $3 AND email = $4`,
			DelegateWithdrawn, now, contact, e); err != nil {
			return nil, err
		}
		withdrawn = append(withdrawn, d)
	}
	return withdrawn, tx.addEvent(contact, "withdraw", emails, src)
}

// Decline records that contact will not attend.
func (tx *Tx) Decline(contact string, src Source) error {
	if err := tx.setStatus(contact, Declined, src); err != nil {
		return err
	}
	return tx.addEvent(contact, "decline", nil, src)
}

func (tx *Tx) setStatus(contact, status string, src Source) error {
	now := ms(tx.Now())
	late := 0
	if src.Late {
		late = 1
	}
	_, err := tx.ExecContext(tx.ctx, `INSERT INTO registrations (contact, status, late, first_at, updated_at) VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT (contact) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`, contact, status, late, now)
	if err != nil {
		return fmt.Errorf("store: status of %q: %w", contact, err)
	}
	return nil
}

func (tx *Tx) addEvent(contact, action string, detail any, src Source) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(tx.ctx, `INSERT INTO registration_events (contact, action, detail, message_id, actor, via, client, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, contact, action, string(b), src.MessageID, src.Actor, src.Via, src.Client, ms(tx.Now()))
	if err != nil {
		return fmt.Errorf("store: history of %q: %w", contact, err)
	}
	return nil
}

// Delegates returns the delegates of contact ("" for every contact),
// active ones only unless all is set, ordered by contact and creation.
func (db *DB) Delegates(ctx context.Context, contact string, all bool) ([]Delegate, error) {
	return delegates(ctx, db.sql, contact, all)
}

// Delegates returns the active delegates of contact ("" for every contact)
// as seen inside the transaction.
func (tx *Tx) Delegates(contact string) ([]Delegate, error) {
	return delegates(tx.ctx, tx.Tx, contact, false)
}

// AllDelegates returns the delegates of contact ("" for every contact),
// withdrawn ones too, as seen inside the transaction.
func (tx *Tx) AllDelegates(contact string) ([]Delegate, error) {
	return delegates(tx.ctx, tx.Tx, contact, true)
}

func delegates(ctx context.Context, q querier, contact string, all bool) ([]Delegate, error) {
	query := `SELECT contact, email, name, title, status, created_at, updated_at, fields FROM delegates WHERE ($1 = '' OR contact = $1)`
	if !all {
		query += ` AND status = 'active'`
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY contact, id`, contact)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delegate
	for rows.Next() {
		var d Delegate
		var c, u int64
		if err := rows.Scan(&d.Contact, &d.Email, &d.Name, &d.Title, &d.Status, &c, &u, &d.Fields); err != nil {
			return nil, err
		}
		d.CreatedAt, d.UpdatedAt = fromMS(c), fromMS(u)
		out = append(out, d)
	}
	return out, rows.Err()
}

// DelegateContact returns the contact whose active delegate has this address.
func (tx *Tx) DelegateContact(email string) (string, error) {
	var c string
	err := tx.QueryRowContext(tx.ctx, `SELECT contact FROM delegates WHERE email = $1 AND status = 'active' ORDER BY id LIMIT 1`, meeting.NormalizeEmail(email)).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return c, err
}

// Registrations returns every contact's registration state, by contact name.
func (db *DB) Registrations(ctx context.Context) (map[string]Registration, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT contact, status, late, first_at, updated_at FROM registrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]Registration{}
	for rows.Next() {
		var r Registration
		var late int
		var f, u int64
		if err := rows.Scan(&r.Contact, &r.Status, &late, &f, &u); err != nil {
			return nil, err
		}
		r.Late, r.FirstAt, r.UpdatedAt = late != 0, fromMS(f), fromMS(u)
		out[r.Contact] = r
	}
	return out, rows.Err()
}

// History returns the registration events of contact ("" for all), oldest first.
func (db *DB) History(ctx context.Context, contact string) ([]Event, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT contact, action, detail, message_id, actor, via, client, at FROM registration_events
		WHERE ($1 = '' OR contact = $1) ORDER BY at, id`, contact)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.Contact, &e.Action, &e.Detail, &e.MessageID, &e.Actor, &e.Via, &e.Client, &at); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
