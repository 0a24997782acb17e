package secretariat

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"convene/inbox"
	"convene/meeting"
	"convene/store"
	"convene/web"
)

// Mission is one mission's page: its contact, its state (missionStates),
// the history of its registration, its delegates and the messages to and
// from it, oldest first.
func (d *Dashboard) Mission(ctx context.Context, name string) (web.MissionDetail, error) {
	c := d.s.config()
	ct, ok := c.cs.ByName(name)
	if !ok {
		return web.MissionDetail{}, web.ErrNotFound
	}
	ms, err := d.Missions(ctx, web.MissionFilter{})
	if err != nil {
		return web.MissionDetail{}, err
	}
	var out web.MissionDetail
	found := false
	for _, m := range ms {
		if m.Name == ct.Name {
			out.Mission, found = m, true
		}
	}
	if !found { // not of an invited category
		out.Mission = web.Mission{Name: ct.Name, Category: ct.Category, Language: ct.Language}
	}
	out.Salutation, out.Country = ct.Salutation, ct.Country

	bounced, err := d.s.db.HardBouncedAt(ctx)
	if err != nil {
		return out, err
	}
	for _, e := range ct.Emails {
		out.Addresses = append(out.Addresses, web.Address{Email: e, BouncedAt: d.local(bounced[meeting.NormalizeEmail(e)])})
	}

	events, err := d.s.db.History(ctx, ct.Name)
	if err != nil {
		return out, err
	}
	for _, ev := range events {
		out.History = append(out.History, web.HistoryEntry{At: d.local(ev.At), What: eventText(ev), By: byOf(ev), MessageID: ev.MessageID})
	}

	ds, err := d.s.db.Delegates(ctx, ct.Name, true)
	if err != nil {
		return out, err
	}
	for _, x := range ds {
		p := web.Person{Name: x.Name, Title: x.Title, Email: x.Email, Since: d.local(x.CreatedAt), Unreachable: d.local(bounced[meeting.NormalizeEmail(x.Email)]),
			Fields: fieldValues(d.s.config(), x.Fields)}
		if x.Status == store.DelegateWithdrawn {
			p.Withdrawn, p.Since = true, d.local(x.UpdatedAt)
		}
		out.People = append(out.People, p)
	}

	in, err := d.s.db.InboundFor(ctx, ct.Name)
	if err != nil {
		return out, err
	}
	for _, m := range in {
		out.Messages = append(out.Messages, web.MessageEntry{At: d.local(m.At), In: true, Kind: m.Kind, Summary: answerTitles(c.m, m.Kind, m.Summary), State: m.Disposition})
	}
	sent, err := d.s.db.OutboxFor(ctx, ct.Name)
	if err != nil {
		return out, err
	}
	for _, m := range sent {
		at := m.SentAt
		if at.IsZero() {
			at = m.Created
		}
		e := web.MessageEntry{At: d.local(at), Kind: m.Template, Summary: "to " + strings.Join(m.Recipients, ", "), State: m.State}
		if what := calendarWhat(c.m, m.Key); what != "" {
			e.Summary = what + " " + e.Summary
		}
		if m.State == store.OutboxFailed || m.State == store.OutboxRetry {
			e.Detail = m.LastError
		}
		out.Messages = append(out.Messages, e)
	}
	sort.SliceStable(out.Messages, func(i, j int) bool { return out.Messages[i].At.Before(out.Messages[j].At) })
	return out, nil
}

// answerTitles writes the summary of a calendar answer ("a@x accepted
// article-5; …", as the inbox records it) with the sessions' titles in
// place of their ids, for a person: "a@x accepted “Article 5 …”".
func answerTitles(m *meeting.Meeting, kind, summary string) string {
	if kind != string(inbox.KindCalendarReply) {
		return summary
	}
	clauses := strings.Split(summary, "; ")
	for i, cl := range clauses {
		sp := strings.LastIndexByte(cl, ' ')
		if sp < 0 {
			continue
		}
		if ev, ok := m.Session(cl[sp+1:]); ok && ev.Title.In(meeting.EN) != "" {
			clauses[i] = cl[:sp+1] + "“" + ev.Title.In(meeting.EN) + "”"
		}
	}
	return strings.Join(clauses, "; ")
}

// calendarWhat says which session a calendar message is about, by title,
// from its outbox key (CalendarBatch/EMAIL/EVENT/SEQUENCE/METHOD, as
// planInvites writes it): "“Committee on Article 5”", "update 1 of …",
// "cancellation of …". "" for other messages.
func calendarWhat(m *meeting.Meeting, key string) string {
	parts := strings.Split(key, "/")
	if len(parts) != 5 || parts[0] != CalendarBatch {
		return ""
	}
	title := parts[2]
	if ev, ok := m.Session(parts[2]); ok && ev.Title.In(meeting.EN) != "" {
		title = ev.Title.In(meeting.EN)
	}
	title = "“" + title + "”"
	switch {
	case parts[4] == "cancel":
		return "cancellation of " + title
	case parts[3] != "0":
		return "update " + parts[3] + " of " + title
	}
	return title
}

// eventText says what a registration event did, for a person.
// byOf says who made a change: the inbox, the staff member, or the web
// page with the client's address.
func byOf(ev store.Event) string {
	if ev.Via == store.ViaWeb {
		return "the web page, from " + ev.Client
	}
	return ev.Actor
}

func eventText(ev store.Event) string {
	switch ev.Action {
	case "register":
		var ds []meeting.Delegate
		json.Unmarshal([]byte(ev.Detail), &ds)
		names := make([]string, 0, len(ds))
		for _, x := range ds {
			names = append(names, x.Name+" <"+x.Email+">")
		}
		return "registered " + strings.Join(names, ", ")
	case "withdraw":
		var es []string
		json.Unmarshal([]byte(ev.Detail), &es)
		return "withdrew " + strings.Join(es, ", ")
	case "decline":
		return "declined"
	case "add-address":
		var e string
		json.Unmarshal([]byte(ev.Detail), &e)
		return "added the address " + e
	}
	return fmt.Sprintf("%s %s", ev.Action, ev.Detail)
}
