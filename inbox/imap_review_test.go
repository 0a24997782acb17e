package inbox_test

import (
	"context"
	"testing"

	"github.com/emersion/go-imap/v2"

	"convene/inbox"
	"convene/internal/testmail"
	"convene/store"
)

// TestResolvedReviewMoves: a review item resolved on the dashboard has its
// message moved from Review to Processed at the next pass; one whose message
// is gone already (moved by a person, or before a crash) is only recorded.
func TestResolvedReviewMoves(t *testing.T) {
	for _, caps := range []struct {
		name string
		move bool
	}{{"MOVE", true}, {"COPY and EXPUNGE", false}} {
		t.Run(caps.name, func(t *testing.T) {
			ctx := t.Context()
			opts := &testmail.IMAPOptions{}
			if !caps.move {
				opts.Caps = []imap.Cap{imap.CapUIDPlus}
			}
			srv := testmail.StartIMAP(t, opts)
			srv.Append(t, "Review", testMessage(1, 200)) // <msg-1@test.example>
			srv.Append(t, "Review", testMessage(2, 200)) // stays: its item is open
			db := openDB(t)
			var ids []int64
			err := db.Update(ctx, func(tx *store.Tx) error {
				for _, mid := range []string{"msg-1@test.example", "msg-2@test.example", "msg-9@test.example"} {
					id, err := tx.AddReview(store.ReviewItem{Kind: "other", Reason: "unknown sender", MessageID: mid, Mailbox: "Review"})
					if err != nil {
						return err
					}
					ids = append(ids, id)
				}
				for _, id := range []int64{ids[0], ids[2]} {
					if err := tx.ResolveReview(id, "anna", "dismissed"); err != nil {
						return err
					}
					if err := tx.SetReviewMove(id, "Processed"); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			w, err := inbox.NewWatcher(db, serverOptions(t, srv.Addr, srv.Username, srv.Password), func(context.Context, *store.Tx, inbox.Fetched) (inbox.Disposition, error) {
				return inbox.Processed, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if _, err := w.Once(ctx); err != nil {
				t.Fatal(err)
			}
			review, processed := srv.Messages(t, "Review"), srv.Messages(t, "Processed")
			if len(review) != 1 || len(processed) != 1 {
				t.Fatalf("after the pass: Review %d, Processed %d messages; want 1 and 1", len(review), len(processed))
			}
			if pending, _ := db.ReviewMovesPending(ctx); len(pending) != 0 {
				t.Errorf("moves still pending: %+v", pending)
			}
			// The watcher is back on its mailbox: new mail is still read.
			srv.Append(t, "INBOX", testMessage(3, 200))
			if st, err := w.Once(ctx); err != nil || st.Processed != 1 {
				t.Errorf("next pass = %+v, %v; want the new message processed", st, err)
			}
		})
	}
}
