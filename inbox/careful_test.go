package inbox_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"convene/inbox"
)

// TestCarefulReader reads replies written the way missions write them, as
// their clients send them (testdata/careful-*.eml): each is read whole, or
// goes to review with the reason; none is applied in part.
func TestCarefulReader(t *testing.T) {
	tests := []struct {
		file      string
		kind      inbox.Kind
		delegates []del
		withdrawn []string
		declined  bool
		review    string // a part of the review reason; "" for no review
	}{
		{
			// Apple Mail, a French note verbale: forms of address, an
			// address in brackets and one followed by a full stop
			file: "careful-note-verbale-fr.eml", kind: inbox.KindRegistration,
			delegates: []del{
				{Name: "Mamadou Lamine Ndiaye", Title: "Ambassadeur, Représentant permanent", Email: "m.ndiaye@senegal-geneve.example"},
				{Name: "Aïssatou Faye", Title: "Première Conseillère", Email: "a.faye@senegal-geneve.example"},
				{Name: "Omar Sarr", Title: "Deuxième Secrétaire", Email: "o.sarr@senegal-geneve.example"},
			},
		},
		{
			// Outlook, windows-1252, CRLF: "Name - Title -" with the address
			// wrapped onto the next line, "SURNAME Given (Ms.)",
			// "SURNAME, Given (Mr.)" over three lines, a long signature
			file: "careful-wrapped-outlook-en.eml", kind: inbox.KindRegistration,
			delegates: []del{
				{Name: "Stefan HUBER", Title: "Minister-Counsellor, Deputy Permanent Representative", Email: "stefan.huber@austria-mission.example"},
				{Name: "Katharina MOSER", Title: "Second Secretary", Email: "katharina.moser@austria-mission.example"},
				{Name: "John SMITH", Title: "Expert, Federal Ministry for European and International Affairs", Email: "john.smith@bmeia-austria.example"},
			},
		},
		{
			// Thunderbird: a question signed with name, title, mission,
			// postal address, telephone and address, and no closing
			file: "careful-question-signature-en.eml", kind: inbox.KindOther,
			review: "no delegates, withdrawal or decline found",
		},
		{
			// Outlook in Spanish: a decline signed with eleven lines, no closing
			file: "careful-decline-signature-es.eml", kind: inbox.KindRegistration, declined: true,
		},
		{
			// Roundcube: one delegate withdrawn, the other stays
			file: "careful-withdrawal-roundcube-en.eml", kind: inbox.KindRegistration,
			withdrawn: []string{"Stefan Huber"},
		},
		{
			// Gmail forward of the capital's list, the mission asking
			file: "careful-forward-gmail-en.eml", kind: inbox.KindRegistration,
			delegates: []del{
				{Name: "John Smith", Title: "Director-General", Email: "j.smith@mfa.arcadia.example"},
				{Name: "Anna Berg", Title: "Legal Officer", Email: "a.berg@mfa.arcadia.example"},
			},
		},
		{
			// Apple Mail in French, ISO-8859-1: "Début du message réexpédié"
			file: "careful-forward-apple-fr.eml", kind: inbox.KindRegistration,
			delegates: []del{
				{Name: "Paul Girard", Title: "Premier secrétaire", Email: "paul.girard@mae.belavie.example"},
				{Name: "Claire Roux", Title: "Conseillère juridique", Email: "claire.roux@mae.belavie.example"},
			},
		},
		{
			// Outlook in Spanish, windows-1252, CRLF: "RV:", a header
			// block after a rule; Excmo. Sr. D., a rank, Sra. Dña.
			file: "careful-forward-outlook-es.eml", kind: inbox.KindRegistration,
			delegates: []del{
				{Name: "Luis Mora", Title: "Embajador", Email: "lmora@rree.costaverde.example"},
				{Name: "Juan Pérez", Title: "Coronel, Agregado de Defensa", Email: "jperez@rree.costaverde.example"},
				{Name: "Ana Ruiz", Title: "Consejera", Email: "aruiz@rree.costaverde.example"},
			},
		},
		{
			// our own invitation forwarded: its blank form is not data
			file: "careful-forward-invitation-en.eml", kind: inbox.KindOther,
			review: "no delegates",
		},
		{
			// HCL Notes: two delegates read, two addresses in sentences
			// not read: the whole message goes to review, what was read kept
			file: "careful-sentence-notes-en.eml", kind: inbox.KindRegistration,
			delegates: []del{
				{Name: "Ahmed Khan", Title: "Counsellor", Email: "ahmed.khan@mofa-zenda.example"},
				{Name: "Sara Iqbal", Title: "Attaché", Email: "sara.iqbal@mofa-zenda.example"},
			},
			review: "bilal.aziz@mofa-zenda.example",
		},
		{
			// 8-bit Latin-1 without a declared charset: a guess
			file: "careful-charset-guess-fr.eml", kind: inbox.KindRegistration,
			review: "could not be decoded",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m := parseFile(t, tt.file)
			if m.Kind != tt.kind {
				t.Errorf("Kind = %s (%s), want %s", m.Kind, m.ReviewReason, tt.kind)
			}
			if tt.delegates != nil && !slices.Equal(m.Delegates, tt.delegates) {
				t.Errorf("Delegates = %+v\nwant %+v", m.Delegates, tt.delegates)
			}
			if tt.delegates == nil && tt.review == "" && len(m.Delegates) > 0 {
				t.Errorf("Delegates = %+v, want none", m.Delegates)
			}
			if !slices.Equal(m.Withdrawn, tt.withdrawn) {
				t.Errorf("Withdrawn = %q, want %q", m.Withdrawn, tt.withdrawn)
			}
			if m.Declined != tt.declined {
				t.Errorf("Declined = %v, want %v", m.Declined, tt.declined)
			}
			switch {
			case tt.review == "" && m.NeedsReview:
				t.Errorf("NeedsReview (%s), want none; problems %q", m.ReviewReason, m.Problems)
			case tt.review != "" && (!m.NeedsReview || !strings.Contains(m.ReviewReason, tt.review)):
				t.Errorf("NeedsReview = %v (%s), want a reason with %q", m.NeedsReview, m.ReviewReason, tt.review)
			}
			checkAccounted(t, m)
		})
	}
}

