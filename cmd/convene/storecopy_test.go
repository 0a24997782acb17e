package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"convene/store"
	"convene/store/storetest"
)

func TestStoreCopyCommand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng store.Engine) {
		ctx := t.Context()
		dir := t.TempDir()
		from := filepath.Join(dir, "convene.db")
		src, err := store.Open(ctx, from)
		if err != nil {
			t.Fatal(err)
		}
		msgs := func(yield func(store.OutboxMessage, error) bool) {
			for i := range 30 {
				r := fmt.Sprintf("r%d@x.example", i)
				if !yield(store.OutboxMessage{Key: "b/" + r, From: "isu@isu.example", Recipients: []string{r}, MessageID: r, Raw: []byte("x")}, nil) {
					return
				}
			}
		}
		if _, err := src.EnqueueOutbox(ctx, store.OutboxBatch{ID: "b"}, msgs); err != nil {
			t.Fatal(err)
		}
		src.Close()
		args := []string{"store", "copy", "--from", from}
		secret := "pw-not-shown"
		if eng == store.Postgres {
			t.Setenv("TEST_COPY_DSN", storetest.Schema(t))
			args = append(args, "--to-env", "TEST_COPY_DSN")
		} else {
			args = append(args, "--to", filepath.Join(dir, "new.db"))
		}
		var out, errb bytes.Buffer
		if code := run(ctx, args, nil, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s%s", code, out.String(), errb.String())
		}
		if !strings.Contains(out.String(), "outbox_messages      30      30") || !strings.Contains(out.String(), "counts verified") {
			t.Errorf("output:\n%s", out.String())
		}
		if strings.Contains(out.String()+errb.String(), "postgres://") || strings.Contains(out.String(), secret) {
			t.Errorf("the DSN was printed:\n%s", out.String())
		}
		// Again: the destination is not empty.
		out.Reset()
		errb.Reset()
		if code := run(ctx, args, nil, &out, &errb); code == 0 {
			t.Fatalf("second copy succeeded: %s", out.String())
		}
		t.Logf("second copy: %s", strings.TrimSpace(errb.String()))
	})
}
