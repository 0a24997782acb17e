package meeting

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones do not depend on the host

	"go.yaml.in/yaml/v3"
)

// Connection security for SMTP and IMAP.
const (
	SecurityTLS      = "tls"      // implicit TLS (SMTPS 465, IMAPS 993)
	SecurityStartTLS = "starttls" // plain connection upgraded with STARTTLS
	SecurityNone     = "none"     // cleartext: only allowed to a loopback host
)

// Authentication methods.
const (
	AuthPassword = "password"
	AuthXOAUTH2  = "xoauth2"
	AuthNone     = "none"
)

// Server holds what SMTP and IMAP connections share.
type Server struct {
	Host     string
	Port     int
	Security string // SecurityTLS, SecurityStartTLS or SecurityNone
	Username string
	Auth     string // AuthPassword, AuthXOAUTH2 or AuthNone
	Secret   Secret
	CAFile   string // optional PEM file of extra roots (e.g. a self-signed test server)
}

// Addr returns host:port.
func (s Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Configured reports whether a host is set.
func (s Server) Configured() bool { return s.Host != "" }

// SMTP is the outgoing server and the sending limits.
type SMTP struct {
	Server
	RatePerMinute       int // whole outbox; 0 means unlimited
	DomainRatePerMinute int // per destination domain; 0 means unlimited
	Concurrency         int // connections in parallel; default 4
}

// IMAP is the inbox where replies arrive.
type IMAP struct {
	Server
	Mailbox   string        // default INBOX
	Processed string        // default Processed
	Review    string        // default Review
	Poll      time.Duration // poll interval when IDLE is missing; default 1m

	// TrustedAuthservID is the authserv-id of the receiving server whose
	// Authentication-Results headers are believed (RFC 8601); empty: none.
	TrustedAuthservID string
}

// Load reads meeting.yaml at path and the contacts file it names, checks
// both, and returns every problem found at once as Problems.
func Load(path string) (*Meeting, *Contacts, error) {
	m, ps := loadMeeting(path)
	if m == nil {
		return nil, nil, ps.sorted()
	}
	var cs *Contacts
	if m.Contacts != "" {
		var cps Problems
		cs, cps = LoadContacts(m.Contacts)
		ps = append(ps, cps...)
		// A contact at the mailbox convene reads would have the invitation
		// and every reminder delivered back into the inbox as "replies".
		for _, ct := range cs.List {
			for _, e := range ct.Emails {
				if m.Sender.ReplyTo != "" && SameMailbox(e, m.Sender.ReplyTo) {
					ps = append(ps, Problem{File: m.Contacts, Line: ct.Line, Field: "emails",
						Msg: e + " is the secretariat's reply mailbox (sender.reply_to): convene would read its own mail as replies"})
				}
			}
		}
	}
	if len(ps) > 0 {
		return nil, nil, ps.sorted()
	}
	return m, cs, nil
}

// LoadMeeting reads and checks meeting.yaml alone.
func LoadMeeting(path string) (*Meeting, error) {
	m, ps := loadMeeting(path)
	if len(ps) > 0 {
		return nil, ps.sorted()
	}
	return m, nil
}

// The YAML shapes. Leaves that are checked carry their line.

type yStr struct {
	V    string
	Line int
}

func (s *yStr) UnmarshalYAML(n *yaml.Node) error {
	s.Line = n.Line
	if n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: want a single value", n.Line)}}
	}
	s.V = n.Value
	return nil
}

type yInt struct {
	V    int
	Set  bool
	Line int
}

func (s *yInt) UnmarshalYAML(n *yaml.Node) error {
	s.Line = n.Line
	v, err := strconv.Atoi(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: want a whole number, not %q", n.Line, n.Value)}}
	}
	s.V, s.Set = v, true
	return nil
}

type yText struct {
	V    Text
	Line int
	Bad  []Problem
}

func (t *yText) UnmarshalYAML(n *yaml.Node) error {
	t.Line = n.Line
	t.V = Text{}
	switch n.Kind {
	case yaml.ScalarNode:
		t.V[EN] = n.Value
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			l := Lang(k.Value)
			if !l.Valid() {
				t.Bad = append(t.Bad, Problem{Line: k.Line, Field: k.Value, Msg: "unknown language: want en, fr or es"})
				continue
			}
			t.V[l] = v.Value
		}
	default:
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: want text, or en/fr/es texts", n.Line)}}
	}
	return nil
}

type ySecret struct {
	Env     string `yaml:"env"`
	File    string `yaml:"file"`
	Command string `yaml:"command"`
}

