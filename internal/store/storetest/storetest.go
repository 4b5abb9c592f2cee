// Package storetest is the conformance suite of store.Store: every implementation runs
// Run from a one-line test and so behaves the same as every other. The suite speaks only
// through the store interface; it knows nothing of SQL or of any database.
//
// Notes for implementers: SKUs and ids in the suite are ASCII of equal shape, so that an
// order "by SKU" or "by id" is the same under byte-wise and locale collations; still, an
// implementation should compare such keys byte-wise (COLLATE "C" in PostgreSQL).
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/store"
)

// Run runs the whole suite. open must return a new, empty, migrated store for each call
// (each subtest calls it once) whose clock is now (store.Options.Now), and close it with
// t.Cleanup. The clock reads the real time unless the subtest sets it; it is safe for
// concurrent use. Subtests run one after another, so that a suite on a shared database
// server holds one store's connections at a time.
func Run(t *testing.T, open func(t *testing.T, now func() time.Time) store.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Transactions", transactionTests},
		{"Merchants", merchantTests},
		{"Orders", orderTests},
		{"Holdings", holdingTests},
		{"Cases", caseTests},
		{"ListCases", listTests},
		{"Queue", queueTests},
		{"ListOrders", orderListTests},
		{"Workload", workloadTests},
		{"Events", eventTests},
		{"Timers", timerTests},
		{"Outbox", outboxTests},
		{"Messages", messageTests},
		{"Idempotency", idempotencyTests},
		{"Attachments", attachmentTests},
		{"Uploads", uploadTests},
		{"Policies", policyTests},
		{"RateBuckets", rateTests},
		{"Tokens", tokenTests},
		{"Users", userTests},
		{"Sessions", sessionTests},
		{"ShopSecrets", shopSecretTests},
		{"Audit", auditTests},
		{"Ledger", ledgerTests},
		{"Disputes", disputeTests},
		{"Complaints", complaintTests},
		{"Logistics", logisticsTests},
		{"Tasks", taskTests},
		{"Notifications", notificationTests},
		{"Webhooks", webhookTests},
		{"Desk", deskTests},
		{"Analytics", analyticsTests},
		{"Reporting", reportingTests},
		{"Alerts", alertTests},
		{"Plans", planTests},
		{"Recalls", recallTests},
		{"Assistant", assistantTests},
		{"Triage", triageTests},
		{"Risk", riskTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tt := range g.tests {
				t.Run(tt.name, func(t *testing.T) {
					clk := &clock{}
					s := open(t, clk.Now)
					if tt.clocked != nil {
						tt.clocked(t, s, clk)
						return
					}
					tt.run(t, s)
				})
			}
		})
	}
}

// test is one behaviour, checked on a fresh store: run, or clocked when the test sets the
// store's clock.
type test struct {
	name    string
	run     func(t *testing.T, s store.Store)
	clocked func(t *testing.T, s store.Store, clk *clock)
}

// clock is the store's clock in a subtest: the real time until Set, then the time set.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now is the time set, or the real time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		return time.Now()
	}
	return c.now
}

// Set fixes the clock at now.
func (c *clock) Set(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

// Advance moves a set clock by d.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// base is the suite's reference time: UTC, to the microsecond.
var base = time.Date(2025, 3, 10, 9, 30, 0, 123456000, time.UTC)

// errBoom is what a failing transaction function returns.
var errBoom = errors.New("boom: the command failed")

// mustUpdate runs fn in s.Update and fails the test on error.
func mustUpdate(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// prune runs one of the store's retention deletes (store.Tx.PruneOutbox, …) in a
// transaction of its own and returns how many rows it deleted.
func prune(t *testing.T, s store.Store, del func(store.Tx, context.Context, time.Time, int) (int, error), before time.Time, limit int) int {
	t.Helper()
	var n int
	mustUpdate(t, s, func(tx store.Tx) error {
		var err error
		n, err = del(tx, t.Context(), before, limit)
		return err
	})
	return n
}

// mustView runs fn in s.View and fails the test on error.
func mustView(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.View(t.Context(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// wantErr fails the test unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: err = %v, want %v", what, err, target)
	}
}

// wantEqual fails the test unless got and want are deeply equal.
func wantEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %s\nwant %s", what, show(got), show(want))
	}
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return fmt.Sprintf("%s (%T)", b, v)
}

// wantSameJSON fails the test unless got and want are the same JSON value (key order
// and spacing aside: a store may keep JSON in a normalized form).
func wantSameJSON(t *testing.T, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: stored JSON does not parse: %v (%q)", what, err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\n got %s\nwant %s", what, got, want)
	}
}

// sampleOrder is an order of two lines, given out of SKU order.
func sampleOrder(no, merchant, customer string) order.Order {
	return order.Order{
		No:               no,
		Merchant:         merchant,
		Customer:         customer,
		Currency:         money.CNY,
		PaymentMethod:    order.Online,
		ShippingFee:      money.Yuan(1000),
		FreightInsurance: true,
		PaidAt:           base,
		ShippedAt:        base.Add(26 * time.Hour),
		DeliveredAt:      base.Add(72 * time.Hour),
		Items: []order.Item{
			{SKU: "SKU-B", Title: "棉质T恤 Cotton T-shirt", Category: "apparel", Quantity: 2,
				UnitPrice: money.Yuan(9900), PaidAmount: money.Yuan(18000), Tags: []string{order.TagGift}},
			{SKU: "SKU-A", Title: "保温杯 Vacuum flask", Category: "home", Quantity: 1,
				UnitPrice: money.Yuan(5000), PaidAmount: money.Yuan(5000)},
		},
	}
}

