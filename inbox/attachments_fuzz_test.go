package inbox_test

import (
	"strings"
	"testing"
	"time"

	"convene/inbox"
	"convene/meeting"
)

// fuzzAttachment checks the invariants of an attachment reader on any
// input: it never panics (readAttachment recovers, but a recovered panic
// is a bug too), it reads at most maxRows rows of a table, every delegate
// it returns has a name or an address, and it returns in bounded time.
func fuzzAttachment(f *testing.F, name string) {
	const maxRows = 20
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return
		}
		type result struct {
			ds       []meeting.Delegate
			problems []string
			why      string
		}
		done := make(chan result, 1)
		go func() {
			ds, problems, why := inbox.ReadAttachment(name, data, maxRows)
			done <- result{ds, problems, why}
		}()
		var r result
		if fuzzing() {
			// a hang is a failure the fuzzer must record
			select {
			case r = <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("reading %d bytes takes more than 5s", len(data))
			}
		} else {
			r = <-done
		}
		ds, problems, why := r.ds, r.problems, r.why
		if strings.Contains(why, "internal error") {
			t.Fatalf("the reader panicked: %s", why)
		}
		if why != "" && len(ds) > 0 {
			t.Errorf("not read (%s) but %d delegates", why, len(ds))
		}
		// a sheet or table gives at most maxRows delegates each, and a
		// workbook at most 10 sheets
		if len(ds) > 10*maxRows+maxRows {
			t.Errorf("%d delegates from one attachment, want at most %d", len(ds), 11*maxRows)
		}
		for _, d := range ds {
			if d.Name == "" && d.Email == "" {
				t.Errorf("an empty delegate (problems %q)", problems)
			}
		}
	})
}

// FuzzXLSX fuzzes the workbook reader, seeded with workbooks excelize wrote.
func FuzzXLSX(f *testing.F) {
	f.Add(xlsxFile(f, sheet{"Délégation", [][]string{{"Délégation"}, {"Nom", "Fonction", "Courriel"}, {"M. A B", "Conseiller", "a@b.example"}}}))
	f.Add(xlsxFile(f, sheet{"S", [][]string{{"Ms. Jane Roe", "First Secretary", "jane@x.example"}}}, sheet{"hidden:L", [][]string{{"x@y.example"}}}))
	f.Add([]byte("PK\x03\x04"))
	fuzzAttachment(f, "list.xlsx")
}

// FuzzDOCX fuzzes the Word reader, seeded with documents as Word writes them.
func FuzzDOCX(f *testing.F) {
	f.Add(docxFile(f, "Liste :", [][]string{{"Nom", "Fonction", "Courriel"}, {"M. A B", "Conseiller", "a@b.example"}}, "Sr. C D, Consejero, c@d.example"))
	f.Add(docxFile(f, "Ms. Jane Roe\tFirst Secretary\tjane@x.example"))
	f.Add([]byte("PK\x03\x04"))
	fuzzAttachment(f, "nv.docx")
}

// FuzzPDF fuzzes the PDF text reader.
func FuzzPDF(f *testing.F) {
	f.Add(pdfFile(pdfLine{72, 700, "Name"}, pdfLine{250, 700, "Email"}, pdfLine{72, 686, "Ms. Ana Perez"}, pdfLine{250, 686, "a@b.example"}))
	f.Add(scanPDF())
	fuzzAttachment(f, "nv.pdf")
}
