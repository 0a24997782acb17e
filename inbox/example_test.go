package inbox_test

import (
	"fmt"
	"strings"

	"convene/inbox"
)

func ExampleParse() {
	raw := "From: Jane Roe <jane.roe@arcadia-mfa.example>\r\n" +
		"To: registrations+k7qmzt4x@isu.example\r\n" +
		"Subject: RE: invitation [REF k7qmzt4x]\r\n\r\n" +
		"Name: Ms. Jane Roe\r\nTitle: First Secretary\r\nEmail: jane.roe@arcadia-mfa.example\r\n\r\n" +
		"From: ISU <registrations+k7qmzt4x@isu.example>\r\nSent: Monday\r\n\r\nName:\r\nEmail:\r\n"
	m, err := inbox.Parse(strings.NewReader(raw), "registrations@isu.example", inbox.Limits{})
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Kind, m.Token, m.From)
	for _, d := range m.Delegates {
		fmt.Printf("%s | %s | %s\n", d.Name, d.Title, d.Email)
	}
	// Output:
	// registration k7qmzt4x jane.roe@arcadia-mfa.example
	// Jane Roe | First Secretary | jane.roe@arcadia-mfa.example
}

func ExampleParseRegistration() {
	r := inbox.ParseRegistration("H.E. Mr. John Smith, Ambassador, j.smith@arcadia-mfa.example; DOE, Jane (Ms.), Counsellor, jane.doe@arcadia-mfa.example\n" +
		"Mr. Paul Green will no longer attend.")
	for _, d := range r.Delegates {
		fmt.Printf("%s | %s | %s\n", d.Name, d.Title, d.Email)
	}
	fmt.Println("withdrawn:", r.Withdrawn)
	// Output:
	// John Smith | Ambassador | j.smith@arcadia-mfa.example
	// Jane DOE | Counsellor | jane.doe@arcadia-mfa.example
	// withdrawn: [Paul Green]
}
