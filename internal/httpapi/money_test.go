package httpapi_test

// Money through the API on both stores, against the simulated payment gateway the product
// ships (its own record in a SQLite file, signed callbacks over real HTTP to the test's
// server): a refund is paid once however many ask for it at once; a callback with a bad
// signature is refused (403) and changes nothing; a duplicate callback is harmless; a callback
// that comes before the gateway's call returned settles the entry and the call's answer
// changes nothing after it; a cash-on-delivery order is not refunded the original way; a
// refund failing for good is paid by balance, once; a case does not complete while its
// money is pending.

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/gateway"
	"github.com/aftersales/aftersales/internal/httpapi"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/policy"
)

// paymentSecret signs the simulated gateway's callbacks in these tests.
var paymentSecret = []byte("test-payment-secret-0123456789")

// moneyRun runs fn on both stores with gw as the app's gateway and the callbacks'
// secret set on the server.
func moneyRun(t *testing.T, gw ledger.Gateway, schedule ledger.Schedule, fn func(t *testing.T, env *apitest.Env)) {
	t.Helper()
	apitest.RunWithApp(t,
		func(c *app.Config) { c.Gateway, c.Payments = gw, schedule },
		func(o *httpapi.Options) { o.PaymentSecret = paymentSecret },
		fn)
}

// simulated opens the product's simulated gateway calling back to env's server.
func simulated(t *testing.T, env *apitest.Env, o gateway.Options) *gateway.Simulated {
	t.Helper()
	o.Path = filepath.Join(t.TempDir(), "gateway.db")
	o.CallbackURL = env.Server.URL + "/api/v1/payments/callback"
	o.Secret = paymentSecret
	g, err := gateway.Open(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// lateGateway is filled once the server exists: the app is built before the server, the
// simulated gateway after it (it needs the server's address).
type lateGateway struct {
	mu sync.Mutex
	g  ledger.Gateway
}

func (l *lateGateway) set(g ledger.Gateway) { l.mu.Lock(); l.g = g; l.mu.Unlock() }
func (l *lateGateway) get() ledger.Gateway  { l.mu.Lock(); defer l.mu.Unlock(); return l.g }
func (l *lateGateway) Pay(ctx context.Context, r ledger.PayRequest) (ledger.Payment, error) {
	return l.get().Pay(ctx, r)
}
func (l *lateGateway) Payments(ctx context.Context, from, to time.Time) ([]ledger.Payment, error) {
	return l.get().Payments(ctx, from, to)
}
func (l *lateGateway) Payment(ctx context.Context, key string) (ledger.Payment, error) {
	return l.get().Payment(ctx, key)
}

// settleAll executes pending entries until none is pending (the relay's work, done by the
// test), within a deadline.
func settleAll(t *testing.T, env *apitest.Env, w *world) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var list app.LedgerList
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/ledger?state=pending&limit=500", Token: w.admin}).JSON(t, &list)
		if len(list.Entries) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d entries still pending: %+v", len(list.Entries), list.Entries[0])
		}
		for _, e := range list.Entries {
			if e.NextAttemptAt == nil || !e.NextAttemptAt.After(time.Now()) || e.Attempts > 0 {
				execute(t, env, e.ID)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// 50 refund attempts on one order item at once: 50 customers' worth of requests — the
// merchant's refund of one case sent 50 times at once, and 50 applications for the same
// unit — pay back at most what the item was paid, and the gateway receives each refund once.
func TestFiftyConcurrentRefundsOfOneItemPayOnce(t *testing.T) {
	late := &lateGateway{}
	moneyRun(t, late, ledger.Schedule{}, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		sim := simulated(t, env, gateway.Options{SettleDelay: -1})
		late.set(sim)
		in := w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900))
		in.ShippedAt, in.DeliveredAt = nil, nil
		o := w.mustOrder(t, in)
		apply := app.ApplyInput{OrderNo: o.OrderNo, Type: aftersale.RefundOnly, Reason: aftersale.OutOfStock,
			Items: []policy.RequestItem{{SKU: "JACKET", Quantity: 1}}, Description: "缺货 / out of stock"}
		// 50 applications for the one unit at once: one case.
		var wg sync.WaitGroup
		statuses := make([]int, 50)
		for i := range 50 {
			wg.Go(func() {
				statuses[i] = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: w.customer1, JSON: apply}).Status
			})
		}
		wg.Wait()
		var c app.CaseView
		opened := 0
		for _, s := range statuses {
			if s == http.StatusCreated {
				opened++
			}
		}
		if opened != 1 {
			t.Fatalf("50 applications for one unit opened %d cases: %v", opened, statuses)
		}
		var list app.CaseList
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases?order_no=" + o.OrderNo, Token: w.merchantA}).JSON(t, &list)
		c = w.getCase(t, w.merchantA, list.Items[0].ID)
		// The merchant's refund sent 50 times at once, by 50 requests of their own.
		var refunded atomic.Int32
		for range 50 {
			wg.Go(func() {
				if w.act(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Refund, Version: c.Version}).Status == http.StatusOK {
					refunded.Add(1)
				}
			})
		}
		wg.Wait()
		if refunded.Load() != 1 {
			t.Fatalf("the refund taken %d times", refunded.Load())
		}
		settleAll(t, env, w)
		l := w.caseLedger(t, w.customer1, c.ID)
		// The jacket (¥299) and, the order not having shipped, its ¥10 shipping fee.
		var jacket int64
		for _, e := range l.Entries {
			if e.SKU == "JACKET" && e.State != ledger.Failed {
				jacket += e.Amount
			}
		}
		if l.Refunded != 30900 || l.Pending != 0 || jacket != 29900 {
			t.Errorf("refunded %d (the jacket %d), pending %d; want 30900 (29900) and 0: %+v", l.Refunded, jacket, l.Pending, l.Entries)
		}
		pays, err := sim.Payments(t.Context(), time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		var paid int64
		for _, p := range pays {
			paid += p.Amount
		}
		if len(pays) != len(l.Entries) || paid != 30900 {
			t.Errorf("the gateway made %d payments of %d in all for %d entries; want one payment per entry, 30900 in all", len(pays), paid, len(l.Entries))
		}
		for _, e := range l.Entries {
			if r, err := sim.Lookup(t.Context(), e.IdempotencyKey); err != nil || r.Calls < 1 {
				t.Errorf("entry %s: the gateway's record %+v, %v", e.IdempotencyKey, r, err)
			}
		}
	})
}

