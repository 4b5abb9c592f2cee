package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/store"
)

// xmax = 0 holds for a row this statement inserted rather than updated.
const upsertOrderSQL = `
INSERT INTO orders (order_no, merchant_code, customer_id, currency, payment_method, shipping_fee,
    freight_insurance, paid_at, shipped_at, delivered_at, completed_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
ON CONFLICT (order_no) DO UPDATE SET
    merchant_code = excluded.merchant_code, customer_id = excluded.customer_id,
    currency = excluded.currency, payment_method = excluded.payment_method,
    shipping_fee = excluded.shipping_fee, freight_insurance = excluded.freight_insurance,
    paid_at = excluded.paid_at, shipped_at = excluded.shipped_at,
    delivered_at = excluded.delivered_at, completed_at = excluded.completed_at,
    updated_at = excluded.updated_at
RETURNING (xmax = 0)`

// Lines that are gone from the order and hold nothing are deleted; a line still held is
// "shrunk" to nothing, which the line's CHECK constraints refuse (ErrExceeded).
const deleteGoneLinesSQL = `
DELETE FROM order_items
WHERE order_no = $1 AND NOT (sku = ANY ($2)) AND claimed = 0 AND refunded = 0 AND reserved = 0`

const refuseHeldGoneLinesSQL = `
UPDATE order_items SET quantity = 0 WHERE order_no = $1 AND NOT (sku = ANY ($2))`

// Upserting a line keeps its holdings; shrinking it below them violates its CHECKs.
const upsertLinesSQL = `
INSERT INTO order_items (order_no, sku, title, category, quantity, unit_price, paid_amount, tags)
SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::integer[], $6::bigint[], $7::bigint[], $8::text[])
ON CONFLICT (order_no, sku) DO UPDATE SET
    title = excluded.title, category = excluded.category, quantity = excluded.quantity,
    unit_price = excluded.unit_price, paid_amount = excluded.paid_amount, tags = excluded.tags`

