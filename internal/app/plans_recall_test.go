package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/plan"
	"github.com/aftersales/aftersales/internal/store"
)

// A recall larger than one batch: the activation takes up the first batch, CheckPlans the
// rest, batch after batch, each recorded with its counts; a line not yet shipped becomes a
// refund, the others returns; checking again opens nothing more.
func TestRecallPlanGoesOnInBatches(t *testing.T) {
	t.Cleanup(app.SetRecallBatch(2))
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		ctx := t.Context()
		shop := env.Token(t, app.RoleIntegration, "")
		now := time.Now().UTC()
		paid, shipped, delivered := now.Add(-30*24*time.Hour), now.Add(-29*24*time.Hour), now.Add(-27*24*time.Hour)
		for i := range 5 {
			in := app.OrderInput{OrderNo: fmt.Sprintf("R-%d", i), Merchant: "shop-a", Customer: fmt.Sprintf("cust-%d", i),
				Currency: "CNY", PaymentMethod: "online", PaidAt: paid, ShippedAt: &shipped, DeliveredAt: &delivered,
				Items: []app.OrderItemInput{{SKU: "KETTLE-1", Title: "电热水壶", Category: "home", Quantity: 1, UnitPrice: 19900, PaidAmount: 19900}}}
			if i == 2 {
				in.ShippedAt, in.DeliveredAt = nil, nil
			}
			if res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/orders", Token: shop, JSON: in}); res.Status != http.StatusCreated {
				t.Fatalf("order: %d %s", res.Status, res.Body)
			}
		}
		admin := app.Principal{Role: app.RoleAdmin, ID: "admin-1"}
		p, err := env.App.CreatePlan(ctx, admin, plan.Plan{Name: plan.Text{ZH: "召回", EN: "Recall"},
			Triggers: []plan.Trigger{{Kind: plan.Recall, SKUs: []string{"KETTLE-1"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.App.ActivatePlan(ctx, app.Principal{Role: app.RoleSupervisor, ID: "sup-1"}, p.ID); err != nil {
			t.Fatal(err)
		}
		if n := env.Rows(t, "cases"); n != 2 {
			t.Fatalf("after the activation: %d cases, want the first batch of 2", n)
		}
		for range 2 { // the second check finds nothing left
			if n, err := env.App.CheckPlans(ctx); err != nil || n != 0 {
				t.Fatalf("check: %d changes, %v", n, err)
			}
		}
		if n := env.Rows(t, "cases"); n != 5 {
			t.Fatalf("after the check: %d cases, want 5", n)
		}
		d, err := env.App.Plan(ctx, admin, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range d.History {
			if e.Kind == "recall" {
				var r struct {
					Opened, Skipped int
					More            bool
				}
				if err := json.Unmarshal(e.Detail, &r); err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprintf("%d/%d/%v", r.Opened, r.Skipped, r.More))
			}
		}
		if want := []string{"2/0/true", "2/0/true", "1/0/false"}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("recall entries (opened/skipped/more) %v, want %v", got, want)
		}
		err = env.Store.View(ctx, func(tx store.Tx) error {
			cs, _, err := tx.ListCases(ctx, store.CaseQuery{Reasons: []aftersale.Reason{aftersale.ProductRecall}})
			if err != nil {
				return err
			}
			for _, c := range cs {
				want := aftersale.ReturnRefund
				if c.Case.OrderNo == "R-2" {
					want = aftersale.RefundOnly // not shipped: the merchant must not send it
				}
				if c.Case.Type != want {
					t.Errorf("%s (%s): %s, want %s", c.Case.Number, c.Case.OrderNo, c.Case.Type, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
