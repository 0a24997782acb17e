package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"convene/meeting"
	"convene/web"
)

// zurich is the example meeting's zone; times are shown in it.
var zurich = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		return time.FixedZone("CEST", 2*3600)
	}
	return loc
}()

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, zurich)
	if err != nil {
		panic(err)
	}
	return t
}

// now is the clock of the tests: a week before the deadline.
var now = at("2020-06-05 10:00")

// fakeSource is a hand-written web.Source with canned data (2020 ISM). It
// filters missions like the real one and records Resolve calls.
type fakeSource struct {
	mu         sync.Mutex
	resolved   []web.ReviewAction
	resolveErr error
	filters    []web.MissionFilter
	failWith   error            // returned by Overview when set
	items      []web.ReviewItem // the review queue; nil: the canned one
	health     web.InboxHealth
}

func (f *fakeSource) Mission(ctx context.Context, name string) (web.MissionDetail, error) {
	if name != "Permanent Mission of Arcadia" {
		return web.MissionDetail{}, web.ErrNotFound
	}
	return web.MissionDetail{
		Mission:   web.Mission{Name: name, Category: meeting.StateParty, Language: meeting.EN, State: web.StateRegistered, Since: at("2020-06-01 11:02"), Delegates: 1},
		Country:   "Arcadia",
		Addresses: []web.Address{{Email: "mission@arcadia-mfa.example"}, {Email: "old@arcadia-mfa.example", BouncedAt: at("2020-05-26 09:03")}},
		History: []web.HistoryEntry{
			{At: at("2020-06-01 11:02"), What: "registered Ada Lovelace <ada@arcadia-mfa.example>, <script>x</script>", By: "inbox"},
			{At: at("2020-06-03 10:00"), What: "withdrew bob@arcadia-mfa.example", By: "anna"},
		},
		People: []web.Person{
			{Name: "Ada Lovelace", Title: "Ambassador", Email: "ada@arcadia-mfa.example", Since: at("2020-06-01 11:02"),
				Fields: []web.FieldValue{{Label: "Participation", Value: "In person"}, {Label: "Dietary <needs>", Value: ""}}},
			{Name: "Bob", Email: "bob@arcadia-mfa.example", Withdrawn: true, Since: at("2020-06-03 10:00")},
		},
		Messages: []web.MessageEntry{
			{At: at("2020-05-26 09:01"), Kind: "invitation", Summary: "to mission@arcadia-mfa.example", State: "sent"},
			{At: at("2020-06-01 11:02"), In: true, Kind: "registration", Summary: "Registration form: 2 delegates", State: "processed"},
		},
	}, nil
}

func (f *fakeSource) Health(ctx context.Context) (web.InboxHealth, error) { return f.health, nil }

func (f *fakeSource) Overview(ctx context.Context) (web.Overview, error) {
	if f.failWith != nil {
		return web.Overview{}, f.failWith
	}
	return web.Overview{
		Title:    "2020 Intersessional Meetings",
		Start:    at("2020-06-30 13:00"),
		End:      at("2020-07-02 17:00"),
		Deadline: at("2020-06-12 18:00"),
		Counts: web.Counts{
			Invited: 41, Registered: 17, Delegates: 29, Declined: 3, NoReply: 19, Bounced: 2,
			ReviewOpen: 4, OutboxSent: 118, OutboxFailed: 2, OutboxQueued: 5,
		},
		Timeline: []web.Job{
			{Label: "Invitation", Kind: "invitation", Due: at("2020-05-26 09:00"), State: web.JobDone, DoneAt: at("2020-05-26 09:00")},
			{Label: "Reminder (7 days)", Kind: "reminder", Due: at("2020-06-05 18:00"), State: web.JobPending},
			{Label: "Inbox poll", Kind: "poll", Due: at("2020-06-05 09:55"), State: web.JobFailed, DoneAt: at("2020-06-05 09:55")},
			{Label: "Reminder (2 days)", Kind: "reminder", Due: at("2020-06-10 18:00"), State: web.JobPending},
		},
		Registrations: []web.DayCount{
			{Day: at("2020-05-26 23:59"), Count: 2},
			{Day: at("2020-05-28 23:59"), Count: 6},
			{Day: at("2020-06-01 23:59"), Count: 11},
			{Day: at("2020-06-04 23:59"), Count: 17},
		},
		Inbox: web.InboxHealth{LastContact: at("2020-06-05 09:58"), LastMessage: at("2020-06-05 08:41")},
	}, nil
}