// The gateway's callbacks: a bad signature is refused (403) and logged, and the entry
// stays pending; the real callback settles it; the same callback again is harmless. A
// callback for a key the ledger does not know is not found.
func TestPaymentCallbacks(t *testing.T) {
	gw := newTestGateway()
	moneyRun(t, gw, ledger.Schedule{}, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		c := w.refundedCase(t, "shop-a", "cust-1", w.customer1, w.merchantA)
		e := refundEntry(t, w.caseLedger(t, w.customer1, c.ID))
		now := time.Now().UTC().Truncate(time.Second)
		body := fmt.Sprintf(`{"idempotency_key":%q,"gateway_ref":"GW-1","amount":%d,"currency":"CNY","status":"succeeded","settled_at":%q}`,
			e.IdempotencyKey, e.Amount, now.Format(time.RFC3339))
		post := func(body, sig string) *apitest.Response {
			h := http.Header{}
			if sig != "" {
				h.Set(gateway.SignatureHeader, sig)
			}
			return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/payments/callback", Body: []byte(body),
				Header: h, ContentType: "application/json"})
		}
		for name, sig := range map[string]string{
			"unsigned":                 "",
			"signed with another key":  gateway.Sign([]byte("not the secret at all, no"), []byte(body)),
			"signed over another body": gateway.Sign(paymentSecret, []byte(strings.Replace(body, "29900", "99900", 1))),
			"malformed":                "sha256=zz",
		} {
			res := post(body, sig)
			wantProblem(t, res, http.StatusForbidden, app.CodeForbidden)
			if st := refundEntry(t, w.caseLedger(t, w.customer1, c.ID)).State; st != ledger.Pending {
				t.Errorf("%s callback: the entry is %s", name, st)
			}
		}
		if !strings.Contains(env.Logs(), "payment callback refused: bad signature") {
			t.Error("the refused callbacks were not logged")
		}
		for range 2 { // the callback, then its duplicate
			if res := post(body, gateway.Sign(paymentSecret, []byte(body))); res.Status != http.StatusOK {
				t.Fatalf("signed callback: %d %s", res.Status, res.Body)
			}
			got := refundEntry(t, w.caseLedger(t, w.customer1, c.ID))
			if got.State != ledger.Succeeded || got.GatewayRef != "GW-1" || got.SettledAt == nil || !got.SettledAt.Equal(now) {
				t.Errorf("after the callback: %+v", got)
			}
		}
		unknown := strings.Replace(body, e.IdempotencyKey, "no-such-key", 1)
		wantProblem(t, post(unknown, gateway.Sign(paymentSecret, []byte(unknown))), http.StatusNotFound, app.CodeNotFound)
		bad := `{"idempotency_key":"k","status":"succeeded"}`
		wantProblem(t, post(bad, gateway.Sign(paymentSecret, []byte(bad))), http.StatusUnprocessableEntity, app.CodeInvalid, "body")
	})
}

