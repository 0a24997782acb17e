package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// registrationHeader is the first row of both exports.
var registrationHeader = []string{"Mission", "Category", "Language", "Delegate", "Title", "Email", "Registered at"}

// csvTime is how the CSV writes times: the row's own wall clock and offset.
const csvTime = "2006-01-02 15:04:05 -07:00"

// WriteRegistrationsCSV writes rows as CSV for spreadsheets: a UTF-8 byte
// order mark (so Excel reads UTF-8), a header row, CRLF line ends. Cells
// that a spreadsheet would run as a formula (starting with = + - @, a tab or
// a carriage return) are prefixed with a single quote.
func WriteRegistrationsCSV(w io.Writer, rows []RegistrationRow) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(exportHeader(rows)); err != nil {
		return err
	}
	for _, r := range rows {
		at := ""
		if !r.RegisteredAt.IsZero() {
			at = r.RegisteredAt.Format(csvTime)
		}
		rec := []string{r.Mission, string(r.Category), string(r.Language), r.Name, r.Title, r.Email, at}
		for _, f := range r.Fields {
			rec = append(rec, f.Value)
		}
		for i := range rec {
			if i != 6 {
				rec[i] = guardFormula(rec[i])
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// exportHeader is registrationHeader, then the label of each of the
// meeting's fields (as the rows carry them).
func exportHeader(rows []RegistrationRow) []string {
	h := append([]string(nil), registrationHeader...)
	if len(rows) > 0 {
		for _, f := range rows[0].Fields {
			h = append(h, f.Label)
		}
	}
	return h
}

// guardFormula defuses a cell a spreadsheet would evaluate (OWASP's CSV
// injection advice).
func guardFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteRegistrationsXLSX writes rows as one "Registrations" sheet: a bold,
// frozen header row, text cells (never formulas) and real date-time cells
// holding each row's wall clock.
func WriteRegistrationsXLSX(w io.Writer, rows []RegistrationRow) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("xlsx: close: %w", cerr)
		}
	}()
	const sheet = "Registrations"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	datetime := "yyyy-mm-dd hh:mm"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &datetime})
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	for i, width := range []float64{32, 16, 9, 28, 32, 32, 18} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	head := exportHeader(rows)
	for i := len(registrationHeader); i < len(head); i++ {
		if err := sw.SetColWidth(i+1, i+1, 18); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	header := make([]any, len(head))
	for i, h := range head {
		header[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	for i, r := range rows {
		var at any = ""
		if !r.RegisteredAt.IsZero() {
			at = excelize.Cell{StyleID: dateStyle, Value: wallClock(r.RegisteredAt)}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		row := []any{r.Mission, string(r.Category), string(r.Language), r.Name, r.Title, r.Email, at}
		for _, f := range r.Fields {
			row = append(row, f.Value)
		}
		if err := sw.SetRow(cell, row); err != nil {
			return fmt.Errorf("xlsx: row %d: %w", i+2, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

// wallClock keeps t's local date and time but moves it to UTC: excelize
// converts times from UTC, and a spreadsheet cell has no zone.
func wallClock(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}

func (s *server) exportCSV(w http.ResponseWriter, r *http.Request) {
	rows, err := s.src.Registrations(r.Context())
	if err != nil {
		s.fail(w, r, "the registrations", err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="registrations.csv"`)
	if err := WriteRegistrationsCSV(w, rows); err != nil {
		s.log.Error("export csv", "err", err)
	}
}

func (s *server) exportXLSX(w http.ResponseWriter, r *http.Request) {
	rows, err := s.src.Registrations(r.Context())
	if err != nil {
		s.fail(w, r, "the registrations", err)
		return
	}
	var buf bytes.Buffer
	if err := WriteRegistrationsXLSX(&buf, rows); err != nil {
		s.fail(w, r, "the registrations", err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="registrations.xlsx"`)
	w.Write(buf.Bytes())
}
