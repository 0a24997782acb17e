package templates

// Template names. Each is a file NAME.LANG.tmpl among the defaults.
const (
	Invitation    = "invitation"    // the invitation to register, with the reply form
	Reminder      = "reminder"      // reminder of the registration deadline
	Confirmation  = "confirmation"  // lists the mission's registered delegates
	Clarification = "clarification" // asks the mission to clarify its reply (Data.Reason)
	Late          = "late"          // answer to a registration after the deadline
	Rehearsal     = "rehearsal"     // technical rehearsal notice to a delegate
	Invite        = "invite"        // cover note of a calendar invitation (Data.Update, Data.Cancelled)
	DayBefore     = "day-before"    // note to a delegate the day before, with the joining link
	Circular      = "circular"      // generic circular: the body comes from Data.Body
	Digest        = "digest"        // the staff's morning digest (English)
	// DelegateAddress asks a mission for the correct address of a delegate
	// (Data.Delegate) whose address bounced permanently.
	DelegateAddress = "delegate-address"
)

// Names lists every template name.
var Names = []string{Invitation, Reminder, Confirmation, Clarification, Late, Rehearsal, Invite, DayBefore, Circular, Digest, DelegateAddress}

// baseFile is the shared file parsed before every template: the HTML frame
// and the reply form.
const baseFile = "base.tmpl"
