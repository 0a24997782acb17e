package web_test

import (
	"bytes"
	"encoding/csv"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"convene/web"
)

func TestRegistrationsCSV(t *testing.T) {
	h := newHandler(t, &fakeSource{}, web.Options{})
	res, body := get(t, h, httptest.NewRequest("GET", "/export/registrations.csv", nil))
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="registrations.csv"`) {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if !strings.HasPrefix(body, "\xEF\xBB\xBFMission,Category,") {
		t.Fatalf("no BOM and header: %q", body[:min(len(body), 40)])
	}
	if !strings.Contains(body, "\r\n") {
		t.Error("lines do not end in CRLF")
	}
	var direct bytes.Buffer
	if err := web.WriteRegistrationsCSV(&direct, registrationRows); err != nil {
		t.Fatal(err)
	}
	if direct.String() != body {
		t.Error("WriteRegistrationsCSV and the handler differ")
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	want := [][]string{
		{"Mission", "Category", "Language", "Delegate", "Title", "Email", "Registered at"},
		{"Permanent Mission of Arcadia", "state-party", "en", "Ada Lovelace", "Ambassador, Permanent Representative", "ada@arcadia-mfa.example", "2020-06-01 11:02:00 +02:00"},
		{"Permanent Mission of Borduria", "state-party", "fr", `'=HYPERLINK("http://evil.example","x")`, "'+33 1", "'@sum@borduria.example", "2020-06-02 08:15:00 +02:00"},
		{`Misión "Freedonia"`, "state-party", "es", "José Núñez", "'-Consejero\nsegundo", "jose@freedonia.example", ""},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d: %q", len(recs), len(want), recs)
	}
	for i := range want {
		for j := range want[i] {
			if recs[i][j] != want[i][j] {
				t.Errorf("record %d field %d = %q, want %q", i, j, recs[i][j], want[i][j])
			}
		}
	}
}

func TestRegistrationsCSVEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := web.WriteRegistrationsCSV(&b, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "\uFEFFMission,Category,Language,Delegate,Title,Email,Registered at\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRegistrationsXLSX(t *testing.T) {
	h := newHandler(t, &fakeSource{}, web.Options{})
	res, body := get(t, h, httptest.NewRequest("GET", "/export/registrations.xlsx", nil))
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("Content-Type = %q", ct)
	}
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); len(sheets) != 1 || sheets[0] != "Registrations" {
		t.Errorf("sheets = %q", sheets)
	}
	cells := map[string]string{
		"A1": "Mission", "G1": "Registered at",
		"A2": "Permanent Mission of Arcadia", "E2": "Ambassador, Permanent Representative", "F2": "ada@arcadia-mfa.example",
		"G2": "2020-06-01 11:02",
		// Text cells are never formulas, so nothing needs a quote.
		"D3": `=HYPERLINK("http://evil.example","x")`, "E3": "+33 1",
		"A4": `Misión "Freedonia"`, "D4": "José Núñez", "E4": "-Consejero\nsegundo", "G4": "",
	}
	for cell, want := range cells {
		got, err := f.GetCellValue("Registrations", cell)
		if err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", cell, got, err, want)
		}
	}
	if formula, _ := f.GetCellFormula("Registrations", "D3"); formula != "" {
		t.Errorf("D3 holds formula %q", formula)
	}
	rows, err := f.GetRows("Registrations")
	if err != nil || len(rows) != 1+len(registrationRows) {
		t.Errorf("%d rows, %v; want %d", len(rows), err, 1+len(registrationRows))
	}
	typ, _ := f.GetCellType("Registrations", "G2")
	if typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("G2 is text, want a date")
	}
}

// The meeting's fields (registration.fields) are columns after the others,
// guarded against formulas like every text cell, in both exports.
func TestRegistrationsExportFields(t *testing.T) {
	rows := []web.RegistrationRow{
		{Mission: "Permanent Mission of Arcadia", Name: "Ada Lovelace", Email: "ada@arcadia-mfa.example",
			Fields: []web.FieldValue{{Label: "Participation", Value: "In person"}, {Label: "Badge", Value: "=1+1"}}},
		{Mission: "Permanent Mission of Arcadia", Name: "Blaise Pascal", Email: "blaise@arcadia-mfa.example",
			Fields: []web.FieldValue{{Label: "Participation", Value: ""}, {Label: "Badge", Value: "b"}}},
	}
	var b bytes.Buffer
	if err := web.WriteRegistrationsCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0][6:], "|"); got != "Registered at|Participation|Badge" {
		t.Errorf("header ends %q", got)
	}
	if got := strings.Join(recs[1][7:], "|") + " " + strings.Join(recs[2][7:], "|"); got != "In person|'=1+1 |b" {
		t.Errorf("field cells %q", got)
	}
	var x bytes.Buffer
	if err := web.WriteRegistrationsXLSX(&x, rows); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := f.GetRows("Registrations")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || len(got[0]) != 9 || got[0][7] != "Participation" || got[1][7] != "In person" || got[1][8] != "=1+1" {
		t.Errorf("xlsx rows %q", got)
	}
	if formula, _ := f.GetCellFormula("Registrations", "I2"); formula != "" {
		t.Errorf("I2 is a formula: %q", formula)
	}
}

// The delegates page and a mission's page show each answered field under
// the delegate's name, escaped; an unanswered one is not shown.
func TestPagesShowFields(t *testing.T) {
	h := newHandler(t, &fakeSource{}, web.Options{})
	_, body := get(t, h, httptest.NewRequest("GET", "/delegates", nil))
	if !strings.Contains(body, `<small class="field">Participation: Online &lt;remote&gt;</small>`) {
		t.Errorf("delegates page lacks the field:\n%s", body)
	}
	_, body = get(t, h, httptest.NewRequest("GET", "/missions/Permanent%20Mission%20of%20Arcadia", nil))
	if !strings.Contains(body, `<small class="field">Participation: In person</small>`) || strings.Contains(body, "Dietary") {
		t.Errorf("mission page fields:\n%s", body)
	}
}
