package app

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/store"
)

// OrderInput is an order as the shop system pushes it (POST /api/v1/orders). Money is in
// integer minor units of the currency.
type OrderInput struct {
	OrderNo          string           `json:"order_no"`
	Merchant         string           `json:"merchant" jsonschema:"description=merchant code; an unknown code creates the merchant"`
	Customer         string           `json:"customer" jsonschema:"description=customer id; an unknown id creates the customer"`
	Currency         string           `json:"currency,omitempty" jsonschema:"description=ISO 4217 code\\, CNY when empty"`
	PaymentMethod    string           `json:"payment_method" jsonschema:"enum=online,enum=cod"`
	ShippingFee      int64            `json:"shipping_fee,omitempty"`
	FreightInsurance bool             `json:"freight_insurance,omitempty"`
	PaidAt           time.Time        `json:"paid_at"`
	ShippedAt        *time.Time       `json:"shipped_at,omitempty"`
	DeliveredAt      *time.Time       `json:"delivered_at,omitempty"`
	CompletedAt      *time.Time       `json:"completed_at,omitempty"`
	Items            []OrderItemInput `json:"items"`
}

// OrderItemInput is an order line.
type OrderItemInput struct {
	SKU        string   `json:"sku"`
	Title      string   `json:"title,omitempty"`
	Category   string   `json:"category,omitempty"`
	Quantity   int      `json:"quantity"`
	UnitPrice  int64    `json:"unit_price"`
	PaidAmount int64    `json:"paid_amount" jsonschema:"description=paid for the whole line after discounts"`
	Tags       []string `json:"tags,omitempty" jsonschema:"description=e.g. custom_made\\, perishable\\, digital\\, opened_media\\, periodical\\, unfit_confirmed"`
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// Order converts the input into an order and validates it.
func (in *OrderInput) Order() (order.Order, error) {
	cur := money.Currency(in.Currency)
	if cur == "" {
		cur = money.CNY
	}
	o := order.Order{
		No: in.OrderNo, Merchant: in.Merchant, Customer: in.Customer, Currency: cur,
		PaymentMethod: order.PaymentMethod(in.PaymentMethod), ShippingFee: money.New(in.ShippingFee, cur),
		FreightInsurance: in.FreightInsurance, PaidAt: in.PaidAt.UTC(),
		ShippedAt: deref(in.ShippedAt), DeliveredAt: deref(in.DeliveredAt), CompletedAt: deref(in.CompletedAt),
	}
	if in.PaidAt.IsZero() {
		o.PaidAt = time.Time{}
	}
	for _, it := range in.Items {
		o.Items = append(o.Items, order.Item{SKU: it.SKU, Title: it.Title, Category: it.Category, Quantity: it.Quantity,
			UnitPrice: money.New(it.UnitPrice, cur), PaidAmount: money.New(it.PaidAmount, cur), Tags: it.Tags})
	}
	if err := o.Validate(); err != nil {
		var fe *order.FieldError
		if errors.As(err, &fe) {
			return o, errInvalid(fe.Field, "订单字段无效:"+fe.MessageZH, fe.Message)
		}
		return o, errInvalid("order", err.Error(), err.Error())
	}
	return o, nil
}

// UpsertOrder creates or updates an order from the shop system. An order that names a
// merchant or customer the platform does not know creates them: the shop is their source of
// truth. Created orders answer 201, updated ones 200.
func (a *App) UpsertOrder(ctx context.Context, p Principal, in OrderInput, idem *Idempotency) (Reply[OrderView], error) {
	if err := authorize(p, opUpsertOrder, nil, ""); err != nil {
		return Reply[OrderView]{}, err
	}
	o, err := in.Order()
	if err != nil {
		return Reply[OrderView]{}, err
	}
	if p.Role == RoleMerchant || p.Role == RoleIntegration && p.Merchant != "" {
		if o.Merchant != p.Merchant {
			return Reply[OrderView]{}, errForbidden("只能推送本店的订单", "you may only push orders of your own merchant")
		}
	}
	return write(ctx, a, p, idem, auditTarget{"order.upsert", "order", o.No}, func(tx *txn) (*OrderView, int, error) {
		if existing, err := tx.Order(ctx, o.No, true); err == nil {
			// An order the caller may not see is not found, as GET answers, and nothing
			// says whose it is. (That the number is taken still shows: order numbers are
			// unique on the platform.) Whoever sees all merchants is told plainly.
			if !p.sees(owner{existing.Merchant, existing.Customer}) {
				return nil, 0, errNotFound("order")
			}
			if existing.Merchant != o.Merchant {
				return nil, 0, errInvalid("order_no", "该订单号已属于另一商家", "this order number belongs to another merchant")
			}
			// The order's lines are locked: no application can open a case on it until
			// this transaction ends, so the check holds.
			if existing.Customer != o.Customer {
				held, _, err := tx.ListCases(ctx, store.CaseQuery{OrderNo: o.No, Limit: 1})
				if err != nil {
					return nil, 0, err
				}
				if len(held) > 0 {
					return nil, 0, &Error{Code: CodeConflict, Message: Text{
						ZH: "该订单已有售后单,不能更换买家", EN: "the order has after-sales cases: its customer cannot change"},
						Fields: []FieldError{{Field: "customer", Message: Text{
							ZH: "有售后单的订单,买家不能更换(原买家仍是这些售后单的申请人)",
							EN: "an order with cases keeps its customer (the cases are theirs)"}}}}
				}
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, 0, err
		}
		if err := tx.EnsureMerchant(ctx, o.Merchant); err != nil {
			return nil, 0, err
		}
		if err := tx.EnsureCustomer(ctx, o.Customer); err != nil {
			return nil, 0, err
		}
		created, err := tx.UpsertOrder(ctx, o)
		if err != nil {
			if errors.Is(err, store.ErrExceeded) {
				return nil, 0, errInvalid("items", "不能删除或减少已有售后的商品", "lines that cases hold cannot be removed or reduced below what the cases hold")
			}
			return nil, 0, err
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		if err := tx.audit(ctx, "order.upsert", "order", o.No, map[string]any{"created": created, "merchant": o.Merchant, "lines": len(o.Items)}); err != nil {
			return nil, 0, err
		}
		stored, err := tx.Order(ctx, o.No, false)
		if err != nil {
			return nil, 0, err
		}
		return orderView(&stored), status, nil
	})
}

// GetOrder returns an order the principal may see.
func (a *App) GetOrder(ctx context.Context, p Principal, orderNo string) (*OrderView, error) {
	var v *OrderView
	err := a.store.View(ctx, func(tx store.Tx) error {
		o, err := tx.Order(ctx, orderNo, false)
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound("order")
		} else if err != nil {
			return err
		}
		if err := authorize(p, opReadOrder, &owner{o.Merchant, o.Customer}, "order"); err != nil {
			return err
		}
		v = orderView(&o)
		return nil
	})
	return v, fromCore(err)
}
