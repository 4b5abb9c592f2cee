package postgres

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// Migration 0008 fills the queue's new columns of rows written before it: each case's
// priority and SLA flag from its JSON, each customer's phone_last4 from the phone.
func TestQueueMigrationFillsExistingRows(t *testing.T) {
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
		if m.version >= 8 {
			break
		}
		exec(m.sql)
		exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())`, m.version, m.name)
	}
	exec(`INSERT INTO merchants (code, created_at) VALUES ('M-1', now())`)
	for id, phone := range map[string]string{"C-1": "+86 138-0000-4321", "C-2": "4321 ext. 12", "C-3": "21"} {
		exec(`INSERT INTO customers (id, phone, created_at) VALUES ($1, $2, now())`, id, phone)
	}
	exec(`INSERT INTO orders (order_no, merchant_code, customer_id, currency, payment_method, shipping_fee,
		freight_insurance, paid_at, created_at, updated_at) VALUES ('O-1', 'M-1', 'C-1', 'CNY', 'online', 0, false, now(), now(), now())`)
	for i, c := range []aftersale.Case{
		{ID: "case-none", Number: "AS1", CustomerID: "C-1", Priority: aftersale.PriorityNormal},
		{ID: "case-warned", Number: "AS2", CustomerID: "C-2", Priority: aftersale.PriorityHigh,
			SLANotices: []string{"first_response@1741599000:warning"}},
		{ID: "case-breached", Number: "AS3", CustomerID: "C-3", Priority: aftersale.PriorityUrgent,
			SLANotices: []string{"first_response@1741599000:warning", "first_response@1741599000:breach"}},
	} {
		data, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO cases (id, number, order_no, merchant_code, customer_id, type, reason, state,
			version, data, decision, created_at, updated_at)
			VALUES ($1, $2, 'O-1', 'M-1', $3, 'refund_only', 'no_reason', 'requested', 1, $4, 'null', now() + $5 * interval '1 second', now())`,
			c.ID, c.Number, c.CustomerID, string(data), i)
	}

	db, err := Open(ctx, u, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		name string
		q    store.CaseQuery
		want []string
	}{
		{"AtRisk", store.CaseQuery{SLA: aftersale.SLAFlagAtRisk}, []string{"case-warned"}},
		{"Breached", store.CaseQuery{SLA: aftersale.SLAFlagBreached}, []string{"case-breached"}},
		{"Urgent", store.CaseQuery{Priorities: []aftersale.Priority{aftersale.PriorityUrgent}}, []string{"case-breached"}},
		{"Normal", store.CaseQuery{Priorities: []aftersale.Priority{aftersale.PriorityNormal}}, []string{"case-none"}},
		{"PhoneEnd", store.CaseQuery{Search: "4321"}, []string{"case-none"}}, // C-2's phone ends in 12
		{"ShortPhone", store.CaseQuery{Search: "0021"}, nil},
		{"OtherEnd", store.CaseQuery{Search: "2112"}, []string{"case-warned"}}, // "4321 ext. 12": digits 432112
	} {
		var got []string
		err := db.View(ctx, func(tx store.Tx) error {
			recs, _, err := tx.ListCases(ctx, c.q)
			for _, r := range recs {
				got = append(got, r.Case.ID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s after the migration: %v, want %v", c.name, got, c.want)
		}
	}
}