var allMissions = []web.Mission{
	{Name: "Permanent Mission of Arcadia", Category: meeting.StateParty, Language: meeting.EN, State: web.StateRegistered, Delegates: 3, LastMessage: at("2020-06-01 11:02"), LastSummary: "Registration form: 3 delegates"},
	{Name: "Permanent Mission of Borduria", Category: meeting.StateParty, Language: meeting.FR, State: web.StateNoReply},
	{Name: "Permanent Mission of Freedonia", Category: meeting.StateParty, Language: meeting.ES, State: web.StateDeclined, LastMessage: at("2020-05-29 16:40"), LastSummary: "No podremos participar"},
	{Name: "<script>alert(1)</script>", Category: meeting.StateNotParty, Language: meeting.EN, State: web.StateBounced, LastSummary: "550 user unknown"},
	{Name: "Geneva Centre for Demining", Category: meeting.Organisation, Language: meeting.FR, State: web.StateInvited},
}

func (f *fakeSource) Missions(ctx context.Context, flt web.MissionFilter) ([]web.Mission, error) {
	f.mu.Lock()
	f.filters = append(f.filters, flt)
	f.mu.Unlock()
	var out []web.Mission
	for _, m := range allMissions {
		if (flt.Category == "" || m.Category == flt.Category) && (flt.Language == "" || m.Language == flt.Language) {
			out = append(out, m)
		}
	}
	return out, nil
}

func (f *fakeSource) Delegates(ctx context.Context) ([]web.DelegateAttendance, error) {
	return []web.DelegateAttendance{
		{Mission: "Permanent Mission of Arcadia", Name: "Ada Lovelace", Title: "Ambassador", Email: "ada@arcadia-mfa.example",
			Fields:   []web.FieldValue{{Label: "Participation", Value: "Online <remote>"}},
			Partstat: map[string]string{"oap-panels-1": meeting.PartstatAccepted, "article-5": meeting.PartstatDeclined}},
		{Mission: "Permanent Mission of Arcadia", Name: "Blaise <b>Pascal</b>", Title: "Counsellor", Email: "blaise@arcadia-mfa.example",
			Partstat: map[string]string{"oap-panels-1": meeting.PartstatTentative, "article-5": meeting.PartstatAccepted}},
	}, nil
}

func (f *fakeSource) Sessions(ctx context.Context) ([]web.SessionInfo, error) {
	return []web.SessionInfo{
		{ID: "oap-panels-1", Title: "Oslo Action Plan panels 1", Start: at("2020-06-30 13:00"), End: at("2020-06-30 15:30")},
		{ID: "article-5", Title: "Committee on Article 5", Start: at("2020-07-01 15:30"), End: at("2020-07-01 17:00")},
	}, nil
}

func (f *fakeSource) Review(ctx context.Context, offset, limit int) ([]web.ReviewItem, int, error) {
	items := f.items
	if items == nil {
		items = []web.ReviewItem{
			{ID: 3, Kind: "other", Reason: "unknown sender", Summary: "Dear ISU, please register our delegation: <b>two people</b>", From: "attache@unknown.example", Created: at("2020-06-03 14:12"),
				Date: at("2020-06-03 14:10"), Text: "Please register:\nAda Lovelace, Ambassador, ada@unknown.example\n<script>alert(1)</script>",
				Attachments: []web.Attachment{{Name: "delegation.pdf", Type: "application/pdf", Size: 48213}},
				Problems:    []string{"no reply token", "sender not in the contact list"},
				Delegates:   []meeting.Delegate{{Name: "Ada Lovelace", Title: "Ambassador", Email: "ada@unknown.example"}, {Name: "Blaise Pascal", Email: "blaise@unknown.example"}},
				HasMessage:  true},
			{ID: 7, Kind: "auto-reply", Reason: "out of office names a new contact", Summary: "I am away; contact jane@borduria.example", From: "geneve@borduria.example", Contact: "Permanent Mission of Borduria", Created: at("2020-06-04 09:30")},
		}
	}
	total := len(items)
	if offset > total {
		offset = total
	}
	return items[offset:min(total, offset+limit)], total, nil
}

