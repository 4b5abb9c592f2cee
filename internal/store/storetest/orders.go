package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/store"
)

var orderTests = []test{
	{name: "UpsertCreatesThenUpdates", run: testUpsertCreatesThenUpdates},
	{name: "UpsertIgnoresHoldingsOnInput", run: testUpsertIgnoresHoldings},
	{name: "UpsertKeepsHoldings", run: testUpsertKeepsHoldings},
	{name: "UpsertRemovesUnheldLine", run: testUpsertRemovesUnheldLine},
	{name: "UpsertCannotRemoveHeldLine", run: testUpsertCannotRemoveHeldLine},
	{name: "UpsertCannotShrinkLineBelowHoldings", run: testUpsertCannotShrink},
	{name: "UpsertNeedsMerchantAndCustomer", run: testUpsertUnknownParties},
	{name: "MissingOrderNotFound", run: testOrderNotFound},
	{name: "OrdersOfManyAsEachOne", run: testOrdersOfMany},
}

// Orders reads several orders — one with holdings and its shipping fee held, one with a
// single line, one never stored — as Order reads each.
func testOrdersOfMany(t *testing.T, s store.Store) {
	o1 := sampleOrder("O-1", "M-1", "C-1")
	seedOrder(t, s, o1)
	held := true
	if err := adjust(t, s, "O-1", &held, aftersale.Holding{SKU: "SKU-B", Units: 1, Refunded: money.Yuan(9000), Reserved: money.Yuan(1000)}); err != nil {
		t.Fatal(err)
	}
	o2 := sampleOrder("O-2", "M-2", "C-2")
	o2.Items = o2.Items[1:]
	o2.ShippedAt, o2.DeliveredAt = time.Time{}, time.Time{}
	seedOrder(t, s, o2)
	var got map[string]order.Order
	read := func(nos ...string) {
		t.Helper()
		mustView(t, s, func(tx store.Tx) (err error) {
			got, err = tx.Orders(t.Context(), nos)
			return err
		})
	}
	read("O-2", "O-none", "O-1")
	wantEqual(t, "Orders", got, map[string]order.Order{"O-1": loadOrder(t, s, "O-1"), "O-2": loadOrder(t, s, "O-2")})
	if it := got["O-1"].Items; len(it) != 2 || it[1].Claimed != 1 || !got["O-1"].ShippingRefunded {
		t.Fatalf("O-1's holdings did not come: %+v", got["O-1"])
	}
	read()
	wantEqual(t, "Orders of none", got, map[string]order.Order{})
}

// loadOrder returns the stored order.
func loadOrder(t *testing.T, s store.Store, no string) order.Order {
	t.Helper()
	var o order.Order
	mustView(t, s, func(tx store.Tx) error {
		var err error
		o, err = tx.Order(t.Context(), no, false)
		return err
	})
	return o
}

// adjust runs AdjustHoldings in its own transaction.
func adjust(t *testing.T, s store.Store, no string, shippingHeld *bool, deltas ...aftersale.Holding) error {
	t.Helper()
	return s.Update(t.Context(), func(tx store.Tx) error {
		return tx.AdjustHoldings(t.Context(), no, deltas, shippingHeld)
	})
}

func upsert(t *testing.T, s store.Store, o order.Order) (created bool, err error) {
	t.Helper()
	err = s.Update(t.Context(), func(tx store.Tx) error {
		created, err = tx.UpsertOrder(t.Context(), o)
		return err
	})
	return created, err
}

