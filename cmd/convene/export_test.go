package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"convene/meeting"
	"convene/store"
)

// registerExample registers three delegates for two missions and withdraws one.
func registerExample(t *testing.T, db *store.DB) {
	t.Helper()
	err := db.Update(t.Context(), func(tx *store.Tx) error {
		src := store.Source{Actor: "test"}
		if _, err := tx.RegisterDelegates("Permanent Mission of Arcadia", []meeting.Delegate{
			{Name: "A. One", Title: "Counsellor", Email: "one@arcadia-mfa.example"}, {Name: "B. Two", Email: "two@arcadia-mfa.example"}}, src); err != nil {
			return err
		}
		if _, err := tx.RegisterDelegates("Permanent Mission of Borduria", []meeting.Delegate{
			{Name: "=Élise Trois", Title: "Première secrétaire", Email: "trois@borduria.example"}}, src); err != nil {
			return err
		}
		_, err := tx.WithdrawDelegates("Permanent Mission of Arcadia", []string{"two@arcadia-mfa.example"}, src)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestExportRegistrations(t *testing.T) {
	t.Parallel()
	cfg := sendMeeting(t, nil)
	m, _ := loadExample(t, cfg)

	// No store: the header alone, and no store created.
	code, out, errs := runIn(t, "", "export", "registrations", "-c", cfg)
	if code != exitOK || strings.Count(out, "\r\n") != 1 || !strings.Contains(errs, "does not exist yet") {
		t.Fatalf("export without a store: exit %d\n%q\n%s", code, out, errs)
	}
	if _, err := os.Stat(m.Store); err == nil {
		t.Fatal("export created the store")
	}

	registerExample(t, openStore(t, m))
	code, out, errs = runIn(t, "", "export", "registrations", "-c", cfg, "--format", "csv")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.HasPrefix(out, "\uFEFF") {
		t.Errorf("CSV without a byte order mark: %q", out[:min(len(out), 20)])
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("%d records, want the header and one per active delegate (2):\n%s", len(recs), out)
	}
	want := [][]string{
		{"Permanent Mission of Arcadia", "state-party", "en", "A. One", "Counsellor", "one@arcadia-mfa.example"},
		{"Permanent Mission of Borduria", "state-party", "fr", "'=Élise Trois", "Première secrétaire", "trois@borduria.example"},
	}
	for i, w := range want {
		got := recs[i+1]
		if strings.Join(got[:6], "|") != strings.Join(w, "|") || !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$`).MatchString(got[6]) {
			t.Errorf("row %d = %q, want %q and a time", i+1, got, w)
		}
	}

	file := filepath.Join(t.TempDir(), "reg.xlsx")
	code, _, errs = runIn(t, "", "export", "-c", cfg, "--format", "xlsx", "registrations", "-o", file)
	b, err := os.ReadFile(file)
	if code != exitOK || err != nil || !bytes.HasPrefix(b, []byte("PK\x03\x04")) || !strings.Contains(errs, "wrote 2 registrations") {
		t.Errorf("xlsx export: exit %d, %v, stderr %q", code, err, errs)
	}
	// Personal data: the file is readable by its owner only.
	for _, format := range []string{"xlsx", "csv"} {
		file := filepath.Join(t.TempDir(), "reg."+format)
		if code, _, errs := runIn(t, "", "export", "registrations", "-c", cfg, "--format", format, "-o", file); code != exitOK {
			t.Fatalf("%s export: exit %d: %s", format, code, errs)
		}
		if st, err := os.Stat(file); err != nil {
			t.Error(err)
		} else if st.Mode() != 0o600 {
			t.Errorf("%s export: mode %v, want 0600", format, st.Mode())
		}
	}

	for _, bad := range [][]string{{"export", "-c", cfg}, {"export", "delegates", "-c", cfg}, {"export", "registrations", "-c", cfg, "--format", "ods"}} {
		if code, _, _ := runIn(t, "", bad...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", bad, code, exitUsage)
		}
	}
}

func TestPlanCalendarAndBounces(t *testing.T) {
	t.Parallel()
	cfg := sendMeeting(t, nil)
	m, _ := loadExample(t, cfg)

	code, out, errs := runIn(t, "", "plan", "-c", cfg)
	if code != exitOK || !strings.Contains(out, "Calendar messages pending: 0\n") {
		t.Fatalf("plan without a store: exit %d\n%s\n%s", code, out, errs)
	}

	db := openStore(t, m)
	db.Now = func() time.Time { return m.Registration.Deadline } // registered before the meeting: invited to every event
	registerExample(t, db)
	err := db.Update(t.Context(), func(tx *store.Tx) error {
		if err := tx.RecordBounce(store.Bounce{Email: "mission.syldavie@syldavia.example", Contact: "Permanent Mission of Syldavia", Permanent: true, Status: "5.1.1"}); err != nil {
			return err
		}
		// Borduria's delegate had article-5 with other content: an update.
		return tx.RecordInvite(store.SentInvite{Email: "trois@borduria.example", EventID: "article-5", Contact: "Permanent Mission of Borduria",
			UID: "u@isu.example", Sequence: 2, Hash: "stale", Method: "REQUEST"})
	})
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs = runIn(t, "", "plan", "-c", cfg)
	if code != exitOK {
		t.Fatalf("plan: exit %d: %s", code, errs)
	}
	for _, want := range []string{
		// 20 invited, Arcadia and Borduria registered, Syldavia's only address bounced.
		`reminder, 7d before the deadline\s+17\s+pending`,
		// 2 active delegates, 5 events each.
		`Calendar messages pending: 10\n`,
		`\n  request one@arcadia-mfa.example article-5 SEQUENCE 0\n`,
		`\n  update  trois@borduria.example article-5 SEQUENCE 3\n`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "two@arcadia-mfa.example") {
		t.Errorf("plan lists the withdrawn delegate:\n%s", out)
	}
}
