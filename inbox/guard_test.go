package inbox

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// The fast paths in front of the regexps must never change an answer: each
// check below compares a fast path with the regexp (or the code) it stands
// for, on lines of the test messages and corpora and on random lines made of
// the pieces the regexps look for.

var filterPieces = []string{
	" ", " ", " ", "  ", "\t", "\n", "\r", "\f", "\v", "-", "--", "-- ", "_", "__________", "*", "=", ">", "> ", ":", "：", ",", ", ", ";", ".", "(", ")", "|", "@", "0", "12", "2020", "/",
	"é", "É", "ó", "à", "ſ", "K", "İ", "\u00a0", "\xff", "в", "写道", "发件人",
	"a", "b", "e", "i", "k", "o", "s", "x", "A", "S", "M", "Mr.", "Ms.", "H.E.", "Sra.", "M.", "the", "la",
	"on", "On", "le", "Le", "el", "am", "dnia", "w dniu", "wrote", "WROTE", "writes", "schrieb", "skrev", "a écrit", "a ecrit", "escribió", "scritto", "napsal", "kirjoitti",
	"From", "from", "De", "Von", "Sent", "To", "Subject", "Objet", "Asunto", "Enviado el", "Envoyé", "Date",
	"Original Message", "Message d'origine", "Mensaje original", "Forwarded message", "Begin forwarded message", "Début du message réexpédié",
	"Sent from my iPhone", "Enviado desde mi", "Get Outlook for", "Best regards", "Cordialement", "Saludos", "Thanks", "Merci", "Dear", "Bonjour", "Estimados",
	"Name", "name", "Nom", "Nombre", "Title", "Titre", "Cargo", "Email", "E-mail", "e mail", "Courriel", "Correo electrónico", "First name", "Last name", "Prénom", "Apellidos",
	"Delegation", "Délégation", "Tel", "Téléphone", "Mr/Ms", "Address", "Adresse", "Función", "qualité",
	"replace", "replaced by", "remplacer", "remplacée par", "sustituir", "reemplazar", "instead of", "à la place de", "au lieu de",
	"no longer", "withdrawn", "withdraw", "cancel", "ne participera plus", "se retire", "annulée", "retirer", "ya no participará", "se ha retirado", "eliminar",
	"will not attend", "won't", "n’t", "unable to", "ne pourra pas", "n’est pas en mesure", "no participará", "no podrá asistir",
	"regret that we will not", "declines the invitation", "is not able to", "could not", "is going to", "NE SERA PAS", "ne fera plus", "n'a pas la possibilité", "WILL", "shall", "by", "with", "par", "por", "con", "will not be represented", "regrette de ne pas pouvoir participer", "ne sera pas représenté", "décliner l'invitation",
	"lamenta no poder participar", "no estará representado", "declinar la invitación", "ſubſtitute", "Kindly",
	"пишет", "ПИШЕ", "пиᲄе", "ᲄ", "написал(а)", "НАПИСАЛ", "写道", "írta", "ÍRTA", "napisał", "NAPISAŁ(A)", "ESCRIBIÓ", "a ÉCRIT", "ſchrieb", "ſkrev", "SKREV",
	"boundary", "BOUNDARY", "Boundary =", "final-recipient:", "FİNAL-RECİPİENT:", "Final-Recipient:",
	"j.smith@x.example", "<a@b.example>", "mailto:x@y.example",
}

func randomFilterLine(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(12); n >= 0; n-- {
		b.WriteString(filterPieces[r.IntN(len(filterPieces))])
	}
	return b.String()
}

// testTexts returns the contents of the test messages and of the corpora's
// messages and texts.
func testTexts(t testing.TB) []string {
	var texts []string
	for _, p := range []string{"testdata/*.eml", "../../shared/corpus/*/*.eml", "../../shared/corpus/*/*/*.txt"} {
		files, _ := filepath.Glob(p)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			texts = append(texts, string(data))
		}
	}
	return texts
}

