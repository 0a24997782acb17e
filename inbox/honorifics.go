package inbox

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// honorifics are the forms of address written before (or, in brackets,
// after) a name in English, French, Spanish and German. They are taken out
// of names, never out of titles. Matching ignores case and a final full
// stop; a form of several words is listed as such.
var honorifics = []string{
	// excellencies
	"H.E.", "HE", "His Excellency", "Her Excellency", "Their Excellencies",
	"S.E.", "Son Excellence", "Su Excelencia", "Excmo.", "Excma.", "Excmo. Sr.", "Excma. Sra.",
	"Excelentísimo", "Excelentísima", "Excelentísimo Señor", "Excelentísima Señora",
	"Amb.", "H.H.", "Hon.", "The Honourable", "The Honorable", "The Hon.",
	// English
	"Mr.", "Mrs.", "Ms.", "Miss", "Mx.", "Messrs.", "Dr.", "Prof.", "Professor",
	// French
	"M.", "MM.", "Mme", "Mmes", "Mlle", "Mlles", "Monsieur", "Madame", "Mademoiselle", "Me", "Pr", "Dre",
	// Spanish
	"Sr.", "Sra.", "Srta.", "Sres.", "Sras.", "Señor", "Señora", "Señorita", "D.", "Dña.", "Dª", "Don", "Doña",
	"Dra.", "Lic.", "Licda.", "Licdo.", "Lcdo.", "Lcda.", "Mtro.", "Mtra.", "Ing.", "Arq.",
	// German (Austrian and Swiss missions write these)
	"Herr", "Frau", "Mag.", "Dipl.-Ing.", "DI", "Dr.in", "Univ.-Prof.",
}

// ranks are military and diplomatic ranks that may be written before a
// name ("Colonel Jean Martin", "Consejero Juan Pérez"): they are not part of
// the name, but they are the person's rank, so they go to the title.
var ranks = []string{
	"Ambassador", "Ambassadeur", "Ambassadrice", "Embajador", "Embajadora",
	"Minister Counsellor", "Minister-Counsellor", "Ministre Conseiller", "Ministre-Conseiller",
	"Ministro Consejero", "Ministra Consejera", "Counsellor", "Conseiller", "Conseillère", "Consejero", "Consejera",
	"General", "Général", "Brigadier General", "Major General", "Lieutenant General",
	"Colonel", "Col.", "Lieutenant Colonel", "Lt. Col.", "Lt Col", "Lieutenant-Colonel", "Lieutenant-colonel",
	"Major", "Commandant", "Captain", "Capt.", "Capitaine", "Commander", "Cdr.", "Lieutenant", "Lt.",
	"Coronel", "Teniente Coronel", "Capitán", "Capitán de Navío", "Capitán de Fragata", "Comandante", "Teniente",
	"Admiral", "Amiral", "Almirante", "Rear Admiral", "Vice Admiral",
}

// formsByWords holds the honorifics and ranks by their number of words,
// longest first, each word folded by foldForm.
type form struct {
	words []string
	rank  bool
	text  string
}

var forms = func() []form {
	var out []form
	add := func(list []string, rank bool) {
		for _, h := range list {
			var ws []string
			for _, w := range strings.Fields(h) {
				ws = append(ws, foldForm(w))
			}
			out = append(out, form{words: ws, rank: rank, text: h})
		}
	}
	add(honorifics, false)
	add(ranks, true)
	// longest first, so that "Excmo. Sr." wins over "Excmo."
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j].words) > len(out[j-1].words); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}()

// foldForm lowers w and drops a final full stop or comma.
func foldForm(w string) string {
	return strings.ToLower(strings.TrimRight(w, ".,"))
}

