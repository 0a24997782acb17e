package secretariat

import (
	"context"
	"fmt"
	"strconv"

	"convene/mailer"
	"convene/meeting"
	"convene/store"
	"convene/templates"
	"convene/web"
)

// WebLinkBatch is the outbox batch of the messages that send a mission its
// link to the registration page from the dashboard.
const WebLinkBatch = "weblink"

// webLinkBody is the message that gives a mission its link (a circular:
// the first line is its subject). %s: the meeting title, the link.
var webLinkBody = map[meeting.Lang]string{
	meeting.EN: "Subject: Your registration page: %s\n\nThe mission may register, correct or withdraw the members of its delegation on its own registration page, without an account:\n\n%s\n\nThis address is personal to the mission; any previous one no longer opens the page. Replies to this message by e-mail are read as usual.",
	meeting.FR: "Subject: Votre page d'inscription : %s\n\nLa Mission peut inscrire, corriger ou retirer les membres de sa délégation sur sa page d'inscription, sans compte :\n\n%s\n\nCette adresse est propre à la Mission ; toute adresse précédente n'ouvre plus la page. Les réponses par courriel à ce message sont lues comme d'habitude.",
	meeting.ES: "Subject: Su página de inscripción: %s\n\nLa Misión puede inscribir, corregir o retirar a los miembros de su delegación en su página de inscripción, sin cuenta:\n\n%s\n\nEsta dirección es propia de la Misión; cualquier dirección anterior ya no abre la página. Las respuestas por correo electrónico a este mensaje se leen como de costumbre.",
}

// MailWebLink sends contact its current link to the registration page.
func (s *Service) MailWebLink(ctx context.Context, contact, by string) error {
	c := s.config()
	ct, ok := c.cs.ByName(contact)
	if !ok {
		return fmt.Errorf("secretariat: no contact %q", contact)
	}
	link := s.webLink(c, ct.Name)
	if link == "" {
		return ErrNoWeb
	}
	lang := ct.Language
	if !lang.Valid() {
		lang = meeting.EN
	}
	msg, err := s.missionMessage(c, templates.Circular, ct, nil, templates.Data{Body: fmt.Sprintf(webLinkBody[lang], c.m.Title.In(lang), link)})
	if err != nil {
		return err
	}
	key := ct.Name + "/" + strconv.FormatInt(store.Millis(s.now()), 10)
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		_, err := mailer.EnqueueTx(tx, mailer.Batch{ID: WebLinkBatch, Template: templates.Circular}, []mailer.Outgoing{{Key: key, Contact: ct.Name, Message: msg}})
		return err
	})
	if err != nil {
		return err
	}
	s.notify()
	s.log.Info("web link mailed", "contact", ct.Name, "by", by)
	return nil
}

// WebLinksEnabled reports whether the missions have links to the
// registration page (registration.web).
func (d *Dashboard) WebLinksEnabled() bool {
	return d.s.web != nil && d.s.config().m.Registration.Web != nil
}

// ResendWebLink mails mission its current link.
func (d *Dashboard) ResendWebLink(ctx context.Context, mission, by string) error {
	if _, ok := d.s.config().cs.ByName(mission); !ok {
		return web.ErrNotFound
	}
	return d.s.MailWebLink(ctx, mission, by)
}

// RotateWebLink gives mission a new link (the old one stops opening the
// page) and mails it.
func (d *Dashboard) RotateWebLink(ctx context.Context, mission, by string) error {
	if _, ok := d.s.config().cs.ByName(mission); !ok {
		return web.ErrNotFound
	}
	if _, err := d.s.RotateWebLink(ctx, mission); err != nil {
		return err
	}
	return d.s.MailWebLink(ctx, mission, by)
}
