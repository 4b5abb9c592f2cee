package app

import (
	"context"

	"github.com/aftersales/aftersales/internal/store"
)

// StaffName is the username of the staff account behind p ("" for tokens, customers and
// merchants' integrations): the pages say "yours" with it.
func (a *App) StaffName(ctx context.Context, p Principal) string {
	var name string
	_ = a.store.View(ctx, func(tx store.Tx) error {
		name = staffName(ctx, tx, p)
		return nil
	})
	return name
}
