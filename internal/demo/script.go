package demo

import (
	"strings"
	"time"
)

// Reply is a message a simulated party sends at a (simulated) time.
type Reply struct {
	At  time.Time
	Raw []byte
	Why string // what it demonstrates, for the demo's progress lines
}

// What convene sent, as the simulated parties tell it apart.
const (
	GotInvitation = "invitation"
	GotReminder   = "reminder"
	GotInvite     = "invite" // a calendar invitation to a delegate
)

// Script says how each mission of the example contact list answers.
type Script struct {
	// Reminders counts the reminders each mission received so far.
	reminders map[string]int
	done      map[string]bool
}

// NewScript returns the script for the example contacts (meeting.WriteExample).
func NewScript() *Script {
	return &Script{reminders: map[string]int{}, done: map[string]bool{}}
}

func days(t time.Time, d float64) time.Time { return t.Add(time.Duration(d * 24 * float64(time.Hour))) }

// Respond returns the replies of the party at address `to` (belonging to
// contact `contact`, "" for a delegate) to a message of the given kind.
func (s *Script) Respond(kind, contact string, in Incoming) []Reply {
	once := func(key string) bool {
		if s.done[key] {
			return false
		}
		s.done[key] = true
		return true
	}
	t := in.Date
	switch kind {
	case GotInvitation:
		switch contact {
		case "Permanent Mission of Arcadia":
			return []Reply{{days(t, 2), OutlookForm(in, days(t, 2), "Arcadia", [][3]string{
				{"H.E. Mr. Alistair Penrose", "Ambassador, Permanent Representative", "a.penrose@arcadia-mfa.example"},
				{"Ms. Imogen Hartley", "First Secretary", "i.hartley@arcadia-mfa.example"},
			}), "filled-in form from Outlook, invitation quoted below"}}
		case "Permanent Mission of Borduria":
			if in.To != "geneve@borduria.example" {
				return nil
			}
			return []Reply{{days(t, 3), FreeText(in, days(t, 3),
				"Madame, Monsieur,\n\nLa Mission permanente de Borduria a l'honneur de communiquer la composition de sa délégation :\n"+
					"S.E. M. Oscar Vlatek, Ambassadeur, o.vlatek@borduria.example ; Mme Hélène Dupré, Première secrétaire, h.dupre@borduria.example", "fr"),
				"free text in French from a phone"}}
		case "Permanent Mission of Syldavia":
			return []Reply{{days(t, 4), FrenchForm(in, days(t, 4), "Syldavie", [][3]string{
				{"M. Wladimir Moustachko", "Conseiller", "w.moustachko@syldavia.example"},
			}), "form with French labels"}}
		case "Permanent Mission of Freedonia":
			return []Reply{{days(t, 5), HTMLTable(in, days(t, 5), [][3]string{
				{"Sra. Rufina Teasdale", "Ministra Consejera", "r.teasdale@freedonia.example"},
				{"Sr. Bob Firefly", "Agregado", "b.firefly@freedonia.example"},
			}), "HTML-only table in Spanish"}}
		case "Permanent Mission of San Theodoros":
			return []Reply{
				{days(t, 3), FreeText(in, days(t, 3), "Estimados colegas:\n\nParticiparán en las reuniones:\n- Sr. Ramón Alcázar, Consejero, r.alcazar@santheodoros.example\n- Sra. Paula Tapioca, Primera Secretaria, p.tapioca@santheodoros.example", "es"), "free text in Spanish"},
				{days(t, 9), Plain(in, days(t, 9), "correction", "Estimados colegas:\n\nFavor de sustituir a Sra. Paula Tapioca por Sra. Lucía Tapioca, Primera Secretaria, l.tapioca@santheodoros.example\n\nAtentamente"), "a correction: replace one delegate by another"},
			}
		case "Permanent Mission of Genovia":
			return []Reply{
				{days(t, 2), FreeText(in, days(t, 2), "Dear ISU colleagues,\n\nGenovia will be represented by:\nMs. Clarisse Renaldi, Counsellor, c.renaldi@genovia.example\nMr. Joseph Bonnet, Attaché, j.bonnet@genovia.example", "en"), "free text in English"},
				{days(t, 20), Plain(in, days(t, 20), "withdrawal", "Dear colleagues,\n\nPlease note that Mr. Joseph Bonnet (j.bonnet@genovia.example) will no longer attend.\n\nBest regards"), "a withdrawal: the delegate's calendar gets a cancellation"},
			}
		case "Permanent Mission of Elbonia":
			return []Reply{{days(t, 0.01), Bounce(in, days(t, 0.01), in.To, true), "a hard bounce: staff must find the current address"}}
		case "Permanent Mission of Ruritania":
			if !once("oof-ruritania") {
				return nil
			}
			return []Reply{{days(t, 0.02), OutOfOffice(in, days(t, 0.02), "15 June 2020", "Mr. Rudolf Rassendyll, deputy@ruritania.example"), "an out-of-office naming a colleague"}}
		case "Permanent Mission of Marovia":
			return []Reply{{days(t, 6), Plain(in, days(t, 6), "decline", "Madame, Monsieur,\n\nLa Mission permanente de Marovia regrette de vous informer qu'elle ne participera pas aux réunions intersessions.\n\nVeuillez agréer nos salutations distinguées."), "a decline in French"}}
		case "Permanent Mission of Carpania":
			return []Reply{{days(t, 7), CSVAttachment(in, days(t, 7), [][3]string{
				{"Mr. Warren Carpenter", "Deputy Permanent Representative", "w.carpenter@carpania.example"},
				{"Ms. Dana Whitfield", "Legal Adviser", "d.whitfield@carpania.example"},
			}), "a CSV attachment"}}
		case "Mine Action Review Network":
			return []Reply{{days(t, 1), OutlookForm(in, days(t, 1), "Mine Action Review Network", [][3]string{
				{"Dr. Amara Osei", "Director", "a.osei@marn.example"},
			}), "an organisation's form"}}
		case "Humanitarian Demining Foundation":
			return []Reply{{days(t, 4), FromUnknown(in, days(t, 4), "peter.lindqvist.private@webmail.example",
				"Hello, please register me for the meetings: Peter Lindqvist, Programme Manager, peter.lindqvist.private@webmail.example"),
				"a registration from an unknown address: review, never applied"}}
		case "Réseau francophone de l'action contre les mines":
			return []Reply{{days(t, 8), FrenchForm(in, days(t, 8), "RFAM", [][3]string{
				{"Mme Awa Diallo", "Coordinatrice", "a.diallo@rfam.example"},
			}), "an organisation's French form"}}
		}
	case GotReminder:
		s.reminders[contact]++
		n := s.reminders[contact]
		switch {
		case contact == "Permanent Mission of Nova Esperanza" && n == 1:
			return []Reply{{days(t, 1), FreeText(in, days(t, 1), "Estimados colegas:\n\nLa delegación estará integrada por: Sra. Valentina Ríos, Embajadora, v.rios@novaesperanza.example", "es"), "registers after the first reminder"}}
		case contact == "Permanent Mission of Qurac" && n == 2:
			return []Reply{{days(t, 0.3), FrenchForm(in, days(t, 0.3), "Qurac", [][3]string{{"M. Karim Haddad", "Premier secrétaire", "k.haddad@qurac.example"}}), "registers after the second reminder"}}
		case contact == "Fundación Vida sin Minas" && n == 2:
			return []Reply{{days(t, 3), FreeText(in, days(t, 3), "Estimados: les comunicamos nuestra delegación: Sr. Tomás Herrera, Director, t.herrera@vidasinminas.example", "es"), "a late registration, after the deadline"}}
		}
	case GotInvite:
		// Delegates answer from their calendar client. Most accept; a few decline or are tentative.
		return nil // answered by CalendarAnswer, which knows the UID
	}
	return nil
}

// CalendarAnswer returns how a delegate's calendar answers an invitation to a
// session: most accept; one declines a session; one is tentative.
func CalendarAnswer(delegate, eventID string) string {
	switch {
	case strings.HasPrefix(delegate, "i.hartley@") && eventID == "article-5":
		return "DECLINED"
	case strings.HasPrefix(delegate, "h.dupre@") && eventID == "presidents-briefing":
		return "TENTATIVE"
	case strings.HasPrefix(delegate, "b.firefly@"):
		return "" // never answers
	}
	return "ACCEPTED"
}