func testUpsertCreatesThenUpdates(t *testing.T, s store.Store) {
	o := sampleOrder("O-1", "M-1", "C-1")
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.EnsureMerchant(t.Context(), "M-1"); err != nil {
			return err
		}
		if err := tx.EnsureMerchant(t.Context(), "M-2"); err != nil {
			return err
		}
		if err := tx.EnsureCustomer(t.Context(), "C-2"); err != nil {
			return err
		}
		return tx.EnsureCustomer(t.Context(), "C-1")
	})
	created, err := upsert(t, s, o)
	if err != nil || !created {
		t.Fatalf("first UpsertOrder = %v, %v; want created", created, err)
	}
	wantEqual(t, "order after create", loadOrder(t, s, o.No), asStored(o))

	// Every field and line can change: a second upsert replaces them.
	o2 := o
	o2.Merchant = "M-2"
	o2.Customer = "C-2"
	o2.PaymentMethod = order.CashOnDelivery
	o2.ShippingFee = money.Yuan(0)
	o2.FreightInsurance = false
	o2.PaidAt = base.Add(time.Hour)
	o2.ShippedAt = time.Time{}
	o2.DeliveredAt = time.Time{}
	o2.CompletedAt = base.Add(240 * time.Hour)
	o2.Items = []order.Item{
		{SKU: "SKU-C", Title: "新品 New item", Category: "toys", Quantity: 3, UnitPrice: money.Yuan(100),
			PaidAmount: money.Yuan(250), Tags: []string{order.TagCustomMade, order.TagPerishable}},
		{SKU: "SKU-A", Title: "保温杯 Vacuum flask v2", Category: "kitchen", Quantity: 4,
			UnitPrice: money.Yuan(4000), PaidAmount: money.Yuan(15000)},
	}
	created, err = upsert(t, s, o2)
	if err != nil || created {
		t.Fatalf("second UpsertOrder = %v, %v; want updated", created, err)
	}
	wantEqual(t, "order after update", loadOrder(t, s, o.No), asStored(o2))
	// The lists by merchant and by customer (their indexes) follow, and a push that changes
	// none of them keeps it there.
	o3 := o2
	o3.ShippedAt = base.Add(2 * time.Hour)
	for _, push := range []order.Order{o2, o3} {
		if _, err := upsert(t, s, push); err != nil {
			t.Fatal(err)
		}
		for _, q := range []store.OrderQuery{{Merchant: "M-2"}, {Customer: "C-2"}, {}} {
			mustView(t, s, func(tx store.Tx) error {
				got, _, err := tx.ListOrders(t.Context(), q)
				if err == nil && (len(got) != 1 || got[0].No != o.No) {
					t.Errorf("ListOrders(%+v) after the update: %d orders, want %s", q, len(got), o.No)
				}
				return err
			})
		}
		for _, q := range []store.OrderQuery{{Merchant: "M-1"}, {Customer: "C-1"}} {
			mustView(t, s, func(tx store.Tx) error {
				got, _, err := tx.ListOrders(t.Context(), q)
				if err == nil && len(got) != 0 {
					t.Errorf("ListOrders(%+v) after the update: %d orders, want none", q, len(got))
				}
				return err
			})
		}
	}
	wantEqual(t, "order after a second push", loadOrder(t, s, o.No), asStored(o3))
}

func testUpsertIgnoresHoldings(t *testing.T, s store.Store) {
	o := sampleOrder("O-1", "M-1", "C-1")
	o.ShippingRefunded = true
	for i := range o.Items {
		o.Items[i].Claimed = 1
		o.Items[i].Refunded = money.Yuan(100)
		o.Items[i].Reserved = money.Yuan(200)
	}
	seedOrder(t, s, o)
	wantEqual(t, "order upserted with holdings", loadOrder(t, s, o.No), asStored(o))
}

func testUpsertKeepsHoldings(t *testing.T, s store.Store) {
	o := sampleOrder("O-1", "M-1", "C-1")
	seedOrder(t, s, o)
	held := true
	err := adjust(t, s, o.No, &held,
		aftersale.Holding{SKU: "SKU-B", Units: 2, Refunded: money.Yuan(3000), Reserved: money.Yuan(5000)})
	if err != nil {
		t.Fatalf("AdjustHoldings: %v", err)
	}
	o.Items[0].Title = "renamed"
	o.Items[0].PaidAmount = money.Yuan(17000)
	if _, err := upsert(t, s, o); err != nil {
		t.Fatalf("re-upsert of a held order: %v", err)
	}
	want := asStored(o)
	want.ShippingRefunded = true
	want.Items[1].Claimed = 2
	want.Items[1].Refunded = money.Yuan(3000)
	want.Items[1].Reserved = money.Yuan(5000)
	wantEqual(t, "order after re-upsert", loadOrder(t, s, o.No), want)
}

func testUpsertRemovesUnheldLine(t *testing.T, s store.Store) {
	o := sampleOrder("O-1", "M-1", "C-1")
	seedOrder(t, s, o)
	if err := adjust(t, s, o.No, nil, aftersale.Holding{SKU: "SKU-B", Units: 1}); err != nil {
		t.Fatalf("AdjustHoldings: %v", err)
	}
	o.Items = o.Items[:1] // SKU-B stays, SKU-A (never held) goes
	if _, err := upsert(t, s, o); err != nil {
		t.Fatalf("UpsertOrder without an unheld line: %v", err)
	}
	want := asStored(o)
	want.Items[0].Claimed = 1
	wantEqual(t, "order after removing a line", loadOrder(t, s, o.No), want)
}

