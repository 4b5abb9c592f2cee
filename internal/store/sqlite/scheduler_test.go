package sqlite

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// TestSchedulerQueriesUseIndexes stores 20,000 pending timers (half of them due) and
// 20,000 outbox messages (a tenth pending), analyzed, and checks that what the scheduler
// and the relay run in a loop reads through an index, never scanning a whole table: as the
// PostgreSQL test of the same name, by EXPLAIN QUERY PLAN. (Fewer rows than there: filling
// the file takes half a minute under the race detector; the plans are the same.)
func TestSchedulerQueriesUseIndexes(t *testing.T) {
	const rows = 20_000
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	db := mustOpenDBOptions(t, store.Options{Now: func() time.Time { return now }})
	first := micros(now.Add(-rows / 2 * time.Second))
	mustExec(t, db.write, `INSERT INTO merchants (code, created_at) VALUES ('M-1', 0)`)
	mustExec(t, db.write, `INSERT INTO customers (id, created_at) VALUES ('C-1', 0)`)
	mustExec(t, db.write, `INSERT INTO orders (order_no, merchant_code, customer_id, currency, payment_method,
		shipping_fee, freight_insurance, paid_at, created_at, updated_at)
		VALUES ('O-1', 'M-1', 'C-1', 'CNY', 'online', 0, 0, 0, 0, 0)`)
	mustExec(t, db.write, `INSERT INTO cases (id, number, order_no, merchant_code, customer_id, type, reason,
		state, version, data, decision, created_at, updated_at)
		VALUES ('case-1', 'RMA-1', 'O-1', 'M-1', 'C-1', 'refund_only', 'other', 'requested', 1, '{}', '{}', 0, 0)`)
	if _, err := db.write.ExecContext(t.Context(), `
		WITH RECURSIVE g (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?)
		INSERT INTO timers (id, case_id, kind, due_at, state, created_at, updated_at)
		SELECT 'tmr_' || n, 'case-1', 'merchant_response', ? + (n - 1) * 1000000, 'pending', 0, 0 FROM g`,
		rows, first); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(t.Context(), `
		WITH RECURSIVE g (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?)
		INSERT INTO outbox (topic, key, payload, state, available_at, created_at, updated_at)
		SELECT 'case.apply', 'k' || n, '{}', CASE WHEN n % 10 = 0 THEN 'pending' ELSE 'sent' END,
		    ? + n * 1000000, 0, 0 FROM g`, rows, first); err != nil {
		t.Fatal(err)
	}
	mustExec(t, db.write, `ANALYZE`)

	fullScan := regexp.MustCompile(`SCAN (timers|outbox)( |$)`)
	claimArgs := []any{"replica-a", micros(now.Add(time.Minute)), micros(now), micros(now), micros(now), 100}
	for _, q := range []struct {
		name string
		sql  string
		args []any
		uses []string
	}{
		{"ClaimTimers", claimTimersSQL, claimArgs, []string{"timers_due"}},
		{"NextTimerDue", nextTimerDueSQL, nil, []string{"timers_next"}},
		{"ClaimOutbox", claimOutboxSQL, claimArgs, []string{"outbox_pending"}},
		{"NextOutboxAvailable", nextOutboxSQL, nil, []string{"outbox_next"}},
		{"PruneOutbox", pruneOutboxSQL, []any{micros(now), 1000}, []string{"outbox_sent"}},
		{"PruneTimers", pruneTimersSQL, []any{micros(now), 1000}, []string{"timers_ended"}},
		{"PruneIdempotency", pruneIdempotencySQL, []any{micros(now), 1000}, []string{"idempotency_created"}},
		{"PruneDeliveries", pruneDeliveriesSQL, []any{micros(now), 1000}, []string{"webhook_deliveries_ended"}},
	} {
		rs, err := db.write.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q.sql, q.args...)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for rs.Next() {
			var id, parent, unused int
			var detail string
			if err := rs.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, detail)
		}
		rs.Close()
		plan := strings.Join(lines, "\n")
		t.Logf("%s:\n%s", q.name, plan)
		for _, l := range lines {
			if fullScan.MatchString(l) && !strings.Contains(l, "USING") {
				t.Errorf("%s scans a whole table:\n%s", q.name, plan)
			}
		}
		for _, index := range q.uses {
			if !strings.Contains(plan, index) {
				t.Errorf("%s does not use %s:\n%s", q.name, index, plan)
			}
		}
	}

	// What the queries cost on this data, through the store.
	const rounds = 20
	start := time.Now()
	for i := range rounds {
		err := db.Update(t.Context(), func(tx store.Tx) error {
			ts, err := tx.ClaimTimers(t.Context(), fmt.Sprintf("replica-%d", i), time.Minute, 100)
			if err == nil && len(ts) != 100 {
				err = fmt.Errorf("claimed %d timers, want 100", len(ts))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	perClaim := time.Since(start) / rounds
	start = time.Now()
	for range rounds {
		err := db.View(t.Context(), func(tx store.Tx) error {
			at, ok, err := tx.NextTimerDue(t.Context())
			if want := fromMicros(first).Add(rounds * 100 * time.Second); err == nil && (!ok || !at.Equal(want)) {
				err = fmt.Errorf("NextTimerDue = %v, %v; want %v", at, ok, want)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	perNext := time.Since(start) / rounds
	start = time.Now()
	err := db.View(t.Context(), func(tx store.Tx) error {
		pending, due, err := tx.TimerStats(t.Context())
		if err == nil && (pending != rows || due != rows/2+1) {
			err = fmt.Errorf("TimerStats = %d, %d; want %d, %d", pending, due, rows, rows/2+1)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("with %d pending timers: ClaimTimers(100) %v (the later ones past %d leased timers), NextTimerDue %v, TimerStats %v",
		rows, perClaim.Round(time.Microsecond), (rounds-1)*100, perNext.Round(time.Microsecond),
		time.Since(start).Round(time.Microsecond))
}
