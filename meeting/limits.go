package meeting

// Limits caps what one message read from the inbox may cause. A reply beyond
// a cap is not applied at all: it goes to review, naming the cap. The zero
// value of a field means its default.
type Limits struct {
	DelegatesPerReply   int // delegates added or replaced by one reply; default 15
	DelegatesPerMission int // active delegates of one mission after a reply; default 40
	CalendarPerReply    int // calendar messages one reply may send; default DelegatesPerReply × events
	AnswersPerDay       int // automatic answers to one mission per day (authenticated messages only); default 5
	AttachmentRows      int // rows read from one attachment (CSV, table); default 200
}

// The defaults of Limits.
const (
	DefaultDelegatesPerReply   = 15
	DefaultDelegatesPerMission = 40
	DefaultAnswersPerDay       = 5
	DefaultAttachmentRows      = 200
)

// WithDefaults returns l with each unset field at its default; events is the
// number of calendar events (sessions and rehearsal) a delegate is invited to.
func (l Limits) WithDefaults(events int) Limits {
	if l.DelegatesPerReply <= 0 {
		l.DelegatesPerReply = DefaultDelegatesPerReply
	}
	if l.DelegatesPerMission <= 0 {
		l.DelegatesPerMission = DefaultDelegatesPerMission
	}
	if l.CalendarPerReply <= 0 {
		l.CalendarPerReply = l.DelegatesPerReply * max(events, 1)
	}
	if l.AnswersPerDay <= 0 {
		l.AnswersPerDay = DefaultAnswersPerDay
	}
	if l.AttachmentRows <= 0 {
		l.AttachmentRows = DefaultAttachmentRows
	}
	return l
}

type yLimits struct {
	DelegatesPerReply   yInt `yaml:"delegates_per_reply"`
	DelegatesPerMission yInt `yaml:"delegates_per_mission"`
	CalendarPerReply    yInt `yaml:"calendar_per_reply"`
	AnswersPerDay       yInt `yaml:"answers_per_day"`
	AttachmentRows      yInt `yaml:"attachment_rows"`
}

// limits checks the limits: section (each a positive number when set).
func (c *checker) limits(y yLimits) Limits {
	var l Limits
	for _, f := range []struct {
		v    yInt
		name string
		dst  *int
	}{
		{y.DelegatesPerReply, "delegates_per_reply", &l.DelegatesPerReply},
		{y.DelegatesPerMission, "delegates_per_mission", &l.DelegatesPerMission},
		{y.CalendarPerReply, "calendar_per_reply", &l.CalendarPerReply},
		{y.AnswersPerDay, "answers_per_day", &l.AnswersPerDay},
		{y.AttachmentRows, "attachment_rows", &l.AttachmentRows},
	} {
		if !f.v.Set {
			continue
		}
		if f.v.V < 1 || f.v.V > 100000 {
			c.add(f.v.Line, "limits."+f.name, "want 1 to 100000")
			continue
		}
		*f.dst = f.v.V
	}
	return l
}
