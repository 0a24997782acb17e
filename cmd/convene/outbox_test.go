package main

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"os"
	"strings"
	"testing"
	"time"

	"convene/meeting"
	"convene/store"
)

func TestOutboxCommand(t *testing.T) {
	t.Parallel()
	cfg := exampleConfig(t, "")
	m, err := meeting.LoadMeeting(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"outbox", "-c", cfg}, strings.NewReader(""), &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "empty") {
		t.Fatalf("empty outbox: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}

	db, err := store.Open(t.Context(), m.Store)
	if err != nil {
		t.Fatal(err)
	}
	db.Now = func() time.Time { return time.Date(2020, 5, 26, 9, 0, 0, 0, time.UTC) }
	seq := iter.Seq2[store.OutboxMessage, error](func(yield func(store.OutboxMessage, error) bool) {
		for i := range 3 {
			r := fmt.Sprintf("m%d@mission.example", i)
			if !yield(store.OutboxMessage{Key: "inv/" + r, Contact: fmt.Sprint("Mission ", i), From: "isu@isu.example",
				Recipients: []string{r}, MessageID: fmt.Sprint(i, "@isu.example"), Raw: []byte("x")}, nil) {
				return
			}
		}
	})
	if _, err := db.EnqueueOutbox(t.Context(), store.OutboxBatch{ID: "invitation-20200526", Template: "invitation"}, seq); err != nil {
		t.Fatal(err)
	}
	cs, err := db.ClaimOutbox(t.Context(), "", 3, db.Now())
	if err != nil {
		t.Fatal(err)
	}
	err = db.CompleteOutbox(t.Context(), []store.OutboxResult{
		{ID: cs[0].ID, State: store.OutboxSent},
		{ID: cs[1].ID, State: store.OutboxFailed, Error: "550 5.1.1 Mailbox unavailable: no such user"},
		{ID: cs[2].ID, State: store.OutboxRetry, Error: "451 4.3.0 try later", NextAttempt: db.Now().Add(time.Minute)},
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	code := run(context.Background(), []string{"outbox", "-c", cfg}, strings.NewReader(""), &stdout, &stderr)
	out := stdout.String()
	if code != exitFail {
		t.Errorf("exit %d with a failed message, want %d", code, exitFail)
	}
	for _, want := range []string{"invitation-20200526", "invitation", "2020-05-26 09:00",
		"Mission 1 <m1@mission.example>", "550 5.1.1 Mailbox unavailable: no such user", "451 4.3.0 try later", "next 2020-05-26 09:01:00"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if testing.Verbose() {
		os.Stdout.WriteString(out)
	}
}