func (f *fakeSource) ReviewMessage(ctx context.Context, id int64) ([]byte, error) {
	if id != 3 {
		return nil, web.ErrNotFound
	}
	return []byte("From: attache@unknown.example\r\nSubject: x\r\n\r\n<script>alert(1)</script>\r\n"), nil
}

func (f *fakeSource) ReviewAttachment(ctx context.Context, id int64, n int) (web.Attachment, []byte, error) {
	if id != 3 || n != 0 {
		return web.Attachment{}, nil, web.ErrNotFound
	}
	return web.Attachment{Name: "../dele\"gation\r\n.pdf", Type: "text/html", Size: 30}, []byte("<script>alert(1)</script>%PDF-1.4"), nil
}

func (f *fakeSource) Resolve(ctx context.Context, a web.ReviewAction) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.resolveErr != nil {
		return f.resolveErr
	}
	f.resolved = append(f.resolved, a)
	return nil
}

func (f *fakeSource) Outbox(ctx context.Context) ([]web.Batch, []web.Failure, error) {
	return []web.Batch{
			{ID: "b-1", Label: "Invitation", Created: at("2020-05-26 09:00"), Sent: 39, Failed: 2},
			{ID: "b-2", Label: "Reminder (7 days)", Created: at("2020-06-05 09:00"), Queued: 5, Sent: 0},
		}, []web.Failure{
			{Batch: "b-1", Mission: "<script>alert(1)</script>", To: "old@nowhere.example", Subject: "Invitation", Reply: "550 5.1.1 <old@nowhere.example>: Recipient address rejected: User unknown", Attempts: 1, At: at("2020-05-26 09:01")},
		}, nil
}

var registrationRows = []web.RegistrationRow{
	{Mission: "Permanent Mission of Arcadia", Category: meeting.StateParty, Language: meeting.EN, Name: "Ada Lovelace", Title: "Ambassador, Permanent Representative", Email: "ada@arcadia-mfa.example", RegisteredAt: at("2020-06-01 11:02")},
	{Mission: "Permanent Mission of Borduria", Category: meeting.StateParty, Language: meeting.FR, Name: "=HYPERLINK(\"http://evil.example\",\"x\")", Title: "+33 1", Email: "@sum@borduria.example", RegisteredAt: at("2020-06-02 08:15")},
	{Mission: "Misión \"Freedonia\"", Category: meeting.StateParty, Language: meeting.ES, Name: "José Núñez", Title: "-Consejero\nsegundo", Email: "jose@freedonia.example"},
}

func (f *fakeSource) Registrations(ctx context.Context) ([]web.RegistrationRow, error) {
	return registrationRows, nil
}

const fakeICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:PUBLISH\r\nPRODID:-//convene//test//EN\r\nEND:VCALENDAR\r\n"

func (f *fakeSource) Calendar(ctx context.Context) ([]byte, error) { return []byte(fakeICS), nil }

func (f *fakeSource) Metrics(ctx context.Context) (web.Metrics, error) {
	return web.Metrics{
		MessagesSent: 118, MessagesFailed: 2,
		InboxByKind: map[string]int64{"registration": 21, "bounce": 3, "auto-reply": 4, `we"ird\kind`: 1},
		ReviewQueue: 4, JobLag: 90 * time.Second, InboxLastContact: at("2020-06-05 09:58"), InboxStatus: web.InboxAuthFailed, SignInFailing: true,
	}, nil
}

// newHandler returns the dashboard over src for loopback, no token.
func newHandler(t testing.TB, src web.Source, opts web.Options) http.Handler {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return now }
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	if opts.Hosts == nil {
		opts.Hosts = []string{"example.com"} // httptest.NewRequest's Host
	}
	h, err := web.New(src, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

// resolvedCopy returns the Resolve calls so far (safe while a server runs).
func (f *fakeSource) resolvedCopy() []web.ReviewAction {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]web.ReviewAction(nil), f.resolved...)
}
