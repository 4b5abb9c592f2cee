package ledger_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/money"
)

var at = time.Date(2026, 12, 5, 14, 30, 0, 0, time.UTC)

func cny(minor int64) money.Amount { return money.New(minor, "CNY") }

// twoLines is a case on two lines of an order, refunded: 300.00 of the items and the
// order's 10.00 shipping fee.
func twoLines() ledger.Transition {
	c := &aftersale.Case{ID: "case-1", Number: "AS261205000001", OrderNo: "O-1", MerchantID: "shop-a", CustomerID: "c-1",
		Items: []aftersale.Item{{SKU: "A", Quantity: 1, PaidAmount: cny(20000)}, {SKU: "B", Quantity: 1, PaidAmount: cny(10000)}}}
	n := 0
	return ledger.Transition{
		Case:  c,
		Event: &aftersale.Event{Seq: 4, Action: aftersale.Refund, Actor: aftersale.Actor{Role: aftersale.Merchant, ID: "staff.a"}, At: at},
		Moves: []aftersale.Movement{{Kind: aftersale.MoveRefund, Amount: cny(31000), Method: aftersale.RefundBalance},
			{Kind: aftersale.MoveShippingReimbursement, Amount: cny(1200)}},
		PaidBack: []aftersale.Holding{{SKU: "A", Refunded: cny(20000)}, {SKU: "B", Refunded: cny(10000)}},
		NewID:    func() string { n++; return fmt.Sprint("e", n) },
	}
}

// A refund is paid per item as the holdings attribute it; the rest is the order's
// shipping fee, without an item; each entry says who pays whom, by which method, caused by
// which event and actor, under a key derived from the event.
func TestPlanSplitsARefundOverTheItems(t *testing.T) {
	entries, err := ledger.Plan(twoLines())
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		sku, key string
		kind     ledger.Kind
		amount   int64
		method   ledger.Method
	}{
		{"A", "case-1:4:0:A", ledger.Refund, 20000, ledger.Balance},
		{"B", "case-1:4:0:B", ledger.Refund, 10000, ledger.Balance},
		{"", "case-1:4:0", ledger.Refund, 1000, ledger.Balance},
		{"", "case-1:4:1", ledger.ShippingReimbursement, 1200, ledger.Original},
	}
	if len(entries) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(entries), len(want), entries)
	}
	for i, w := range want {
		e := entries[i]
		if e.SKU != w.sku || e.IdempotencyKey != w.key || e.Kind != w.kind || e.Amount != w.amount || e.Method != w.method {
			t.Errorf("entry %d: %s %s %s %d %s, want %s %s %s %d %s", i, e.SKU, e.IdempotencyKey, e.Kind, e.Amount, e.Method, w.sku, w.key, w.kind, w.amount, w.method)
		}
		if e.Payer != ledger.Merchant || e.Payee != ledger.Customer || e.State != ledger.Pending || e.Seq != 4 ||
			e.Actor.ID != "staff.a" || e.CaseID != "case-1" || e.OrderNo != "O-1" || !e.CreatedAt.Equal(at) || e.Currency != "CNY" {
			t.Errorf("entry %d: %+v", i, e)
		}
	}
}

func TestParties(t *testing.T) {
	for kind, want := range map[ledger.Kind][2]ledger.Party{
		ledger.Refund: {ledger.Merchant, ledger.Customer}, ledger.Compensation: {ledger.Merchant, ledger.Customer},
		ledger.ShippingReimbursement: {ledger.Merchant, ledger.Customer}, ledger.PriceDifference: {ledger.Merchant, ledger.Customer},
		ledger.Charge: {ledger.Customer, ledger.Merchant}, ledger.Advance: {ledger.Platform, ledger.Customer},
		ledger.Recovery: {ledger.Merchant, ledger.Platform},
	} {
		if payer, payee := ledger.Parties(kind); payer != want[0] || payee != want[1] {
			t.Errorf("%s: %s → %s, want %s → %s", kind, payer, payee, want[0], want[1])
		}
	}
}