// TestCarefulText covers free-text cases one message at a time.
func TestCarefulText(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		delegates []del
		withdrawn []string
		declined  bool
		review    string
	}{
		{
			name: "a header's label is not a name (a Bcc: line in the text)",
			body: "Please register:\nMs. Ann Bell, First Secretary, ann.bell@x.example\nBcc: x@evil.example\n",
			delegates: []del{{Name: "Ann Bell", Title: "First Secretary", Email: "ann.bell@x.example"},
				{Name: "Bcc", Email: "x@evil.example"}},
			review: `"Bcc" is a mail header's label`,
		},
		{
			name:      "address followed by a full stop after its label",
			body:      "Our delegation:\nMr. Omar Sarr, Second Secretary, e-mail: o.sarr@x.example.\n",
			delegates: []del{{Name: "Omar Sarr", Title: "Second Secretary", Email: "o.sarr@x.example"}},
		},
		{
			name:      "address in brackets followed by a full stop",
			body:      "We register Ms. Aïssatou Faye, First Counsellor (a.faye@x.example).\n",
			delegates: []del{{Name: "Aïssatou Faye", Title: "First Counsellor", Email: "a.faye@x.example"}},
		},
		{
			name:      "name and title, then the address alone",
			body:      "Please register:\n\nMs. Jane Roe - First Secretary -\njane.roe@x.example\n",
			delegates: []del{{Name: "Jane Roe", Title: "First Secretary", Email: "jane.roe@x.example"}},
		},
		{
			name:      "family name first in capitals",
			body:      "Please register NDIAYE Mamadou Lamine, Ambassadeur, m.ndiaye@x.example\n",
			delegates: []del{{Name: "Mamadou Lamine NDIAYE", Title: "Ambassadeur", Email: "m.ndiaye@x.example"}},
		},
		{
			name:      "a rank written in the title stays there",
			body:      "Please register Mr. Jean Martin, Colonel, Military Adviser, j.martin@x.example\n",
			delegates: []del{{Name: "Jean Martin", Title: "Colonel, Military Adviser", Email: "j.martin@x.example"}},
		},
		{
			name:      "an address alone: a delegate without a name",
			body:      "Please register:\n\nk.rana@x.example\n",
			delegates: []del{{Email: "k.rana@x.example"}},
			review:    "no name for the delegate k.rana@x.example",
		},
		{
			name:      "withdrawal of one, the other remains",
			body:      "Stefan Huber will not be able to attend; Katharina Moser remains registered.\n",
			withdrawn: []string{"Stefan Huber"},
		},
		{
			name:      "withdrawal after a clause naming another",
			body:      "Katharina Moser will attend, but Stefan Huber will not attend.\n",
			withdrawn: []string{"Stefan Huber"},
		},
		{
			name:      "two persons withdrawn together",
			body:      "Mr. Stefan Huber and Ms. Katharina Moser will no longer attend.\n",
			withdrawn: []string{"Stefan Huber", "Katharina Moser"},
		},
		{
			name: "a title after the address belongs to the person before it",
			body: "Please register Ms. Jane Roe <jane.roe@arcadia-mfa.example>, First Secretary, and Mr. John SMITH (john.smith@arcadia-mfa.example), Counsellor.\n",
			delegates: []del{
				{Name: "Jane Roe", Title: "First Secretary", Email: "jane.roe@arcadia-mfa.example"},
				{Name: "John SMITH", Title: "Counsellor", Email: "john.smith@arcadia-mfa.example"},
			},
		},
		{
			name:      "a person named in a sentence",
			body:      "We are pleased to inform you that Mr. Li Wei, Counsellor (li.wei@x.example), will represent Arcadia.\n",
			delegates: []del{{Name: "Li Wei", Title: "Counsellor", Email: "li.wei@x.example"}},
		},
		{
			name:      "un délégué après deux-points, une signature avec adresse postale",
			body:      "Bonjour,\n\nNous avons le plaisir de vous communiquer le nom de notre délégué : M. Pierre Martin, Conseiller, pierre.martin@diplomatie.example\n\nBien à vous,\n\nSophie Bernard\nPremière secrétaire\nMission permanente de Bélavie\n36, rue de Lausanne\nCH-1201 Genève\nTél. +41 22 000 00 00\nsophie.bernard@belavie.example\n",
			delegates: []del{{Name: "Pierre Martin", Title: "Conseiller", Email: "pierre.martin@diplomatie.example"}},
		},
		{
			name:      "a person without an address is not dropped silently",
			body:      "Our delegation:\nMs. Ana Lima, Counsellor, ana.lima@x.example\nMr. Paul Green, Adviser\n",
			delegates: []del{{Name: "Ana Lima", Title: "Counsellor", Email: "ana.lima@x.example"}},
			review:    "names a person but gives no address",
		},
		{
			name:      "a focal point to contact is not a delegate",
			body:      "Please register Ms. Ana Lima, Counsellor, ana.lima@x.example.\n\nFor any question, please contact our focal point, Mr. Paul Green (p.green@x.example).\n",
			delegates: []del{{Name: "Ana Lima", Title: "Counsellor", Email: "ana.lima@x.example"}},
		},
		{
			name:      "retrait en français, l'autre reste inscrite",
			body:      "Madame, Monsieur,\n\nM. Jean Dupont ne pourra pas participer ; Mme Claire Roux reste inscrite.\n\nCordialement,\nSophie Bernard\n",
			withdrawn: []string{"Jean Dupont"},
		},
		{
			name:      "retiro en español, la otra sigue inscrita",
			body:      "Estimados colegas:\n\nEl Sr. Luis Mora no podrá asistir; la Sra. Ana Ruiz sigue inscrita.\n\nSaludos\n",
			withdrawn: []string{"Luis Mora"},
		},
		{
			name:     "the mission, named on its own line, declines",
			body:     "Dear colleagues,\n\nThe Permanent Mission of Arcadia regrets that it will not be able to participate in the meetings.\n\nBest regards\n",
			declined: true,
		},
		{
			name:     "the mission declines",
			body:     "Unfortunately, our delegation will not be able to attend the meetings.\n",
			declined: true,
		},
		{
			name:   "a delegate named by function",
			body:   "Unfortunately, our Ambassador will not be able to attend.\n",
			review: "named by function",
		},
		{
			name:   "a question signed with a telephone line",
			body:   "Will the meeting be webcast?\n\nJane Roe\nFirst Secretary\nTel. +41 22 555 55 55\njane.roe@arcadia-mfa.example\n",
			review: "no delegates",
		},
		{
			name:   "a colleague's signature block is uncertain",
			body:   "Please register Ms. Ana Lima, Counsellor, ana.lima@x.example\n\nPaul Green\nAttaché\nTel. +41 22 555 55 55\np.green@x.example\n",
			review: "read as a signature",
			delegates: []del{
				{Name: "Ana Lima", Title: "Counsellor", Email: "ana.lima@x.example"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := "From: Jane Roe <jane.roe@arcadia-mfa.example>\r\nTo: registrations+k7qmzt4x@isu.example\r\n" +
				"Subject: Re: Invitation\r\nMessage-ID: <x@arcadia-mfa.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
				strings.ReplaceAll(tt.body, "\n", "\r\n")
			m, err := inbox.Parse(strings.NewReader(raw), replyTo, inbox.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(m.Delegates, tt.delegates) {
				t.Errorf("Delegates = %+v\nwant %+v", m.Delegates, tt.delegates)
			}
			if !slices.Equal(m.Withdrawn, tt.withdrawn) {
				t.Errorf("Withdrawn = %q, want %q", m.Withdrawn, tt.withdrawn)
			}
			if m.Declined != tt.declined {
				t.Errorf("Declined = %v, want %v", m.Declined, tt.declined)
			}
			switch {
			case tt.review == "" && m.NeedsReview:
				t.Errorf("NeedsReview (%s), want none", m.ReviewReason)
			case tt.review != "" && (!m.NeedsReview || !strings.Contains(m.ReviewReason, tt.review)):
				t.Errorf("NeedsReview = %v (%s), want a reason with %q", m.NeedsReview, m.ReviewReason, tt.review)
			}
			checkAccounted(t, m)
		})
	}
}

func TestSplitHonorifics(t *testing.T) {
	tests := []struct{ in, name, rank string }{
		{"H.E. Mr. John Smith", "John Smith", ""},
		{"S.E. M. Mamadou Lamine Ndiaye", "Mamadou Lamine Ndiaye", ""},
		{"Mme Aïssatou Faye", "Aïssatou Faye", ""},
		{"Mrs. Jane Roe", "Jane Roe", ""},
		{"Ms Jane Roe", "Jane Roe", ""},
		{"Dr. Ana Lima", "Ana Lima", ""},
		{"Prof. Dr. Hans Meier", "Hans Meier", ""},
		{"Amb. Li Wei", "Li Wei", ""},
		{"Excmo. Sr. D. Luis Mora", "Luis Mora", ""},
		{"Excma. Sra. Dña. Ana Ruiz", "Ana Ruiz", ""},
		{"Sr. Juan Pérez", "Juan Pérez", ""},
		{"Sra. Carmen Díaz", "Carmen Díaz", ""},
		{"Lic. María García López", "María García López", ""},
		{"Mtra. Laura Vidal", "Laura Vidal", ""},
		{"Mag. Stefan Huber", "Stefan Huber", ""},
		{"Monsieur Jean Dupont", "Jean Dupont", ""},
		{"MR. JOHN SMITH", "JOHN SMITH", ""},
		{"Jane DOE (Ms.)", "Jane DOE", ""},
		{"NDIAYE Mamadou Lamine", "Mamadou Lamine NDIAYE", ""},
		{"Colonel Jean Martin", "Jean Martin", "Colonel"},
		{"Consejero Juan Pérez", "Juan Pérez", "Consejero"},
		{"Teniente Coronel Ana Soto", "Ana Soto", "Teniente Coronel"},
		// not forms of address
		{"M Ndiaye", "M Ndiaye", ""},
		{"Don Carlos Ruiz", "Carlos Ruiz", ""},
		{"DON Carlos", "Carlos DON", ""},
		{"Mr.", "Mr.", ""},
		{"Claire MARTIN", "Claire MARTIN", ""},
		{"Medina Ana", "Medina Ana", ""},
	}
	for _, tt := range tests {
		name, rank := inbox.SplitHonorifics(tt.in)
		if name != tt.name || rank != tt.rank {
			t.Errorf("splitHonorifics(%q) = %q, %q, want %q, %q", tt.in, name, rank, tt.name, tt.rank)
		}
	}
}

// checkAccounted is the property the reader keeps: a message is in review,
// or every address of its new text is a delegate, a withdrawn or replaced
// delegate, the sender, or an address known not to be a delegate's.
func checkAccounted(t testing.TB, m *inbox.Message) {
	t.Helper()
	if m.NeedsReview {
		return
	}
	if m.Kind != inbox.KindRegistration {
		// nothing is registered from bounces, automatic replies and
		// calendar answers
		if len(m.Delegates)+len(m.Withdrawn)+len(m.Replaced) > 0 || m.Declined {
			t.Errorf("%s carries a registration: %+v", m.Kind, m)
		}
		return
	}
	known := map[string]bool{m.From: true}
	for _, d := range m.Delegates {
		known[d.Email] = true
	}
	for _, w := range m.Withdrawn {
		known[strings.ToLower(w)] = true
	}
	for _, r := range m.Replaced {
		known[strings.ToLower(r.Old)] = true
		known[r.New.Email] = true
	}
	for _, a := range m.NotDelegates {
		known[a] = true
	}
	for _, f := range strings.Fields(m.Body) {
		f = strings.Trim(f, ".,;:()<>[]\"'")
		if i := strings.LastIndexByte(f, ':'); i >= 0 {
			f = f[i+1:] // mailto:
		}
		if addressRE.MatchString(f) && !known[strings.ToLower(f)] {
			t.Errorf("address %s is not accounted for, and the message is not in review (delegates %+v)", f, m.Delegates)
		}
	}
	for _, d := range m.Delegates {
		if d.Name == "" {
			t.Errorf("a delegate without a name, and the message is not in review: %+v", d)
		}
	}
}

// addressRE is an address as a person writes one, alone in a word.
var addressRE = regexp.MustCompile(`(?i)^[a-z0-9][a-z0-9._%+'\-]*@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,}$`)

// TestEveryAddressAccounted runs the property over the shared corpus and the
// project's own test messages.
func TestEveryAddressAccounted(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.eml")
	corpus, _ := filepath.Glob(filepath.Join(mailCorpus, "*", "*.eml"))
	imip, _ := filepath.Glob(filepath.Join(imipCorpus, "*.eml"))
	files = append(append(files, corpus...), imip...)
	if len(corpus) == 0 {
		t.Logf("corpus not found: only testdata")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := inbox.Parse(bytes.NewReader(data), replyTo, inbox.Limits{})
		if err != nil {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) { checkAccounted(t, m) })
	}
}
