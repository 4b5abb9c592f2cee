// Package order is the input of after-sales (SPEC §1): an order as the shop system sends it,
// with its items, what was actually paid for each, and what after-sales has already taken
// from each item. It is pure: values and validation, no I/O.
package order

import (
	"fmt"
	"math/bits"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/money"
)

// PaymentMethod is how the order was paid.
type PaymentMethod string

// Payment methods.
const (
	Online         PaymentMethod = "online"
	CashOnDelivery PaymentMethod = "cod" // 货到付款
)

// Known item tags that the statutory policy reads (消费者权益保护法 第二十五条).
const (
	TagCustomMade     = "custom_made"     // 消费者定作的
	TagPerishable     = "perishable"      // 鲜活易腐的
	TagDigital        = "digital"         // 在线下载的数字化商品
	TagOpenedMedia    = "opened_media"    // 消费者拆封的音像制品、计算机软件
	TagPeriodical     = "periodical"      // 交付的报纸、期刊
	TagUnfitConfirmed = "unfit_confirmed" // 根据商品性质不宜退货, confirmed by the customer at purchase
	TagGift           = "gift"            // 赠品
)

// Order is what after-sales keeps of an order.
type Order struct {
	No               string         `json:"order_no"`
	Merchant         string         `json:"merchant"`
	Customer         string         `json:"customer"`
	Currency         money.Currency `json:"currency"`
	PaymentMethod    PaymentMethod  `json:"payment_method"`
	ShippingFee      money.Amount   `json:"shipping_fee"`
	FreightInsurance bool           `json:"freight_insurance"`
	PaidAt           time.Time      `json:"paid_at"`
	ShippedAt        time.Time      `json:"shipped_at,omitzero"`
	DeliveredAt      time.Time      `json:"delivered_at,omitzero"` // signed for (签收)
	CompletedAt      time.Time      `json:"completed_at,omitzero"` // trade completed (交易成功)
	Items            []Item         `json:"items"`

	// ShippingRefunded is true once the order's shipping fee has been refunded by a case.
	ShippingRefunded bool `json:"shipping_refunded,omitempty"`
}

// Item is a line of the order.
type Item struct {
	SKU        string       `json:"sku"`
	Title      string       `json:"title"`
	Category   string       `json:"category"`
	Quantity   int          `json:"quantity"`
	UnitPrice  money.Amount `json:"unit_price"`
	PaidAmount money.Amount `json:"paid_amount"` // for the whole line, after discounts
	Tags       []string     `json:"tags,omitempty"`

	// What after-sales has taken from this line so far, filled by the application from the
	// cases on the order: units in cases that return or refund them (open or done), money
	// paid back, and money promised by open cases but not yet paid.
	Claimed  int          `json:"claimed,omitempty"`
	Refunded money.Amount `json:"refunded,omitzero"`
	Reserved money.Amount `json:"reserved,omitzero"`
}

// HasTag reports whether the item carries tag.
func (it *Item) HasTag(tag string) bool { return slices.Contains(it.Tags, tag) }

// Available is the money of this line that can still be refunded.
func (it *Item) Available() money.Amount {
	return it.PaidAmount.MustSub(it.Refunded).MustSub(it.Reserved)
}

// Item returns the line with the given SKU.
func (o *Order) Item(sku string) (*Item, bool) {
	for i := range o.Items {
		if o.Items[i].SKU == sku {
			return &o.Items[i], true
		}
	}
	return nil, false
}

// Shipped reports whether the order has left the merchant.
func (o *Order) Shipped() bool { return !o.ShippedAt.IsZero() }

// Delivered reports whether the customer has signed for the order.
func (o *Order) Delivered() bool { return !o.DeliveredAt.IsZero() }

