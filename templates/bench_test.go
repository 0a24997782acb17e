package templates_test

import (
	"testing"

	"convene/meeting"
	"convene/templates"
)

func BenchmarkRenderInvitation(b *testing.B) {
	set, err := templates.Load("")
	if err != nil {
		b.Fatal(err)
	}
	m, cs := example(b)
	d := goldenData(b, m, cs, templates.Invitation, meeting.FR)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := set.Render(templates.Invitation, meeting.FR, d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := templates.Load(""); err != nil {
			b.Fatal(err)
		}
	}
}
