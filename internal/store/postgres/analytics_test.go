package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// TestDirtyMarksNeverClaimedTwice: two folders' transactions open at once claim disjoint
// marks (FOR UPDATE SKIP LOCKED), and folders racing until no mark is left fold each
// mark once (store.Analytics.DirtyMarks).
func TestDirtyMarksNeverClaimedTwice(t *testing.T) {
	db := MustOpen(t, store.Options{})
	ctx := context.Background()
	const marks = 200
	mark := func() {
		t.Helper()
		ms := make([]store.DirtyMark, marks)
		for i := range ms {
			ms[i] = store.DirtyMark{Kind: "case", ID: fmt.Sprintf("c-%03d", i)}
		}
		mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error { return tx.MarkDirty(ctx, ms...) })
	}
	mark()

	// A holds its claim while B claims.
	claimedA, release := make(chan []store.DirtyMark), make(chan struct{})
	errA := make(chan error, 1)
	go func() {
		errA <- db.Update(ctx, func(tx store.Tx) error {
			ms, err := tx.DirtyMarks(ctx, 30)
			if err != nil {
				return err
			}
			claimedA <- ms
			<-release
			return nil // rolls nothing back: the claim ends with the transaction
		})
	}()
	a := <-claimedA
	var b []store.DirtyMark
	mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error {
		var err error
		b, err = tx.DirtyMarks(ctx, 30)
		return err
	})
	close(release)
	if err := <-errA; err != nil {
		t.Fatal(err)
	}
	if len(a) != 30 || len(b) != 30 {
		t.Fatalf("claimed %d and %d marks, want 30 each", len(a), len(b))
	}
	for _, m := range b {
		if slices.Contains(a, m) {
			t.Fatalf("%s claimed by both transactions", m.ID)
		}
	}

	// Folders racing: each claims a batch, clears it, commits; every mark once.
	var (
		mu     sync.Mutex
		folded = map[string]int{}
		wg     sync.WaitGroup
		errs   = make(chan error, 6)
	)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var ms []store.DirtyMark
				err := db.Update(ctx, func(tx store.Tx) error {
					var err error
					if ms, err = tx.DirtyMarks(ctx, 7); err != nil || len(ms) == 0 {
						return err
					}
					time.Sleep(time.Millisecond) // a fold takes a while
					return tx.ClearDirty(ctx, ms...)
				})
				if err != nil {
					errs <- err
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				for _, m := range ms {
					folded[m.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var left int
	mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error {
		var err error
		left, err = tx.CountDirty(ctx)
		return err
	})
	// A folder that found every remaining mark locked stops early; whatever is left was
	// claimed by no one.
	for id, n := range folded {
		if n != 1 {
			t.Errorf("%s folded %d times", id, n)
		}
	}
	if len(folded)+left != marks {
		t.Errorf("folded %d marks and %d are left, want %d in all", len(folded), left, marks)
	}
}

// cellRows is how many cells TestAnalyticsQueriesUseIndexes stores.
const cellRows = 100_000

// TestAnalyticsQueriesUseIndexes stores 100,000 cells (20 merchants, 50 keys of a
// dimension, 50 days, two metrics, some of another dimension) and checks the plans of
// QueryCells' main shapes, generic and custom: a merchant's report over days reads a range
// of the primary key, the platform's reads report_cells_day, the platform's of one key
// report_cells_key_day; none scans the table.
func TestAnalyticsQueriesUseIndexes(t *testing.T) {
	db := MustOpen(t, store.Options{})
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO report_cells (dim, metric, merchant, day, k1, k2, n, sum)
		 SELECT 'category', m.metric, 'M-' || lpad((g % 20)::text, 2, '0'),
		     to_char(date '2025-01-01' + (g / 1000), 'YYYY-MM-DD'), 'cat-' || lpad((g / 20 % 50)::text, 2, '0'), '', 1, g
		 FROM generate_series(0, 49999) g, (VALUES ('cases'), ('refund')) AS m (metric)`,
		`INSERT INTO report_cells (dim, metric, merchant, day, k1, k2, n, sum)
		 SELECT 'all', 'cases', 'M-' || lpad((g % 20)::text, 2, '0'), to_char(date '2025-01-01' + (g / 20), 'YYYY-MM-DD'), '', '', 1, 0
		 FROM generate_series(0, 999) g`,
		`ANALYZE report_cells`,
	} {
		if _, err := db.pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	metrics := []string{"cases", "refund"}
	for _, c := range []struct {
		name string
		q    store.CellQuery
		uses string
	}{
		{"MerchantByDay", store.CellQuery{Dim: "category", Merchant: "M-03", From: "2025-01-10", To: "2025-01-16",
			Metrics: metrics, By: []string{"day"}}, "report_cells_pkey"},
		{"MerchantByKey", store.CellQuery{Dim: "category", Merchant: "M-03", From: "2025-01-10", To: "2025-01-16",
			Metrics: metrics, By: []string{"k1"}}, "report_cells_pkey"},
		{"PlatformByKey", store.CellQuery{Dim: "category", From: "2025-01-10", To: "2025-01-12",
			Metrics: metrics, By: []string{"k1"}}, "report_cells_day"},
		{"PlatformOneKeyByDay", store.CellQuery{Dim: "category", K1: "cat-07", From: "2025-01-10", To: "2025-01-30",
			Metrics: metrics, By: []string{"day"}}, "report_cells_key_day"},
		{"MerchantsByMerchant", store.CellQuery{Dim: "category", Merchants: []string{"M-01", "M-02"}, From: "2025-01-10",
			To: "2025-01-12", Metrics: metrics, By: []string{"merchant"}}, "report_cells_"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sql, args, err := queryCellsSQL(c.q)
			if err != nil {
				t.Fatal(err)
			}
			for _, mode := range []string{"force_generic_plan", "force_custom_plan"} {
				plan := explain(t, db.pool, mode, sql, literals(t, args))
				if strings.Contains(plan, "Seq Scan") {
					t.Errorf("%s scans the table:\n%s", mode, plan)
				}
				if !strings.Contains(plan, c.uses) {
					t.Errorf("%s does not use %s:\n%s", mode, c.uses, plan)
				}
				if mode == "force_generic_plan" {
					t.Logf("%s\n%s", mode, plan)
				}
			}
			var sums []store.CellSum
			err = db.View(ctx, func(tx store.Tx) error {
				var err error
				sums, err = tx.QueryCells(ctx, c.q)
				return err
			})
			if err != nil || len(sums) == 0 {
				t.Fatalf("QueryCells = %d sums, %v", len(sums), err)
			}
		})
	}
}

// TestAWriteTransactionMarksEachRecordOnce: a firing's case update, its event and its
// messages each mark the case; the transaction writes the marks once, at its commit, so the
// case's seq moves by one a transaction (and a transaction that rolls back marks nothing).
func TestAWriteTransactionMarksEachRecordOnce(t *testing.T) {
	db := MustOpen(t, store.Options{})
	ctx := context.Background()
	seed(t, db, testOrder("O1"))
	c := testCase("k1", "O1", t0)
	mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error { return tx.InsertCase(ctx, c, nil) })
	seq := func() int64 {
		t.Helper()
		var n int64
		if err := db.pool.QueryRow(ctx, `SELECT seq FROM report_dirty WHERE kind = 'case' AND id = 'k1'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := seq()
	mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error {
		c.Version++
		if err := tx.UpdateCase(ctx, c); err != nil {
			return err
		}
		for i := range 3 {
			ev := aftersale.Event{Seq: int64(i + 1), Action: aftersale.Approve, Actor: aftersale.Actor{Role: aftersale.System},
				From: aftersale.Requested, To: aftersale.Approved, At: t0}
			if err := tx.AppendEvent(ctx, c.ID, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if got := seq(); got != before+1 {
		t.Errorf("seq %d after a transaction that marked the case four times, want %d", got, before+1)
	}
	err := db.Update(ctx, func(tx store.Tx) error {
		c.Version++
		if err := tx.UpdateCase(ctx, c); err != nil {
			return err
		}
		return errors.New("boom")
	})
	if err == nil {
		t.Fatal("the failing transaction committed")
	}
	if got := seq(); got != before+1 {
		t.Errorf("seq %d after a transaction rolled back, want %d", got, before+1)
	}
}