// Whatever the split, the entries of a movement add up to it, each item gets at most what
// the holdings paid back for it, and the keys never repeat.
func TestPlanKeepsTheSums(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tr := twoLines()
		a := rapid.Int64Range(0, 20000).Draw(t, "a")
		b := rapid.Int64Range(0, 10000).Draw(t, "b")
		extra := rapid.Int64Range(0, 5000).Draw(t, "shipping")
		tr.PaidBack = []aftersale.Holding{{SKU: "A", Refunded: cny(a)}, {SKU: "B", Refunded: cny(b)}}
		tr.Moves = []aftersale.Movement{{Kind: aftersale.MoveRefund, Amount: cny(a + b + extra)}}
		entries, err := ledger.Plan(tr)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		keys := map[string]bool{}
		per := map[string]int64{}
		for _, e := range entries {
			if e.Amount <= 0 {
				t.Fatalf("entry of %d", e.Amount)
			}
			if keys[e.IdempotencyKey] {
				t.Fatalf("key %s twice", e.IdempotencyKey)
			}
			keys[e.IdempotencyKey] = true
			sum += e.Amount
			per[e.SKU] += e.Amount
		}
		if sum != a+b+extra || per["A"] != a || per["B"] != b || per[""] != extra {
			t.Fatalf("entries %v sum %d; want A %d B %d shipping %d", per, sum, a, b, extra)
		}
	})
}

func TestRetriedIsANewPaymentThatReplacesTheFailedOne(t *testing.T) {
	entries, _ := ledger.Plan(twoLines())
	failed := entries[0]
	failed.State, failed.Attempts, failed.LastError, failed.GatewayRef = ledger.Failed, 8, "timeout", "SIM1"
	agent := aftersale.Actor{Role: aftersale.Agent, ID: "agent.li"}
	n := ledger.Retried(failed, ledger.Balance, agent, "e9", at.Add(time.Hour))
	if n.ID != "e9" || n.Replaces != failed.ID || n.State != ledger.Pending || n.Attempts != 0 || n.LastError != "" || n.GatewayRef != "" ||
		n.Method != ledger.Balance || n.Actor != agent || n.IdempotencyKey == failed.IdempotencyKey || n.Amount != failed.Amount || n.SKU != failed.SKU {
		t.Errorf("retried: %+v", n)
	}
}

// The first retry comes within seconds; the waits grow and stop at the cap; jitter takes
// off at most a fifth.
func TestScheduleDelay(t *testing.T) {
	s := ledger.Schedule{First: 2 * time.Second, Cap: 5 * time.Minute, MaxAttempts: 8}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 40; n++ {
		d := s.Delay(n, r)
		ideal := min(2*time.Second<<min(n-1, 30), 5*time.Minute)
		if d > ideal || d < ideal*4/5 {
			t.Errorf("attempt %d: %s, want in [%s, %s]", n, d, ideal*4/5, ideal)
		}
	}
	if d := s.Delay(1, r); d > 2*time.Second {
		t.Errorf("first retry after %s", d)
	}
	if s.GivesUp(7) || !s.GivesUp(8) {
		t.Error("gives up at the wrong attempt")
	}
	if z := (ledger.Schedule{}).Normal(); z != ledger.DefaultSchedule {
		t.Errorf("zero schedule: %+v", z)
	}
}

func TestReconcile(t *testing.T) {
	e := func(key string, st ledger.State, amount int64) ledger.Entry {
		return ledger.Entry{IdempotencyKey: key, State: st, Amount: amount, Currency: "CNY", Kind: ledger.Refund, OrderNo: "O-1", SKU: "A"}
	}
	p := func(key string, st ledger.PaymentStatus, amount int64) ledger.Payment {
		return ledger.Payment{Key: key, Status: st, Amount: amount, Currency: "CNY"}
	}
	if m := ledger.Reconcile([]ledger.Entry{e("k1", ledger.Succeeded, 100), e("k2", ledger.Pending, 50), e("k3", ledger.Failed, 10)},
		[]ledger.Payment{p("k1", ledger.Paid, 100), p("k2", ledger.Processing, 50), p("k3", ledger.Declined, 10)},
		[]ledger.ItemPaid{{OrderNo: "O-1", SKU: "A", Amount: 150}}); len(m) != 0 {
		t.Errorf("a ledger that agrees: %v", m)
	}
	got := ledger.Reconcile(
		[]ledger.Entry{e("a", ledger.Succeeded, 100), e("b", ledger.Succeeded, 100), e("c", ledger.Failed, 100), e("d", ledger.Succeeded, 100)},
		[]ledger.Payment{p("b", ledger.Paid, 90), p("c", ledger.Paid, 100), p("d", ledger.Paid, 100), p("d", ledger.Paid, 100), p("x", ledger.Paid, 5)},
		[]ledger.ItemPaid{{OrderNo: "O-1", SKU: "A", Amount: 250}})
	want := []string{"O-1/A over_refunded", "a missing_at_gateway", "b amount_differs", "c missing_in_ledger", "d paid_twice", "x missing_in_ledger"}
	if len(got) != len(want) {
		t.Fatalf("mismatches %v, want %v", got, want)
	}
	for i, w := range want {
		if s := got[i].Key + " " + string(got[i].Kind); s != w {
			t.Errorf("mismatch %d: %s, want %s", i, s, w)
		}
	}
}
