package regweb_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"convene/internal/testmeeting"
	"convene/meeting"
	"convene/regweb"
	"convene/schedule"
	"convene/secretariat"
	"convene/store"
	"convene/web"
)

// The meeting's own fields (registration.fields) are shown for each
// delegate in the page's language, checked (required, one of the choices,
// each error next to its field), stored with the delegate, and a change of
// an answer alone is a correction.
func TestMeetingFields(t *testing.T) {
	e := newFieldsEnv(t, true)
	p := e.link(syldavia) // a French-speaking mission
	body, v := e.page(p)
	for _, want := range []string{`<label for="n0.f.participation">Participation</label>`, `<select id="n0.f.participation" name="n0.f.participation">`,
		`<option value="online">En ligne</option>`, `<option value="">— choisir —</option>`} {
		if !strings.Contains(body, want) {
			t.Fatalf("page lacks %s:\n%s", want, body)
		}
	}
	v.Set("n0.name", "Mme Jane Roe")
	v.Set("n0.email", "jane.roe@syldavia.example")
	v.Set("action", "review")
	for value, msg := range map[string]string{"": "Obligatoire.", "moon": "Choisissez l&#39;une des options."} {
		v.Set("n0.f.participation", value)
		code, body, _ := e.do("POST", p, v, nil)
		want := `aria-invalid="true" aria-describedby="n0.f.participation.err">`
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, want) ||
			!strings.Contains(body, `<p class="err" id="n0.f.participation.err">`+msg+`</p>`) {
			t.Errorf("participation %q: %d, want 422 and %q next to the field:\n%s", value, code, msg, body)
		}
	}
	v.Set("n0.f.participation", "online")
	e.submit(p, v, "Mme Jane Roe &lt;jane.roe@syldavia.example&gt; (Participation\u00a0: En ligne)")
	ds, err := e.db.Delegates(t.Context(), syldavia, false)
	if err != nil || len(ds) != 1 || ds[0].Fields.Get("participation") != "online" {
		t.Fatalf("delegates = %+v, %v", ds, err)
	}
	var confirmed bool
	for _, x := range e.outbox() {
		if x.Batch != "answer-confirmation" || x.Contact != syldavia {
			continue
		}
		raw, err := e.db.OutboxBody(t.Context(), x.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		confirmed = strings.Contains(decoded(raw), "jane.roe@syldavia.example> (Participation\u00a0: En ligne)")
	}
	if !confirmed {
		t.Error("the confirmation does not list the answer")
	}

	// The answer alone changes: a correction, shown as the page shows it.
	body, v = e.page(p)
	if !strings.Contains(body, `<option value="online" selected>En ligne</option>`) {
		t.Errorf("the stored answer is not selected:\n%s", body)
	}
	v.Set("d0.f.participation", "in-person")
	e.submit(p, v, "(Participation\u00a0: En personne)")
	ds, _ = e.db.Delegates(t.Context(), syldavia, false)
	if len(ds) != 1 || ds[0].Fields.Get("participation") != "in-person" || ds[0].Name != "Mme Jane Roe" {
		t.Fatalf("after the correction: %+v", ds)
	}
}

// newFieldsEnv is newEnv for a meeting that asks each delegate's
// participation (in person or online).
func newFieldsEnv(t testing.TB, required bool, late ...string) *env {
	t.Helper()
	_, m, cs := testmeeting.Load(t, "")
	m.Registration.Fields = []meeting.Field{{
		Name:  "participation",
		Label: meeting.Text{meeting.EN: "Participation", meeting.FR: "Participation", meeting.ES: "Participación"},
		Choices: []meeting.Choice{
			{Value: "in-person", Label: meeting.Text{meeting.EN: "In person", meeting.FR: "En personne", meeting.ES: "En persona"}},
			{Value: "online", Label: meeting.Text{meeting.EN: "Online", meeting.FR: "En ligne", meeting.ES: "En línea"}},
		},
		Required: required,
	}}
	return newEnvWith(t, m, cs, beforeDeadline, strings.Join(late, ""), regweb.Options{})
}

// A delegate registered by mail has no answers; a required field is asked
// of them too when the mission changes its delegation on the page, and
// withdrawing them needs none.
func TestRequiredFieldForMailDelegate(t *testing.T) {
	e := newFieldsEnv(t, true)
	if err := e.db.Update(t.Context(), func(tx *store.Tx) error {
		_, err := tx.RegisterDelegates(arcadia, []meeting.Delegate{{Name: "Ada Lovelace", Email: "ada@arcadia-mfa.example"}},
			store.Source{MessageID: "m@x", Actor: "inbox", Via: store.ViaMail})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	p := e.link(arcadia)
	_, v := e.page(p)
	v.Set("n0.name", "Blaise Pascal")
	v.Set("n0.email", "blaise@arcadia-mfa.example")
	v.Set("n0.f.participation", "online")
	v.Set("action", "review")
	code, body, _ := e.do("POST", p, v, nil)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `<p class="err" id="d0.f.participation.err">Required.</p>`) {
		t.Fatalf("the mail delegate's missing answer: %d\n%s", code, body)
	}
	v.Set("d0.withdraw", "1")
	e.submit(p, v, "blaise@arcadia-mfa.example&gt; (Participation: Online)")
	if got := e.delegates(arcadia); len(got) != 1 || got[0] != "Blaise Pascal||blaise@arcadia-mfa.example" {
		t.Errorf("delegates = %v", got)
	}
}

// After the deadline under the review policy, a new delegate's answers wait
// with them on the review desk, and staff accepting them (typing name and
// address) register them with those answers.
func TestLateReviewKeepsAnswers(t *testing.T) {
	e := newFieldsEnv(t, false, meeting.LateReview)
	e.clock.t = afterDeadline
	p := e.link(arcadia)
	_, v := e.page(p)
	v.Set("n0.name", "Mr. Bob Late")
	v.Set("n0.email", "bob@arcadia-mfa.example")
	v.Set("n0.f.participation", "online")
	if loc := e.submit(p, v); !strings.Contains(loc, "done=review") {
		t.Fatalf("Location %q", loc)
	}
	items, _ := e.db.ReviewItems(t.Context(), false)
	if len(items) != 1 {
		t.Fatalf("review items %+v", items)
	}
	dash := secretariat.NewDashboard(e.svc, func(context.Context) ([]schedule.JobState, error) { return nil, nil })
	if err := dash.Resolve(t.Context(), web.ReviewAction{Kind: web.ActionAcceptLate, Item: items[0].ID, Mission: arcadia, By: "anna",
		Delegates: []meeting.Delegate{{Name: "Mr. Bob Late", Email: "bob@arcadia-mfa.example"}}}); err != nil {
		t.Fatal(err)
	}
	ds, err := e.db.Delegates(t.Context(), arcadia, false)
	if err != nil || len(ds) != 1 || ds[0].Fields.Get("participation") != "online" {
		t.Errorf("delegates after staff accepted = %+v, %v", ds, err)
	}
}
