package main

import (
	"context"
	"os"
	"strings"
	"time"
)

// removedSession is the session the demo's secretariat takes out of
// meeting.yaml (removeSession), and the block that defines it there.
const (
	removedSession      = "oap-panels-2"
	removedSessionBlock = `  - id: oap-panels-2
    title:
      en: "Oslo Action Plan panels: mine clearance and victim assistance"
      fr: "Panels sur le Plan d'action d'Oslo : déminage et assistance aux victimes"
      es: "Paneles sobre el Plan de Acción de Oslo: desminado y asistencia a las víctimas"
    start: 2020-07-01 13:00
    end: 2020-07-01 15:00
`
)

// removeSession plays the secretariat deleting a session from meeting.yaml
// on 24 June (after the move of 20 June: the two edits of the file do not
// overlap): the file is reloaded, and everyone invited to the session gets a
// cancellation (STATUS:CANCELLED) that repeats the time and title they were
// sent, in their language.
func (s *simulator) removeSession(ctx context.Context, d *daemon, path string) {
	at := time.Date(2020, 6, 24, 10, 0, 0, 0, s.m.Location)
	t := s.clock.NewTimer(at.Sub(s.clock.Now()))
	select {
	case <-ctx.Done():
		t.Stop()
		return
	case <-t.C():
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), removedSessionBlock) {
		s.printf("  ! the session to remove is not in %s\n", path)
		return
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), removedSessionBlock, "", 1)), 0o644); err != nil {
		return
	}
	if err := d.reload(ctx, path); err != nil {
		s.printf("  ! reload failed: %v\n", err)
		return
	}
	s.printf("  %s  %-40s %s\n", s.clock.Now().In(s.m.Location).Format("Mon 02 Jan 15:04"), "ISU", "removes the panels of 1 July from the programme: cancellations go out")
}
