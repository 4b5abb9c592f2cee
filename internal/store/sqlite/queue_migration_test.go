package sqlite

import (
	"database/sql"
	"encoding/json"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// Migration 0008 fills the queue's new columns of rows written before it: each case's
// priority and SLA flag from its JSON, each customer's phone_last4 from the phone.
func TestQueueMigrationFillsExistingRows(t *testing.T) {
	file := filepath.Join(t.TempDir(), "aftersales.db")
	raw, err := sql.Open("sqlite", dsn(file, time.Second, writer))
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, raw, `CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`)
	names, err := migrationNames()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if path.Base(name) >= "0008" {
			break
		}
		script, err := fs.ReadFile(migrationFiles, name)
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, raw, string(script))
		if _, err := raw.Exec(`INSERT INTO schema_migrations VALUES (?, 0)`, path.Base(name)); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(t, raw, `INSERT INTO merchants (code, created_at) VALUES ('M-1', 0)`)
	for id, phone := range map[string]string{"C-1": "+86 138-0000-4321", "C-2": "4321 ext. 12", "C-3": "21"} {
		if _, err := raw.Exec(`INSERT INTO customers (id, phone, created_at) VALUES (?, ?, 0)`, id, phone); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(t, raw, `INSERT INTO orders (order_no, merchant_code, customer_id, currency, payment_method, shipping_fee,
		freight_insurance, paid_at, created_at, updated_at) VALUES ('O-1', 'M-1', 'C-1', 'CNY', 'online', 0, 0, 0, 0, 0)`)
	for i, c := range oldQueueCases() {
		data, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(`INSERT INTO cases (id, number, order_no, merchant_code, customer_id, type, reason, state,
			version, data, decision, created_at, updated_at) VALUES (?, ?, 'O-1', 'M-1', ?, 'refund_only', 'no_reason', 'requested', 1, ?, 'null', ?, ?)`,
			c.ID, c.Number, c.CustomerID, string(data), i, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(t.Context(), file, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wantQueueBackfill(t, db)
}

// oldQueueCases are cases as they were stored before migration 0008, on order O-1 of M-1.
func oldQueueCases() []aftersale.Case {
	return []aftersale.Case{
		{ID: "case-none", Number: "AS1", CustomerID: "C-1", Priority: aftersale.PriorityNormal},
		{ID: "case-warned", Number: "AS2", CustomerID: "C-2", Priority: aftersale.PriorityHigh,
			SLANotices: []string{"first_response@1741599000:warning"}},
		{ID: "case-breached", Number: "AS3", CustomerID: "C-3", Priority: aftersale.PriorityUrgent,
			SLANotices: []string{"first_response@1741599000:warning", "first_response@1741599000:breach"}},
	}
}

// wantQueueBackfill checks the queue's filters on the rows of oldQueueCases.
func wantQueueBackfill(t *testing.T, s store.Store) {
	t.Helper()
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
		err := s.View(t.Context(), func(tx store.Tx) error {
			recs, _, err := tx.ListCases(t.Context(), c.q)
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
