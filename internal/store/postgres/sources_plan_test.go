package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/store"
)

// TestCaseSourceQueriesUseIndexes: each statement of the folder's batch read can look its cases
// up through an index (= ANY on the index's leading column). Sequential scans are
// disabled, not forbidden: PostgreSQL still plans one when no index serves the statement,
// and that is what fails here — on tables this small it would rightly choose one anyway.
func TestCaseSourceQueriesUseIndexes(t *testing.T) {
	db := MustOpen(t, store.Options{})
	ctx := context.Background()
	ids := `'{k-000001,k-000002,k-000003}'::text[]`
	for _, sql := range []string{sourceCasesSQL, sourceCategoriesSQL, sourceEventsSQL, sourceMessagesSQL,
		sourceSurveysSQL, sourceDisputesSQL, sourceEntriesSQL, sourceComplaintsSQL, contributionsSQL, ordersSQL} {
		q := strings.NewReplacer("$2", ids, "$1", ids).Replace(sql)
		if sql == contributionsSQL {
			q = strings.NewReplacer("$2", ids, "$1", "'case'").Replace(sql)
		}
		plan, err := explainNoSeqScan(ctx, db, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if p := strings.Join(plan, "\n"); strings.Contains(p, "Seq Scan") {
			t.Errorf("%s\nreads a whole table:\n%s", sql, p)
		} else {
			t.Logf("%s\n%s", sql, p)
		}
	}
}

// explainNoSeqScan is q's plan with sequential scans disabled.
func explainNoSeqScan(ctx context.Context, db *DB, q string) ([]string, error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, "EXPLAIN (COSTS OFF) "+q)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// A notification's recipients are read through the staff indexes, not the whole table.
func TestStaffQueriesUseIndexes(t *testing.T) {
	db := MustOpen(t, store.Options{})
	plan, err := explainNoSeqScan(context.Background(), db, strings.ReplaceAll(staffForSQL, "$1", "'M-1'"))
	if err != nil {
		t.Fatal(err)
	}
	p := strings.Join(plan, "\n")
	if strings.Contains(p, "Seq Scan") || !strings.Contains(p, "users_merchant_staff") || !strings.Contains(p, "users_platform_staff") {
		t.Errorf("%s\ndoes not read through the staff indexes:\n%s", staffForSQL, p)
	}
	t.Logf("%s\n%s", staffForSQL, p)
}
