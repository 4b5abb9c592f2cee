package postgres

import (
	"cmp"
	"context"
	"os"
	"testing"

	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/store/storetest"
)

// TestQueueAtScale times the queue page's and the case page's reads on a store seeded at
// scale (aftersales seed --demo --cases 100000), through the store and as raw SQL on the
// same pool (one round trip each, rows read and thrown away); scripts/pages.sh runs it
// beside the pages:
//
//	AFTERSALES_SCALE_DATABASE_URL=postgres://…/seeded AFTERSALES_SCALE_MERCHANT=yichu-fashion \
//	  go test ./internal/store/postgres -run TestQueueAtScale -v
func TestQueueAtScale(t *testing.T) {
	url := os.Getenv("AFTERSALES_SCALE_DATABASE_URL")
	if url == "" {
		t.Skip("AFTERSALES_SCALE_DATABASE_URL names no seeded database")
	}
	db, err := Open(t.Context(), url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw := func(ctx context.Context, q string, args ...any) error {
		rows, err := db.pool.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			_ = rows.RawValues()
		}
		return rows.Err()
	}
	storetest.Scale{
		Store:    db,
		Merchant: cmp.Or(os.Getenv("AFTERSALES_SCALE_MERCHANT"), "yichu-fashion"),
		RawList: func(ctx context.Context, q store.CaseQuery) error {
			query, args, err := listCasesSQL(q, pageLimit(q.Limit))
			if err != nil {
				return err
			}
			return raw(ctx, query, args...)
		},
		RawCase: func(ctx context.Context, id string) error {
			// The SQL of Tx.Case and Tx.Events.
			if err := raw(ctx, `SELECT data, decision FROM cases WHERE id = $1`, id); err != nil {
				return err
			}
			return raw(ctx, `
		SELECT seq, action, actor_role, actor_id, from_state, to_state, at, note, data
		FROM case_events WHERE case_id = $1 ORDER BY seq`, id)
		},
	}.Run(t)
}
