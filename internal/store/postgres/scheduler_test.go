package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aftersales/aftersales/internal/store"
)

// bulkRows is how many timers and outbox messages TestSchedulerQueriesUseIndexes stores.
const bulkRows = 100_000

// TestSchedulerQueriesUseIndexes stores 100,000 pending timers (half of them due) and
// 100,000 outbox messages (a tenth pending) and checks the plans of what the scheduler and
// the relay run in a loop: ClaimTimers' select and NextTimerDue read the timers through
// timers_due and timers_next, ClaimOutbox and NextOutboxAvailable the outbox through
// outbox_pending and outbox_next, and none scans a whole table (DESIGN.md "Time": the
// scheduler fires what is due, indexed by due time). Plans are checked as generic plans,
// which the store's connections use (plan_cache_mode = force_generic_plan), and as
// custom plans, which a server that keeps its own plan_cache_mode may choose.
func TestSchedulerQueriesUseIndexes(t *testing.T) {
	clock := &fixedClock{now: t0}
	db := MustOpen(t, store.Options{Now: clock.Now})
	ctx := context.Background()
	seed(t, db, testOrder("O1"))
	mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error { return tx.InsertCase(ctx, testCase("k1", "O1", t0), nil) })

	// One timer a second, the first 50,000 s before t0: half are due at t0.
	first := t0.Add(-bulkRows / 2 * time.Second)
	start := time.Now()
	if _, err := db.pool.Exec(ctx, `
		INSERT INTO timers (id, case_id, kind, due_at, state, created_at, updated_at)
		SELECT 'tmr_bulk_' || lpad(g::text, 6, '0'), $1, 'merchant_response',
		    $2::timestamptz + (g - 1) * interval '1 second', 'pending', $2, $2
		FROM generate_series(1, $3::int) AS g`, "k1", first, bulkRows); err != nil {
		t.Fatal(err)
	}
	if _, err := db.pool.Exec(ctx, `
		INSERT INTO outbox (topic, key, payload, state, available_at, created_at, updated_at)
		SELECT 'case.apply', 'k' || g, '{}', CASE WHEN g % 10 = 0 THEN 'pending' ELSE 'sent' END,
		    $1::timestamptz + g * interval '1 second', $1, $1
		FROM generate_series(1, $2::int) AS g`, first, bulkRows); err != nil {
		t.Fatal(err)
	}
	if _, err := db.pool.Exec(ctx, `
		INSERT INTO idempotency_keys (principal, key, request_hash, status, response, created_at)
		SELECT 'tok-1', 'key-' || g, '\x00', 201, '\x7b7d', $1::timestamptz + g * interval '1 second'
		FROM generate_series(1, $2::int) AS g`, first, bulkRows); err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error {
		return tx.InsertWebhook(ctx, store.Webhook{ID: "wh-bulk", URL: "https://erp.example.com/hooks", Events: []string{"case.approve"},
			Secret: "whsec_bulk", CreatedBy: "user:u-1", CreatedAt: first})
	})
	if _, err := db.pool.Exec(ctx, `
		INSERT INTO webhook_deliveries (webhook_id, event_id, event, payload, state, attempts, status_code, last_error, created_at, updated_at)
		SELECT 'wh-bulk', 'ev-' || g, 'case.approve', '{}', CASE WHEN g % 10 = 0 THEN 'pending' ELSE 'delivered' END, 1, 200, '',
		    $1::timestamptz + g * interval '1 second', $1::timestamptz + g * interval '1 second'
		FROM generate_series(1, $2::int) AS g`, first, bulkRows); err != nil {
		t.Fatal(err)
	}
	if _, err := db.pool.Exec(ctx, `ANALYZE timers, outbox, idempotency_keys, webhook_deliveries`); err != nil {
		t.Fatal(err)
	}
	t.Logf("stored %d timers and %d outbox messages in %v", bulkRows, bulkRows, time.Since(start).Round(time.Millisecond))

	now, until := lit(t0), lit(t0.Add(time.Minute))
	for _, mode := range []string{"force_generic_plan", "force_custom_plan"} {
		for _, q := range []struct {
			name, sql, args string
			uses            []string
		}{
			{"ClaimTimers", claimTimersSQL, "'replica-a', " + now + ", " + until + ", 100", []string{"timers_due", "timers_pkey"}},
			{"NextTimerDue", nextTimerDueSQL, "", []string{"timers_next"}},
			{"ClaimOutbox", claimOutboxSQL, "'relay-a', " + now + ", " + until + ", 100", []string{"outbox_pending", "outbox_pkey"}},
			{"NextOutboxAvailable", nextOutboxSQL, "", []string{"outbox_next"}},
			{"PruneOutbox", pruneOutboxSQL, now + ", 1000", []string{"outbox_sent"}},
			{"PruneTimers", pruneTimersSQL, now + ", 1000", []string{"timers_ended"}},
			{"PruneIdempotency", pruneIdempotencySQL, now + ", 1000", []string{"idempotency_created"}},
			{"PruneDeliveries", pruneDeliveriesSQL, now + ", 1000", []string{"webhook_deliveries_ended", "webhook_deliveries_pkey"}},
		} {
			plan := explain(t, db.pool, mode, q.sql, q.args)
			t.Logf("%s, %s:\n%s", q.name, mode, plan)
			if strings.Contains(plan, "Seq Scan") {
				t.Errorf("%s (%s) scans a whole table:\n%s", q.name, mode, plan)
			}
			for _, index := range q.uses {
				if !strings.Contains(plan, index) {
					t.Errorf("%s (%s) does not use %s:\n%s", q.name, mode, index, plan)
				}
			}
		}
	}

	// What the queries cost on this data, through the store.
	next := func() time.Time {
		var at time.Time
		err := db.View(ctx, func(tx store.Tx) error {
			var err error
			at, _, err = tx.NextTimerDue(ctx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	claim := func(owner string) int {
		var n int
		mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error {
			ts, err := tx.ClaimTimers(ctx, owner, time.Minute, 100)
			n = len(ts)
			return err
		})
		return n
	}
	if at := next(); !at.Equal(first) {
		t.Fatalf("NextTimerDue = %v, want %v", at, first)
	}
	const rounds = 20
	start = time.Now()
	for i := range rounds {
		if n := claim(fmt.Sprintf("replica-%d", i)); n != 100 {
			t.Fatalf("claim %d took %d timers, want 100", i, n)
		}
	}
	perClaim := time.Since(start) / rounds
	start = time.Now()
	for range rounds {
		if at := next(); !at.Equal(first.Add(rounds * 100 * time.Second)) {
			t.Fatalf("NextTimerDue after claims = %v", at)
		}
	}
	perNext := time.Since(start) / rounds
	start = time.Now()
	var pending, due int
	err := db.View(ctx, func(tx store.Tx) error {
		var err error
		pending, due, err = tx.TimerStats(ctx)
		return err
	})
	if err != nil || pending != bulkRows || due != bulkRows/2+1 {
		t.Fatalf("TimerStats = %d, %d, %v; want %d, %d", pending, due, err, bulkRows, bulkRows/2+1)
	}
	t.Logf("with %d pending timers: ClaimTimers(100) %v (the later ones past %d leased timers), NextTimerDue %v, TimerStats %v",
		bulkRows, perClaim.Round(time.Microsecond), (rounds-1)*100, perNext.Round(time.Microsecond),
		time.Since(start).Round(time.Microsecond))
}

// lit is t as an SQL literal.
func lit(t time.Time) string { return "'" + t.Format(time.RFC3339Nano) + "'::timestamptz" }

// explain returns the plan of sql with the given arguments (SQL literals) under a
// plan_cache_mode, as a prepared statement: the plan the store's executions get.
func explain(t *testing.T, pool *pgxpool.Pool, mode, sql, args string) string {
	t.Helper()
	return explainWith(t, pool, mode, "", sql, args)
}

// explainWith is explain with EXPLAIN's options ("(ANALYZE, BUFFERS)": the plan run, with
// its times).
func explainWith(t *testing.T, pool *pgxpool.Pool, mode, options, sql, args string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	var was string
	if err := conn.QueryRow(ctx, "SHOW plan_cache_mode").Scan(&was); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "SET plan_cache_mode = "+mode); err != nil {
		t.Fatal(err)
	}
	defer func() {
		// The connection goes back to the pool as the store set it up.
		if _, err := conn.Exec(ctx, "SET plan_cache_mode = "+was+"; DEALLOCATE explained"); err != nil {
			t.Error(err)
		}
	}()
	if _, err := conn.Exec(ctx, "PREPARE explained AS "+sql); err != nil {
		t.Fatal(err)
	}
	exec := "EXPLAIN " + options + " EXECUTE explained"
	if args != "" {
		exec += "(" + args + ")"
	}
	rows, err := conn.Query(ctx, exec)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
