package sqlite

import (
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/store"
)

// The ledger is a record of money (migrations/0009_ledger.sql, triggers
// ledger_entries_no_delete, ledger_entries_settled and ledger_entries_execution_only): not
// even a raw statement deletes an entry, changes a settled one, or changes more than a
// pending entry's execution.
func TestLedgerEntriesGuarded(t *testing.T) {
	db := MustOpenDB(t)
	ctx := t.Context()
	mustExec(t, db.write, `INSERT INTO merchants (code, created_at) VALUES ('M-1', 0)`)
	mustExec(t, db.write, `INSERT INTO customers (id, created_at) VALUES ('C-1', 0)`)
	mustExec(t, db.write, `INSERT INTO orders (order_no, merchant_code, customer_id, currency, payment_method,
		shipping_fee, freight_insurance, paid_at, created_at, updated_at)
		VALUES ('O-1', 'M-1', 'C-1', 'CNY', 'online', 0, 0, 0, 0, 0)`)
	mustExec(t, db.write, `INSERT INTO order_items (order_no, sku, title, category, quantity, unit_price, paid_amount)
		VALUES ('O-1', 'SKU-A', 'flask', 'home', 1, 5000, 5000)`)
	mustExec(t, db.write, `INSERT INTO cases (id, number, order_no, merchant_code, customer_id, type, reason,
		state, version, data, decision, created_at, updated_at)
		VALUES ('case-1', 'RMA-1', 'O-1', 'M-1', 'C-1', 'refund_only', 'other', 'requested', 1, '{}', '{}', 0, 0)`)
	entry := func(id string) ledger.Entry {
		return ledger.Entry{ID: id, CaseID: "case-1", CaseNumber: "RMA-1", Merchant: "M-1", Customer: "C-1",
			OrderNo: "O-1", SKU: "SKU-A", Kind: ledger.Refund, Amount: 100, Currency: "CNY", Payer: ledger.Merchant,
			Payee: ledger.Customer, Method: ledger.Original, Actor: aftersale.SystemActor, IdempotencyKey: "key-" + id}
	}
	err := db.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertEntries(ctx, entry("e-pending"), entry("e-failed")); err != nil {
			return err
		}
		failed := entry("e-failed")
		failed.State = ledger.Failed
		return tx.UpdateEntry(ctx, failed)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE ledger_entries SET amount = 1 WHERE id = 'e-pending'`,
		`UPDATE ledger_entries SET replaces = 'e-failed' WHERE id = 'e-pending'`,
		`UPDATE ledger_entries SET state = 'pending' WHERE id = 'e-failed'`,
		`DELETE FROM ledger_entries WHERE id = 'e-failed'`,
		`DELETE FROM ledger_entries`,
	} {
		_, err := db.write.ExecContext(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "ledger_entries:") {
			t.Errorf("%s: err = %v, want a ledger_entries trigger to refuse it", q, err)
		}
	}
	// A pending entry's execution changes.
	mustExec(t, db.write, `UPDATE ledger_entries SET attempts = 2, last_error = 'timeout' WHERE id = 'e-pending'`)
	var n, amount int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*), sum(amount) FROM ledger_entries`).Scan(&n, &amount); err != nil {
		t.Fatal(err)
	}
	if n != 2 || amount != 200 {
		t.Fatalf("ledger after refused statements: %d entries of %d in all; want 2 of 200", n, amount)
	}
}
