package regweb_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"convene/internal/testmeeting"
	"convene/meeting"
	"convene/regweb"
	"convene/secretariat"
	"convene/store"
)

// BenchmarkLoad200: every mission of a 200-mission meeting confirms a
// registration of two delegates on its page at the same moment, over
// loopback. It reports the confirmations' p50 and p99 latency and checks
// that each was applied once (two delegates, one history entry, one
// confirmation). The per-client rate is off: on loopback every mission is
// the same client. scripts/bench runs it.
func BenchmarkLoad200(b *testing.B) {
	const missions = 200
	for range b.N {
		b.StopTimer()
		cfg := testmeeting.Config(b, "")
		var rows strings.Builder
		rows.WriteString("name,category,emails,language,salutation,country,timezone,notes\n")
		for i := range missions {
			lang := meeting.Langs[i%3]
			fmt.Fprintf(&rows, "Permanent Mission of State %03d,state-party,mission@state%03d.example,%s,,State %03d,Europe/Paris,\n", i, i, lang, i)
		}
		if err := os.WriteFile(filepath.Join(filepath.Dir(cfg), "contacts.csv"), []byte(rows.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		m, cs, err := meeting.Load(cfg)
		if err != nil {
			b.Fatal(err)
		}
		e := newEnvWith(b, m, cs, beforeDeadline, "", regweb.Options{PerClient: regweb.Rate{Burst: -1}, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
		e.http.Transport = &http.Transport{MaxIdleConnsPerHost: missions}
		// Each mission's form, filled in, before the moment they all confirm.
		forms := make([]func() time.Duration, missions)
		for i, ct := range cs.List {
			p := e.link(ct.Name)
			_, v := e.page(p)
			v.Set("n0.name", "Delegate One")
			v.Set("n0.email", fmt.Sprintf("one@state%03d.example", i))
			v.Set("n1.name", "Delegate Two")
			v.Set("n1.email", fmt.Sprintf("two@state%03d.example", i))
			v.Set("action", "confirm")
			forms[i] = func() time.Duration {
				start := time.Now()
				code, body, _ := e.do("POST", p, v, nil)
				if code != http.StatusSeeOther {
					b.Errorf("%s: %d %.200s", ct.Name, code, body)
				}
				return time.Since(start)
			}
		}
		b.StartTimer()
		lat := make([]time.Duration, missions)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range forms {
			wg.Go(func() {
				<-start
				lat[i] = forms[i]()
			})
		}
		t0 := time.Now()
		close(start)
		wg.Wait()
		total := time.Since(t0)
		b.StopTimer()

		slices.Sort(lat)
		b.ReportMetric(float64(lat[missions/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[missions*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(missions)/total.Seconds(), "confirms/s")

		// Each applied once.
		ds, _ := e.db.Delegates(b.Context(), "", false)
		hist, _ := e.db.History(b.Context(), "")
		per := map[string]int{}
		for _, h := range hist {
			if h.Via == store.ViaWeb && h.Action == "register" {
				per[h.Contact]++
			}
		}
		bs := batches(e.outbox())
		confirmations, invites := bs["answer-confirmation"], bs[secretariat.CalendarBatch]
		if len(ds) != 2*missions || len(per) != missions || confirmations != missions || invites != 2*missions*len(m.Events()) {
			b.Fatalf("%d delegates, %d missions in the history, %d confirmations, %d invitations; want %d, %d, %d, %d",
				len(ds), len(per), confirmations, invites, 2*missions, missions, missions, 2*missions*len(m.Events()))
		}
		for c, n := range per {
			if n != 1 {
				b.Errorf("%s applied %d times", c, n)
			}
		}
	}
}
