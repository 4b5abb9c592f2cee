package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The shop system pushes an order (201) and pushes it again when it changes (200); the
// policy dry run says what an application would get, and why, and stores nothing.
func TestOrdersAndPolicyDryRun(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		in := w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900))
		created := w.mustOrder(t, in)
		if created.Merchant != "shop-a" || created.Customer != "cust-1" || created.Items[0].PaidAmount != 29900 {
			t.Errorf("created %+v", created)
		}
		in.Items[0].Title = "Down jacket"
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/orders", Token: w.merchantA, JSON: in})
		if res.Status != http.StatusOK {
			t.Fatalf("update: %d %s", res.Status, res.Body)
		}
		var updated app.OrderView
		res.JSON(t, &updated)
		if updated.Items[0].Title != "Down jacket" {
			t.Errorf("updated title %q", updated.Items[0].Title)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/orders/" + in.OrderNo, Token: w.customer1})
		var got app.OrderView
		res.JSON(t, &got)
		if res.Status != http.StatusOK || got.Items[0].Title != "Down jacket" {
			t.Errorf("read back: %d %+v", res.Status, got)
		}

		dryRun := func(token string, at *time.Time) *apitest.Response {
			return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/policy/evaluate", Token: token,
				JSON: app.EvaluateInput{ApplyInput: returnRefund(in.OrderNo, "JACKET", 1), At: at}})
		}
		res = dryRun(w.customer1, nil)
		var d app.DecisionView
		res.JSON(t, &d)
		if res.Status != http.StatusOK || !d.Eligible || d.RefundAmount != 29900 || d.Explanation.ZH == "" || len(d.Rules) == 0 {
			t.Errorf("dry run now: %d %s", res.Status, res.Body)
		}
		// 消费者权益保护法 第二十五条: seven days from receipt; a month later it is refused.
		late := time.Now().Add(30 * 24 * time.Hour)
		res = dryRun(w.customer1, &late)
		d = app.DecisionView{}
		res.JSON(t, &d)
		if res.Status != http.StatusOK || d.Eligible || len(d.Refusals) == 0 || d.Explanation.EN == "" {
			t.Errorf("dry run a month later: %d %s", res.Status, res.Body)
		}
		wantProblem(t, dryRun(w.customer2, nil), http.StatusNotFound, app.CodeNotFound)
		if n := env.Rows(t, "cases"); n != 0 {
			t.Errorf("a dry run stored %d cases", n)
		}
	})
}
