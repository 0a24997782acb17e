package main

import (
	"context"
	"flag"
	"fmt"
	"net/mail"
	"strings"

	"convene/mailer"
	"convene/meeting"
	"convene/secretariat"
	"convene/templates"
)

func init() {
	register(&command{
		name:    "preview",
		summary: "print a message exactly as it would be sent to one contact (text, HTML or .eml)",
		usage: `-c meeting.yaml --template NAME --contact NAME [--format text|html|eml]
             [--body [LANG=]FILE]... [--subject S] [--attach FILE]... [--batch ID]
       convene preview -c meeting.yaml --template invite --contact NAME --delegate EMAIL
             --session ID [--format text|html|eml]`,
		help: `Prints what convene would send to one contact: the plain-text body (text, the
default, with the subject first), the HTML body (html), or the whole message
(eml) byte for byte as the outbox records it. Templates: invitation, reminder,
confirmation and circular (with --body and --subject as for convene send), and
invite: the calendar invitation of one delegate (--delegate EMAIL, or
"Name <EMAIL>" for one not yet registered) for one session or the rehearsal
(--session ID), as a REQUEST with the SEQUENCE the store's record of sent
invitations calls for (an update when the session changed since).

The store is only read, never created: a contact the store has not yet given
a reply token shows the placeholder "previewtok" (a note on stderr says so).
The Message-ID derives from --batch (default "preview") and the Date is now;
everything else is what is sent.`,
		example: `convene preview -c meeting.yaml --template invitation --contact "Permanent Mission of Borduria" --format eml
convene preview -c meeting.yaml --template invite --contact "Permanent Mission of Arcadia" --delegate one@arcadia-mfa.example --session article-5 --format eml > invite.eml`,
		flags: func(fs *flag.FlagSet, a *app) func(context.Context, []string) error {
			cfg := fs.String("c", "meeting.yaml", "the meeting file")
			tpl := fs.String("template", "", "the template: invitation, reminder, confirmation, circular or invite")
			contact := fs.String("contact", "", "the contact, by `NAME`")
			format := fs.String("format", "text", "text, html or eml")
			var body, attach listFlag
			fs.Var(&body, "body", "circular body: `[LANG=]FILE` (repeatable)")
			fs.Var(&attach, "attach", "attach this `FILE` (repeatable)")
			subject := fs.String("subject", "", "circular subject")
			batch := fs.String("batch", "preview", "the batch the Message-ID derives from")
			delegate := fs.String("delegate", "", "invite: the delegate's `EMAIL` (or \"Name <EMAIL>\")")
			session := fs.String("session", "", "invite: the session `ID` (or rehearsal)")
			return func(ctx context.Context, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected arguments %q", args)
				}
				if *format != "text" && *format != "html" && *format != "eml" {
					return usagef("--format %s: want text, html or eml", *format)
				}
				if *contact == "" {
					return usagef("--contact NAME is required")
				}
				invite := *tpl == templates.Invite
				if invite {
					if *delegate == "" || *session == "" {
						return usagef("--template invite needs --delegate EMAIL and --session ID")
					}
					if len(body) > 0 || len(attach) > 0 || *subject != "" {
						return usagef("--body, --subject and --attach do not apply to --template invite")
					}
				} else {
					if *delegate != "" || *session != "" {
						return usagef("--delegate and --session are for --template invite")
					}
					if err := checkTemplateFlags(*tpl, body, *subject); err != nil {
						return err
					}
				}
				m, cs, err := loadConfig(a, *cfg)
				if err != nil {
					return err
				}
				ct, ok := cs.ByName(*contact)
				if !ok {
					return fmt.Errorf("--contact %q: no contact of that name in %s", *contact, m.Contacts)
				}
				db, err := openExistingMeeting(ctx, m)
				if err != nil {
					return err
				}
				if db != nil {
					defer db.Close()
				}
				svc, placeholder, err := secretariat.NewReadOnly(ctx, m, cs, db, a.log)
				if err != nil {
					return err
				}
				var msg mailer.Message
				if invite {
					if msg, err = previewInvite(ctx, a, svc, ct, *delegate, *session); err != nil {
						return err
					}
				} else {
					if countIn(placeholder, []*meeting.Contact{ct}) > 0 {
						fmt.Fprintf(a.stderr, "note: %s has no reply token in the store yet: the placeholder %q stands in for it\n", ct.Name, secretariat.PreviewToken)
					}
					bodies, err := readBodies(body)
					if err != nil {
						return err
					}
					atts, err := readAttachments(attach)
					if err != nil {
						return err
					}
					d, err := secretariat.MissionData(ctx, db, *tpl, ct, bodies, *subject)
					if err != nil {
						return err
					}
					if msg, err = svc.MissionMessage(*tpl, ct, nil, d); err != nil {
						return err
					}
					msg.Attachments = atts
					msg = secretariat.WithMessageID(msg, *batch, ct.Name)
				}
				switch *format {
				case "text":
					fmt.Fprintf(a.stdout, "Subject: %s\n\n%s", msg.Subject, msg.Text)
				case "html":
					fmt.Fprint(a.stdout, msg.HTML)
				case "eml":
					raw, err := mailer.Render(msg)
					if err != nil {
						return err
					}
					_, err = a.stdout.Write(raw)
					return err
				}
				return nil
			}
		},
	})
}

// previewInvite renders the calendar invitation the daemon would send to
// delegate (an address, or "Name <address>") for the session, and prints
// what a person previewing should know.
func previewInvite(ctx context.Context, a *app, svc *secretariat.Service, ct *meeting.Contact, delegate, session string) (mailer.Message, error) {
	del := meeting.Delegate{Email: delegate}
	if p, err := mail.ParseAddress(delegate); err == nil {
		del = meeting.Delegate{Name: p.Name, Email: p.Address}
	} else if !strings.Contains(delegate, "@") {
		return mailer.Message{}, usagef("--delegate %q: want an address", delegate)
	}
	msg, notes, err := svc.PreviewInvite(ctx, ct, del, session)
	for _, n := range notes {
		fmt.Fprintf(a.stderr, "note: %s\n", n)
	}
	return msg, err
}
