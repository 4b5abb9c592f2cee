package httpapi_test

// The money pages on both stores, with the ledger's entries made as they are in use: a
// refund taken on a case writes them, and the application executes them through a payment
// gateway — here one at the test's command (the true boundary: it pays, is down, or
// declines). The case page shows each entry in words the customer understands, in both
// languages; staff see why a payment failed; an agent pays a failed one again by another
// method through the page's form. The money page shows merchants their own money only.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/store"
)

// testGateway is a payment gateway at the test's command: it pays, is down (the call
// fails and the entry is retried on the schedule) or declines (the entry fails for good).
// Like a real one, it pays a key once and answers that payment again.
type testGateway struct {
	mu   sync.Mutex
	mode string // pay, down, decline
	paid map[string]ledger.Payment
}

func newTestGateway() *testGateway {
	return &testGateway{mode: "pay", paid: map[string]ledger.Payment{}}
}

func (g *testGateway) set(mode string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.mode = mode
}

func (g *testGateway) Pay(_ context.Context, req ledger.PayRequest) (ledger.Payment, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p, ok := g.paid[req.Key]; ok {
		return p, nil
	}
	switch g.mode {
	case "down":
		return ledger.Payment{}, errors.New("gateway unavailable: connection reset by peer")
	case "decline":
		return ledger.Payment{}, fmt.Errorf("%w: the card account is closed", ledger.ErrDeclined)
	}
	now := time.Now().UTC()
	p := ledger.Payment{Key: req.Key, Ref: fmt.Sprintf("GW%06d", len(g.paid)+1), Amount: req.Amount, Currency: req.Currency,
		Method: req.Method, Status: ledger.Paid, CreatedAt: now, SettledAt: &now}
	g.paid[req.Key] = p
	return p, nil
}

// Payment is the gateway's record of a key: what it paid, or no payment.
func (g *testGateway) Payment(_ context.Context, key string) (ledger.Payment, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p, ok := g.paid[key]; ok {
		return p, nil
	}
	return ledger.Payment{}, ledger.ErrNoPayment
}

func (g *testGateway) Payments(context.Context, time.Time, time.Time) ([]ledger.Payment, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []ledger.Payment
	for _, p := range g.paid {
		out = append(out, p)
	}
	return out, nil
}

// refundedCase is a refund-only case of an order not yet shipped, refunded by staff (the
// token): the refund's transition writes the ledger's entries, pending.
func (w *world) refundedCase(t *testing.T, merchant, customer, customerToken, staffToken string) app.CaseView {
	t.Helper()
	in := w.orderInput(merchant, customer, line("JACKET", 1, 29900))
	in.ShippedAt, in.DeliveredAt = nil, nil
	o := w.mustOrder(t, in)
	c := w.mustApply(t, customerToken, app.ApplyInput{OrderNo: o.OrderNo, Type: aftersale.RefundOnly, Reason: aftersale.OutOfStock,
		Items: []policy.RequestItem{{SKU: "JACKET", Quantity: 1}}, Description: "缺货 / out of stock"})
	return w.mustAct(t, staffToken, c.ID, app.ActInput{Action: aftersale.Refund, Version: c.Version})
}

