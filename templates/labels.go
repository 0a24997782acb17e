package templates

import "convene/meeting"

// Labels are the labels of the reply form, one line per field and delegate:
// "Delegation:", "Name:", "Title / function:", "Email:". The form writes each
// label followed directly by a colon, in every language.
type Labels struct{ Delegation, Name, Title, Email string }

// FormLabels holds the reply form labels per language, for the inbox parser.
var FormLabels = map[meeting.Lang]Labels{
	meeting.EN: {Delegation: "Delegation", Name: "Name", Title: "Title / function", Email: "Email"},
	meeting.FR: {Delegation: "Délégation", Name: "Nom", Title: "Titre ou fonction", Email: "Courriel"},
	meeting.ES: {Delegation: "Delegación", Name: "Nombre", Title: "Cargo", Email: "Correo electrónico"},
}

// FormSlots is how many blank delegate blocks the reply form offers.
const FormSlots = 3
