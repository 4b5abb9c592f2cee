package order_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
)

var paidAt = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// validOrder is a delivered two-line order that Validate accepts; each case of the table
// below spoils one field of it.
func validOrder() order.Order {
	return order.Order{
		No: "O-1", Merchant: "m-1", Customer: "c-1", Currency: money.CNY, PaymentMethod: order.Online,
		ShippingFee: money.Yuan(600), PaidAt: paidAt, ShippedAt: paidAt.Add(24 * time.Hour), DeliveredAt: paidAt.Add(72 * time.Hour),
		Items: []order.Item{
			{SKU: "A", Title: "台灯", Category: "home", Quantity: 2, UnitPrice: money.Yuan(5000), PaidAmount: money.Yuan(9000), Tags: []string{order.TagGift}},
			{SKU: "B", Title: "灯泡", Category: "home", Quantity: 1, UnitPrice: money.Yuan(1000), PaidAmount: money.Yuan(1000)},
		},
	}
}

func manyItems(n int) []order.Item {
	items := make([]order.Item, n)
	for i := range items {
		items[i] = order.Item{SKU: fmt.Sprintf("S%d", i), Quantity: 1, UnitPrice: money.Yuan(100), PaidAmount: money.Yuan(100)}
	}
	return items
}

// Validate checks an order as the shop system sends it (order.go, Validate; SPEC §1): each
// rule refuses the order with the field at fault.
func TestValidateRefusesEachBadField(t *testing.T) {
	long := strings.Repeat("x", 65)
	tests := []struct {
		name  string
		spoil func(o *order.Order)
		field string
		msg   string // part of the message
	}{
		{"no order number", func(o *order.Order) { o.No = "" }, "order_no", "required"},
		{"order number too long", func(o *order.Order) { o.No = long }, "order_no", "at most 64"},
		{"no merchant", func(o *order.Order) { o.Merchant = "" }, "merchant", "required"},
		{"merchant too long", func(o *order.Order) { o.Merchant = long }, "merchant", "at most 64"},
		{"no customer", func(o *order.Order) { o.Customer = "" }, "customer", "required"},
		{"customer too long", func(o *order.Order) { o.Customer = long }, "customer", "at most 64"},
		{"unknown currency", func(o *order.Order) { o.Currency = "XYZ" }, "currency", `"XYZ"`},
		{"no currency", func(o *order.Order) { o.Currency = "" }, "currency", "unknown currency"},
		{"unknown payment method", func(o *order.Order) { o.PaymentMethod = "card" }, "payment_method", "online or cod"},
		{"negative shipping fee", func(o *order.Order) { o.ShippingFee = money.Yuan(-1) }, "shipping_fee", "≥ 0"},
		{"shipping fee in another currency", func(o *order.Order) { o.ShippingFee = money.New(600, "USD") }, "shipping_fee", "order's currency"},
		{"not paid", func(o *order.Order) { o.PaidAt = time.Time{} }, "paid_at", "required"},
		{"shipped before it was paid", func(o *order.Order) { o.ShippedAt = paidAt.Add(-time.Second) }, "shipped_at", "before paid_at"},
		{"delivered but never shipped", func(o *order.Order) { o.ShippedAt = time.Time{} }, "delivered_at", "shipped_at is not"},
		{"delivered before it was shipped", func(o *order.Order) { o.DeliveredAt = o.ShippedAt.Add(-time.Second) }, "delivered_at", "before shipped_at"},
		{"no items", func(o *order.Order) { o.Items = nil }, "items", "at least one"},
		{"too many items", func(o *order.Order) { o.Items = manyItems(501) }, "items", "at most 500"},
		{"no sku", func(o *order.Order) { o.Items[1].SKU = "" }, "items[1].sku", "required"},
		{"sku too long", func(o *order.Order) { o.Items[1].SKU = long }, "items[1].sku", "at most 64"},
		{"sku twice", func(o *order.Order) { o.Items[1].SKU = "A" }, "items[1].sku", `"A" appears twice`},
		{"quantity zero", func(o *order.Order) { o.Items[0].Quantity = 0 }, "items[0].quantity", "between 1 and 100000"},
		{"quantity negative", func(o *order.Order) { o.Items[0].Quantity = -1 }, "items[0].quantity", "between 1 and 100000"},
		{"quantity too large", func(o *order.Order) { o.Items[0].Quantity = 100001 }, "items[0].quantity", "between 1 and 100000"},
		{"negative unit price", func(o *order.Order) { o.Items[1].UnitPrice = money.Yuan(-1) }, "items[1].unit_price", "≥ 0"},
		{"unit price in another currency", func(o *order.Order) { o.Items[1].UnitPrice = money.New(1000, "USD") }, "items[1].unit_price", "order's currency"},
		{"negative paid amount", func(o *order.Order) { o.Items[1].PaidAmount = money.Yuan(-1) }, "items[1].paid_amount", "≥ 0"},
		{"paid amount in another currency", func(o *order.Order) { o.Items[1].PaidAmount = money.New(1000, "USD") }, "items[1].paid_amount", "order's currency"},
		{"paid more than price × quantity", func(o *order.Order) { o.Items[0].PaidAmount = money.Yuan(10001) }, "items[0].paid_amount", "more than unit_price × quantity"},
		{"title too long", func(o *order.Order) { o.Items[0].Title = strings.Repeat("x", 201) }, "items[0].title", "at most 200"},
		{"too many tags", func(o *order.Order) { o.Items[0].Tags = make([]string, 21) }, "items[0].tags", "at most 20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := validOrder()
			tt.spoil(&o)
			err := o.Validate()
			var fe *order.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate() = %v, want a *FieldError on %s", err, tt.field)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Message, tt.msg) {
				t.Errorf("Validate() = %q on %q, want %q on %q", fe.Message, fe.Field, tt.msg, tt.field)
			}
			if !strings.ContainsFunc(fe.MessageZH, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
				t.Errorf("the Chinese message %q is not Chinese", fe.MessageZH)
			}
			if want := tt.field + ": " + fe.Message; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

// The limits of Validate are inclusive, and what it does not require may be missing.
func TestValidateAcceptsOrdersAtTheLimits(t *testing.T) {
	tests := []struct {
		name string
		edit func(o *order.Order)
	}{
		{"as sent", func(o *order.Order) {}},
		{"64-character fields", func(o *order.Order) {
			s := strings.Repeat("x", 64)
			o.No, o.Merchant, o.Customer, o.Items[0].SKU = s, s, s, s
		}},
		{"paid, not shipped", func(o *order.Order) { o.ShippedAt, o.DeliveredAt = time.Time{}, time.Time{} }},
		{"shipped, not delivered", func(o *order.Order) { o.DeliveredAt = time.Time{} }},
		{"shipped and delivered the moment it was paid", func(o *order.Order) { o.ShippedAt, o.DeliveredAt = paidAt, paidAt }},
		{"cash on delivery", func(o *order.Order) { o.PaymentMethod = order.CashOnDelivery }},
		{"another currency throughout", func(o *order.Order) {
			o.Currency, o.ShippingFee = "USD", money.New(500, "USD")
			for i := range o.Items {
				o.Items[i].UnitPrice.Currency, o.Items[i].PaidAmount.Currency = "USD", "USD"
			}
		}},
		// The zero Amount has no currency and is zero of any (money.go, Amount).
		{"free shipping as the zero Amount", func(o *order.Order) { o.ShippingFee = money.Amount{} }},
		{"a free gift line", func(o *order.Order) { o.Items[1].UnitPrice, o.Items[1].PaidAmount = money.Amount{}, money.Amount{} }},
		{"paid exactly price × quantity", func(o *order.Order) { o.Items[0].PaidAmount = money.Yuan(10000) }},
		{"500 items", func(o *order.Order) { o.Items = manyItems(500) }},
		{"quantity 100000", func(o *order.Order) { o.Items[0].Quantity = 100000 }},
		{"200-byte title", func(o *order.Order) { o.Items[0].Title = strings.Repeat("x", 200) }},
		{"20 tags", func(o *order.Order) { o.Items[0].Tags = make([]string, 20) }},
	}
	for _, tt := range tests {
		o := validOrder()
		tt.edit(&o)
		if err := o.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v, want nil", tt.name, err)
		}
	}
}

func TestItemHasTag(t *testing.T) {
	it := order.Item{Tags: []string{order.TagPerishable, order.TagGift}}
	if !it.HasTag(order.TagGift) || !it.HasTag(order.TagPerishable) {
		t.Errorf("HasTag misses a tag of %v", it.Tags)
	}
	if it.HasTag(order.TagDigital) || it.HasTag("") || (&order.Item{}).HasTag(order.TagGift) {
		t.Errorf("HasTag finds a tag that %v does not carry", it.Tags)
	}
}

// Available is what is left of a line's paid amount once refunds and open cases' promises
// are taken out (order.go, Item).
func TestItemAvailableIsPaidLessRefundedAndReserved(t *testing.T) {
	tests := []struct {
		paid, refunded, reserved money.Amount
		want                     money.Amount
	}{
		{money.Yuan(10000), money.Amount{}, money.Amount{}, money.Yuan(10000)},
		{money.Yuan(10000), money.Yuan(3000), money.Amount{}, money.Yuan(7000)},
		{money.Yuan(10000), money.Yuan(3000), money.Yuan(2500), money.Yuan(4500)},
		{money.Yuan(10000), money.Yuan(10000), money.Yuan(0), money.Yuan(0)},
	}
	for _, tt := range tests {
		it := order.Item{PaidAmount: tt.paid, Refunded: tt.refunded, Reserved: tt.reserved}
		if got := it.Available(); got != tt.want {
			t.Errorf("paid %v, refunded %v, reserved %v: Available() = %v, want %v", tt.paid, tt.refunded, tt.reserved, got, tt.want)
		}
	}
}

// A line's amounts share the order's currency (Validate); Available of a line that breaks
// this is a programming error and panics rather than mixing currencies.
func TestItemAvailablePanicsOnMixedCurrencies(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Available() of a CNY line with a USD refund did not panic")
		}
	}()
	it := order.Item{PaidAmount: money.Yuan(100), Refunded: money.New(10, "USD")}
	it.Available()
}

