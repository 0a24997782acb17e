package inbox

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// readXLSX reads the delegation lists of an Office Open XML workbook: each
// visible sheet is a table (tableRegistration). Sheets without an e-mail
// address are not lists (instructions, a cover page) and are skipped. At
// most maxSheets sheets and about maxRows rows of each are read; the zip
// is not unpacked beyond maxUnzipped bytes, and never to disk.
func readXLSX(data []byte, maxRows int) (Registration, string) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxUnzipped,
	})
	if err != nil {
		if errors.Is(err, excelize.ErrWorkbookPassword) {
			return Registration{}, "a workbook protected by a password, not read"
		}
		return Registration{}, fmt.Sprintf("not a readable .xlsx workbook (%v)", err)
	}
	defer f.Close()
	var reg Registration
	for i, sheet := range f.GetSheetList() {
		if i >= maxSheets {
			reg.Problems = append(reg.Problems, fmt.Sprintf("more than %d sheets: the rest was not read", maxSheets))
			break
		}
		if visible, err := f.GetSheetVisible(sheet); err == nil && !visible {
			continue // the lists behind drop-down menus, usually
		}
		rows, truncated, err := sheetRows(f, sheet, maxRows)
		if err != nil {
			reg.Problems = append(reg.Problems, fmt.Sprintf("sheet %q could not be read (%v)", sheet, err))
			continue
		}
		if !rowsHaveAddress(rows) {
			continue
		}
		sr := tableRegistration(rows, maxRows)
		for k, pr := range sr.Problems {
			sr.Problems[k] = fmt.Sprintf("sheet %q: %s", sheet, pr)
		}
		if truncated {
			sr.Problems = append(sr.Problems, fmt.Sprintf("sheet %q: more than %d rows: the rest was not read", sheet, maxRows))
		}
		mergeRegistration(&reg, sr)
	}
	reg.Delegates = dedupeDelegates(reg.Delegates)
	return reg, ""
}

// sheetRows returns the rows of a sheet, empty rows dropped, at most
// maxRows+10 of them (a title and a header above the list). It stops after
// a bounded number of rows, empty or not.
func sheetRows(f *excelize.File, sheet string, maxRows int) (out [][]string, truncated bool, err error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for n := 0; rows.Next(); n++ {
		if n >= 4*maxRows+100 || len(out) >= maxRows+10 {
			return out, true, nil
		}
		cols, err := rows.Columns()
		if err != nil {
			return out, false, err
		}
		if len(nonEmpty(cols)) > 0 {
			out = append(out, cols)
		}
	}
	return out, false, rows.Error()
}

func rowsHaveAddress(rows [][]string) bool {
	for _, r := range rows {
		for _, c := range r {
			if emailRE.MatchString(c) {
				return true
			}
		}
	}
	return false
}