type yServer struct {
	Host     yStr     `yaml:"host"`
	Port     yInt     `yaml:"port"`
	Security yStr     `yaml:"security"`
	Username yStr     `yaml:"username"`
	Auth     yStr     `yaml:"auth"`
	Secret   *ySecret `yaml:"secret"`
	CAFile   yStr     `yaml:"ca_file"`
	// The common mistake of writing the secret itself.
	Password yStr `yaml:"password"`

	// SMTP only.
	RatePerMinute       yInt `yaml:"rate_per_minute"`
	DomainRatePerMinute yInt `yaml:"domain_rate_per_minute"`
	Concurrency         yInt `yaml:"concurrency"`
	// IMAP only.
	Mailbox   yStr `yaml:"mailbox"`
	Processed yStr `yaml:"processed"`
	Review    yStr `yaml:"review"`
	Poll      yStr `yaml:"poll"`
	Trusted   yStr `yaml:"trusted_authserv_id"`

	line int
}

type ySession struct {
	ID          yStr  `yaml:"id"`
	Title       yText `yaml:"title"`
	Start       yStr  `yaml:"start"`
	End         yStr  `yaml:"end"`
	Description yText `yaml:"description"`
	Status      yStr  `yaml:"status"`
}

type yMeeting struct {
	ID       yStr  `yaml:"id"`
	Title    yText `yaml:"title"`
	TimeZone yStr  `yaml:"timezone"`
	Platform struct {
		Name  yStr  `yaml:"name"`
		URL   yStr  `yaml:"url"`
		Notes yText `yaml:"notes"`
	} `yaml:"platform"`
	Sender struct {
		Name    yStr `yaml:"name"`
		Address yStr `yaml:"address"`
		ReplyTo yStr `yaml:"reply_to"`
	} `yaml:"sender"`
	Registration struct {
		Opens     yStr     `yaml:"opens"`
		Deadline  yStr     `yaml:"deadline"`
		Reminders []yStr   `yaml:"reminders"`
		Late      yStr     `yaml:"late"`
		Web       *yWebReg `yaml:"web"`
		Fields    []yField `yaml:"fields"`
	} `yaml:"registration"`
	Rehearsal *struct {
		Start    yStr  `yaml:"start"`
		Duration yStr  `yaml:"duration"`
		Title    yText `yaml:"title"`
		Notice   yStr  `yaml:"notice"`
	} `yaml:"rehearsal"`
	Sessions  []ySession `yaml:"sessions"`
	Invite    []yStr     `yaml:"invite"`
	SMTP      yServer    `yaml:"smtp"`
	IMAP      yServer    `yaml:"imap"`
	Store     yStore     `yaml:"store"`
	Dashboard yDashboard `yaml:"dashboard"`
	Contacts  yStr       `yaml:"contacts"`
	Templates yStr       `yaml:"templates"`
	Limits    yLimits    `yaml:"limits"`
	OAuth2    *yOAuth2   `yaml:"oauth2"`
}