// UpsertOrder creates the order or replaces its fields and lines, keeping what after-sales
// holds of each line. It is one round trip.
func (t *Tx) UpsertOrder(ctx context.Context, o order.Order) (created bool, err error) {
	// Lines are written in SKU order, the order in which Order locks them.
	items := slices.Clone(o.Items)
	slices.SortFunc(items, func(a, b order.Item) int { return cmp.Compare(a.SKU, b.SKU) })
	n := len(items)
	skus, titles, cats, tags := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	qtys, prices, paid := make([]int32, n), make([]int64, n), make([]int64, n)
	for i, it := range items {
		tj, err := json.Marshal(orEmpty(it.Tags))
		if err != nil {
			return false, fmt.Errorf("upsert order %s: tags of %s: %w", o.No, it.SKU, err)
		}
		skus[i], titles[i], cats[i], tags[i] = it.SKU, it.Title, it.Category, string(tj)
		qtys[i], prices[i], paid[i] = int32(it.Quantity), it.UnitPrice.Minor, it.PaidAmount.Minor
	}
	b := &pgx.Batch{}
	b.Queue(upsertOrderSQL, o.No, o.Merchant, o.Customer, string(o.Currency), string(o.PaymentMethod),
		o.ShippingFee.Minor, o.FreightInsurance, o.PaidAt, nullTime(o.ShippedAt), nullTime(o.DeliveredAt),
		nullTime(o.CompletedAt), t.now).QueryRow(func(r pgx.Row) error { return r.Scan(&created) })
	b.Queue(deleteGoneLinesSQL, o.No, skus)
	b.Queue(refuseHeldGoneLinesSQL, o.No, skus)
	b.Queue(upsertLinesSQL, o.No, skus, titles, cats, qtys, prices, paid, tags)
	if err := t.guarded(ctx, b); err != nil {
		return false, wrap(err, "upsert order %s", o.No)
	}
	return created, t.markDirty(ctx, "order", o.No)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const orderLinesSQL = `
SELECT sku, title, category, quantity, unit_price, paid_amount, tags, claimed, refunded, reserved
FROM order_items WHERE order_no = $1 ORDER BY sku`

const orderSQL = `
SELECT merchant_code, customer_id, currency, payment_method, shipping_fee, freight_insurance,
    paid_at, shipped_at, delivered_at, completed_at, shipping_held
FROM orders WHERE order_no = $1`

// Order returns an order with its lines and their holdings, in one round trip. With lock
// the lines are locked in SKU order (the same order for every transaction, so that two
// transactions on one order queue rather than deadlock) before the order row is read, so
// that the order's shipping_held is as fresh as the locked lines.
func (t *Tx) Order(ctx context.Context, orderNo string, lock bool) (order.Order, error) {
	linesSQL := orderLinesSQL
	if lock && !t.readOnly() {
		linesSQL += " FOR UPDATE"
	}
	type line struct {
		item                         order.Item
		unitPrice, paid, refd, resvd int64
		tags                         string
	}
	var lines []line
	var o order.Order
	var shippingFee int64
	var shipped, delivered, completed *time.Time
	found := false
	b := t.batch()
	b.Queue(linesSQL, orderNo).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var l line
			var qty, claimed int32
			if err := rows.Scan(&l.item.SKU, &l.item.Title, &l.item.Category, &qty, &l.unitPrice, &l.paid,
				&l.tags, &claimed, &l.refd, &l.resvd); err != nil {
				return err
			}
			l.item.Quantity, l.item.Claimed = int(qty), int(claimed)
			lines = append(lines, l)
		}
		return rows.Err()
	})
	b.Queue(orderSQL, orderNo).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			found = true
			var currency, method string
			if err := rows.Scan(&o.Merchant, &o.Customer, &currency, &method, &shippingFee,
				&o.FreightInsurance, &o.PaidAt, &shipped, &delivered, &completed, &o.ShippingRefunded); err != nil {
				return err
			}
			o.Currency, o.PaymentMethod = money.Currency(currency), order.PaymentMethod(method)
		}
		return rows.Err()
	})
	if err := t.send(ctx, b); err != nil {
		return order.Order{}, wrap(err, "order %s", orderNo)
	}
	if !found {
		return order.Order{}, fmt.Errorf("order %s: %w", orderNo, store.ErrNotFound)
	}
	o.No = orderNo
	o.ShippingFee = money.New(shippingFee, o.Currency)
	o.ShippedAt, o.DeliveredAt, o.CompletedAt = timeOf(shipped), timeOf(delivered), timeOf(completed)
	o.Items = make([]order.Item, len(lines))
	for i, l := range lines {
		it := l.item
		it.UnitPrice = money.New(l.unitPrice, o.Currency)
		it.PaidAmount = money.New(l.paid, o.Currency)
		it.Refunded = money.New(l.refd, o.Currency)
		it.Reserved = money.New(l.resvd, o.Currency)
		if err := json.Unmarshal([]byte(l.tags), &it.Tags); err != nil {
			return order.Order{}, fmt.Errorf("order %s: tags of %s: %w", orderNo, it.SKU, err)
		}
		if len(it.Tags) == 0 {
			it.Tags = nil
		}
		o.Items[i] = it
	}
	return o, nil
}

// The deltas are checked against the order's lines first, in the same statement, so that
// a delta for an unknown line or beyond a line's bounds changes nothing and raises no
// error (the transaction stays usable, no savepoint needed). The check repeats the lines'
// CHECK constraints, which remain the guarantee: a concurrent change between the
// statement's snapshot and its update (possible only if the caller did not lock the lines
// with Order) is still refused, by the constraint. $6 (shipping held) is NULL to leave the
// order row alone; $8 is the number of deltas.
const adjustHoldingsSQL = `
WITH d AS (
    SELECT * FROM unnest($2::text[], $3::integer[], $4::bigint[], $5::bigint[]) AS d (sku, units, refunded, reserved)
), cur AS (
    SELECT count(*) AS found,
        coalesce(bool_and(
            i.claimed + d.units BETWEEN 0 AND i.quantity
            AND i.refunded + d.refunded >= 0 AND i.reserved + d.reserved >= 0
            AND i.refunded + d.refunded + i.reserved + d.reserved <= i.paid_amount), true) AS fits
    FROM d JOIN order_items i ON i.order_no = $1 AND i.sku = d.sku
), lines AS (
    UPDATE order_items i
    SET claimed = i.claimed + d.units, refunded = i.refunded + d.refunded, reserved = i.reserved + d.reserved
    FROM d, cur
    WHERE i.order_no = $1 AND i.sku = d.sku AND cur.found = $8 AND cur.fits
    RETURNING 1
), ord AS (
    UPDATE orders SET shipping_held = $6, updated_at = $7
    FROM cur
    WHERE order_no = $1 AND $6::boolean IS NOT NULL AND cur.found = $8 AND cur.fits
    RETURNING 1
)
SELECT cur.found, cur.fits, (SELECT count(*) FROM lines), (SELECT count(*) FROM ord) FROM cur`

