package inbox_test

import (
	"reflect"
	"strings"
	"testing"

	"convene/inbox"
	"convene/meeting"
)

type del = meeting.Delegate

func TestParseRegistration(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		delegates []del
		withdrawn []string
		replaced  []inbox.Replacement
		declined  bool
		problems  int // at least this many problems; -1: none
	}{
		{
			name: "form en",
			text: "Dear Sir or Madam,\n\nPlease find our registration below.\n\nDelegation: Arcadia\nName: H.E. Mr. John Smith\nTitle / function: Ambassador, Permanent Representative\nEmail: J.Smith@arcadia-mfa.example\n\nName: Ms. Jane Roe\nTitle / function: First Secretary\nEmail: jane.roe@arcadia-mfa.example\n",
			delegates: []del{
				{Name: "John Smith", Title: "Ambassador, Permanent Representative", Email: "j.smith@arcadia-mfa.example"},
				{Name: "Jane Roe", Title: "First Secretary", Email: "jane.roe@arcadia-mfa.example"},
			},
			problems: -1,
		},
		{
			name:      "form fr with bullets and odd spacing",
			text:      "Délégation : Bélavie\n- Nom : S.E. M. Jean Dupont\n- Titre ou fonction : Ambassadeur\n- Courriel : jean.dupont@belavie.example\n",
			delegates: []del{{Name: "Jean Dupont", Title: "Ambassadeur", Email: "jean.dupont@belavie.example"}},
			problems:  -1,
		},
		{
			name:      "form es numbered, no colons",
			text:      "1. Delegación Costa Verde\n2. Nombre Sra. María García López\n3. Cargo Consejera\n4. Correo electrónico mgarcia@costaverde.example\n",
			delegates: []del{{Name: "María García López", Title: "Consejera", Email: "mgarcia@costaverde.example"}},
			problems:  -1,
		},
		{
			name:      "form upper case labels and tabs",
			text:      "NAME:\tMr. Ahmed Khan\nFUNCTION:\tCounsellor\nE-MAIL:\tahmed.khan@mofa.example\n",
			delegates: []del{{Name: "Ahmed Khan", Title: "Counsellor", Email: "ahmed.khan@mofa.example"}},
		},
		{
			name:     "blank form yields nothing",
			text:     "Delegation:\nName:\nTitle / function:\nEmail:\n\nName: ____________\nTitle: ____________\nEmail: [email]\n",
			problems: -1,
		},
		{
			name:      "form name without email",
			text:      "Name: Mr. Pedro Alvarez\nTitle: Minister Counsellor\nEmail:\n",
			delegates: []del{{Name: "Pedro Alvarez", Title: "Minister Counsellor"}},
			problems:  1,
		},
		{
			name:      "form values below labels",
			text:      "Name:\nMs. Ana Lima\nTitle:\nSecond Secretary\nEmail:\nana.lima@mre.example\n",
			delegates: []del{{Name: "Ana Lima", Title: "Second Secretary", Email: "ana.lima@mre.example"}},
		},
		{
			name:      "form on one line",
			text:      "Name: Mr. Li Wei   Title: Counsellor   Email: li.wei@mfa.example\n",
			delegates: []del{{Name: "Li Wei", Title: "Counsellor", Email: "li.wei@mfa.example"}},
		},
		{
			name:      "first and last name",
			text:      "Prénom : Claire\nNom : MARTIN\nFonction : Conseillère\nAdresse électronique : claire.martin@diplo.example\n",
			delegates: []del{{Name: "Claire MARTIN", Title: "Conseillère", Email: "claire.martin@diplo.example"}},
		},
		{
			name:      "title as courtesy title",
			text:      "Title: Ms.\nName: Olga Petrova\nPosition: Attaché\nE-mail: o.petrova@mid.example\n",
			delegates: []del{{Name: "Olga Petrova", Title: "Attaché", Email: "o.petrova@mid.example"}},
		},
		{
			name: "free text semicolons",
			text: "Our delegation: H.E. Mr. John Smith, Ambassador, j.smith@arcadia-mfa.example; Ms. Jane Roe, First Secretary, jane.roe@arcadia-mfa.example",
			delegates: []del{
				{Name: "John Smith", Title: "Ambassador", Email: "j.smith@arcadia-mfa.example"},
				{Name: "Jane Roe", Title: "First Secretary", Email: "jane.roe@arcadia-mfa.example"},
			},
		},
		{
			name: "free text one per line with dashes",
			text: "Dear colleagues,\n\nThe delegation will be composed of:\n\n1. Mr. Tomás Ruiz – Director of Multilateral Affairs – truiz@cancilleria.example\n2. Ms. Laura Vidal – Second Secretary – lvidal@cancilleria.example\n\nBest regards",
			delegates: []del{
				{Name: "Tomás Ruiz", Title: "Director of Multilateral Affairs", Email: "truiz@cancilleria.example"},
				{Name: "Laura Vidal", Title: "Second Secretary", Email: "lvidal@cancilleria.example"},
			},
		},
		{
			name:      "surname first",
			text:      "DOE, Jane (Ms.), Counsellor, jane.doe@mission.example",
			delegates: []del{{Name: "Jane DOE", Title: "Counsellor", Email: "jane.doe@mission.example"}},
		},
		{
			name:      "name with address in brackets",
			text:      "- Mr. Karl Berg <karl.berg@gov.example>, Legal Adviser",
			delegates: []del{{Name: "Karl Berg", Title: "Legal Adviser", Email: "karl.berg@gov.example"}},
		},
		{
			name: "block per delegate",
			text: "Please register:\n\nMr. John Smith\nAmbassador\nj.smith@arcadia.example\n\nMs. Jane Roe\nFirst Secretary\njane.roe@arcadia.example\n",
			delegates: []del{
				{Name: "John Smith", Title: "Ambassador", Email: "j.smith@arcadia.example"},
				{Name: "Jane Roe", Title: "First Secretary", Email: "jane.roe@arcadia.example"},
			},
		},
		{
			name: "french free text",
			text: "La délégation sera composée de :\n- S.E. M. Pierre Lefèvre, Ambassadeur, p.lefevre@diplomatie.example\n- Mme Sophie Bernard, Conseillère, sophie.bernard@diplomatie.example",
			delegates: []del{
				{Name: "Pierre Lefèvre", Title: "Ambassadeur", Email: "p.lefevre@diplomatie.example"},
				{Name: "Sophie Bernard", Title: "Conseillère", Email: "sophie.bernard@diplomatie.example"},
			},
		},
		{
			name: "spanish free text",
			text: "La delegación estará integrada por:\nSr. Juan Pérez, Embajador, jperez@mrree.example\nSra. Carmen Díaz, Primera Secretaria, cdiaz@mrree.example",
			delegates: []del{
				{Name: "Juan Pérez", Title: "Embajador", Email: "jperez@mrree.example"},
				{Name: "Carmen Díaz", Title: "Primera Secretaria", Email: "cdiaz@mrree.example"},
			},
		},
		{
			name:      "no-break spaces and CRLF",
			text:      "Name:\u00a0Mr.\u00a0Juan Soto\r\nTitle:\u00a0Attaché\r\nEmail:\u00a0juan.soto@mre.example\r\n",
			delegates: []del{{Name: "Juan Soto", Title: "Attaché", Email: "juan.soto@mre.example"}},
		},
		{
			name:      "text table",
			text:      "Name | Title | Email\nMr. Ivan Horvat | Counsellor | ivan.horvat@mvep.example\nMs. Ana Kovač | Attaché | ana.kovac@mvep.example\n",
			delegates: []del{{Name: "Ivan Horvat", Title: "Counsellor", Email: "ivan.horvat@mvep.example"}, {Name: "Ana Kovač", Title: "Attaché", Email: "ana.kovac@mvep.example"}},
		},
		{
			name:      "tab table fr",
			text:      "Nom\tFonction\tCourriel\nM. Paul Girard\tPremier secrétaire\tpaul.girard@mae.example\n",
			delegates: []del{{Name: "Paul Girard", Title: "Premier secrétaire", Email: "paul.girard@mae.example"}},
		},
		{
			name:     "replace en",
			text:     "Please replace Mr. John Smith by Ms. Jane Roe, First Secretary, jane.roe@arcadia.example.",
			replaced: []inbox.Replacement{{Old: "John Smith", New: del{Name: "Jane Roe", Title: "First Secretary", Email: "jane.roe@arcadia.example"}}},
		},
		{
			name:     "replace fr with email",
			text:     "Merci de remplacer jean.dupont@belavie.example par Mme Claire Roux, Conseillère, claire.roux@belavie.example",
			replaced: []inbox.Replacement{{Old: "jean.dupont@belavie.example", New: del{Name: "Claire Roux", Title: "Conseillère", Email: "claire.roux@belavie.example"}}},
		},
		{
			name:     "replace es",
			text:     "Les ruego sustituir a la Sra. Carmen Díaz por el Sr. Luis Mora, Consejero, lmora@mrree.example",
			replaced: []inbox.Replacement{{Old: "Carmen Díaz", New: del{Name: "Luis Mora", Title: "Consejero", Email: "lmora@mrree.example"}}},
		},
		{
			name:     "replaced by, then the form",
			text:     "Mr. John Smith will be replaced by:\n\nName: Mr. Paul Green\nTitle: Counsellor\nEmail: p.green@arcadia.example\n",
			replaced: []inbox.Replacement{{Old: "John Smith", New: del{Name: "Paul Green", Title: "Counsellor", Email: "p.green@arcadia.example"}}},
		},
		{
			name:      "withdrawal en by email",
			text:      "Please note that jane.roe@arcadia.example will no longer attend the meeting.",
			withdrawn: []string{"jane.roe@arcadia.example"},
		},
		{
			name:      "withdrawal en by name",
			text:      "Unfortunately, Ms. Jane Roe will no longer be able to attend.",
			withdrawn: []string{"Jane Roe"},
		},
		{
			name:      "withdrawal fr",
			text:      "Nous vous informons que M. Jean Dupont ne participera plus à la réunion.",
			withdrawn: []string{"Jean Dupont"},
		},
		{
			name:      "withdrawal es",
			text:      "Le informamos que la Sra. Carmen Díaz (cdiaz@mrree.example) ya no participará en la reunión.",
			withdrawn: []string{"cdiaz@mrree.example"},
		},
		{
			name:      "withdraw imperative",
			text:      "Kindly withdraw the registration of Mr. Peter Brown from the list.",
			withdrawn: []string{"Peter Brown"},
		},
		{
			name:     "decline en",
			text:     "The Permanent Mission of Arcadia regrets that it will not be able to participate in the meeting.",
			declined: true,
		},
		{
			name:     "decline we",
			text:     "Unfortunately we will not participate this year.",
			declined: true,
		},
		{
			name:     "decline fr",
			text:     "La délégation de Bélavie ne participera pas à cette réunion.",
			declined: true,
		},
		{
			name:     "decline es",
			text:     "Lamentablemente, nuestra delegación no participará en la reunión.",
			declined: true,
		},
		{
			name:     "decline country name",
			text:     "Arcadia will not be represented at the meeting.",
			declined: true,
		},
		{
			name:      "person will not attend is a withdrawal",
			text:      "Mr. John Smith will not attend.",
			withdrawn: []string{"John Smith"},
		},
		{
			// a contact to write to: not a delegate, and known not to be
			// one (Registration.NotDelegates), so no problem either
			name:     "address given as a contact is not a delegate",
			text:     "For any question, please contact our focal point at focal.point@arcadia.example.",
			problems: -1,
		},
		{
			name:     "address in prose is not a delegate",
			text:     "Mr. Bilal Aziz may also join us later; his address would be bilal.aziz@arcadia.example if he comes with the others.",
			problems: 1,
		},
		{
			name:      "mailto and html2text artefacts",
			text:      "*Name:* Mr. Omar Haddad\n*Title:* Counsellor\n*Email:* omar.haddad@mfa.example <mailto:omar.haddad@mfa.example>\n",
			delegates: []del{{Name: "Omar Haddad", Title: "Counsellor", Email: "omar.haddad@mfa.example"}},
		},
		{
			name:      "name and title label",
			text:      "Name and title: Dr. Amina Yusuf, Senior Adviser\nEmail: amina.yusuf@health.example",
			delegates: []del{{Name: "Amina Yusuf", Title: "Senior Adviser", Email: "amina.yusuf@health.example"}},
		},
		{
			name:      "duplicate in form and free text",
			text:      "Name: Mr. Kofi Mensah\nEmail: kofi.mensah@mfa.example\n\nMr. Kofi Mensah, Minister, kofi.mensah@mfa.example",
			delegates: []del{{Name: "Kofi Mensah", Title: "Minister", Email: "kofi.mensah@mfa.example"}},
		},
		{
			name: "nombre de is not a label",
			text: "Nombre de participantes: 2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := inbox.ParseRegistration(tt.text)
			if !reflect.DeepEqual(got.Delegates, tt.delegates) {
				t.Errorf("Delegates = %#v\nwant %#v", got.Delegates, tt.delegates)
			}
			if !reflect.DeepEqual(got.Withdrawn, tt.withdrawn) {
				t.Errorf("Withdrawn = %q, want %q", got.Withdrawn, tt.withdrawn)
			}
			if !reflect.DeepEqual(got.Replaced, tt.replaced) {
				t.Errorf("Replaced = %#v\nwant %#v", got.Replaced, tt.replaced)
			}
			if got.Declined != tt.declined {
				t.Errorf("Declined = %v, want %v", got.Declined, tt.declined)
			}
			switch {
			case tt.problems < 0 && len(got.Problems) > 0:
				t.Errorf("Problems = %q, want none", got.Problems)
			case tt.problems > 0 && len(got.Problems) < tt.problems:
				t.Errorf("Problems = %q, want at least %d", got.Problems, tt.problems)
			}
			if t.Failed() {
				t.Logf("text:\n%s", strings.TrimSpace(tt.text))
			}
		})
	}
}

