package postgres

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/store"
)

// Migration 0014 fills the desk's new columns of rows written before it: each case's
// assignee and group, each complaint's owner and group, from their JSON.
func TestDeskMigrationFillsExistingRows(t *testing.T) {
	u := MustSchema(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(createMigrationsTable)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.version >= 14 {
			break
		}
		exec(m.sql)
		exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())`, m.version, m.name)
	}
	exec(`INSERT INTO merchants (code, created_at) VALUES ('M-1', now())`)
	exec(`INSERT INTO customers (id, created_at) VALUES ('C-1', now())`)
	exec(`INSERT INTO orders (order_no, merchant_code, customer_id, currency, payment_method, shipping_fee,
		freight_insurance, paid_at, created_at, updated_at) VALUES ('O-1', 'M-1', 'C-1', 'CNY', 'online', 0, false, now(), now(), now())`)
	for i, c := range []aftersale.Case{
		{ID: "case-alice", Number: "AS1", Assignee: "alice", Group: "returns"},
		{ID: "case-nobody", Number: "AS2"},
	} {
		data, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO cases (id, number, order_no, merchant_code, customer_id, type, reason, state,
			version, data, decision, created_at, updated_at)
			VALUES ($1, $2, 'O-1', 'M-1', 'C-1', 'refund_only', 'no_reason', 'requested', 1, $3, 'null', now() + $4 * interval '1 second', now())`,
			c.ID, c.Number, string(data), i)
	}
	for i, k := range []complaint.Complaint{
		{ID: "k-alice", Number: "TS1", Owner: "alice", Group: "returns"},
		{ID: "k-nobody", Number: "TS2"},
	} {
		body, err := json.Marshal(k)
		if err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO complaints (id, number, customer, merchant, about, filed_role, state, tier, version,
			created_at, updated_at, body)
			VALUES ($1, $2, 'C-1', 'M-1', 'merchant', 'customer', 'open', 1, 1, now(), now() + $3 * interval '1 second', $4)`,
			k.ID, k.Number, i, string(body))
	}

	db, err := Open(ctx, u, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var cases, complaints [][]string
	var load map[string]int
	err = db.View(ctx, func(tx store.Tx) error {
		for _, q := range []store.CaseQuery{{Assignee: "alice"}, {Unassigned: true}, {Group: "returns"}} {
			recs, _, err := tx.ListCases(ctx, q)
			if err != nil {
				return err
			}
			var ids []string
			for _, r := range recs {
				ids = append(ids, r.Case.ID)
			}
			cases = append(cases, ids)
		}
		for _, q := range []store.ComplaintQuery{{Owner: "alice"}, {Unassigned: true}, {Group: "returns"}} {
			ks, _, err := tx.ListComplaints(ctx, q)
			if err != nil {
				return err
			}
			var ids []string
			for _, k := range ks {
				ids = append(ids, k.ID)
			}
			complaints = append(complaints, ids)
		}
		var err error
		load, err = tx.OpenLoad(ctx, []string{"alice"}, nil, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"case-alice"}, {"case-nobody"}, {"case-alice"}}; !slices.EqualFunc(cases, want, slices.Equal) {
		t.Errorf("cases by assignee, unassigned, by group after the migration: %v, want %v", cases, want)
	}
	if want := [][]string{{"k-alice"}, {"k-nobody"}, {"k-alice"}}; !slices.EqualFunc(complaints, want, slices.Equal) {
		t.Errorf("complaints by owner, unassigned, by group after the migration: %v, want %v", complaints, want)
	}
	if load["alice"] != 2 {
		t.Errorf("alice's open load after the migration: %v, want 2", load)
	}
}
