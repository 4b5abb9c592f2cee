package httpapi_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/store"
)

// TestFoldingWhileWritingMatchesARebuild: two folders at work while cases are applied for
// and answered from four clients leave the report cells exactly as a rebuild from scratch
// does — a record folded twice, or a change folded with stale facts, would show as a
// difference. The folders work out facts in a read transaction and claim only the marks
// still as they read them (app.foldBatch), so this is the test of that claim.
func TestFoldingWhileWritingMatchesARebuild(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		env.Clock.Set(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
		paid, shipped, delivered := env.Clock.Now().AddDate(0, 0, -4), env.Clock.Now().AddDate(0, 0, -3), env.Clock.Now().AddDate(0, 0, -1)
		const cases, clients = 32, 4
		for i := range cases {
			w.mustOrder(t, app.OrderInput{OrderNo: fmt.Sprintf("F-%d", i), Merchant: "shop-a", Customer: "cust-1", Currency: "CNY",
				PaymentMethod: "online", PaidAt: paid, ShippedAt: &shipped, DeliveredAt: &delivered, Items: []app.OrderItemInput{
					{SKU: "A", Title: "Item A", Category: "shoes", Quantity: 2, UnitPrice: 29900, PaidAmount: 59800}}})
		}
		ctx := t.Context()
		stop := make(chan struct{})
		errs := make(chan error, cases*2+2)
		var folders sync.WaitGroup
		for range 2 {
			folders.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := env.App.FoldReports(ctx, 5); err != nil {
						errs <- fmt.Errorf("fold: %w", err)
						return
					}
				}
			})
		}
		var writers sync.WaitGroup
		for c := range clients {
			writers.Go(func() {
				for i := c; i < cases; i += clients {
					res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: w.customer1,
						JSON: returnRefund(fmt.Sprintf("F-%d", i), "A", 1+i%2)})
					if res.Status != http.StatusCreated {
						errs <- fmt.Errorf("apply %d: %d %.300s", i, res.Status, res.Body)
						continue
					}
					var v app.CaseView
					res.JSON(t, &v)
					action := aftersale.Approve
					if i%3 == 0 {
						action = aftersale.Reject
					}
					if res := w.act(t, w.merchantA, v.ID, app.ActInput{Action: action, Version: v.Version, Note: "测试"}); res.Status != http.StatusOK {
						errs <- fmt.Errorf("%s %d: %d %.300s", action, i, res.Status, res.Body)
					}
				}
			})
		}
		writers.Wait()
		close(stop)
		folders.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if t.Failed() {
			return
		}

		folded := foldAll(t, env)
		if len(folded) == 0 {
			t.Fatal("no cells after folding")
		}
		if _, err := env.App.RebuildReports(ctx); err != nil {
			t.Fatalf("rebuild: %v", err)
		}
		rebuilt := foldAll(t, env)
		if len(folded) != len(rebuilt) {
			t.Fatalf("%d cells folded while writing, %d rebuilt", len(folded), len(rebuilt))
		}
		for i := range folded {
			if folded[i] != rebuilt[i] {
				t.Errorf("cell %d: folded while writing %+v, rebuilt %+v", i, folded[i], rebuilt[i])
			}
		}
	})
}

// foldAll folds every mark left and returns all cells.
func foldAll(t *testing.T, env *apitest.Env) []store.Cell {
	t.Helper()
	for {
		n, err := env.App.FoldReports(t.Context(), 1000)
		if err != nil {
			t.Fatalf("fold: %v", err)
		}
		if n == 0 {
			break
		}
	}
	var cells []store.Cell
	if err := env.Store.View(t.Context(), func(tx store.Tx) error {
		var err error
		cells, err = tx.AllCells(t.Context())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return cells
}