// asStored is o as Order returns it right after UpsertOrder: lines by SKU, nothing held.
func asStored(o order.Order) order.Order {
	w := o
	w.ShippingRefunded = false
	w.Items = slices.Clone(o.Items)
	zero := money.New(0, o.Currency)
	for i := range w.Items {
		it := &w.Items[i]
		it.Claimed, it.Refunded, it.Reserved = 0, zero, zero
		if len(it.Tags) == 0 {
			it.Tags = nil
		}
	}
	slices.SortFunc(w.Items, func(a, b order.Item) int { return strings.Compare(a.SKU, b.SKU) })
	return w
}

// seedOrder creates o's merchant, customer and o itself.
func seedOrder(t *testing.T, s store.Store, o order.Order) {
	t.Helper()
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.EnsureMerchant(t.Context(), o.Merchant); err != nil {
			return err
		}
		if err := tx.EnsureCustomer(t.Context(), o.Customer); err != nil {
			return err
		}
		_, err := tx.UpsertOrder(t.Context(), o)
		return err
	})
}

// sampleCase is a return-and-refund case on o's first line with every field of the case
// set, so that a round trip loses nothing unnoticed.
func sampleCase(id string, o order.Order, created time.Time) *aftersale.Case {
	it := o.Items[0]
	return &aftersale.Case{
		ID:          id,
		Number:      "RMA-" + id,
		OrderNo:     o.No,
		MerchantID:  o.Merchant,
		CustomerID:  o.Customer,
		Type:        aftersale.ReturnRefund,
		Reason:      aftersale.QualityDefect,
		State:       aftersale.Approved,
		Version:     1,
		Items:       []aftersale.Item{{SKU: it.SKU, Quantity: 1, PaidAmount: money.Yuan(9000)}},
		Description: "领口开线 — the collar seam is open",
		Evidence: []aftersale.Evidence{
			{ID: "att-1", Kind: "photo"}, {ID: "att-2", Kind: "video"},
		},
		RefundMethod:        aftersale.RefundOriginal,
		Channel:             "app",
		PaymentMethod:       "online",
		OrderShipped:        true,
		PolicyVersion:       "platform@3",
		ItemsPaid:           money.Yuan(9000),
		RefundAmount:        money.Yuan(9000),
		RefundedAmount:      money.Yuan(1000),
		ChargedAmount:       money.Yuan(200),
		ReturnShippingPayer: aftersale.PayerMerchant,
		ShippingReimbursed:  true,
		InWarranty:          true,
		RefundsUnits:        true,
		Applications:        2,
		FailedRepairs:       1,
		Quote:               money.Yuan(3000),
		QuoteAccepted:       true,
		Offer:               money.Yuan(1500),
		RequestedAmount:     money.Yuan(2000),
		ReturnShipment: &aftersale.Shipment{Carrier: "SF", TrackingNo: "SF1234567890",
			Cost: money.Yuan(1200), At: created.Add(2 * time.Hour)},
		OutboundShipment: &aftersale.Shipment{Carrier: "ZTO", TrackingNo: "ZT987",
			At: created.Add(5 * time.Hour)},
		DisputedFrom: aftersale.Rejected,
		Assignee:     "alice",
		Group:        "returns",
		Deadlines: []aftersale.Deadline{
			{Kind: aftersale.CustomerShipBack, Due: created.Add(7 * 24 * time.Hour)},
			{Kind: aftersale.MerchantResponse, Due: created.Add(48 * time.Hour)},
		},
		SLATrail: &aftersale.SLATrail{Seq: 1, State: aftersale.Approved, Since: created.Add(time.Minute),
			Runs:  []aftersale.TimeSpan{{From: created, To: created.Add(time.Minute)}},
			First: created.Add(time.Minute), From: created.Add(30 * time.Second), Last: created.Add(time.Minute)},
		CreatedAt: created,
		UpdatedAt: created.Add(time.Minute),
	}
}

// sampleDecision is a policy decision as the application stores it.
var sampleDecision = json.RawMessage(`{"eligible": true, "refund": {"minor": 9000, "currency": "CNY"},
 "return_shipping_payer": "merchant", "explanation": ["质量问题：商家承担运费", "statutory floor"],
 "policy": {"id": "platform", "version": 3}}`)

// seedCase creates an order and a case on it, and returns the case.
func seedCase(t *testing.T, s store.Store, id string) *aftersale.Case {
	t.Helper()
	o := sampleOrder("O-"+id, "M-1", "C-1")
	seedOrder(t, s, o)
	c := sampleCase(id, o, base)
	mustUpdate(t, s, func(tx store.Tx) error { return tx.InsertCase(t.Context(), c, sampleDecision) })
	return c
}
