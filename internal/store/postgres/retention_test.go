package postgres

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// TestPruningPlansForTheGrownTable: the retention sweeps' deletes find their rows by index
// however wrong the statistics. Each is first run while its table is empty, as on a new
// deployment, on every pooled connection; then the table grows by 300,000 rows to prune,
// without an ANALYZE (autovacuum off for it). Through the generic plan made on the empty table
// (the connections' plan_cache_mode), the idempotency records' prune of 500 read the whole
// table for them: 0.5–0.8 s a batch, every time. Planned anew on the unanalyzed table, the
// outbox's read every sent message by a bitmap scan and sorted them: 45–60 ms. With
// pruneSettings, 0.6–1.7 ms. The bound on the fastest of three batches, 25 ms, fails both.
func TestPruningPlansForTheGrownTable(t *testing.T) {
	db := MustOpen(t, store.Options{})
	ctx := context.Background()
	seed(t, db, testOrder("O1"))
	mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error { return tx.InsertCase(ctx, testCase("k1", "O1", t0), nil) })
	old := time.Now().Add(-30 * 24 * time.Hour)
	for _, c := range []struct {
		table, grow string
		prune       func(tx store.Tx, before time.Time) (int, error)
	}{
		{"idempotency_keys", `
			INSERT INTO idempotency_keys (principal, key, request_hash, status, response, created_at)
			SELECT 'tok-1', 'key-' || g, '\x00', 201, '\x7b7d', $1::timestamptz + g * interval '1 millisecond'
			FROM generate_series(1, 300000) AS g`,
			func(tx store.Tx, before time.Time) (int, error) { return tx.PruneIdempotency(ctx, before, 500) }},
		{"outbox", `
			INSERT INTO outbox (topic, key, payload, state, available_at, created_at, updated_at)
			SELECT 'case.event', 'k' || g, '{}', 'sent', $1::timestamptz, $1::timestamptz + g * interval '1 millisecond', $1
			FROM generate_series(1, 300000) AS g`,
			func(tx store.Tx, before time.Time) (int, error) { return tx.PruneOutbox(ctx, before, 500) }},
		{"timers", `
			INSERT INTO timers (id, case_id, kind, due_at, state, created_at, updated_at)
			SELECT 'tmr_old_' || g, 'k1', 'merchant_response', $1, 'fired', $1, $1::timestamptz + g * interval '1 millisecond'
			FROM generate_series(1, 300000) AS g`,
			func(tx store.Tx, before time.Time) (int, error) { return tx.PruneTimers(ctx, before, 500) }},
	} {
		t.Run(c.table, func(t *testing.T) {
			if _, err := db.pool.Exec(ctx, "ALTER TABLE "+c.table+" SET (autovacuum_enabled = off)"); err != nil {
				t.Fatal(err)
			}
			// Every connection of the pool prepares the delete on the empty table.
			var wg sync.WaitGroup
			for range int(db.pool.Config().MaxConns) {
				wg.Go(func() {
					if err := db.Update(ctx, func(tx store.Tx) error { _, err := c.prune(tx, time.Now()); return err }); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if _, err := db.pool.Exec(ctx, c.grow, old); err != nil {
				t.Fatal(err)
			}
			// The fastest of three: a cached plan that reads the whole table is slow every time.
			fastest := time.Hour
			for i := range 3 {
				start := time.Now()
				var n int
				err := db.Update(ctx, func(tx store.Tx) error {
					var err error
					n, err = c.prune(tx, time.Now().Add(-24*time.Hour))
					return err
				})
				fastest = min(fastest, time.Since(start))
				if err != nil || n != 500 {
					t.Fatalf("prune %d: %d rows, %v; want 500", i, n, err)
				}
			}
			t.Logf("the fastest of three prunes of 500: %v", fastest)
			if fastest > 25*time.Millisecond {
				t.Errorf("a prune of 500 rows in a table of 300,000 took at least %v: planned for the empty table?", fastest)
			}
		})
	}
}