// splitHonorifics takes the forms of address out of a name: those before it
// ("H.E. Mr. John Smith", "S.E. M. Mamadou Lamine Ndiaye", "Excma. Sra.
// Dña. Ana Ruiz"), and one in brackets after it ("Jane DOE (Ms.)"). A rank
// before the name is returned apart ("Colonel Jean Martin" gives "Jean
// Martin" and "Colonel"). A family name written first in capitals
// ("NDIAYE Mamadou Lamine") is put last. What is left when the name is only
// forms of address is returned as it was.
func splitHonorifics(name string) (clean, rank string) {
	name = collapseSpaces(name)
	if name == "" {
		return "", ""
	}
	// "(Ms.)" or ", Ms." after the name
	if i := strings.LastIndexByte(name, '('); i > 0 && strings.HasSuffix(name, ")") && isForms(name[i+1:len(name)-1]) {
		name = strings.TrimSpace(name[:i])
	}
	fields := strings.Fields(name)
	var ranksFound []string
	for len(fields) > 1 {
		n, f := matchForm(fields)
		if n == 0 || n >= len(fields) {
			break
		}
		if f.rank {
			ranksFound = append(ranksFound, strings.Join(fields[:n], " "))
		}
		fields = fields[n:]
	}
	if len(fields) == 0 {
		return name, ""
	}
	// a trailing form after a comma: "Jane Doe, Ms."
	if n := len(fields); n > 2 {
		if last := fields[n-1]; isForms(last) && strings.HasSuffix(fields[n-2], ",") {
			fields = fields[:n-1]
			fields[n-2] = strings.TrimSuffix(fields[n-2], ",")
		}
	}
	fields = familyNameLast(fields)
	return strings.Join(fields, " "), strings.Join(ranksFound, " ")
}

// matchForm returns how many of the first fields make a form of address or
// a rank, and which.
func matchForm(fields []string) (int, form) {
	for _, f := range forms {
		if len(f.words) > len(fields) {
			continue
		}
		ok := true
		for k, w := range f.words {
			if !strings.EqualFold(strings.TrimRight(fields[k], ".,"), w) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		// a one-letter form ("M.", "D.") must be written with its full
		// stop: "M Ndiaye" could be an initial
		last := fields[len(f.words)-1]
		if utf8.RuneCountInString(strings.TrimRight(last, ".,")) == 1 && !strings.HasSuffix(last, ".") {
			continue
		}
		// a form written in capitals that is also a word of a name ("DON",
		// "ME", "HE") is not one, but "MR." and "H.E." are
		if (f.text == "Don" || f.text == "Me" || f.text == "HE" || f.text == "DI" || f.text == "Pr") && fields[0] != f.text {
			continue
		}
		return len(f.words), f
	}
	return 0, form{}
}

// isForms reports whether s is only forms of address ("Ms.", "H.E. Mr.").
func isForms(s string) bool {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return false
	}
	for len(fields) > 0 {
		n, f := matchForm(fields)
		if n == 0 || f.rank {
			return false
		}
		fields = fields[n:]
	}
	return true
}

// familyNameLast puts a family name written first in capitals at the end:
// "NDIAYE Mamadou Lamine" gives "Mamadou Lamine NDIAYE", "GARCÍA LÓPEZ
// María" gives "María GARCÍA LÓPEZ". A name all in capitals, or with its
// capitals last ("Claire MARTIN"), is left as written.
func familyNameLast(fields []string) []string {
	caps := 0
	for caps < len(fields) && isUpperWord(fields[caps]) {
		caps++
	}
	if caps == 0 || caps == len(fields) {
		return fields
	}
	for _, w := range fields[caps:] {
		if isUpperWord(w) {
			return fields // capitals on both sides: not a family name first
		}
	}
	out := make([]string, 0, len(fields))
	out = append(out, fields[caps:]...)
	return append(out, fields[:caps]...)
}

// isUpperWord reports whether w is a word of two letters or more in
// capitals ("NDIAYE", "O'NEILL", "GARCÍA-LÓPEZ").
func isUpperWord(w string) bool {
	letters := 0
	for _, r := range w {
		switch {
		case unicode.IsLetter(r):
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		case r == '-' || r == '\'' || r == '’':
		default:
			return false
		}
	}
	return letters >= 2
}
