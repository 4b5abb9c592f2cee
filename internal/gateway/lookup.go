package gateway

import (
	"context"
	"errors"
	"fmt"

	"github.com/aftersales/aftersales/internal/ledger"
)

// Payment implements ledger.Gateway: the record of one key as it now stands, or
// ledger.ErrNoPayment.
func (g *Simulated) Payment(ctx context.Context, key string) (ledger.Payment, error) {
	r, err := g.Lookup(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return ledger.Payment{}, fmt.Errorf("payment %s: %w", key, ledger.ErrNoPayment)
	}
	if err != nil {
		return ledger.Payment{}, err
	}
	return r.Payment, nil
}
