package schedule_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"convene/meeting"
	"convene/schedule"
)

func ExampleTimeline() {
	dir, _ := os.MkdirTemp("", "convene-example")
	defer os.RemoveAll(dir)
	meeting.WriteExample(dir)
	m, _, err := meeting.Load(filepath.Join(dir, "meeting.yaml"))
	if err != nil {
		panic(err)
	}
	jobs, err := schedule.Timeline(m, schedule.TimelineOptions{DigestSpec: "-"})
	if err != nil {
		panic(err)
	}
	for _, j := range jobs {
		fmt.Printf("%s  %-34s grace %s\n", j.Due.In(m.Location).Format("Mon 2 Jan 15:04"), j.Key, j.Grace.Round(time.Hour))
	}
	// Output:
	// Tue 26 May 09:00  invitation                         grace 417h0m0s
	// Fri 5 Jun 18:00  reminder@2020-06-05T16:00Z         grace 12h0m0s
	// Wed 10 Jun 18:00  reminder@2020-06-10T16:00Z         grace 12h0m0s
	// Fri 12 Jun 18:00  deadline@2020-06-12T16:00Z         grace 427h0m0s
	// Fri 12 Jun 18:00  session-invites@2020-06-12T16:00Z  grace 427h0m0s
	// Sat 13 Jun 14:00  rehearsal@2020-06-13T12:00Z        grace 72h0m0s
	// Sat 13 Jun 14:00  session-invites@2020-06-13T12:00Z  grace 407h0m0s
	// Mon 29 Jun 13:00  day-before@2020-06-30              grace 24h0m0s
}