// earlyGateway calls back before its call returns: the callback settles the entry, and
// the call's answer ("processing") changes nothing after it.
type earlyGateway struct {
	*testGateway
	callback func(p ledger.Payment)
}

func (g *earlyGateway) Pay(ctx context.Context, req ledger.PayRequest) (ledger.Payment, error) {
	p, err := g.testGateway.Pay(ctx, req)
	if err != nil {
		return p, err
	}
	g.callback(p)
	p.Status = ledger.Processing // as the call saw it
	return p, nil
}

func TestACallbackBeforeTheCallReturned(t *testing.T) {
	gw := &earlyGateway{testGateway: newTestGateway()}
	moneyRun(t, gw, ledger.Schedule{}, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		gw.callback = func(p ledger.Payment) {
			body := fmt.Sprintf(`{"idempotency_key":%q,"gateway_ref":%q,"amount":%d,"currency":"CNY","status":"succeeded"}`, p.Key, p.Ref, p.Amount)
			h := http.Header{gateway.SignatureHeader: {gateway.Sign(paymentSecret, []byte(body))}}
			if res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/payments/callback", Body: []byte(body), Header: h,
				ContentType: "application/json"}); res.Status != http.StatusOK {
				t.Errorf("the early callback: %d %s", res.Status, res.Body)
			}
		}
		c := w.refundedCase(t, "shop-a", "cust-1", w.customer1, w.merchantA)
		e := refundEntry(t, w.caseLedger(t, w.customer1, c.ID))
		next, err := env.App.ExecutePayment(t.Context(), []byte(`{"entry_id":"`+e.ID+`"}`))
		if err != nil || !next.IsZero() {
			t.Fatalf("execute: again at %v, %v; want done", next, err)
		}
		got := refundEntry(t, w.caseLedger(t, w.customer1, c.ID))
		if got.State != ledger.Succeeded || got.SettledAt == nil {
			t.Errorf("the entry after the early callback: %+v", got)
		}
	})
}

