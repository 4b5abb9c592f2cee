package storetest

import (
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

var triageTests = []test{
	{name: "Suggestions", clocked: testTriageSuggestions},
}

// testTriageSuggestions: a case's suggestions come back oldest first with every field;
// putting a subject's suggestion again replaces it; another case's are not listed.
func testTriageSuggestions(t *testing.T, s store.Store, clk *clock) {
	ctx := t.Context()
	now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	clk.Set(now)
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.PutSuggestion(ctx, store.TriageSuggestion{SubjectKind: "case", SubjectID: "c1", CaseID: "c1",
			Reason: "quality_defect", Urgency: "urgent", Sentiment: -0.75, Articles: []string{"kb-2", "kb-1"}}); err != nil {
			return err
		}
		return tx.PutSuggestion(ctx, store.TriageSuggestion{SubjectKind: "message", SubjectID: "m9", CaseID: "c2",
			Reason: "other", Urgency: "low", Sentiment: 0})
	})
	clk.Set(now.Add(time.Minute))
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.PutSuggestion(ctx, store.TriageSuggestion{SubjectKind: "message", SubjectID: "m1", CaseID: "c1",
			Reason: "wrong_item", Urgency: "normal", Sentiment: 0.5}); err != nil {
			return err
		}
		// replaced: same subject
		return tx.PutSuggestion(ctx, store.TriageSuggestion{SubjectKind: "message", SubjectID: "m1", CaseID: "c1",
			Reason: "wrong_item", Urgency: "high", Sentiment: 0.25, Articles: []string{"kb-3"}})
	})
	var got []store.TriageSuggestion
	mustView(t, s, func(tx store.Tx) (err error) { got, err = tx.Suggestions(ctx, "c1"); return err })
	if len(got) != 2 {
		t.Fatalf("suggestions: %+v", got)
	}
	a, b := got[0], got[1]
	if a.SubjectKind != "case" || a.SubjectID != "c1" || a.Reason != "quality_defect" || a.Urgency != "urgent" ||
		a.Sentiment != -0.75 || len(a.Articles) != 2 || a.Articles[0] != "kb-2" || !a.CreatedAt.Equal(now) {
		t.Errorf("case suggestion: %+v", a)
	}
	if b.SubjectKind != "message" || b.SubjectID != "m1" || b.Urgency != "high" || b.Sentiment != 0.25 ||
		len(b.Articles) != 1 || b.Articles[0] != "kb-3" || !b.CreatedAt.Equal(now.Add(time.Minute)) {
		t.Errorf("message suggestion: %+v", b)
	}
	mustView(t, s, func(tx store.Tx) (err error) { got, err = tx.Suggestions(ctx, "c2"); return err })
	if len(got) != 1 || got[0].Articles == nil || len(got[0].Articles) != 0 {
		t.Errorf("c2: %+v", got)
	}
	mustView(t, s, func(tx store.Tx) (err error) { got, err = tx.Suggestions(ctx, "none"); return err })
	if len(got) != 0 {
		t.Errorf("unknown case: %+v", got)
	}
}