// Item returns the line itself, so that the application can record what cases take from it.
func TestOrderItemFindsTheLineBySKU(t *testing.T) {
	o := validOrder()
	it, ok := o.Item("B")
	if !ok || it.SKU != "B" || it.Title != "灯泡" {
		t.Fatalf("Item(%q) = %+v, %v", "B", it, ok)
	}
	it.Claimed = 1
	if o.Items[1].Claimed != 1 {
		t.Error("Item returned a copy of the line, not the line")
	}
	if it, ok := o.Item("Z"); ok || it != nil {
		t.Errorf("Item(%q) = %+v, %v; want nil, false", "Z", it, ok)
	}
}

func TestOrderShippedAndDelivered(t *testing.T) {
	o := validOrder()
	if !o.Shipped() || !o.Delivered() {
		t.Errorf("a delivered order: Shipped() = %v, Delivered() = %v", o.Shipped(), o.Delivered())
	}
	o.DeliveredAt = time.Time{}
	if !o.Shipped() || o.Delivered() {
		t.Errorf("an order in transit: Shipped() = %v, Delivered() = %v", o.Shipped(), o.Delivered())
	}
	o.ShippedAt = time.Time{}
	if o.Shipped() || o.Delivered() {
		t.Errorf("an order not shipped: Shipped() = %v, Delivered() = %v", o.Shipped(), o.Delivered())
	}
}