// Cash paid at the door has no way back: the original way is refused on the field, and
// without a method the case refunds to the balance.
func TestCashOnDeliveryIsNotRefundedTheOriginalWay(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		in := w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900))
		in.PaymentMethod = "cod"
		o := w.mustOrder(t, in)
		apply := returnRefund(o.OrderNo, "JACKET", 1)
		apply.RefundMethod = aftersale.RefundOriginal
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: w.customer1, JSON: apply})
		p := wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "refund_method")
		if !strings.Contains(p.Errors[0].Message.ZH, "货到付款") {
			t.Errorf("the field's message: %+v", p.Errors[0].Message)
		}
		apply.RefundMethod = ""
		if c := w.mustApply(t, w.customer1, apply); c.RefundMethod != aftersale.RefundBalance {
			t.Errorf("a COD case without a method refunds to %s, want balance", c.RefundMethod)
		}
	})
}

// A refund whose every try fails becomes failed once the gateway says it has no such
// payment; an agent pays it again by balance, which succeeds; it cannot be paid again a
// second time. Meanwhile the case cannot complete; once paid, the customer confirms it.
func TestARefundFailingForGoodIsPaidByBalance(t *testing.T) {
	gw := newTestGateway()
	moneyRun(t, gw, ledger.Schedule{First: time.Millisecond, Cap: time.Millisecond, MaxAttempts: 3}, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		gw.set("down")
		c := w.refundedCase(t, "shop-a", "cust-1", w.customer1, w.merchantA)
		e := refundEntry(t, w.caseLedger(t, w.customer1, c.ID))
		for i := range 3 {
			next, err := env.App.ExecutePayment(t.Context(), []byte(`{"entry_id":"`+e.ID+`"}`))
			if err != nil || (i < 2) == next.IsZero() {
				t.Fatalf("try %d: again at %v, %v", i+1, next, err)
			}
		}
		failed := refundEntry(t, w.caseLedger(t, w.customer1, c.ID))
		if failed.State != ledger.Failed || failed.Attempts != 3 || failed.LastError == "" {
			t.Fatalf("after 3 failed tries: %+v", failed)
		}
		// The customer cannot complete the case while its money is not paid.
		cur := w.getCase(t, w.customer1, c.ID)
		res := w.act(t, w.customer1, c.ID, app.ActInput{Action: aftersale.Confirm, Version: cur.Version})
		if p := wantProblem(t, res, http.StatusConflict, app.CodeConflict); !strings.Contains(p.DetailZH, "退款尚未到账") {
			t.Errorf("confirm with the refund failed: %s", p.DetailZH)
		}
		// Merchants may not pay it again; agents may.
		retry := func(token string) *apitest.Response {
			return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/ledger/" + failed.ID + "/retry", Token: token,
				JSON: app.RetryInput{Method: ledger.Balance}})
		}
		wantProblem(t, retry(w.merchantA), http.StatusForbidden, app.CodeForbidden)
		gw.set("pay")
		res = retry(w.agent)
		if res.Status != http.StatusCreated {
			t.Fatalf("retry by balance: %d %s", res.Status, res.Body)
		}
		var again app.EntryView
		res.JSON(t, &again)
		if again.Replaces != failed.ID || again.Method != ledger.Balance || again.State != ledger.Pending || again.Amount != failed.Amount {
			t.Errorf("the new entry: %+v", again)
		}
		wantProblem(t, retry(w.agent), http.StatusConflict, app.CodeConflict)
		settleAll(t, env, w) // the new entry, and the order's shipping fee refunded beside the jacket
		l := w.caseLedger(t, w.customer1, c.ID)
		if l.Pending != 0 {
			t.Errorf("pending %d after paying by balance: %+v", l.Pending, l.Entries)
		}
		cur = w.getCase(t, w.customer1, c.ID)
		if res := w.act(t, w.customer1, c.ID, app.ActInput{Action: aftersale.Confirm, Version: cur.Version}); res.Status != http.StatusOK {
			t.Errorf("confirm once paid: %d %s", res.Status, res.Body)
		}
		pays, _ := gw.Payments(t.Context(), time.Time{}, time.Time{})
		for _, p := range pays {
			if p.Key == failed.IdempotencyKey {
				t.Errorf("the failed key was paid: %+v", p)
			}
		}
	})
}
