package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/policy"
)

// world is a platform with two shops, two customers and staff, each with a token.
type world struct {
	env *apitest.Env
	// Tokens.
	shop        string // integration token of the shop system (any merchant)
	merchantA   string // staff of shop-a
	merchantB   string // staff of shop-b
	customer1   string // cust-1
	customer2   string // cust-2
	agent       string
	admin       string
	orderSerial atomic.Int64
}

func newWorld(t *testing.T, env *apitest.Env) *world {
	t.Helper()
	return &world{
		env:       env,
		shop:      env.Token(t, app.RoleIntegration, ""),
		merchantA: env.Token(t, app.RoleMerchant, "shop-a"),
		merchantB: env.Token(t, app.RoleMerchant, "shop-b"),
		customer1: env.Token(t, app.RoleCustomer, "cust-1"),
		customer2: env.Token(t, app.RoleCustomer, "cust-2"),
		agent:     env.Token(t, app.RoleAgent, ""),
		admin:     env.Token(t, app.RoleAdmin, ""),
	}
}

// tokens are every secret of the world, to check that none reaches a log.
func (w *world) tokens() []string {
	return []string{w.shop, w.merchantA, w.merchantB, w.customer1, w.customer2, w.agent, w.admin}
}

// orderInput is an online order paid six days ago and delivered two days ago: inside the
// seven-day no-reason window (消费者权益保护法 第二十五条).
func (w *world) orderInput(merchant, customer string, items ...app.OrderItemInput) app.OrderInput {
	now := time.Now().UTC()
	paid, shipped, delivered := now.Add(-6*24*time.Hour), now.Add(-5*24*time.Hour), now.Add(-2*24*time.Hour)
	return app.OrderInput{
		OrderNo:  fmt.Sprintf("ORD-%s-%d", merchant, w.orderSerial.Add(1)),
		Merchant: merchant, Customer: customer, Currency: "CNY", PaymentMethod: "online",
		ShippingFee: 1000, PaidAt: paid, ShippedAt: &shipped, DeliveredAt: &delivered, Items: items,
	}
}

// line is an apparel order line.
func line(sku string, quantity int, unitPrice int64) app.OrderItemInput {
	return app.OrderItemInput{SKU: sku, Title: "Item " + sku, Category: "apparel", Quantity: quantity,
		UnitPrice: unitPrice, PaidAmount: unitPrice * int64(quantity)}
}

// mustOrder pushes an order as the shop system.
func (w *world) mustOrder(t *testing.T, in app.OrderInput) app.OrderView {
	t.Helper()
	res := w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/orders", Token: w.shop, JSON: in})
	if res.Status != http.StatusCreated {
		t.Fatalf("POST /api/v1/orders: %d %s", res.Status, res.Body)
	}
	var v app.OrderView
	res.JSON(t, &v)
	return v
}

// returnRefund is a no-reason return of some units of one line: above the instant
// approval limit (seed-platform one_click_return, ¥100), so the merchant decides.
func returnRefund(orderNo, sku string, quantity int) app.ApplyInput {
	return app.ApplyInput{OrderNo: orderNo, Type: aftersale.ReturnRefund, Reason: aftersale.NoReason,
		Items: []policy.RequestItem{{SKU: sku, Quantity: quantity}}, Description: "不想要了 / no longer needed"}
}

// mustApply opens a case.
func (w *world) mustApply(t *testing.T, token string, in app.ApplyInput) app.CaseView {
	t.Helper()
	res := w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: token, JSON: in})
	if res.Status != http.StatusCreated {
		t.Fatalf("POST /api/v1/cases: %d %s", res.Status, res.Body)
	}
	var v app.CaseView
	res.JSON(t, &v)
	return v
}

// act posts an action.
func (w *world) act(t testing.TB, token, caseID string, in app.ActInput, header ...string) *apitest.Response {
	t.Helper()
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + caseID + "/actions", Token: token, JSON: in, Header: h})
}

// mustAct posts an action that must succeed.
func (w *world) mustAct(t *testing.T, token, caseID string, in app.ActInput) app.CaseView {
	t.Helper()
	res := w.act(t, token, caseID, in)
	if res.Status != http.StatusOK {
		t.Fatalf("%s on case %s: %d %s", in.Action, caseID, res.Status, res.Body)
	}
	var v app.CaseView
	res.JSON(t, &v)
	return v
}

// getCase reads a case as token's principal.
func (w *world) getCase(t *testing.T, token, id string) app.CaseView {
	t.Helper()
	res := w.env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + id, Token: token})
	if res.Status != http.StatusOK {
		t.Fatalf("GET case %s: %d %s", id, res.Status, res.Body)
	}
	var v app.CaseView
	res.JSON(t, &v)
	return v
}

// wantProblem checks a problem answer: status, code, a detail in both languages, the
// request id, and (when given) the field errors.
func wantProblem(t testing.TB, res *apitest.Response, status int, code app.Code, fields ...string) httpapi.Problem {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d: %s", res.Status, status, res.Body)
	}
	p := res.Problem(t)
	if p.Code != string(code) || p.Type != httpapi.ProblemTypeBase+string(code) || p.Status != status {
		t.Errorf("problem %s (%s, %d), want code %s: %s", p.Code, p.Type, p.Status, code, res.Body)
	}
	if strings.TrimSpace(p.Detail) == "" || strings.TrimSpace(p.DetailZH) == "" || p.Title == "" {
		t.Errorf("problem without title or detail in both languages: %s", res.Body)
	}
	if p.RequestID == "" || p.RequestID != res.Header.Get("X-Request-Id") {
		t.Errorf("problem request_id %q, X-Request-Id %q", p.RequestID, res.Header.Get("X-Request-Id"))
	}
	var got []string
	for _, f := range p.Errors {
		got = append(got, f.Field)
		if f.Message.EN == "" || f.Message.ZH == "" {
			t.Errorf("field error %s without a message in both languages", f.Field)
		}
	}
	for _, f := range fields {
		if !slices.Contains(got, f) {
			t.Errorf("errors name %v, want %s: %s", got, f, res.Body)
		}
	}
	return p
}

func actions(as ...aftersale.Action) []aftersale.Action {
	if as == nil {
		return []aftersale.Action{}
	}
	return as
}