func testUpsertCannotRemoveHeldLine(t *testing.T, s store.Store) {
	for _, h := range []aftersale.Holding{
		{SKU: "SKU-B", Units: 1},
		{SKU: "SKU-B", Refunded: money.Yuan(1)},
		{SKU: "SKU-B", Reserved: money.Yuan(1)},
	} {
		o := sampleOrder("O-1", "M-1", "C-1")
		seedOrder(t, s, o)
		if err := adjust(t, s, o.No, nil, h); err != nil {
			t.Fatalf("AdjustHoldings: %v", err)
		}
		before := loadOrder(t, s, o.No)
		o.Items = o.Items[1:] // drops SKU-B
		_, err := upsert(t, s, o)
		wantErr(t, "UpsertOrder removing a held line", err, store.ErrExceeded)
		wantEqual(t, "order after a refused upsert", loadOrder(t, s, o.No), before)
		// Release for the next round.
		if err := adjust(t, s, o.No, nil, aftersale.Holding{SKU: "SKU-B", Units: -h.Units,
			Refunded: h.Refunded.Neg(), Reserved: h.Reserved.Neg()}); err != nil {
			t.Fatalf("AdjustHoldings release: %v", err)
		}
	}
}

func testUpsertCannotShrink(t *testing.T, s store.Store) {
	// SKU-B: 3 units, ¥180.00 paid; cases hold 2 units, ¥60.00 refunded and ¥40.00 reserved.
	threeUnits := func() order.Order {
		o := sampleOrder("O-1", "M-1", "C-1")
		o.Items[0].Quantity = 3
		return o
	}
	seedOrder(t, s, threeUnits())
	hold := aftersale.Holding{SKU: "SKU-B", Units: 2, Refunded: money.Yuan(6000), Reserved: money.Yuan(4000)}
	if err := adjust(t, s, "O-1", nil, hold); err != nil {
		t.Fatalf("AdjustHoldings: %v", err)
	}
	for _, c := range []struct {
		name   string
		change func(it *order.Item)
		ok     bool
	}{
		{"QuantityBelowClaimed", func(it *order.Item) { it.Quantity = 1 }, false},
		{"PaidBelowRefundedPlusReserved", func(it *order.Item) { it.PaidAmount = money.Yuan(9999) }, false},
		{"QuantityDownToClaimed", func(it *order.Item) { it.Quantity = 2 }, true},
		{"PaidDownToRefundedPlusReserved", func(it *order.Item) { it.PaidAmount = money.Yuan(10000) }, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := loadOrder(t, s, "O-1")
			o := threeUnits()
			c.change(&o.Items[0])
			_, err := upsert(t, s, o)
			if c.ok {
				if err != nil {
					t.Fatalf("UpsertOrder: %v", err)
				}
				want := asStored(o)
				want.Items[1].Claimed, want.Items[1].Refunded, want.Items[1].Reserved = 2, hold.Refunded, hold.Reserved
				wantEqual(t, "order after shrinking to its holdings", loadOrder(t, s, "O-1"), want)
				return
			}
			wantErr(t, "UpsertOrder shrinking a held line", err, store.ErrExceeded)
			wantEqual(t, "order after a refused upsert", loadOrder(t, s, "O-1"), before)
		})
	}
}

func testUpsertUnknownParties(t *testing.T, s store.Store) {
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.EnsureMerchant(t.Context(), "M-1"); err != nil {
			return err
		}
		return tx.EnsureCustomer(t.Context(), "C-1")
	})
	_, err := upsert(t, s, sampleOrder("O-1", "M-none", "C-1"))
	wantErr(t, "UpsertOrder of an unknown merchant", err, store.ErrNotFound)
	_, err = upsert(t, s, sampleOrder("O-1", "M-1", "C-none"))
	wantErr(t, "UpsertOrder of an unknown customer", err, store.ErrNotFound)
}

func testOrderNotFound(t *testing.T, s store.Store) {
	mustView(t, s, func(tx store.Tx) error {
		_, err := tx.Order(t.Context(), "O-none", false)
		wantErr(t, "Order of an unknown number", err, store.ErrNotFound)
		return nil
	})
	err := s.Update(t.Context(), func(tx store.Tx) error {
		_, err := tx.Order(t.Context(), "O-none", true)
		return err
	})
	wantErr(t, "Order(lock) of an unknown number", err, store.ErrNotFound)
}

