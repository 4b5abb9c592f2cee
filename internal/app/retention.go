package app

import (
	"context"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// DefaultOutboxRetention is how long a sent outbox message is kept (serve --outbox-retention).
const DefaultOutboxRetention = 7 * 24 * time.Hour

// DefaultTimerRetention is how long an ended timer is kept (serve --timer-retention).
const DefaultTimerRetention = 7 * 24 * time.Hour

// DefaultIdempotencyRetention is how long an Idempotency-Key's first answer is kept for its
// retries (serve --idempotency-retention).
const DefaultIdempotencyRetention = 7 * 24 * time.Hour

// DefaultWebhookRetention is how long a webhook delivery that ended is kept, for its
// merchant to read and redeliver (serve --webhook-retention).
const DefaultWebhookRetention = 30 * 24 * time.Hour

// pruneBatch is how many rows one transaction of a pruning deletes: short, as it holds the
// SQLite writer while applications wait.
const pruneBatch = 500

// PruneOutbox deletes sent outbox messages created more than keep ago, up to limit, in
// transactions of pruneBatch, and returns how many it deleted. Nothing reads a sent message
// again — the relay, the backlog and the dead letters read pending and dead ones — and they
// are the largest share of the rows a case's life cycle writes (docs/SCALING.md, "What grows
// without end"). A message still pending or dead is kept whatever its age.
func (a *App) PruneOutbox(ctx context.Context, keep time.Duration, limit int) (int, error) {
	return a.prune(ctx, "prune the outbox", "sent messages", keep, limit, store.Tx.PruneOutbox)
}

// PruneTimers deletes timers that ended (fired or cancelled) more than keep ago, up to
// limit, in transactions of pruneBatch, and returns how many it deleted. Nothing reads an
// ended timer — the scheduler, a case's timers and the stats read pending ones; how a
// deadline ended is in the case's history — and a life cycle ends about seven of them.
func (a *App) PruneTimers(ctx context.Context, keep time.Duration, limit int) (int, error) {
	return a.prune(ctx, "prune timers", "ended timers", keep, limit, store.Tx.PruneTimers)
}

// PruneIdempotency deletes the records of Idempotency-Keys used more than keep ago, up to
// limit, in transactions of pruneBatch, and returns how many it deleted: a retry with such a
// key is a new request. Every write through the API with a key stores one, its answer's
// body included.
func (a *App) PruneIdempotency(ctx context.Context, keep time.Duration, limit int) (int, error) {
	return a.prune(ctx, "prune idempotency keys", "idempotency keys", keep, limit, store.Tx.PruneIdempotency)
}

// PruneDeliveries deletes webhook deliveries that ended (delivered, or failed for good) more
// than keep ago, up to limit, in transactions of pruneBatch, and returns how many it deleted.
// A delivery still being retried is kept whatever its age.
func (a *App) PruneDeliveries(ctx context.Context, keep time.Duration, limit int) (int, error) {
	return a.prune(ctx, "prune webhook deliveries", "webhook deliveries", keep, limit, store.Tx.PruneDeliveries)
}

// prune runs a store's pruning of rows older than keep in transactions of pruneBatch until
// limit rows are deleted or a transaction deletes fewer than it may.
func (a *App) prune(ctx context.Context, what, rows string, keep time.Duration, limit int,
	del func(tx store.Tx, ctx context.Context, before time.Time, limit int) (int, error)) (int, error) {
	if keep <= 0 {
		return 0, fmt.Errorf("%s: keep %s a positive time, not %v", what, rows, keep)
	}
	before := a.now().Add(-keep)
	total := 0
	for total < limit {
		var n int
		err := a.store.Update(ctx, func(tx store.Tx) error {
			var err error
			n, err = del(tx, ctx, before, min(pruneBatch, limit-total))
			return err
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("%s: %w", what, err)
		}
		if n < pruneBatch {
			break
		}
	}
	return total, nil
}