func TestParseRegistrationMore(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		delegates []del
	}{
		{
			name: "table cells one per line (Outlook plain text of an HTML table)",
			text: "Dear colleagues,\n\nName\n\nTitle\n\nEmail\n\nMr. John Smith\n\nAmbassador\n\nj.smith@arcadia.example\n\nMs. Jane Roe\n\nFirst Secretary\n\njane.roe@arcadia.example\n",
			delegates: []del{
				{Name: "John Smith", Title: "Ambassador", Email: "j.smith@arcadia.example"},
				{Name: "Jane Roe", Title: "First Secretary", Email: "jane.roe@arcadia.example"},
			},
		},
		{
			name:      "signature after the form does not add a delegate",
			text:      "Name: Mr. Karl Berg\nTitle: Legal Adviser\nEmail: karl.berg@gov.example\n\nJane Roe\nFirst Secretary\nTel: +41 22 000 00 00\nEmail: karl.berg@gov.example",
			delegates: []del{{Name: "Karl Berg", Title: "Legal Adviser", Email: "karl.berg@gov.example"}},
		},
		{
			name:      "head of delegation label",
			text:      "Head of delegation: H.E. Ms. Amina Diallo, Ambassador, a.diallo@mae.example",
			delegates: []del{{Name: "Amina Diallo", Title: "Ambassador", Email: "a.diallo@mae.example"}},
		},
		{
			name:      "email label variants",
			text:      "Nombre completo: Sr. Diego Torres\nCargo: Ministro Consejero\nCorreo-e: dtorres@sre.example",
			delegates: []del{{Name: "Diego Torres", Title: "Ministro Consejero", Email: "dtorres@sre.example"}},
		},
		{
			name:      "uppercase surname with courtesy title after",
			text:      "SMITH, John (Mr.) - Ambassador - j.smith@arcadia.example",
			delegates: []del{{Name: "John SMITH", Title: "Ambassador", Email: "j.smith@arcadia.example"}},
		},
		{
			name: "note verbale in French",
			text: "La Mission permanente de Bélavie présente ses compliments à l'Unité d'appui et a l'honneur de lui communiquer la composition de la délégation :\n\n- S.E. Monsieur Jean DUPONT, Ambassadeur, Représentant permanent (jean.dupont@belavie.example)\n- Madame Sophie BERNARD, Première Conseillère (sophie.bernard@belavie.example)\n\nLa Mission permanente saisit cette occasion pour renouveler à l'Unité l'assurance de sa haute considération.",
			delegates: []del{
				{Name: "Jean DUPONT", Title: "Ambassadeur, Représentant permanent", Email: "jean.dupont@belavie.example"},
				{Name: "Sophie BERNARD", Title: "Première Conseillère", Email: "sophie.bernard@belavie.example"},
			},
		},
		{
			name: "numbered Spanish list with Correo",
			text: "1. Excmo. Sr. Juan Pérez García, Embajador, Representante Permanente – Correo: jperez@sre.example\n2. Sra. Lucía Gómez, Consejera – Correo: lgomez@sre.example",
			delegates: []del{
				{Name: "Juan Pérez García", Title: "Embajador, Representante Permanente", Email: "jperez@sre.example"},
				{Name: "Lucía Gómez", Title: "Consejera", Email: "lgomez@sre.example"},
			},
		},
		{
			name: "name and title lines above a labelled email",
			text: "1. H.E. Mr. John Smith\n   Ambassador\n   Email: j.smith@arcadia.example\n\n2. Ms. Jane Roe\n   First Secretary\n   Email: jane.roe@arcadia.example",
			delegates: []del{
				{Name: "John Smith", Title: "Ambassador", Email: "j.smith@arcadia.example"},
				{Name: "Jane Roe", Title: "First Secretary", Email: "jane.roe@arcadia.example"},
			},
		},
		{
			name: "address in brackets after the name",
			text: "Mr. Ahmed Khan (ahmed.khan@mofa.example), Counsellor\nJohn Doe <john.doe@mofa.example>",
			delegates: []del{
				{Name: "Ahmed Khan", Title: "Counsellor", Email: "ahmed.khan@mofa.example"},
				{Name: "John Doe", Email: "john.doe@mofa.example"},
			},
		},
		{
			name:      "name inside a sentence",
			text:      "Our delegation will be headed by H.E. Mr. John Smith, Ambassador (j.smith@arcadia.example).",
			delegates: []del{{Name: "John Smith", Title: "Ambassador", Email: "j.smith@arcadia.example"}},
		},
		{
			name:      "greeting is not a name",
			text:      "Dear Colleagues\nj.smith@arcadia.example",
			delegates: []del{{Email: "j.smith@arcadia.example"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := inbox.ParseRegistration(tt.text)
			if !reflect.DeepEqual(got.Delegates, tt.delegates) {
				t.Errorf("Delegates = %#v\nwant %#v\ntext:\n%s", got.Delegates, tt.delegates, tt.text)
			}
		})
	}
}

