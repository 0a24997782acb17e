package templates_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"convene/meeting"
	"convene/templates"
)

func ExampleSet_Render() {
	dir, _ := os.MkdirTemp("", "convene-example")
	defer os.RemoveAll(dir)
	if err := meeting.WriteExample(dir); err != nil {
		panic(err)
	}
	m, contacts, err := meeting.Load(filepath.Join(dir, "meeting.yaml"))
	if err != nil {
		panic(err)
	}
	set, err := templates.Load("") // or the directory of the user's overrides, m.Templates
	if err != nil {
		panic(err)
	}
	c, _ := contacts.ByName("Permanent Mission of Freedonia")
	token := "k7m2q4x3ab"
	msg, err := set.Render(templates.Invitation, c.Language, templates.Data{
		Meeting: m, Contact: c, Token: token,
		ReplyTo: meeting.ReplyAddress(m.Sender.ReplyTo, token),
		Now:     time.Date(2020, 5, 26, 9, 0, 0, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(msg.Subject)
	// Output: Invitación a inscribirse: Reuniones entre periodos de sesiones 2020 de la Convención sobre la prohibición de minas antipersonal [REF k7m2q4x3ab]
}