// AdjustHoldings adds deltas to the holdings of an order's lines and sets whether the
// shipping fee is held, in one statement. ErrExceeded if a line would go above what it has
// or below zero, ErrNotFound for an unknown order or line; either way nothing changes and
// the transaction stays usable.
func (t *Tx) AdjustHoldings(ctx context.Context, orderNo string, deltas []aftersale.Holding, shippingHeld *bool) error {
	// One delta per line, in SKU order (the lock order).
	sum := map[string]*aftersale.Holding{}
	var merged []*aftersale.Holding
	for _, d := range deltas {
		if h, ok := sum[d.SKU]; ok {
			h.Units += d.Units
			h.Refunded.Minor += d.Refunded.Minor
			h.Reserved.Minor += d.Reserved.Minor
			continue
		}
		h := d
		sum[d.SKU] = &h
		merged = append(merged, &h)
	}
	if len(merged) == 0 && shippingHeld == nil {
		return nil
	}
	slices.SortFunc(merged, func(a, b *aftersale.Holding) int { return cmp.Compare(a.SKU, b.SKU) })
	n := len(merged)
	skus, units, refunded, reserved := make([]string, n), make([]int32, n), make([]int64, n), make([]int64, n)
	for i, h := range merged {
		skus[i], units[i], refunded[i], reserved[i] = h.SKU, int32(h.Units), h.Refunded.Minor, h.Reserved.Minor
	}
	if n == 1 && shippingHeld == nil {
		return t.adjustLine(ctx, orderNo, merged[0])
	}
	var found, lines, orders int64
	var fits bool
	err := t.queryRow(ctx, adjustHoldingsSQL, []any{orderNo, skus, units, refunded, reserved, shippingHeld, t.now, n},
		&found, &fits, &lines, &orders)
	switch {
	case err != nil:
	case found < int64(n):
		err = store.ErrNotFound
	case !fits:
		err = store.ErrExceeded
	case shippingHeld != nil && orders == 0:
		err = store.ErrNotFound
	case lines != int64(n):
		err = fmt.Errorf("%d of %d lines changed: a line was removed meanwhile", lines, n)
	}
	return wrap(err, "adjust holdings of order %s", orderNo)
}

// adjustLine is AdjustHoldings of one line, the common case (a case of one item): the
// bounds are part of the update's condition, which the database checks against the
// line's latest version, so a refusal is never a constraint violation. Only a refused
// change pays a second round trip, to tell an unknown line from an exceeded one.
func (t *Tx) adjustLine(ctx context.Context, orderNo string, h *aftersale.Holding) error {
	n, err := t.exec(ctx, `
		UPDATE order_items
		SET claimed = claimed + $3, refunded = refunded + $4, reserved = reserved + $5
		WHERE order_no = $1 AND sku = $2
		    AND claimed + $3 BETWEEN 0 AND quantity
		    AND refunded + $4 >= 0 AND reserved + $5 >= 0
		    AND refunded + $4 + reserved + $5 <= paid_amount`,
		orderNo, h.SKU, int32(h.Units), h.Refunded.Minor, h.Reserved.Minor)
	if err == nil && n == 0 {
		var exists bool
		err = t.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM order_items WHERE order_no = $1 AND sku = $2)`,
			[]any{orderNo, h.SKU}, &exists)
		switch {
		case err != nil:
		case exists:
			err = store.ErrExceeded
		default:
			err = store.ErrNotFound
		}
	}
	return wrap(err, "adjust holdings of order %s", orderNo)
}
