package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// The emergency plans (store.Plans): a plan's row changes only at the version read, so
// that two replicas checking plans at once never both activate one; its history counts
// up per plan; CountCasesSince is what the intake-per-hour trigger reads.
var planTests = []test{
	{name: "InsertUpdateAtVersion", clocked: testPlanRows},
	{name: "History", run: testPlanEvents},
	{name: "CountCasesSince", clocked: testCountCasesSince},
}

func testPlanRows(t *testing.T, s store.Store, clk *clock) {
	ctx := t.Context()
	now := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	clk.Set(now)
	p := store.PlanRecord{ID: "p1", Doc: []byte(`{"name":{"zh":"双11"}}`), State: "draft"}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.InsertPlan(ctx, p) })
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertPlan(ctx, p) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second insert: %v, want ErrConflict", err)
	}
	var got store.PlanRecord
	mustView(t, s, func(tx store.Tx) (err error) { got, err = tx.Plan(ctx, "p1"); return err })
	if got.Version != 1 || got.State != "draft" || !got.CreatedAt.Equal(now) || !got.ActivatedAt.IsZero() || string(got.Doc) != string(p.Doc) {
		t.Fatalf("inserted: %+v", got)
	}
	got.Version, got.State, got.ActivatedAt, got.ActivatedBy, got.EndsAt = 2, "active", now, "system", now.Add(2*time.Hour)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.UpdatePlan(ctx, got) })
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.UpdatePlan(ctx, got) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("update at a stale version: %v, want ErrConflict", err)
	}
	var active, drafts []store.PlanRecord
	mustView(t, s, func(tx store.Tx) (err error) {
		if active, err = tx.ListPlans(ctx, "active"); err != nil {
			return err
		}
		drafts, err = tx.ListPlans(ctx, "draft")
		return err
	})
	if len(active) != 1 || len(drafts) != 0 || active[0].Version != 2 || !active[0].EndsAt.Equal(now.Add(2*time.Hour)) || active[0].ActivatedBy != "system" {
		t.Fatalf("active %+v drafts %+v", active, drafts)
	}
	if err := s.View(ctx, func(tx store.Tx) error { _, err := tx.Plan(ctx, "nope"); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown plan: %v", err)
	}
}

func testPlanEvents(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.InsertPlan(ctx, store.PlanRecord{ID: "p1", Doc: []byte(`{}`), State: "draft"}); err != nil {
			return err
		}
		if err := tx.AppendPlanEvent(ctx, store.PlanEvent{PlanID: "p1", Kind: "activated", Actor: "system", Detail: []byte(`{"intake":9}`)}); err != nil {
			return err
		}
		return tx.AppendPlanEvent(ctx, store.PlanEvent{PlanID: "p1", Kind: "deactivated", Actor: "u1"})
	})
	var es []store.PlanEvent
	mustView(t, s, func(tx store.Tx) (err error) { es, err = tx.PlanEvents(ctx, "p1"); return err })
	if len(es) != 2 || es[0].Seq != 1 || es[0].Kind != "activated" || string(es[0].Detail) != `{"intake":9}` || es[1].Seq != 2 || es[1].Detail != nil {
		t.Fatalf("history: %+v", es)
	}
}

func testCountCasesSince(t *testing.T, s store.Store, clk *clock) {
	ctx := t.Context()
	now := time.Date(2026, 11, 11, 10, 0, 0, 0, time.UTC)
	clk.Set(now)
	var n int
	mustView(t, s, func(tx store.Tx) (err error) { n, err = tx.CountCasesSince(ctx, now.Add(-time.Hour)); return err })
	if n != 0 {
		t.Fatalf("no cases: %d", n)
	}
}
