package inbox

import (
	"math/rand/v2"
	"testing"
)

// mayStartOn is a necessary condition of onStartRE: checked on the lines of
// the corpus and testdata, and on random lines.
func TestMayStartOn(t *testing.T) {
	lines := filterLines(t)
	r := rand.New(rand.NewPCG(2, 2))
	for range 5000 {
		lines = append(lines, randomFilterLine(r))
	}
	for _, s := range lines {
		if onStartRE.MatchString(s) && !mayStartOn(s) {
			t.Errorf("onStartRE matches %q, which mayStartOn rejects", s)
		}
	}
}

func FuzzMayStartOn(f *testing.F) {
	for _, p := range filterPieces {
		f.Add(p)
	}
	f.Add(" 12/06/2020 à 10:00, x a écrit :")
	f.Add("jane@example.org wrote:")
	f.Add("Roe, Jane wrote:")
	f.Fuzz(func(t *testing.T, s string) {
		if onStartRE.MatchString(s) && !mayStartOn(s) {
			t.Fatalf("onStartRE matches %q, which mayStartOn rejects", s)
		}
	})
}
