// Package templates renders the mail convene sends: a subject, a plain-text
// body and an HTML body per template and language, from embedded defaults
// that a directory of the user's own files can override by name.
//
// A template file is named NAME.LANG.tmpl (invitation.fr.tmpl) and defines
// three blocks: "subject" and "text", executed with text/template, and
// "html", executed with html/template, which escapes every interpolated
// value. The shared file base.tmpl defines the HTML frame and the reply form
// and may be overridden too. A template that has no file for a language falls
// back to its English file (the staff digest is English only).
//
// Templates execute on a view of Data that adds methods: .Lang, .Form
// (the reply form labels), .Slots (delegate blocks of the form), .T (a
// meeting.Text in the language), .MeetingTitle, .Sessions (confirmed
// sessions), .Date, .When (a time in the meeting's zone and UTC), .Span (a
// range in the meeting's zone and UTC), .Local (a range in the mission's own
// zone, empty when that is the meeting's), .Greeting, .DelegateGreeting, .Addressee, .Signature,
// .CircularSubject and .CircularBody; the html parse also has the function
// markdown. A *Set is safe for concurrent use.
package templates
