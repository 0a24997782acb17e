package store_test

import (
	"testing"

	"convene/meeting"
	"convene/store"
	"convene/store/storetest"
)

// A delegate's answers to the meeting's fields are stored with it; a
// registration that carries none (an e-mail reply) keeps them, and the page
// (which always carries every field) may clear them.
func testDelegateFields(t *testing.T, eng store.Engine) {
	ctx := t.Context()
	db := openTest(t, eng)
	web := store.Source{Actor: "web", Via: store.ViaWeb, Client: "192.0.2.1"}
	mail := store.Source{MessageID: "m@x", Actor: "inbox", Via: store.ViaMail}
	register := func(d meeting.Delegate, src store.Source) {
		t.Helper()
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.RegisterDelegates("Mission A", []meeting.Delegate{d}, src)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	fields := func() meeting.Fields {
		t.Helper()
		ds, err := db.Delegates(ctx, "Mission A", false)
		if err != nil || len(ds) != 1 {
			t.Fatalf("Delegates = %v, %v", ds, err)
		}
		return ds[0].Fields
	}
	online := meeting.EncodeFields(map[string]string{"participation": "online"})
	register(meeting.Delegate{Name: "Jane Roe", Email: "jane@a.example", Fields: online}, web)
	if f := fields(); f != online || f.Get("participation") != "online" {
		t.Fatalf("fields = %q, want %q", f, online)
	}
	register(meeting.Delegate{Name: "Jane Roe", Title: "Counsellor", Email: "jane@a.example"}, mail)
	if f := fields(); f != online {
		t.Errorf("after an e-mail correction fields = %q, want %q kept", f, online)
	}
	none := meeting.EncodeFields(map[string]string{"participation": ""})
	register(meeting.Delegate{Name: "Jane Roe", Email: "jane@a.example", Fields: none}, web)
	if f := fields(); f.Get("participation") != "" {
		t.Errorf("after clearing on the page fields = %q", f)
	}
}

func TestDelegateFields(t *testing.T) { storetest.Each(t, testDelegateFields) }