var holdingTests = []test{
	{name: "OrderLockReturnsSortedLinesWithHoldings", run: testOrderLockHoldings},
	{name: "AdjustUpToTheLimitAndBack", run: testAdjustToLimit},
	{name: "AdjustBeyondTheLineIsExceeded", run: testAdjustExceeded},
	{name: "AdjustIsAllOrNothing", run: testAdjustAllOrNothing},
	{name: "AdjustUnknownOrderOrLineNotFound", run: testAdjustNotFound},
	{name: "ShippingHeldIsSetOnlyWhenGiven", run: testShippingHeld},
	{name: "FiftyClaimsOfTheLastUnitOneWins", run: testLastUnit},
}

func testOrderLockHoldings(t *testing.T, s store.Store) {
	o := sampleOrder("O-1", "M-1", "C-1")
	seedOrder(t, s, o)
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.AdjustHoldings(t.Context(), o.No, []aftersale.Holding{
			{SKU: "SKU-A", Units: 1, Reserved: money.Yuan(5000)},
			{SKU: "SKU-B", Units: 1, Refunded: money.Yuan(9000), Reserved: money.Yuan(100)},
		}, nil); err != nil {
			return err
		}
		// Order(lock) in the same transaction sees the new holdings.
		got, err := tx.Order(t.Context(), o.No, true)
		if err != nil {
			return err
		}
		want := asStored(o)
		want.Items[0].Claimed, want.Items[0].Reserved = 1, money.Yuan(5000)
		want.Items[1].Claimed, want.Items[1].Refunded, want.Items[1].Reserved = 1, money.Yuan(9000), money.Yuan(100)
		wantEqual(t, "Order(lock) after AdjustHoldings", got, want)
		if got.Items[0].SKU != "SKU-A" || got.Items[1].SKU != "SKU-B" {
			t.Errorf("lines are not sorted by SKU: %s, %s", got.Items[0].SKU, got.Items[1].SKU)
		}
		return nil
	})
}

func testAdjustToLimit(t *testing.T, s store.Store) {
	o := sampleOrder("O-1", "M-1", "C-1")
	seedOrder(t, s, o)
	full := aftersale.Holding{SKU: "SKU-B", Units: 2, Refunded: money.Yuan(12000), Reserved: money.Yuan(6000)}
	if err := adjust(t, s, o.No, nil, full); err != nil {
		t.Fatalf("AdjustHoldings up to quantity and paid amount: %v", err)
	}
	back := aftersale.Holding{SKU: "SKU-B", Units: -2, Refunded: money.Yuan(-12000), Reserved: money.Yuan(-6000)}
	if err := adjust(t, s, o.No, nil, back); err != nil {
		t.Fatalf("AdjustHoldings back to zero: %v", err)
	}
	wantEqual(t, "order after holding and releasing everything", loadOrder(t, s, o.No), asStored(o))
}

func testAdjustExceeded(t *testing.T, s store.Store) {
	o := sampleOrder("O-1", "M-1", "C-1") // SKU-B: 2 units, ¥180.00 paid
	seedOrder(t, s, o)
	start := aftersale.Holding{SKU: "SKU-B", Units: 1, Refunded: money.Yuan(5000), Reserved: money.Yuan(5000)}
	if err := adjust(t, s, o.No, nil, start); err != nil {
		t.Fatalf("AdjustHoldings: %v", err)
	}
	before := loadOrder(t, s, o.No)
	for _, c := range []struct {
		name  string
		delta aftersale.Holding
	}{
		{"UnitsAboveQuantity", aftersale.Holding{SKU: "SKU-B", Units: 2}},
		{"RefundedAbovePaid", aftersale.Holding{SKU: "SKU-B", Refunded: money.Yuan(8001)}},
		{"ReservedAbovePaid", aftersale.Holding{SKU: "SKU-B", Reserved: money.Yuan(8001)}},
		{"RefundedPlusReservedAbovePaid", aftersale.Holding{SKU: "SKU-B", Refunded: money.Yuan(4001), Reserved: money.Yuan(4000)}},
		{"UnitsBelowZero", aftersale.Holding{SKU: "SKU-B", Units: -2}},
		{"RefundedBelowZero", aftersale.Holding{SKU: "SKU-B", Refunded: money.Yuan(-5001)}},
		{"ReservedBelowZero", aftersale.Holding{SKU: "SKU-B", Reserved: money.Yuan(-5001), Refunded: money.Yuan(1)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := adjust(t, s, o.No, nil, c.delta)
			wantErr(t, "AdjustHoldings "+c.name, err, store.ErrExceeded)
			wantEqual(t, "order after refused AdjustHoldings", loadOrder(t, s, o.No), before)
		})
	}
}