// caseLedger reads a case's entries as the token's principal sees them (the query the
// case page makes).
func (w *world) caseLedger(t *testing.T, token, caseID string) app.CaseLedger {
	t.Helper()
	p, err := w.env.App.Authenticate(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	l, err := w.env.App.CaseLedger(t.Context(), p, caseID)
	if err != nil {
		t.Fatalf("the ledger of case %s: %v", caseID, err)
	}
	return *l
}

// refundEntry is the case's refund of the jacket.
func refundEntry(t *testing.T, l app.CaseLedger) app.EntryView {
	t.Helper()
	for _, e := range l.Entries {
		if e.Kind == ledger.Refund && e.SKU == "JACKET" && e.Replaces == "" {
			return e
		}
	}
	t.Fatalf("no refund of the jacket among %+v", l.Entries)
	return app.EntryView{}
}

// execute runs the relay's work for one entry: the application asks the gateway to pay it.
func execute(t *testing.T, env *apitest.Env, entryID string) {
	t.Helper()
	if _, err := env.App.ExecutePayment(t.Context(), json.RawMessage(`{"entry_id":"`+entryID+`"}`)); err != nil {
		t.Fatalf("execute %s: %v", entryID, err)
	}
}

// failEntry fails an entry for good, straight in the store (for the access matrix, whose
// platform has no gateway).
func failEntry(t *testing.T, env *apitest.Env, id string) {
	t.Helper()
	err := env.Store.Update(t.Context(), func(tx store.Tx) error {
		e, err := tx.Entry(t.Context(), id)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		e.State, e.Attempts, e.LastError, e.SettledAt = ledger.Failed, 1, "declined: the card account is closed", &now
		return tx.UpdateEntry(t.Context(), e)
	})
	if err != nil {
		t.Fatalf("fail entry %s: %v", id, err)
	}
}

func getPageIn(t *testing.T, env *apitest.Env, s *apitest.Session, path, lang string) *apitest.Response {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return getPage(t, env, s, path+sep+"lang="+lang)
}

var retryKey = regexp.MustCompile(`action="/cases/[^"]+/retry"[^>]*>\s*<input type="hidden" name="csrf_token" value="[^"]*">\s*<input type="hidden" name="lang" value="[a-z]+">\s*<input type="hidden" name="idempotency_key" value="([^"]+)">`)

// A refund's entry on the case page as it goes (SPEC §8): pending, failing and retried on
// the schedule, declined for good — when an agent pays it again to the balance through the
// page's form (a wrong method is shown at the field, a form without its CSRF token does
// nothing, the same form twice pays once) — and paid, with the day it arrived.
func TestCasePageShowsItsMoneyAndAnAgentPaysAFailedRefundAgain(t *testing.T) {
	gw := newTestGateway()
	apitest.RunWithApp(t, func(c *app.Config) {
		c.Gateway = gw
		c.Payments = ledger.Schedule{MaxAttempts: 3}
	}, nil, func(t *testing.T, env *apitest.Env) {
		gw.set("pay")
		w := newWorld(t, env)
		c := w.refundedCase(t, "shop-a", "cust-1", w.customer1, w.merchantA)
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))
		agent := env.Login(t, "agent.a", env.User(t, "agent.a", app.RoleAgent, "", "shop-a"))
		refund := refundEntry(t, w.caseLedger(t, w.customer1, c.ID))
		casePath := "/cases/" + c.ID

		// Pending: the customer reads it in their language.
		wantPage(t, getPageIn(t, env, customer, casePath, "zh"), http.StatusOK, "款项", "退款", "¥299.00", "原路退回", "退款处理中")
		wantPage(t, getPageIn(t, env, customer, casePath, "en"), http.StatusOK, `id="money"`, "Refund", "¥299.00",
			"Original payment method", "Refund pending")

		// The gateway is down: the payment is retried, and the page says so; staff see why.
		gw.set("down")
		execute(t, env, refund.ID)
		page := getPageIn(t, env, customer, casePath, "zh")
		wantPage(t, page, http.StatusOK, "退款失败,正在重试")
		if strings.Contains(string(page.Body), "connection reset") {
			t.Error("the customer is shown the gateway's error")
		}
		wantPage(t, getPageIn(t, env, staff, casePath, "en"), http.StatusOK, "Failed, we are retrying", "connection reset by peer", "Next attempt")

		// Declined for good: failed; the agent is offered another method, the merchant is not.
		gw.set("decline")
		execute(t, env, refund.ID)
		wantPage(t, getPageIn(t, env, customer, casePath, "zh"), http.StatusOK, "退款失败")
		wantPage(t, getPageIn(t, env, customer, casePath, "en"), http.StatusOK, ">Failed<")
		retryAction := fmt.Sprintf(`action="/cases/%s/ledger/%s/retry"`, c.ID, refund.ID)
		for who, s := range map[string]*apitest.Session{"customer": customer, "merchant": staff} {
			if p := getPageIn(t, env, s, casePath, "en"); strings.Contains(string(p.Body), retryAction) {
				t.Errorf("the %s is offered to pay the refund again", who)
			}
		}
		wantPage(t, getPageIn(t, env, staff, casePath, "en"), http.StatusOK, "the card account is closed")
		form := getPageIn(t, env, agent, casePath, "zh")
		wantPage(t, form, http.StatusOK, retryAction, `name="method"`, `<option value="balance" selected>账户余额</option>`, "改用以下方式重新支付")
		key := retryKey.FindSubmatch(form.Body)
		if key == nil {
			t.Fatalf("the retry form has no idempotency key:\n%s", form.Body)
		}
		retryPath := casePath + "/ledger/" + refund.ID + "/retry"

		// Without its CSRF token the form does nothing; a method that is none is shown at the field.
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: retryPath, Cookies: []*http.Cookie{agent.Cookie}, Header: english(),
			Form: url.Values{"method": {"balance"}}})
		wantPage(t, res, http.StatusForbidden)
		res = postPage(t, env, agent, retryPath, url.Values{"method": {"cash"}})
		wantPage(t, res, http.StatusUnprocessableEntity, `aria-invalid="true"`, `class="field-error"`, "the method must be original, balance or bank_card")
		before := len(w.caseLedger(t, w.customer1, c.ID).Entries)

		// Another merchant's case, or an entry of another case, is not found.
		other := w.refundedCase(t, "shop-b", "cust-1", w.customer1, w.merchantB)
		wantPage(t, postPage(t, env, agent, "/cases/"+other.ID+"/ledger/"+refund.ID+"/retry", url.Values{"method": {"balance"}}), http.StatusNotFound)
		mine := w.refundedCase(t, "shop-a", "cust-1", w.customer1, w.merchantA)
		wantPage(t, postPage(t, env, agent, "/cases/"+mine.ID+"/ledger/"+refund.ID+"/retry", url.Values{"method": {"balance"}}), http.StatusNotFound)

		// Paid again to the balance: one new pending entry, and the case page says so.
		res = postPage(t, env, agent, retryPath, url.Values{"method": {"balance"}, "idempotency_key": {string(key[1])}})
		wantRedirect(t, res, casePath+"?done=retry&lang=en#money")
		l := w.caseLedger(t, w.customer1, c.ID)
		if len(l.Entries) != before+1 {
			t.Fatalf("%d entries after the retry, want %d", len(l.Entries), before+1)
		}
		var again app.EntryView
		for _, e := range l.Entries {
			if e.Replaces == refund.ID {
				again = e
			}
		}
		if again.ID == "" || again.Method != ledger.Balance || again.State != ledger.Pending || again.Amount != refund.Amount {
			t.Fatalf("the retry made %+v", again)
		}
		page = getPageIn(t, env, agent, casePath+"?done=retry", "en")
		wantPage(t, page, http.StatusOK, "The payment was sent again", "Paid again by another method", "Account balance", "Refund pending")
		if strings.Contains(string(page.Body), retryAction) {
			t.Error("the failed entry is offered again after it was paid again")
		}
		// The same form sent twice acts once; a new form for the same entry is refused at the entry.
		wantRedirect(t, postPage(t, env, agent, retryPath, url.Values{"method": {"balance"}, "idempotency_key": {string(key[1])}}),
			casePath+"?done=retry&lang=en#money")
		res = postPage(t, env, agent, retryPath, url.Values{"method": {"bank_card"}})
		wantPage(t, res, http.StatusConflict)
		if !regexp.MustCompile(`id="money"[^§]*?<p class="error" role="alert">[^<]+</p>`).Match(res.Body) {
			t.Errorf("the refusal is not shown in the money section:\n%s", res.Body)
		}
		if n := len(w.caseLedger(t, w.customer1, c.ID).Entries); n != before+1 {
			t.Fatalf("%d entries after the form was sent again, want %d", n, before+1)
		}

		// The gateway pays: the customer reads when it arrived.
		gw.set("pay")
		execute(t, env, again.ID)
		wantPage(t, getPageIn(t, env, customer, casePath, "zh"), http.StatusOK, "已于 ", "到账")
		wantPage(t, getPageIn(t, env, customer, casePath, "en"), http.StatusOK, "Paid on ")

		// Another merchant's staff find nothing there.
		staffB := env.Login(t, "staff.b", env.User(t, "staff.b", app.RoleMerchant, "shop-b"))
		res = getPageIn(t, env, staffB, casePath, "en")
		wantPage(t, res, http.StatusNotFound)
		if strings.Contains(string(res.Body), c.Number) || strings.Contains(string(res.Body), refund.ID) {
			t.Error("another merchant sees the case's money")
		}
	})
}

