// Package templates renders the mail convene sends: a subject, a plain-text
// body and an HTML body per template and language, from embedded defaults
// that a directory of the user's own files can override by name.
//
// A template file is named NAME.LANG.tmpl (invitation.fr.tmpl) and defines
// three blocks: "subject" and "text", executed with text/template, and
// "html", executed with html/template, which escapes every interpolated
// value. The shared file base.tmpl defines the HTML frame ("html-top",
// "html-bottom"), the session list ("sessions-text", "sessions-html"), the
// reply form ("form-text", "form-html") and the joining-link button
// ("link-html"); it may be overridden too. A template that has no file for a
// language falls back to its English file: the staff digest is English only.
//
// Templates execute on a view of Data: its fields (.Meeting, .Contact,
// .Token, .ReplyTo, .Delegates, .Delegate, .Session, .Update, .Cancelled,
// .Reason, .Digest, .Now) plus .Lang, .Form (the reply form labels) and
// methods: .Slots (the form's delegate blocks), .T (a meeting.Text in the
// language), .MeetingTitle, .Sessions (sessions not cancelled), .Date, .When
// (a moment in the meeting's zone and UTC), .Span (a range in the meeting's
// zone and UTC), .Local (a range in the contact's own zone, empty when it
// shows the meeting's clock), .Greeting (from Contact.Salutation),
// .DelegateGreeting, .Addressee, .Signature, .CircularSubject and
// .CircularBody. Both parses have the function markdown, which renders a
// CommonMark body (with tables) as styled HTML in the html part (Markdown)
// and as readable plain text in the text part (MarkdownText).
//
// Render folds the subject onto one line and appends meeting.SubjectRef when
// Data.Token is set. A *Set is safe for concurrent use; Render does no I/O.
package templates
