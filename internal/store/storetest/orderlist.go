package storetest

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/store"
)

// ListOrders: a customer's or a merchant's orders, newest first, each as Order returns it.
var orderListTests = []test{
	{name: "FiltersAndPages", run: testListOrders},
	{name: "OrdersAreWholeWithHoldings", run: testListOrdersWhole},
	{name: "DefaultLimitIs50", run: testListOrdersDefaultLimit},
	{name: "BadCursorIsAnError", run: testListOrdersBadCursor},
}

// orderPage runs one ListOrders.
func orderPage(t *testing.T, s store.Store, q store.OrderQuery) (orders []order.Order, next string) {
	t.Helper()
	mustView(t, s, func(tx store.Tx) error {
		var err error
		orders, next, err = tx.ListOrders(t.Context(), q)
		return err
	})
	return orders, next
}

// allOrders follows the cursor to the end and returns the order numbers of every page,
// checking that each page is full but the last.
func allOrders(t *testing.T, s store.Store, q store.OrderQuery) []string {
	t.Helper()
	var nos []string
	for page := 0; ; page++ {
		if page > 1000 {
			t.Fatal("ListOrders: more than 1000 pages; the cursor does not advance")
		}
		orders, next := orderPage(t, s, q)
		for _, o := range orders {
			nos = append(nos, o.No)
		}
		if next == "" {
			return nos
		}
		if q.Limit > 0 && len(orders) != q.Limit {
			t.Fatalf("ListOrders: page %d has %d orders and a next cursor; want %d", page, len(orders), q.Limit)
		}
		q.Cursor = next
	}
}

// paidNewestFirst is the order numbers of os as ListOrders returns them.
func paidNewestFirst(os []order.Order) []string {
	sorted := slices.Clone(os)
	slices.SortFunc(sorted, func(a, b order.Order) int {
		return cmp.Or(b.PaidAt.Compare(a.PaidAt), strings.Compare(b.No, a.No))
	})
	var nos []string
	for _, o := range sorted {
		nos = append(nos, o.No)
	}
	return nos
}

// orderWorld stores 23 orders of three merchants and three customers; orders are paid in
// pairs at the same time, their numbers follow neither the time nor the insertion.
func orderWorld(t *testing.T, s store.Store) []order.Order {
	t.Helper()
	var all []order.Order
	for i := range 23 {
		o := sampleOrder(fmt.Sprintf("O-%02d", (i*5)%23), fmt.Sprintf("M-%d", i%3), fmt.Sprintf("C-%d", i%3+i%2))
		o.PaidAt = base.Add(time.Duration(i/2) * time.Hour)
		all = append(all, o)
	}
	for i := range all {
		seedOrder(t, s, all[(i*7)%23])
	}
	return all
}

func testListOrders(t *testing.T, s store.Store) {
	all := orderWorld(t, s)
	for _, c := range []struct {
		name  string
		q     store.OrderQuery
		match func(o order.Order) bool
	}{
		{"Everything", store.OrderQuery{}, func(order.Order) bool { return true }},
		{"Customer", store.OrderQuery{Customer: "C-1"}, func(o order.Order) bool { return o.Customer == "C-1" }},
		{"Merchant", store.OrderQuery{Merchant: "M-2"}, func(o order.Order) bool { return o.Merchant == "M-2" }},
		{"Merchants", store.OrderQuery{Merchants: []string{"M-0", "M-2", "M-none"}}, func(o order.Order) bool { return o.Merchant != "M-1" }},
		{"CustomerOfOneShop", store.OrderQuery{Customer: "C-1", Merchant: "M-1"},
			func(o order.Order) bool { return o.Customer == "C-1" && o.Merchant == "M-1" }},
		{"NoMatch", store.OrderQuery{Customer: "C-none"}, func(order.Order) bool { return false }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var want []order.Order
			for _, o := range all {
				if c.match(o) {
					want = append(want, o)
				}
			}
			for _, limit := range []int{1, 2, 5, 500} {
				q := c.q
				q.Limit = limit
				wantEqual(t, fmt.Sprint("orders in pages of ", limit), allOrders(t, s, q), paidNewestFirst(want))
			}
		})
	}
}

// Each listed order is what Order returns: its lines by SKU and their holdings.
func testListOrdersWhole(t *testing.T, s store.Store) {
	all := orderWorld(t, s)
	shipping := true
	if err := adjust(t, s, all[4].No, &shipping,
		aftersale.Holding{SKU: "SKU-B", Units: 1, Refunded: money.Yuan(9000), Reserved: money.Yuan(100)}); err != nil {
		t.Fatal(err)
	}
	one := sampleOrder("O-one-line", "M-0", "C-0")
	one.Items = one.Items[:1]
	one.PaidAt = base.Add(-time.Hour)
	seedOrder(t, s, one)
	for _, limit := range []int{1, 3, 500} {
		q := store.OrderQuery{Merchant: "M-0", Limit: limit}
		for {
			orders, next := orderPage(t, s, q)
			for _, o := range orders {
				wantEqual(t, "listed order "+o.No, o, loadOrder(t, s, o.No))
			}
			if next == "" {
				break
			}
			q.Cursor = next
		}
	}
	listed, _ := orderPage(t, s, store.OrderQuery{Customer: all[4].Customer, Merchant: all[4].Merchant, Limit: 500})
	i := slices.IndexFunc(listed, func(o order.Order) bool { return o.No == all[4].No })
	if i < 0 || listed[i].Items[1].Claimed != 1 || !listed[i].ShippingRefunded {
		t.Fatalf("the held order as listed: %s", show(listed))
	}
}

func testListOrdersDefaultLimit(t *testing.T, s store.Store) {
	seedOrder(t, s, sampleOrder("O-seed", "M-1", "C-1"))
	mustUpdate(t, s, func(tx store.Tx) error {
		for i := range 52 {
			o := sampleOrder(fmt.Sprintf("O-%03d", i), "M-1", "C-1")
			o.PaidAt = base.Add(time.Duration(i) * time.Minute)
			if _, err := tx.UpsertOrder(t.Context(), o); err != nil {
				return err
			}
		}
		return nil
	})
	orders, next := orderPage(t, s, store.OrderQuery{Customer: "C-1"})
	if len(orders) != 50 || next == "" {
		t.Fatalf("ListOrders with Limit 0 gave %d orders and next %q; want 50 and a cursor", len(orders), next)
	}
	rest, next := orderPage(t, s, store.OrderQuery{Customer: "C-1", Cursor: next})
	if len(rest) != 3 || next != "" {
		t.Fatalf("second page gave %d orders and next %q; want 3 and none", len(rest), next)
	}
}

func testListOrdersBadCursor(t *testing.T, s store.Store) {
	orderWorld(t, s)
	for _, cursor := range []string{
		"not a cursor!",
		base64.RawURLEncoding.EncodeToString([]byte("garbage")),
		"%%%",
	} {
		err := s.View(t.Context(), func(tx store.Tx) error {
			_, _, err := tx.ListOrders(t.Context(), store.OrderQuery{Cursor: cursor})
			return err
		})
		wantErr(t, fmt.Sprintf("ListOrders with cursor %q", cursor), err, store.ErrBadCursor)
	}
}
