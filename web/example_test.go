package web_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"convene/meeting"
	"convene/web"
)

func ExampleWriteRegistrationsCSV() {
	rows := []web.RegistrationRow{{
		Mission: "Permanent Mission of Arcadia", Category: meeting.StateParty, Language: meeting.EN,
		Name: "Ada Lovelace", Title: "Ambassador, Permanent Representative", Email: "ada@arcadia-mfa.example",
		RegisteredAt: time.Date(2020, 6, 1, 9, 2, 0, 0, time.UTC),
	}}
	var b strings.Builder
	if err := web.WriteRegistrationsCSV(&b, rows); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	// Drop the byte order mark and the CRs for the example's output.
	fmt.Print(strings.ReplaceAll(strings.TrimPrefix(b.String(), "\uFEFF"), "\r", ""))
	// Output:
	// Mission,Category,Language,Delegate,Title,Email,Registered at
	// Permanent Mission of Arcadia,state-party,en,Ada Lovelace,"Ambassador, Permanent Representative",ada@arcadia-mfa.example,2020-06-01 09:02:00 +00:00
}

// The command serves the dashboard on loopback without a token, or on any
// other address with one (New refuses a non-loopback address without it).
func ExampleNew() {
	var src web.Source // the command's store-backed implementation
	h, err := web.New(src, web.Options{Addr: "0.0.0.0:8080", Token: os.Getenv("CONVENE_DASHBOARD_TOKEN")})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &http.Server{Addr: "0.0.0.0:8080", Handler: h, ReadHeaderTimeout: 10 * time.Second}
	_ = srv // srv.ListenAndServe() in the command
}
