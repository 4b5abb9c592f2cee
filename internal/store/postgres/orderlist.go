package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/store"
)

// ListOrders returns one page of orders, newest first (paid_at DESC, order_no DESC), with
// their lines: one statement, so one round trip and one snapshot, joins the page (read
// through orders_customer_paid, orders_merchant_paid or orders_paid from the cursor on,
// which are ordered by paid_at and order number) to
// its lines. The cursor is the (paid_at, order_no) of the page's last order.
func (t *Tx) ListOrders(ctx context.Context, q store.OrderQuery) ([]order.Order, string, error) {
	limit := pageLimit(q.Limit)
	sql, args, err := listOrdersSQL(q, limit)
	if err != nil {
		return nil, "", err
	}
	var orders []order.Order
	err = t.query(ctx, sql, args, func(rows pgx.Rows) (err error) {
		orders, err = appendOrderRow(orders, rows)
		return err
	})
	if err != nil {
		return nil, "", wrap(err, "list orders")
	}
	more := len(orders) > limit // the extra order only says that there is a next page
	orders = orders[:min(len(orders), limit)]
	if !more {
		return orders, "", nil
	}
	last := orders[len(orders)-1]
	return orders, encodeCursor(last.PaidAt, last.No), nil
}

// orderWithLinesColumns are an order's columns and one of its lines' (NULL for an order
// without lines), as appendOrderRow reads them: o is the order, i the line.
const orderWithLinesColumns = `o.order_no, o.merchant_code, o.customer_id, o.currency, o.payment_method, o.shipping_fee,
    o.freight_insurance, o.paid_at, o.shipped_at, o.delivered_at, o.completed_at, o.shipping_held,
    i.sku, i.title, i.category, i.quantity, i.unit_price, i.paid_amount, i.tags, i.claimed, i.refunded, i.reserved`

// appendOrderRow reads a row of orderWithLinesColumns into orders: its line joins the
// last order, or a new one when the row is of another order (rows come by order).
func appendOrderRow(orders []order.Order, rows pgx.Rows) ([]order.Order, error) {
	var (
		o                             order.Order
		currency, method              string
		fee                           int64
		shipped, delivered, completed *time.Time
		sku, title, category, tags    *string
		qty, claimed                  *int32
		price, paid, refd, resvd      *int64
	)
	if err := rows.Scan(&o.No, &o.Merchant, &o.Customer, &currency, &method, &fee, &o.FreightInsurance,
		&o.PaidAt, &shipped, &delivered, &completed, &o.ShippingRefunded,
		&sku, &title, &category, &qty, &price, &paid, &tags, &claimed, &refd, &resvd); err != nil {
		return orders, err
	}
	if n := len(orders); n == 0 || orders[n-1].No != o.No {
		o.Currency, o.PaymentMethod = money.Currency(currency), order.PaymentMethod(method)
		o.ShippingFee = money.New(fee, o.Currency)
		o.ShippedAt, o.DeliveredAt, o.CompletedAt = timeOf(shipped), timeOf(delivered), timeOf(completed)
		orders = append(orders, o)
	}
	if sku == nil { // an order without lines
		return orders, nil
	}
	cur := &orders[len(orders)-1]
	it := order.Item{SKU: *sku, Title: *title, Category: *category, Quantity: int(*qty), Claimed: int(*claimed),
		UnitPrice: money.New(*price, cur.Currency), PaidAmount: money.New(*paid, cur.Currency),
		Refunded: money.New(*refd, cur.Currency), Reserved: money.New(*resvd, cur.Currency)}
	if err := json.Unmarshal([]byte(*tags), &it.Tags); err != nil {
		return orders, fmt.Errorf("order %s: tags of %s: %w", cur.No, it.SKU, err)
	}
	if len(it.Tags) == 0 {
		it.Tags = nil
	}
	cur.Items = append(cur.Items, it)
	return orders, nil
}

// ordersSQL reads orders by number with their lines, in one statement.
const ordersSQL = `
SELECT ` + orderWithLinesColumns + `
FROM orders o LEFT JOIN order_items i ON i.order_no = o.order_no
WHERE o.order_no = ANY ($1)
ORDER BY o.order_no, i.sku`

// Orders returns the orders of nos that exist, by number, with their lines: one statement
// (the orders' primary key, their lines' by order).
func (t *Tx) Orders(ctx context.Context, nos []string) (map[string]order.Order, error) {
	var orders []order.Order
	err := t.query(ctx, ordersSQL, []any{nos}, func(rows pgx.Rows) (err error) {
		orders, err = appendOrderRow(orders, rows)
		return err
	})
	if err != nil {
		return nil, wrap(err, "%d orders", len(nos))
	}
	out := make(map[string]order.Order, len(orders))
	for _, o := range orders {
		out[o.No] = o
	}
	return out, nil
}

// listOrdersSQL is ListOrders's query of a page of limit orders and one more, with their
// lines, and its arguments.
func listOrdersSQL(q store.OrderQuery, limit int) (string, []any, error) {
	var f filter
	f.eq("customer_id", q.Customer)
	f.eq("merchant_code", q.Merchant)
	anyOf(&f, "merchant_code", q.Merchants)
	if q.Cursor != "" {
		at, no, err := decodeCursor(q.Cursor)
		if err != nil {
			return "", nil, fmt.Errorf("list orders: %w", err)
		}
		f.add("(paid_at, order_no) < (" + f.arg(at) + "::timestamptz, " + f.arg(no) + "::text)")
	}
	sql := `
SELECT ` + orderWithLinesColumns + `
FROM (
    SELECT * FROM orders` + f.sql() + `
    ORDER BY paid_at DESC, order_no DESC LIMIT ` + strconv.Itoa(limit+1) + ` -- written out, as in listCasesSQL
) o
LEFT JOIN order_items i ON i.order_no = o.order_no
ORDER BY o.paid_at DESC, o.order_no DESC, i.sku`
	return sql, f.args, nil
}