// filterLines returns the lines of the test messages and corpora, and
// random lines.
func filterLines(t *testing.T) []string {
	var lines []string
	for _, data := range testTexts(t) {
		for l := range strings.SplitSeq(data, "\n") {
			lines = append(lines, l, strings.TrimSpace(l))
		}
	}
	r := rand.New(rand.NewPCG(5, 8))
	for range 10000 {
		lines = append(lines, randomFilterLine(r))
	}
	lines = append(lines, filterPieces...)
	lines = append(lines, sampledLines(r, gatedExprs(), 200)...)
	lines = append(lines, sampledLines(r, labelExprs(), 200)...)
	slices.Sort(lines)
	return slices.Compact(lines)
}

var lineREs = map[string]*lineRE{
	"originalRE": originalRE, "forwardRE": forwardRE, "underRE": underRE, "hdrFromRE": hdrFromRE, "hdrNextRE": hdrNextRE,
	"sentFromRE": sentFromRE, "closingRE": closingRE, "sigDashRE": sigDashRE, "onStartWordRE": onStartWordRE,
	"bulletRE": bulletRE, "honorificRE": honorificRE, "greetingRE": greetingRE, "articleRE": articleRE, "phoneRE": phoneRE,
}

// checkFilters checks every fast path on s.
func checkFilters(t *testing.T, s string) {
	t.Helper()
	for name, l := range lineREs {
		if got, want := l.MatchString(s), l.Regexp.MatchString(s); got != want {
			t.Errorf("%s.MatchString(%q) = %v, the regexp says %v", name, s, got, want)
		}
		if got, want := l.FindStringIndex(s), l.Regexp.FindStringIndex(s); !slices.Equal(got, want) {
			t.Errorf("%s.FindStringIndex(%q) = %v, the regexp says %v", name, s, got, want)
		}
	}
	for i, re := range labelREs {
		if re.MatchString(s) && !labelStart.may(s) {
			t.Errorf("label %d matches %q, which labelStart rejects", i, s)
		}
		if re.MatchString(s) && !labelFilters[i]().may(s) {
			t.Errorf("label %d matches %q, which labelFilters[%d] rejects", i, s, i)
		}
	}
	mask := keywordMask(s)
	if want := keywordMaskSlow(s); mask != want {
		t.Errorf("keywordMask(%q) = %x, want %x", s, mask, want)
	}
	for _, list := range [][]gatedRE{replaceREs, withdrawREs, notAttendREs, declineREs} {
		for _, re := range list {
			if !re.may(mask) && re.MatchString(s) {
				t.Errorf("%s matches %q without its keywords", re, s)
			}
			if !re.mayMatch(s) && re.MatchString(s) {
				t.Errorf("%s matches %q, which its filter rejects", re, s)
			}
			if got, want := re.find(s, mask), re.FindStringSubmatch(s); !slices.Equal(got, want) {
				t.Errorf("%s: find(%q) = %q, the regexp says %q", re, s, got, want)
			}
		}
	}
	if wroteRE.MatchString(s) && !mayWrote(s) {
		t.Errorf("wroteRE matches %q, which mayWrote rejects", s)
	}
	if !strings.ContainsAny(s, "@0123456789") {
		if got, want := onStartWordRE.MatchString(s) || startsWithComma(s), onStartRE.MatchString(s); got != want {
			t.Errorf("onStartRE on %q: %v, split %v", s, want, got)
		}
	}
	if got, want := hasSpaceRun(s), multiSpaceRE.MatchString(s); got != want {
		t.Errorf("hasSpaceRun(%q) = %v, multiSpaceRE says %v", s, got, want)
	}
	if !hasSpaceRun(s) {
		if got, want := []string{s}, multiSpaceRE.Split(s, -1); !slices.Equal(got, want) {
			t.Errorf("multiSpaceRE.Split(%q) = %q", s, want)
		}
	}
	if colons := strings.Count(s, ":") + strings.Count(s, "："); colons < 2 && len(inlineLabelRE.FindAllStringIndex(s, -1)) >= 2 {
		t.Errorf("inlineLabelRE matches %q twice with fewer than two colons", s)
	}
	if got, want := containsLower(s, "final-recipient:"), strings.Contains(strings.ToLower(s), "final-recipient:"); got != want {
		t.Errorf("containsLower(%q) = %v, want %v", s, got, want)
	}
	if got, want := indexFoldASCII([]byte(s), "boundary"), bytes.Index(asciiLower([]byte(s)), []byte("boundary")); got != want {
		t.Errorf("indexFoldASCII(%q, boundary) = %d, want %d", s, got, want)
	}
	if got, want := normalizeText(s), normalizeTextSlow(s); got != want {
		t.Errorf("normalizeText(%q) = %q, want %q", s, got, want)
	}
	if cells := splitCells(s); len(cells) > 1 && !mayHaveCells(s) {
		t.Errorf("splitCells(%q) = %q, which mayHaveCells rejects", s, cells)
	}
	if got, want := hasCellSep(s), strings.ContainsAny(s, "|\t"); got != want {
		t.Errorf("hasCellSep(%q) = %v", s, got)
	}
	if s != "" {
		if got, want := endsSentence(s[len(s)-1]), sentenceEndRE.MatchString(s); got != want {
			t.Errorf("endsSentence(%q) = %v", s, got)
		}
	}
}

