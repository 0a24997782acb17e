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