var (
	reUnknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type`)
	reLine         = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
)

// checker collects problems for one file.
type checker struct {
	file string
	ps   Problems
}

func (c *checker) add(line int, field, format string, args ...any) {
	c.ps = append(c.ps, Problem{File: c.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func loadMeeting(path string) (*Meeting, Problems) {
	c := &checker{file: path}
	data, err := os.ReadFile(path)
	if err != nil {
		c.add(0, "", "%v", err)
		return nil, c.ps
	}
	var y yMeeting
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&y); err != nil {
		if errors.Is(err, io.EOF) {
			c.add(0, "", "the file is empty: start from the example that 'convene init DIR' writes")
			return nil, c.ps
		}
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			if m := reLine.FindStringSubmatch(msg); m != nil {
				n, _ := strconv.Atoi(m[1])
				c.add(n, "", "%s", m[2])
			} else {
				c.add(0, "", "%s", msg)
			}
			return nil, c.ps
		}
		for _, e := range te.Errors {
			if m := reUnknownField.FindStringSubmatch(e); m != nil {
				n, _ := strconv.Atoi(m[1])
				c.add(n, m[2], "unknown field (check the spelling)")
			} else if m := reLine.FindStringSubmatch(e); m != nil {
				n, _ := strconv.Atoi(m[1])
				c.add(n, "", "%s", m[2])
			} else {
				c.add(0, "", "%s", e)
			}
		}
	}
	m := c.meeting(&y, filepath.Dir(path))
	m.Path = path
	var root yaml.Node
	if yaml.Unmarshal(data, &root) == nil {
		c.controlChars(&root, "")
	}
	return m, c.ps
}

func (c *checker) required(s yStr, field string) bool {
	if strings.TrimSpace(s.V) == "" {
		c.add(s.Line, field, "is required")
		return false
	}
	return true
}

func (c *checker) text(t yText, field string, required bool) Text {
	for _, p := range t.Bad {
		c.add(p.Line, field+"."+p.Field, "%s", p.Msg)
	}
	if required && t.V.In(EN) == "" {
		c.add(t.Line, field, "is required (at least en)")
	}
	return t.V
}

func (c *checker) time(s yStr, field string, loc *time.Location) time.Time {
	if !c.required(s, field) || loc == nil {
		return time.Time{}
	}
	t, err := ParseTime(s.V, loc)
	if err != nil {
		c.add(s.Line, field, "%v", err)
	}
	return t
}

func (c *checker) duration(s yStr, field string, def time.Duration) time.Duration {
	if strings.TrimSpace(s.V) == "" {
		return def
	}
	d, err := ParseDuration(s.V)
	if err != nil {
		c.add(s.Line, field, "%v", err)
	}
	return d
}

func (c *checker) address(s yStr, field string) string {
	if !c.required(s, field) {
		return ""
	}
	a, err := mail.ParseAddress(s.V)
	if err != nil || a.Name != "" {
		c.add(s.Line, field, "bad address %q: want a bare address like isu@example.org", s.V)
		return ""
	}
	return a.Address
}

func resolvePath(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func (c *checker) meeting(y *yMeeting, dir string) *Meeting {
	m := &Meeting{}
	if c.required(y.ID, "id") {
		if !regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`).MatchString(y.ID.V) {
			c.add(y.ID.Line, "id", "use letters, digits, '.', '_' and '-' only")
		}
		m.ID = y.ID.V
	}
	m.Title = c.text(y.Title, "title", true)

	if c.required(y.TimeZone, "timezone") {
		loc, err := time.LoadLocation(y.TimeZone.V)
		if err != nil || y.TimeZone.V == "Local" {
			c.add(y.TimeZone.Line, "timezone", "unknown time zone %q: want an IANA name such as Europe/Zurich", y.TimeZone.V)
		} else {
			m.TimeZone, m.Location = y.TimeZone.V, loc
		}
	}
	loc := m.Location

	m.Platform.Name = y.Platform.Name.V
	if y.Platform.URL.V != "" {
		u, err := url.Parse(y.Platform.URL.V)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			c.add(y.Platform.URL.Line, "platform.url", "want an http(s) URL")
		} else {
			m.Platform.URL = y.Platform.URL.V
		}
	}
	m.Platform.Notes = c.text(y.Platform.Notes, "platform.notes", false)

	m.Sender.Name = y.Sender.Name.V
	m.Sender.Address = c.address(y.Sender.Address, "sender.address")
	m.Sender.ReplyTo = m.Sender.Address
	if y.Sender.ReplyTo.V != "" {
		m.Sender.ReplyTo = c.address(y.Sender.ReplyTo, "sender.reply_to")
	}

	r := y.Registration
	m.Registration.Opens = c.time(r.Opens, "registration.opens", loc)
	m.Registration.Deadline = c.time(r.Deadline, "registration.deadline", loc)
	if !m.Registration.Opens.IsZero() && !m.Registration.Deadline.IsZero() && !m.Registration.Opens.Before(m.Registration.Deadline) {
		c.add(r.Deadline.Line, "registration.deadline", "must be after registration.opens")
	}
	for i, s := range r.Reminders {
		f := fmt.Sprintf("registration.reminders[%d]", i)
		d := c.bounded(s, f, 0, time.Minute, MaxDuration)
		if d <= 0 {
			if s.V == "" {
				c.add(s.Line, f, "is empty")
			}
			continue
		}
		at := m.Registration.Deadline.Add(-d)
		if !m.Registration.Opens.IsZero() && !m.Registration.Deadline.IsZero() && !at.After(m.Registration.Opens) {
			c.add(s.Line, f, "falls at %s, before registration opens", at.In(locOrUTC(loc)).Format("2006-01-02 15:04"))
		}
		m.Registration.Reminders = append(m.Registration.Reminders, d)
	}
	switch r.Late.V {
	case "":
		m.Registration.Late = LateReview
	case LateAccept, LateReview, LateRefuse:
		m.Registration.Late = r.Late.V
	default:
		c.add(r.Late.Line, "registration.late", "unknown policy %q: want accept, review or refuse", r.Late.V)
	}

	if y.Rehearsal != nil {
		reh := &Rehearsal{
			Start:    c.time(y.Rehearsal.Start, "rehearsal.start", loc),
			Duration: c.bounded(y.Rehearsal.Duration, "rehearsal.duration", 2*time.Hour, time.Minute, 24*time.Hour),
			Title:    c.text(y.Rehearsal.Title, "rehearsal.title", false),
			Notice:   c.duration(y.Rehearsal.Notice, "rehearsal.notice", 3*24*time.Hour),
		}
		m.Rehearsal = reh
	}

	if len(y.Sessions) == 0 {
		c.add(0, "sessions", "at least one session is required")
	}
	seen := map[string]int{}
	for i, ys := range y.Sessions {
		f := fmt.Sprintf("sessions[%d]", i)
		s := Session{
			ID:          ys.ID.V,
			Title:       c.text(ys.Title, f+".title", true),
			Start:       c.time(ys.Start, f+".start", loc),
			End:         c.time(ys.End, f+".end", loc),
			Description: c.text(ys.Description, f+".description", false),
			Status:      StatusConfirmed,
		}
		if c.required(ys.ID, f+".id") {
			if !regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`).MatchString(s.ID) {
				c.add(ys.ID.Line, f+".id", "use lower-case letters, digits and '-' only")
			} else if s.ID == RehearsalID {
				c.add(ys.ID.Line, f+".id", "%q is reserved for the rehearsal", RehearsalID)
			} else if prev, dup := seen[s.ID]; dup {
				c.add(ys.ID.Line, f+".id", "duplicate session id %q (first on line %d)", s.ID, prev)
			}
			seen[s.ID] = ys.ID.Line
		}
		if !s.Start.IsZero() && !s.End.IsZero() && !s.End.After(s.Start) {
			c.add(ys.End.Line, f+".end", "ends at or before its start (%s)", ys.Start.V)
		}
		switch ys.Status.V {
		case "", StatusConfirmed:
		case StatusCancelled:
			s.Status = StatusCancelled
		default:
			c.add(ys.Status.Line, f+".status", "unknown status %q: want confirmed or cancelled", ys.Status.V)
		}
		m.Sessions = append(m.Sessions, s)
	}
	if dl := m.Registration.Deadline; !dl.IsZero() && len(m.Sessions) > 0 && !m.Start().IsZero() && dl.After(m.Start()) {
		c.add(r.Deadline.Line, "registration.deadline", "is after the meeting starts (%s)", m.Start().In(locOrUTC(loc)).Format("2006-01-02 15:04"))
	}
	if m.Rehearsal != nil && !m.Rehearsal.Start.IsZero() && !m.Start().IsZero() && !m.Rehearsal.Start.Before(m.Start()) {
		c.add(y.Rehearsal.Start.Line, "rehearsal.start", "must be before the first session")
	}

	if len(y.Invite) == 0 {
		m.Invite = append([]Category(nil), Categories...)
	}
	for i, s := range y.Invite {
		cat := Category(s.V)
		if !cat.Valid() {
			c.add(s.Line, fmt.Sprintf("invite[%d]", i), "unknown category %q: want state-party, state-not-party or organisation", s.V)
			continue
		}
		m.Invite = append(m.Invite, cat)
	}

	m.SMTP.Server = c.server(y.SMTP, "smtp", 587, dir)
	m.SMTP.RatePerMinute = y.SMTP.RatePerMinute.V
	m.SMTP.DomainRatePerMinute = y.SMTP.DomainRatePerMinute.V
	m.SMTP.Concurrency = 4
	if y.SMTP.Concurrency.Set {
		m.SMTP.Concurrency = y.SMTP.Concurrency.V
		if m.SMTP.Concurrency < 1 || m.SMTP.Concurrency > 64 {
			c.add(y.SMTP.Concurrency.Line, "smtp.concurrency", "want 1 to 64")
		}
	}
	for _, f := range []struct {
		v    yInt
		name string
	}{{y.SMTP.RatePerMinute, "smtp.rate_per_minute"}, {y.SMTP.DomainRatePerMinute, "smtp.domain_rate_per_minute"}} {
		if f.v.V < 0 {
			c.add(f.v.Line, f.name, "must not be negative")
		}
	}
	for _, f := range []struct {
		v    yStr
		name string
	}{{y.SMTP.Mailbox, "mailbox"}, {y.SMTP.Processed, "processed"}, {y.SMTP.Review, "review"}, {y.SMTP.Poll, "poll"}, {y.SMTP.Trusted, "trusted_authserv_id"}} {
		if f.v.Line > 0 {
			c.add(f.v.Line, "smtp."+f.name, "belongs under imap, not smtp")
		}
	}

	m.IMAP.Server = c.server(y.IMAP, "imap", 993, dir)
	m.IMAP.Mailbox = orDefault(y.IMAP.Mailbox.V, "INBOX")
	m.IMAP.Processed = orDefault(y.IMAP.Processed.V, "Processed")
	m.IMAP.Review = orDefault(y.IMAP.Review.V, "Review")
	m.IMAP.Poll = c.bounded(y.IMAP.Poll, "imap.poll", time.Minute, 10*time.Second, 24*time.Hour)
	m.IMAP.TrustedAuthservID = strings.ToLower(y.IMAP.Trusted.V)
	m.Limits = c.limits(y.Limits)
	for _, f := range []struct {
		v    yInt
		name string
	}{{y.IMAP.RatePerMinute, "rate_per_minute"}, {y.IMAP.DomainRatePerMinute, "domain_rate_per_minute"}, {y.IMAP.Concurrency, "concurrency"}} {
		if f.v.Set {
			c.add(f.v.Line, "imap."+f.name, "belongs under smtp, not imap")
		}
	}

	c.store(m, dir, y.Store)
	m.Dashboard, m.DashboardOptions = c.dashboard(dir, y.Dashboard)
	m.Registration.Web = c.webRegistration(dir, m.Store, y.Registration.Web)
	m.Registration.Fields = c.fields(y.Registration.Fields, y.Registration.Web != nil)
	if c.required(y.Contacts, "contacts") {
		m.Contacts = resolvePath(dir, y.Contacts.V)
	}
	m.Templates = resolvePath(dir, y.Templates.V)
	if m.Templates != "" {
		c.templatesDir(m.Templates, y.Templates.Line)
	}
	m.OAuth2 = c.oauth2(y, m, dir)
	return m
}

func (c *checker) server(y yServer, name string, defPort int, dir string) Server {
	s := Server{Host: y.Host.V, Username: y.Username.V}
	at := func(l int) int { // a line for a problem with a field that may be absent
		if l > 0 {
			return l
		}
		return y.Host.Line
	}
	if y.Password.Line > 0 {
		c.add(y.Password.Line, name+".password", "secrets are never written in meeting.yaml: use %s.secret with env, file or command", name)
	}
	if s.Host == "" {
		return s // not configured: the daemon refuses to send or read, check only notes it
	}
	s.Security = orDefault(y.Security.V, SecurityTLS)
	switch s.Security {
	case SecurityTLS, SecurityStartTLS:
	case SecurityNone:
		if !isLoopback(s.Host) {
			c.add(at(y.Security.Line), name+".security", "none (cleartext) is only allowed to a loopback host, not %q", s.Host)
		}
	default:
		c.add(y.Security.Line, name+".security", "unknown %q: want tls, starttls or none", s.Security)
	}
	s.Port = defPort
	if name == "smtp" && s.Security == SecurityTLS {
		s.Port = 465
	}
	if name == "imap" && s.Security != SecurityTLS {
		s.Port = 143
	}
	if y.Port.Set {
		s.Port = y.Port.V
		if s.Port < 1 || s.Port > 65535 {
			c.add(y.Port.Line, name+".port", "want 1 to 65535")
		}
	}
	s.Auth = orDefault(y.Auth.V, AuthPassword)
	switch s.Auth {
	case AuthPassword, AuthXOAUTH2:
		if s.Username == "" {
			c.add(at(y.Username.Line), name+".username", "is required for auth %s", s.Auth)
		}
		if y.Secret == nil {
			c.add(at(y.Auth.Line), name+".secret", "is required for auth %s: env, file or command", s.Auth)
		}
	case AuthOAuth2:
		if s.Username == "" {
			c.add(at(y.Username.Line), name+".username", "is required for auth oauth2: the mailbox signed in to")
		}
		if y.Secret != nil {
			c.add(at(y.Auth.Line), name+".secret", "is not used with auth oauth2: convene obtains the token (see the oauth2 block)")
			y.Secret = nil
		}
	case AuthNone:
	default:
		c.add(y.Auth.Line, name+".auth", "unknown %q: want password, xoauth2, oauth2 or none", s.Auth)
	}
	if y.Secret != nil {
		s.Secret = Secret{Env: y.Secret.Env, File: resolvePath(dir, y.Secret.File), Command: y.Secret.Command}
		n := 0
		for _, v := range []string{y.Secret.Env, y.Secret.File, y.Secret.Command} {
			if v != "" {
				n++
			}
		}
		if n != 1 {
			c.add(at(y.Auth.Line), name+".secret", "set exactly one of env, file or command")
		}
	}
	s.CAFile = resolvePath(dir, y.CAFile.V)
	return s
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func locOrUTC(l *time.Location) *time.Location {
	if l == nil {
		return time.UTC
	}
	return l
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
