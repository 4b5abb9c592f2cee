package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"os"
	"testing"

	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/store/storetest"
)

// TestQueueAtScale times the queue page's and the case page's reads on a store seeded at
// scale (aftersales seed --demo --cases 100000), through the store and as raw SQL on the
// same driver and settings; scripts/pages.sh runs it beside the pages:
//
//	AFTERSALES_SCALE_SQLITE=data/aftersales.db AFTERSALES_SCALE_MERCHANT=yichu-fashion \
//	  go test ./internal/store/sqlite -run TestQueueAtScale -v
func TestQueueAtScale(t *testing.T) {
	path := os.Getenv("AFTERSALES_SCALE_SQLITE")
	if path == "" {
		t.Skip("AFTERSALES_SCALE_SQLITE names no seeded database file")
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	db, err := Open(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := map[string]*sql.Stmt{}
	raw := func(ctx context.Context, q string, args ...any) error {
		st := stmts[q]
		if st == nil {
			if st, err = db.read.PrepareContext(ctx, q); err != nil {
				return err
			}
			stmts[q] = st
		}
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
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
			if err := raw(ctx, `SELECT data, decision FROM cases WHERE id = ?`, id); err != nil {
				return err
			}
			return raw(ctx, `
SELECT seq, action, actor_role, actor_id, from_state, to_state, at, note, data
FROM case_events WHERE case_id = ? ORDER BY seq`, id)
		},
	}.Run(t)
}
