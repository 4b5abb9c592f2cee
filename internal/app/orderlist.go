package app

import (
	"context"

	"github.com/aftersales/aftersales/internal/store"
)

// OrderListInput selects orders (GET /api/v1/orders): a customer's in the portal, a
// merchant's in its back office.
type OrderListInput struct {
	Customer string
	Merchant string
	Cursor   string
	Limit    int
}

// OrderList is one page of orders, newest first.
type OrderList struct {
	Items      []OrderView `json:"items"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// ListOrders returns one page of the orders the principal may see, newest first (paid, then
// order number), each with what after-sales holds of its lines. Whoever may read an order
// may list it: a customer their own (only the shop's, when a shop's login link vouched for
// them), merchant staff and a merchant's integration their merchant's, agents and
// supervisors those of the merchants they serve, admins and the platform's integration
// all. Asking for someone else's gives an empty list.
func (a *App) ListOrders(ctx context.Context, p Principal, in OrderListInput) (*OrderList, error) {
	if err := authorize(p, opReadOrder, nil, ""); err != nil {
		return nil, err
	}
	if in.Limit < 0 || in.Limit > 500 {
		return nil, errInvalid("limit", "每页数量应为 1–500", "limit must be between 1 and 500")
	}
	scope := scopeOf(p, in.Merchant, in.Customer)
	out := &OrderList{Items: []OrderView{}}
	if !scope.ok {
		return out, nil
	}
	q := store.OrderQuery{Customer: scope.customer, Merchant: scope.merchant, Merchants: scope.merchants,
		Cursor: in.Cursor, Limit: in.Limit}
	err := a.store.View(ctx, func(tx store.Tx) error {
		orders, next, err := tx.ListOrders(ctx, q)
		if err != nil {
			return err
		}
		for i := range orders {
			out.Items = append(out.Items, *orderView(&orders[i]))
		}
		out.NextCursor = next
		return nil
	})
	if err != nil {
		return nil, listError(err)
	}
	return out, nil
}
