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
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/store"
)

// Migration 0014 fills the desk's new columns of rows written before it: each case's
// assignee and group, each complaint's owner and group, from their JSON.
func TestDeskMigrationFillsExistingRows(t *testing.T) {
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
		if path.Base(name) >= "0014" {
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
	mustExec(t, raw, `INSERT INTO customers (id, created_at) VALUES ('C-1', 0)`)
	mustExec(t, raw, `INSERT INTO orders (order_no, merchant_code, customer_id, currency, payment_method, shipping_fee,
		freight_insurance, paid_at, created_at, updated_at) VALUES ('O-1', 'M-1', 'C-1', 'CNY', 'online', 0, 0, 0, 0, 0)`)
	for i, c := range oldDeskCases() {
		data, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(`INSERT INTO cases (id, number, order_no, merchant_code, customer_id, type, reason, state,
			version, data, decision, created_at, updated_at) VALUES (?, ?, 'O-1', 'M-1', 'C-1', 'refund_only', 'no_reason', 'requested', 1, ?, 'null', ?, ?)`,
			c.ID, c.Number, string(data), i, i); err != nil {
			t.Fatal(err)
		}
	}
	for i, k := range oldDeskComplaints() {
		body, err := json.Marshal(k)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(`INSERT INTO complaints (id, number, customer, merchant, about, filed_role, state, tier,
			version, created_at, updated_at, body) VALUES (?, ?, 'C-1', 'M-1', 'merchant', 'customer', 'open', 1, 1, ?, ?, ?)`,
			k.ID, k.Number, i, i, string(body)); err != nil {
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
	wantDeskBackfill(t, db)
}

// oldDeskCases and oldDeskComplaints are cases and complaints as stored before migration
// 0014 (the JSON knew their owners already).
func oldDeskCases() []aftersale.Case {
	return []aftersale.Case{
		{ID: "case-alice", Number: "AS1", Assignee: "alice", Group: "returns"},
		{ID: "case-nobody", Number: "AS2"},
	}
}

func oldDeskComplaints() []complaint.Complaint {
	return []complaint.Complaint{
		{ID: "k-alice", Number: "TS1", Owner: "alice", Group: "returns"},
		{ID: "k-nobody", Number: "TS2"},
	}
}

// wantDeskBackfill checks the queue's owner filters and the open load on the rows of
// oldDeskCases and oldDeskComplaints.
func wantDeskBackfill(t *testing.T, s store.Store) {
	t.Helper()
	var cases, complaints [][]string
	var load map[string]int
	err := s.View(t.Context(), func(tx store.Tx) error {
		for _, q := range []store.CaseQuery{{Assignee: "alice"}, {Unassigned: true}, {Group: "returns"}} {
			recs, _, err := tx.ListCases(t.Context(), q)
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
			ks, _, err := tx.ListComplaints(t.Context(), q)
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
		load, err = tx.OpenLoad(t.Context(), []string{"alice"}, nil, nil)
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
