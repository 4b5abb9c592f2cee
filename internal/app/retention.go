package app

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// DefaultOutboxRetention is how long a sent outbox message is kept (serve --outbox-retention).
const DefaultOutboxRetention = 7 * 24 * time.Hour

// pruneBatch is how many sent messages one transaction of PruneOutbox deletes: short, as
// it holds the SQLite writer while applications wait.
const pruneBatch = 500

// PruneOutbox deletes sent outbox messages created more than keep ago, up to limit, in
// transactions of pruneBatch, and returns how many it deleted. Nothing reads a sent message
// again — the relay, the backlog and the dead letters read pending and dead ones — and they
// are the largest share of the rows a case's life cycle writes (docs/SCALING.md, "What grows
// without end"). A message still pending or dead is kept whatever its age.
func (a *App) PruneOutbox(ctx context.Context, keep time.Duration, limit int) (int, error) {
	if keep <= 0 {
		return 0, fmt.Errorf("prune the outbox: keep sent messages a positive time, not %v", keep)
	}
	before := a.now().Add(-keep)
	total := 0
	for total < limit {
		var n int
		err := a.store.Update(ctx, func(tx store.Tx) error {
			var err error
			n, err = tx.PruneOutbox(ctx, before, min(pruneBatch, limit-total))
			return err
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("prune the outbox: %w", err)
		}
		if n < pruneBatch {
			break
		}
	}
	return total, nil
}