// the code the fast paths replaced
var sentenceEndRE = regexp.MustCompile(`[.:;!?)]$`)

// keywordMaskSlow folds s (U+017F to s, U+212A to k, other runes beyond
// ASCII to NUL) and looks for every keyword at every byte.
func keywordMaskSlow(s string) uint64 {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteByte(byte(r))
		case r == '\u017f':
			b.WriteByte('s')
		case r == '\u212a':
			b.WriteByte('k')
		default:
			b.WriteByte(0)
		}
	}
	low := strings.ToLower(b.String()) // ASCII only: ToLower keeps the bytes where they are
	var mask uint64
	for k, w := range keywords {
		if strings.Contains(low, w) {
			mask |= 1 << k
		}
	}
	return mask
}

func asciiLower(b []byte) []byte {
	out := bytes.Clone(b)
	for i, c := range out {
		if 'A' <= c && c <= 'Z' {
			out[i] = c + 'a' - 'A'
		}
	}
	return out
}

func normalizeTextSlow(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		switch r {
		case '\u00a0', '\u2007', '\u202f', '\u2009', '\u200a', '\u2002', '\u2003', '\u3000', '\v', '\f':
			return ' '
		case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u200e', '\u200f':
			return -1
		case '\u2028', '\u2029':
			return '\n'
		}
		if r < 0x20 && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, s)
}

func TestFastPathsAgree(t *testing.T) {
	lines := filterLines(t)
	if testing.Short() {
		lines = lines[:min(len(lines), 5000)]
	}
	step := 1
	if raceBuild {
		step = 10
		t.Logf("under -race: every %dth of %d lines (.ci/run checks them all without -race)", step, len(lines))
	}
	for i := 0; i < len(lines); i += step {
		s := lines[i]
		checkFilters(t, s)
		if t.Failed() {
			return
		}
	}
}

// FuzzFastPaths checks the fast paths against their regexps on any line.
func FuzzFastPaths(f *testing.F) {
	for _, p := range filterPieces {
		f.Add(p)
	}
	r := rand.New(rand.NewPCG(1, 1))
	for range 200 {
		f.Add(randomFilterLine(r))
	}
	for _, s := range sampledLines(r, gatedExprs(), 10) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4096 || !utf8.ValidString(s) && len(s) > 512 {
			return
		}
		checkFilters(t, s)
	})
}