// A case that moved no money has no money section.
func TestCasePageWithoutMoneyHasNoMoneySection(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		page := getPageIn(t, env, customer, "/cases/"+c.ID, "en")
		wantPage(t, page, http.StatusOK, c.Number)
		if strings.Contains(string(page.Body), `id="money"`) {
			t.Error("a case without entries shows a money section")
		}
	})
}

// The money page: a merchant's balances and entries, its own only; filters; supervisors
// across the merchants they serve; agents and customers refused.
func TestMoneyPageShowsEachMerchantItsOwnMoney(t *testing.T) {
	gw := newTestGateway()
	apitest.RunWithApp(t, func(c *app.Config) { c.Gateway = gw }, nil, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		paidCase := w.refundedCase(t, "shop-a", "cust-1", w.customer1, w.merchantA)
		failedCase := w.refundedCase(t, "shop-a", "cust-2", w.customer2, w.merchantA)
		caseB := w.refundedCase(t, "shop-b", "cust-1", w.customer1, w.merchantB)
		gw.set("pay")
		paid := refundEntry(t, w.caseLedger(t, w.customer1, paidCase.ID))
		execute(t, env, paid.ID)
		gw.set("decline")
		failed := refundEntry(t, w.caseLedger(t, w.customer2, failedCase.ID))
		execute(t, env, failed.ID)

		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))
		staffB := env.Login(t, "staff.b", env.User(t, "staff.b", app.RoleMerchant, "shop-b"))

		// Merchant A: the balances and the entries, each linked to its case; nothing of B.
		page := getPageIn(t, env, staff, "/money", "en")
		wantPage(t, page, http.StatusOK, `href="/money" aria-current="page"`, "Balances", "Refund", "¥299.00 (1)",
			`href="/cases/`+paidCase.ID+`?lang=en#money">`+paidCase.Number+`</a>`,
			`href="/cases/`+failedCase.ID+`?lang=en#money">`+failedCase.Number+`</a>`, "Paid on ", ">Failed<")
		if strings.Contains(string(page.Body), caseB.Number) || strings.Contains(string(page.Body), `name="merchant"`) {
			t.Error("merchant A's money page shows merchant B's money, or a merchant filter")
		}
		wantPage(t, getPageIn(t, env, staff, "/money", "zh"), http.StatusOK, "款项", "收支汇总", "退款", "已支付", "退款失败")
		// Merchant B sees its own and none of A's.
		page = getPageIn(t, env, staffB, "/money", "en")
		wantPage(t, page, http.StatusOK, caseB.Number)
		for _, s := range []string{paidCase.Number, failedCase.Number, paid.ID, failed.ID} {
			if strings.Contains(string(page.Body), s) {
				t.Errorf("merchant B's money page shows merchant A's %s", s)
			}
		}
		// ?merchant= of another merchant is not found for merchant staff.
		wantPage(t, getPageIn(t, env, staffB, "/money?merchant=shop-a", "en"), http.StatusNotFound)

		// Filters: the failed refunds only; a bad date is shown at its field.
		page = getPageIn(t, env, staff, "/money?kind=refund&state=failed", "en")
		wantPage(t, page, http.StatusOK, failedCase.Number, `<option value="failed" selected>`)
		if strings.Contains(string(page.Body), paidCase.Number) {
			t.Error("the failed filter shows a paid entry")
		}
		today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
		wantPage(t, getPageIn(t, env, staff, "/money?from="+today+"&to="+today, "en"), http.StatusOK, paidCase.Number)
		wantPage(t, getPageIn(t, env, staff, "/money?from=2001-01-01&to=2001-01-31", "en"), http.StatusOK, "No entries match.")
		wantPage(t, getPageIn(t, env, staff, "/money?from=yesterday", "en"), http.StatusUnprocessableEntity,
			`name="from" value="yesterday" aria-invalid="true"`, "Enter a date such as 2026-01-31.")
		wantPage(t, getPageIn(t, env, staff, "/money?state=lost", "en"), http.StatusUnprocessableEntity, `class="field-error"`)

		// Supervisors see every merchant, with a merchant filter; a scoped one their own.
		sup := env.Login(t, "sup", env.User(t, "sup", app.RoleSupervisor, ""))
		wantPage(t, getPageIn(t, env, sup, "/money", "en"), http.StatusOK, `name="merchant"`, paidCase.Number, caseB.Number)
		page = getPageIn(t, env, sup, "/money?merchant=shop-b", "zh")
		wantPage(t, page, http.StatusOK, caseB.Number)
		if strings.Contains(string(page.Body), paidCase.Number) {
			t.Error("the merchant filter shows another merchant's entry")
		}
		scoped := env.Login(t, "sup.b", env.User(t, "sup.b", app.RoleSupervisor, "", "shop-b"))
		page = getPageIn(t, env, scoped, "/money", "en")
		wantPage(t, page, http.StatusOK, caseB.Number)
		if strings.Contains(string(page.Body), paidCase.Number) {
			t.Error("a supervisor of shop-b sees shop-a's money")
		}
		// Agents find failed payments on the cases; the money page is not theirs, nor a customer's.
		agent := env.Login(t, "agent.a", env.User(t, "agent.a", app.RoleAgent, "", "shop-a"))
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		for _, s := range []*apitest.Session{agent, customer} {
			wantPage(t, getPageIn(t, env, s, "/money", "en"), http.StatusForbidden)
		}
		for who, home := range map[string]*apitest.Response{"agent": getPageIn(t, env, agent, "/queue", "en"), "customer": getPageIn(t, env, customer, "/", "en")} {
			wantPage(t, home, http.StatusOK)
			if strings.Contains(string(home.Body), `href="/money"`) {
				t.Errorf("the %s's navigation links to the money page", who)
			}
		}
	})
}