func TestStripReply(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"outlook header block", "Name: A B\n\nFrom: ISU <r@isu.example>\nSent: Monday\nTo: X\nSubject: Y\n\nName:\nEmail:", "Name: A B"},
		{"outlook fr", "Nom : A B\n\nDe : ISU <r@isu.example>\nEnvoyé : lundi 8 juin 2020 10:00\nÀ : X\nObjet : Y\n\nNom :", "Nom : A B"},
		{"outlook es", "Nombre: A B\n\nDe: ISU <r@isu.example>\nEnviado el: lunes, 8 de junio de 2020 10:00\nPara: X\nAsunto: Y\n\nNombre:", "Nombre: A B"},
		{"original message", "ok\n-----Original Message-----\nFrom: x\nName:", "ok"},
		{"gmail on wrote wrapped", "ok\n\nOn Mon, Jun 8, 2020 at 10:00 AM ISU Secretariat <\nregistrations@isu.example> wrote:\n\n> Name:", "ok"},
		{"le a écrit", "ok\n\nLe lun. 8 juin 2020 à 10:00, ISU <r@isu.example> a écrit :\n> Nom :", "ok"},
		{"el escribió", "ok\n\nEl lun., 8 jun. 2020 a las 10:00, ISU (<r@isu.example>) escribió:\n> Nombre:", "ok"},
		{"iphone fr", "ok\n\nEnvoyé de mon iPhone\n\n> Le 8 juin", "ok"},
		{"iphone es", "ok\n\nEnviado desde mi iPhone", "ok"},
		{"sig dash", "ok\n-- \nJane Roe\njane@x.example", "ok"},
		{"closing and name block", "ok\n\nBest regards,\nJane Roe\nFirst Secretary\njane@x.example", "ok"},
		{"closing followed by delegates is kept", "Dear ISU,\n\nThanks!\nMr. A B, Ambassador, a.b@x.example", "Dear ISU,\n\nThanks!\nMr. A B, Ambassador, a.b@x.example"},
		{"closing followed by a form is kept", "Thanks,\nName: Mr. A B\nEmail: a@b.example", "Thanks,\nName: Mr. A B\nEmail: a@b.example"},
		{"nbsp and crlf", "ok\u00a0ok\r\n\r\n> quote", "ok ok"},
		{"only a forward", "---------- Forwarded message ---------\nFrom: Jane <j@x.example>\nDate: Mon\nSubject: S\nTo: r@isu.example\n\nName: Mr. A B\nEmail: a@b.example", "Name: Mr. A B\nEmail: a@b.example"},
		{"text then a forward", "see below\n\n---------- Forwarded message ---------\nFrom: Jane <j@x.example>\n\nName:", "see below"},
		{"bottom posting", "On Mon, 8 Jun 2020, ISU <r@isu.example> wrote:\n> Name:\n\nName: Mr. A B", "Name: Mr. A B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := inbox.StripReply(tt.in); got != tt.want {
				t.Errorf("StripReply(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