// Titles are limited in characters, not bytes; the largest price at the largest quantity
// does not overflow the list-price check.
func TestTitleCountsCharactersAndPricesDoNotOverflow(t *testing.T) {
	o := validOrderForRegression()
	o.Items[0].Title = strings.Repeat("衬", 200)
	if err := o.Validate(); err != nil {
		t.Errorf("a title of 200 Chinese characters: %v", err)
	}
	o.Items[0].UnitPrice, o.Items[0].Quantity, o.Items[0].PaidAmount = money.Yuan(money.Limit), 100000, money.Yuan(1)
	if err := o.Validate(); err != nil {
		t.Errorf("the largest unit price at the largest quantity: %v", err)
	}
}

// Every amount of an order and its total are bounded, so that no sum made of them can
// overflow: lines of 2^63−1, 2^63−1 and 500 fen were accepted and added up to 498 fen
// (issue 17). Each message is in both languages.
func TestAbsurdAmountsAreRefused(t *testing.T) {
	const max = math.MaxInt64
	tests := []struct {
		name  string
		spoil func(*order.Order)
		field string
	}{
		{"a paid amount of 2^63−1", func(o *order.Order) {
			o.Items[0].UnitPrice, o.Items[0].PaidAmount = money.Yuan(max), money.Yuan(max)
		}, "items[0].unit_price"},
		{"a unit price above the limit", func(o *order.Order) { o.Items[0].UnitPrice = money.Yuan(money.Limit + 1) }, "items[0].unit_price"},
		{"a shipping fee above the limit", func(o *order.Order) { o.ShippingFee = money.Yuan(money.Limit + 1) }, "shipping_fee"},
		{"lines each within the limit, the total above it", func(o *order.Order) {
			o.Items = []order.Item{
				{SKU: "A", Quantity: 1, UnitPrice: money.Yuan(money.Limit), PaidAmount: money.Yuan(money.Limit)},
				{SKU: "B", Quantity: 1, UnitPrice: money.Yuan(500), PaidAmount: money.Yuan(500)},
			}
		}, "items"},
		{"the shipping fee takes the total above the limit", func(o *order.Order) {
			o.Items[0].UnitPrice, o.Items[0].PaidAmount = money.Yuan(money.Limit), money.Yuan(money.Limit)
			o.ShippingFee = money.Yuan(1)
		}, "items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := validOrderForRegression()
			tt.spoil(&o)
			var fe *order.FieldError
			if err := o.Validate(); !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("Validate() = %v, want an error on %s", err, tt.field)
			}
			if fe.MessageZH == "" || fe.Message == "" {
				t.Errorf("messages %q / %q: want both languages", fe.MessageZH, fe.Message)
			}
		})
	}
	o := validOrderForRegression()
	o.Items[0].UnitPrice, o.Items[0].PaidAmount = money.Yuan(money.Limit), money.Yuan(money.Limit)
	if err := o.Validate(); err != nil {
		t.Errorf("an order of exactly the limit: %v", err)
	}
}

func validOrderForRegression() order.Order {
	paid := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	return order.Order{No: "O1", Merchant: "m", Customer: "c", Currency: money.CNY, PaymentMethod: order.Online, PaidAt: paid,
		Items: []order.Item{{SKU: "A", Title: "T", Quantity: 1, UnitPrice: money.Yuan(100), PaidAmount: money.Yuan(100)}}}
}
