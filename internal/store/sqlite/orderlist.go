package sqlite

import (
	"context"
	"fmt"

	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/store"
)

// ListOrders returns one page of orders, newest first (paid_at DESC, order_no DESC), with
// their lines, read in a second query for the whole page. The cursor is the (paid_at,
// order_no) of the page's last order; the next page is read from there on in the index
// (orders_customer_paid, orders_merchant_paid, orders_paid: by paid_at and order number).
func (tx *Tx) ListOrders(ctx context.Context, q store.OrderQuery) ([]order.Order, string, error) {
	limit := pageLimit(q.Limit)
	query, args, err := listOrdersSQL(q, limit)
	if err != nil {
		return nil, "", err
	}
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list orders: %w", err)
	}
	defer rows.Close()
	var orders []order.Order
	more := false
	for rows.Next() {
		if len(orders) == limit {
			more = true
			break
		}
		o, err := scanOrder(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list orders: %w", err)
		}
		orders = append(orders, o)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list orders: %w", err)
	}
	rows.Close()
	if err := tx.orderLines(ctx, orders); err != nil {
		return nil, "", fmt.Errorf("list orders: lines: %w", err)
	}
	if !more {
		return orders, "", nil
	}
	last := orders[len(orders)-1]
	return orders, encodeCursor(micros(last.PaidAt), last.No), nil
}

// listOrdersSQL is ListOrders's query of a page of limit orders and one more (without
// their lines), and its arguments.
func listOrdersSQL(q store.OrderQuery, limit int) (string, []any, error) {
	var f filter
	f.eq("customer_id", q.Customer)
	f.eq("merchant_code", q.Merchant)
	in(&f, "merchant_code", q.Merchants)
	if q.Cursor != "" {
		at, no, err := decodeCursor(q.Cursor)
		if err != nil {
			return "", nil, fmt.Errorf("list orders: %w", err)
		}
		f.add("(paid_at, order_no) < (?, ?)", at, no)
	}
	query := "SELECT " + orderColumns + " FROM orders" + f.sql() + "\nORDER BY paid_at DESC, order_no DESC\nLIMIT ?"
	return query, append(f.args, limit+1), nil
}