func testAdjustAllOrNothing(t *testing.T, s store.Store) {
	o := sampleOrder("O-1", "M-1", "C-1")
	seedOrder(t, s, o)
	before := loadOrder(t, s, o.No)
	held := true
	err := adjust(t, s, o.No, &held,
		aftersale.Holding{SKU: "SKU-A", Units: 1, Reserved: money.Yuan(5000)},
		aftersale.Holding{SKU: "SKU-B", Units: 3})
	wantErr(t, "AdjustHoldings with one line over", err, store.ErrExceeded)
	wantEqual(t, "order after refused AdjustHoldings", loadOrder(t, s, o.No), before)
}

func testAdjustNotFound(t *testing.T, s store.Store) {
	o := sampleOrder("O-1", "M-1", "C-1")
	seedOrder(t, s, o)
	err := adjust(t, s, "O-none", nil, aftersale.Holding{SKU: "SKU-A", Units: 1})
	wantErr(t, "AdjustHoldings of an unknown order", err, store.ErrNotFound)
	err = adjust(t, s, o.No, nil, aftersale.Holding{SKU: "SKU-NONE", Units: 1})
	wantErr(t, "AdjustHoldings of an unknown line", err, store.ErrNotFound)
}

func testShippingHeld(t *testing.T, s store.Store) {
	o := sampleOrder("O-1", "M-1", "C-1")
	seedOrder(t, s, o)
	yes, no := true, false
	for _, step := range []struct {
		set  *bool
		want bool
	}{{&yes, true}, {nil, true}, {&no, false}, {nil, false}, {&yes, true}} {
		if err := adjust(t, s, o.No, step.set); err != nil {
			t.Fatalf("AdjustHoldings: %v", err)
		}
		if got := loadOrder(t, s, o.No).ShippingRefunded; got != step.want {
			t.Fatalf("ShippingRefunded = %v, want %v", got, step.want)
		}
	}
	if _, err := upsert(t, s, o); err != nil {
		t.Fatalf("re-upsert: %v", err)
	}
	if !loadOrder(t, s, o.No).ShippingRefunded {
		t.Fatal("re-upsert dropped the held shipping fee")
	}
}

func testLastUnit(t *testing.T, s store.Store) {
	o := sampleOrder("O-1", "M-1", "C-1")
	o.Items[0].Quantity = 3 // SKU-B
	seedOrder(t, s, o)
	if err := adjust(t, s, o.No, nil, aftersale.Holding{SKU: "SKU-B", Units: 2}); err != nil {
		t.Fatalf("AdjustHoldings: %v", err)
	}
	errSoldOut := errors.New("no unit left to claim")
	const workers = 50
	var (
		mu           sync.Mutex
		wins, losses int
		unexpected   []error
		wg           sync.WaitGroup
		start        = make(chan struct{})
	)
	for range workers {
		wg.Go(func() {
			<-start
			err := s.Update(t.Context(), func(tx store.Tx) error {
				o, err := tx.Order(t.Context(), "O-1", true)
				if err != nil {
					return err
				}
				it, ok := o.Item("SKU-B")
				if !ok {
					return errors.New("line SKU-B is missing")
				}
				if it.Claimed >= it.Quantity {
					return errSoldOut
				}
				return tx.AdjustHoldings(t.Context(), "O-1", []aftersale.Holding{{SKU: "SKU-B", Units: 1}}, nil)
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, errSoldOut) || errors.Is(err, store.ErrExceeded):
				losses++
			default:
				unexpected = append(unexpected, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(unexpected...); err != nil {
		t.Fatalf("claims failed otherwise than sold out: %v", err)
	}
	if wins != 1 || losses != workers-1 {
		t.Fatalf("%d claims won and %d lost; want 1 and %d", wins, losses, workers-1)
	}
	final := loadOrder(t, s, "O-1")
	it, _ := final.Item("SKU-B")
	if it.Claimed != 3 {
		t.Fatalf("claimed = %d after the race, want 3", it.Claimed)
	}
}
