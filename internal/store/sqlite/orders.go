package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/store"
)

// UpsertOrder creates the order or replaces its fields and lines, keeping the holdings
// of the lines that remain. The CHECK constraints of order_items refuse a line shrunk
// below its holdings; a held line that is left out is refused here.
//
// An order pushed again (shipped, delivered) sets its indexed columns — merchant, customer,
// payment time — only when they change: SQLite rewrites an index's entry whenever an UPDATE
// sets one of its columns, changed or not (see UpdateCase).
func (tx *Tx) UpsertOrder(ctx context.Context, o order.Order) (created bool, err error) {
	var (
		merchant, customer string
		paidAt             int64
	)
	err = tx.queryRow(ctx, `SELECT merchant_code, customer_id, paid_at FROM orders WHERE order_no = ?`, o.No).
		Scan(&merchant, &customer, &paidAt)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("upsert order %s: %w", o.No, err)
	}
	now := micros(tx.now)
	if !exists {
		const insert = `
INSERT INTO orders (order_no, merchant_code, customer_id, currency, payment_method,
                    shipping_fee, freight_insurance, paid_at, shipped_at, delivered_at,
                    completed_at, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
		_, err = tx.exec(ctx, insert, o.No, o.Merchant, o.Customer, string(o.Currency),
			string(o.PaymentMethod), o.ShippingFee.Minor, o.FreightInsurance, micros(o.PaidAt),
			nullMicros(o.ShippedAt), nullMicros(o.DeliveredAt), nullMicros(o.CompletedAt), now, now)
	} else {
		if err := tx.dropLines(ctx, o); err != nil {
			return false, err
		}
		var s setList
		s.set("currency", string(o.Currency))
		s.set("payment_method", string(o.PaymentMethod))
		s.set("shipping_fee", o.ShippingFee.Minor)
		s.set("freight_insurance", o.FreightInsurance)
		s.set("shipped_at", nullMicros(o.ShippedAt))
		s.set("delivered_at", nullMicros(o.DeliveredAt))
		s.set("completed_at", nullMicros(o.CompletedAt))
		s.set("updated_at", now)
		s.changed("merchant_code", merchant, o.Merchant)
		s.changed("customer_id", customer, o.Customer)
		s.changed("paid_at", paidAt, micros(o.PaidAt))
		_, err = tx.exec(ctx, "UPDATE orders SET "+s.sql()+" WHERE order_no = ?", append(s.args, o.No)...)
	}
	if err != nil {
		return false, fmt.Errorf("upsert order %s: %w", o.No, dbErr(err))
	}

	const line = `
INSERT INTO order_items (order_no, sku, title, category, quantity, unit_price, paid_amount, tags)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (order_no, sku) DO UPDATE
SET title = excluded.title, category = excluded.category, quantity = excluded.quantity,
    unit_price = excluded.unit_price, paid_amount = excluded.paid_amount, tags = excluded.tags`
	for _, it := range o.Items {
		tags := it.Tags
		if tags == nil {
			tags = []string{}
		}
		tagsJSON, err := json.Marshal(tags)
		if err != nil {
			return false, err
		}
		_, err = tx.exec(ctx, line, o.No, it.SKU, it.Title, it.Category, it.Quantity,
			it.UnitPrice.Minor, it.PaidAmount.Minor, string(tagsJSON))
		if err != nil {
			return false, fmt.Errorf("upsert order %s line %s: %w", o.No, it.SKU, dbErr(err))
		}
	}
	if err := tx.markDirty(ctx, "order", o.No); err != nil {
		return false, err
	}
	return !exists, nil
}

// dropLines deletes the stored lines that o no longer has; ErrExceeded if cases hold any
// of them.
func (tx *Tx) dropLines(ctx context.Context, o order.Order) error {
	keep := make(map[string]bool, len(o.Items))
	for _, it := range o.Items {
		keep[it.SKU] = true
	}
	const q = `SELECT sku, claimed + refunded + reserved FROM order_items WHERE order_no = ?`
	rows, err := tx.query(ctx, q, o.No)
	if err != nil {
		return fmt.Errorf("upsert order %s: %w", o.No, err)
	}
	defer rows.Close()
	var drop []string
	for rows.Next() {
		var sku string
		var held int64
		if err := rows.Scan(&sku, &held); err != nil {
			return fmt.Errorf("upsert order %s: %w", o.No, err)
		}
		if keep[sku] {
			continue
		}
		if held != 0 {
			return fmt.Errorf("upsert order %s: line %s is held by cases and cannot be removed: %w",
				o.No, sku, store.ErrExceeded)
		}
		drop = append(drop, sku)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("upsert order %s: %w", o.No, err)
	}
	rows.Close()
	for _, sku := range drop {
		_, err := tx.exec(ctx, `DELETE FROM order_items WHERE order_no = ? AND sku = ?`, o.No, sku)
		if err != nil {
			return fmt.Errorf("upsert order %s: remove line %s: %w", o.No, sku, dbErr(err))
		}
	}
	return nil
}

// Order returns an order with its lines (by SKU) and their holdings. lock needs nothing
// here: an Update transaction already holds the database's only write lock.
func (tx *Tx) Order(ctx context.Context, orderNo string, lock bool) (order.Order, error) {
	o, err := scanOrder(tx.queryRow(ctx, `SELECT `+orderColumns+` FROM orders WHERE order_no = ?`, orderNo))
	if err != nil {
		return order.Order{}, fmt.Errorf("load order %s: %w", orderNo, dbErr(err))
	}
	orders := []order.Order{o}
	if err := tx.orderLines(ctx, orders); err != nil {
		return order.Order{}, fmt.Errorf("load order %s lines: %w", orderNo, err)
	}
	return orders[0], nil
}

// ordersSQL reads the orders of a JSON array of numbers.
const ordersSQL = `SELECT ` + orderColumns + ` FROM orders WHERE order_no` + sourceIn + ` ORDER BY order_no`

// Orders returns the orders of nos that exist, by number, with their lines: two
// statements, whatever the number of orders.
func (tx *Tx) Orders(ctx context.Context, nos []string) (map[string]order.Order, error) {
	out := map[string]order.Order{}
	if len(nos) == 0 {
		return out, nil
	}
	ids, err := json.Marshal(nos)
	if err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, ordersSQL, string(ids))
	if err != nil {
		return nil, fmt.Errorf("load %d orders: %w", len(nos), dbErr(err))
	}
	var orders []order.Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("load %d orders: %w", len(nos), err)
		}
		orders = append(orders, o)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("load %d orders: %w", len(nos), dbErr(err))
	}
	if err := tx.orderLines(ctx, orders); err != nil {
		return nil, fmt.Errorf("load %d orders' lines: %w", len(nos), err)
	}
	for _, o := range orders {
		out[o.No] = o
	}
	return out, nil
}

// orderColumns are the columns of an order row that scanOrder reads.
const orderColumns = `order_no, merchant_code, customer_id, currency, payment_method, shipping_fee,
       freight_insurance, paid_at, shipped_at, delivered_at, completed_at, shipping_held`

// scanOrder reads an order row (orderColumns), without its lines.
func scanOrder(row interface{ Scan(...any) error }) (order.Order, error) {
	var (
		o                             order.Order
		currency, method              string
		fee, paidAt                   int64
		shipped, delivered, completed sql.NullInt64
	)
	err := row.Scan(&o.No, &o.Merchant, &o.Customer, &currency, &method, &fee, &o.FreightInsurance,
		&paidAt, &shipped, &delivered, &completed, &o.ShippingRefunded)
	if err != nil {
		return order.Order{}, err
	}
	o.Currency = money.Currency(currency)
	o.PaymentMethod = order.PaymentMethod(method)
	o.ShippingFee = money.New(fee, o.Currency)
	o.PaidAt = fromMicros(paidAt)
	o.ShippedAt = fromNullMicros(shipped)
	o.DeliveredAt = fromNullMicros(delivered)
	o.CompletedAt = fromNullMicros(completed)
	return o, nil
}

// orderLinesSQL reads the lines of n orders.
func orderLinesSQL(n int) string {
	return `
SELECT order_no, sku, title, category, quantity, unit_price, paid_amount, tags, claimed, refunded, reserved
FROM order_items WHERE order_no IN (` + placeholders(n) + `) ORDER BY order_no, sku`
}

// orderLines reads the lines of orders (by SKU, with their holdings) in one query and
// appends them to their orders.
func (tx *Tx) orderLines(ctx context.Context, orders []order.Order) error {
	if len(orders) == 0 {
		return nil
	}
	at := make(map[string]*order.Order, len(orders))
	args := make([]any, len(orders))
	for i := range orders {
		at[orders[i].No] = &orders[i]
		args[i] = orders[i].No
	}
	rows, err := tx.query(ctx, orderLinesSQL(len(orders)), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			orderNo, tags                   string
			it                              order.Item
			price, paid, refunded, reserved int64
		)
		if err := rows.Scan(&orderNo, &it.SKU, &it.Title, &it.Category, &it.Quantity, &price, &paid, &tags,
			&it.Claimed, &refunded, &reserved); err != nil {
			return err
		}
		o := at[orderNo]
		if o == nil {
			return fmt.Errorf("line %s of order %s, which was not asked for", it.SKU, orderNo)
		}
		if err := json.Unmarshal([]byte(tags), &it.Tags); err != nil {
			return fmt.Errorf("order %s line %s tags: %w", orderNo, it.SKU, err)
		}
		if len(it.Tags) == 0 {
			it.Tags = nil
		}
		it.UnitPrice = money.New(price, o.Currency)
		it.PaidAmount = money.New(paid, o.Currency)
		it.Refunded = money.New(refunded, o.Currency)
		it.Reserved = money.New(reserved, o.Currency)
		o.Items = append(o.Items, it)
	}
	return rows.Err()
}

// AdjustHoldings adds deltas to the holdings of an order's lines, all or none: the
// order_items CHECK constraints refuse a line above its quantity or paid amount or below
// zero (ErrExceeded), and a savepoint undoes the deltas already applied.
func (tx *Tx) AdjustHoldings(ctx context.Context, orderNo string, deltas []aftersale.Holding, shippingHeld *bool) (err error) {
	var currency string
	err = tx.queryRow(ctx, `SELECT currency FROM orders WHERE order_no = ?`, orderNo).Scan(&currency)
	if err != nil {
		return fmt.Errorf("adjust holdings of order %s: %w", orderNo, dbErr(err))
	}
	for _, d := range deltas {
		for _, a := range []money.Amount{d.Refunded, d.Reserved} {
			if a.Minor != 0 && string(a.Currency) != currency {
				return fmt.Errorf("adjust holdings of order %s line %s: %s is not in the order's currency %s",
					orderNo, d.SKU, a, currency)
			}
		}
	}

	if _, err := tx.exec(ctx, `SAVEPOINT adjust_holdings`); err != nil {
		return fmt.Errorf("adjust holdings of order %s: %w", orderNo, err)
	}
	defer func() {
		if err != nil {
			tx.exec(ctx, `ROLLBACK TO adjust_holdings`)
		}
		tx.exec(ctx, `RELEASE adjust_holdings`)
	}()

	const q = `
UPDATE order_items
SET claimed = claimed + ?, refunded = refunded + ?, reserved = reserved + ?
WHERE order_no = ? AND sku = ?`
	for _, d := range deltas {
		res, err := tx.exec(ctx, q, d.Units, d.Refunded.Minor, d.Reserved.Minor, orderNo, d.SKU)
		if err := mustChange(res, err); err != nil {
			return fmt.Errorf("adjust holdings of order %s line %s: %w", orderNo, d.SKU, err)
		}
	}
	if shippingHeld != nil {
		const q = `UPDATE orders SET shipping_held = ?, updated_at = ? WHERE order_no = ?`
		if _, err := tx.exec(ctx, q, *shippingHeld, micros(tx.now), orderNo); err != nil {
			return fmt.Errorf("adjust holdings of order %s: %w", orderNo, dbErr(err))
		}
	}
	return nil
}