// FieldError is a problem with one field of an order, in English (Message) and Chinese.
type FieldError struct {
	Field     string
	Message   string
	MessageZH string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Validate checks an order as received from the shop system: required fields, one
// currency, quantities ≥ 1, every amount and the order's total within money.Limit,
// paid ≤ price × quantity, timestamps in order.
func (o *Order) Validate() error {
	bad := func(field, zh, en string) error {
		return &FieldError{Field: field, Message: en, MessageZH: zh}
	}
	limit := money.New(money.Limit, o.Currency).Format("zh")
	amount := func(field string, a money.Amount) error {
		switch {
		case a.IsNegative() || !sameCurrency(a, o.Currency):
			return bad(field, "应为不小于 0 的订单币种金额", "must be ≥ 0 in the order's currency")
		case !a.InRange():
			return bad(field, "金额超过上限 "+limit, "must be at most "+limit)
		}
		return nil
	}
	switch {
	case o.No == "" || len(o.No) > 64:
		return bad("order_no", "必填,最多 64 个字符", "required, at most 64 characters")
	case o.Merchant == "" || len(o.Merchant) > 64:
		return bad("merchant", "必填,最多 64 个字符", "required, at most 64 characters")
	case o.Customer == "" || len(o.Customer) > 64:
		return bad("customer", "必填,最多 64 个字符", "required, at most 64 characters")
	case !o.Currency.Valid():
		return bad("currency", fmt.Sprintf("未知币种 %q", o.Currency), fmt.Sprintf("unknown currency %q", o.Currency))
	case o.PaymentMethod != Online && o.PaymentMethod != CashOnDelivery:
		return bad("payment_method", "应为 online(在线支付)或 cod(货到付款)", "must be online or cod")
	case o.PaidAt.IsZero():
		return bad("paid_at", "必填", "required")
	case !o.ShippedAt.IsZero() && o.ShippedAt.Before(o.PaidAt):
		return bad("shipped_at", "发货时间早于付款时间", "is before paid_at")
	case !o.DeliveredAt.IsZero() && o.ShippedAt.IsZero():
		return bad("delivered_at", "有签收时间但没有发货时间", "is set but shipped_at is not")
	case !o.DeliveredAt.IsZero() && o.DeliveredAt.Before(o.ShippedAt):
		return bad("delivered_at", "签收时间早于发货时间", "is before shipped_at")
	case len(o.Items) == 0:
		return bad("items", "至少需要一件商品", "at least one item is required")
	case len(o.Items) > 500:
		return bad("items", "最多 500 件商品", "at most 500 items")
	}
	if err := amount("shipping_fee", o.ShippingFee); err != nil {
		return err
	}
	seen := make(map[string]bool, len(o.Items))
	total := o.ShippingFee.Minor // ≤ 501 × Limit: no overflow
	for i, it := range o.Items {
		f := func(name string) string { return fmt.Sprintf("items[%d].%s", i, name) }
		switch {
		case it.SKU == "" || len(it.SKU) > 64:
			return bad(f("sku"), "必填,最多 64 个字符", "required, at most 64 characters")
		case seen[it.SKU]:
			return bad(f("sku"), fmt.Sprintf("%q 出现了两次", it.SKU), fmt.Sprintf("%q appears twice", it.SKU))
		case it.Quantity < 1 || it.Quantity > 100000:
			return bad(f("quantity"), "应在 1 到 100000 之间", "must be between 1 and 100000")
		}
		if err := amount(f("unit_price"), it.UnitPrice); err != nil {
			return err
		}
		if err := amount(f("paid_amount"), it.PaidAmount); err != nil {
			return err
		}
		switch {
		case exceedsListPrice(it):
			return bad(f("paid_amount"), "超过单价 × 数量", "is more than unit_price × quantity")
		case utf8.RuneCountInString(it.Title) > 200:
			return bad(f("title"), "最多 200 个字符", "at most 200 characters")
		case len(it.Tags) > 20:
			return bad(f("tags"), "最多 20 个标签", "at most 20 tags")
		}
		seen[it.SKU] = true
		total += it.PaidAmount.Minor
	}
	if total > money.Limit {
		return bad("items", "订单实付总额(含运费)超过上限 "+limit, "the order's total paid, shipping included, must be at most "+limit)
	}
	return nil
}

// exceedsListPrice reports whether a line's paid amount is more than its unit price times
// its quantity, without overflowing on absurd prices.
func exceedsListPrice(it Item) bool {
	hi, lo := bits.Mul64(uint64(it.UnitPrice.Minor), uint64(it.Quantity))
	return hi == 0 && lo < 1<<63 && it.PaidAmount.Minor > int64(lo)
}

func sameCurrency(a money.Amount, c money.Currency) bool {
	return a.Currency == c || a.IsZero() && a.Currency == ""
}
