package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/store/storetest"
)

// MustOpenDB opens a new database in a temporary folder and closes it when the test ends.
func MustOpenDB(t testing.TB) *DB {
	t.Helper()
	return mustOpenDBOptions(t, store.Options{})
}

// mustOpenDBOptions is MustOpenDB with options (a clock).
func mustOpenDBOptions(t testing.TB, opts store.Options) *DB {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "data", "aftersales.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return mustOpenDBOptions(t, store.Options{Now: now})
	})
}

func TestCaseEventsRefuseUpdateAndDelete(t *testing.T) {
	db := MustOpenDB(t)
	ctx := t.Context()
	mustExec(t, db.write, `INSERT INTO merchants (code, created_at) VALUES ('M-1', 0)`)
	mustExec(t, db.write, `INSERT INTO customers (id, created_at) VALUES ('C-1', 0)`)
	mustExec(t, db.write, `INSERT INTO orders (order_no, merchant_code, customer_id, currency, payment_method,
		shipping_fee, freight_insurance, paid_at, created_at, updated_at)
		VALUES ('O-1', 'M-1', 'C-1', 'CNY', 'online', 0, 0, 0, 0, 0)`)
	mustExec(t, db.write, `INSERT INTO cases (id, number, order_no, merchant_code, customer_id, type, reason,
		state, version, data, decision, created_at, updated_at)
		VALUES ('case-1', 'RMA-1', 'O-1', 'M-1', 'C-1', 'refund_only', 'other', 'requested', 1, '{}', '{}', 0, 0)`)
	mustExec(t, db.write, `INSERT INTO case_events (case_id, seq, action, actor_role, actor_id, from_state,
		to_state, at, note, data) VALUES ('case-1', 1, 'apply', 'customer', 'C-1', '', 'requested', 0, '', '{}')`)

	for _, q := range []string{
		`UPDATE case_events SET note = 'rewritten' WHERE case_id = 'case-1'`,
		`DELETE FROM case_events WHERE case_id = 'case-1'`,
	} {
		_, err := db.write.ExecContext(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only refusal", q, err)
		}
	}
	var note string
	if err := db.read.QueryRowContext(ctx, `SELECT note FROM case_events WHERE case_id = 'case-1'`).Scan(&note); err != nil {
		t.Fatal(err)
	}
	if note != "" {
		t.Fatalf("note = %q after a refused update", note)
	}
}

// The audit log is append-only (migrations/0005_access.sql, triggers audit_log_no_update
// and audit_log_no_delete): not even a raw statement changes or deletes an entry.
func TestAuditLogRefusesUpdateAndDelete(t *testing.T) {
	db := MustOpenDB(t)
	ctx := t.Context()
	err := db.Update(ctx, func(tx store.Tx) error {
		return tx.AppendAudit(ctx, store.AuditEntry{ActorRole: "admin", ActorID: "u-1", Action: "token.revoke",
			Resource: "token", ResourceID: "tok-1", Outcome: "ok"})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE audit_log SET outcome = 'denied'`,
		`UPDATE audit_log SET id = id + 100`,
		`DELETE FROM audit_log WHERE resource_id = 'tok-1'`,
		`DELETE FROM audit_log`,
	} {
		_, err := db.write.ExecContext(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only refusal", q, err)
		}
	}
	var n int
	var outcome string
	if err := db.read.QueryRowContext(ctx, `SELECT count(*), max(outcome) FROM audit_log`).Scan(&n, &outcome); err != nil {
		t.Fatal(err)
	}
	if n != 1 || outcome != "ok" {
		t.Fatalf("audit log after refused statements: %d entries, outcome %q; want 1, ok", n, outcome)
	}
}

func TestOpenSetsPragmas(t *testing.T) {
	db := MustOpenDB(t)
	ctx := t.Context()
	for _, p := range []struct {
		pool *sql.DB
		name string
		want string
	}{
		{db.write, "journal_mode", "wal"},
		{db.write, "synchronous", "1"},
		{db.write, "foreign_keys", "1"},
		{db.write, "busy_timeout", "5000"},
		{db.write, "query_only", "0"},
		{db.write, "temp_store", "2"}, // MEMORY: a group's sub-journals (group.go)
		{db.read, "journal_mode", "wal"},
		{db.read, "foreign_keys", "1"},
		{db.read, "query_only", "1"},
	} {
		var got string
		if err := p.pool.QueryRowContext(ctx, "PRAGMA "+p.name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !strings.EqualFold(got, p.want) {
			t.Errorf("PRAGMA %s = %s, want %s", p.name, got, p.want)
		}
	}
}

// TestUpdateRetriesWhenBusy holds the file's write lock from another connection (as
// another process would) longer than the busy timeout: Update waits and runs fn again.
func TestUpdateRetriesWhenBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	db, err := open(t.Context(), path, store.Options{}, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{})
	go func() {
		defer close(released)
		time.Sleep(100 * time.Millisecond)
		conn.ExecContext(context.Background(), "ROLLBACK")
	}()

	err = db.Update(t.Context(), func(tx store.Tx) error { return tx.EnsureMerchant(t.Context(), "M-1") })
	<-released
	if err != nil {
		t.Fatalf("Update while another connection held the lock: %v", err)
	}
	err = db.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.Merchant(t.Context(), "M-1")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUpdateBeginsImmediate: an Update holds the file's write lock from its first
// statement, before fn writes anything, so writers never deadlock upgrading a read lock.
func TestUpdateBeginsImmediate(t *testing.T) {
	db := MustOpenDB(t)
	other, err := sql.Open("sqlite", db.path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	err = db.Update(t.Context(), func(tx store.Tx) error {
		_, err := other.ExecContext(t.Context(), "BEGIN IMMEDIATE")
		if !isBusy(err) {
			t.Errorf("BEGIN IMMEDIATE elsewhere during an Update: err = %v, want SQLITE_BUSY", err)
			other.ExecContext(t.Context(), "ROLLBACK")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUpdateSurvivesPanic: a panicking fn must not leave the only write connection
// inside a transaction.
func TestUpdateSurvivesPanic(t *testing.T) {
	db := MustOpenDB(t)
	func() {
		defer func() { _ = recover() }()
		db.Update(t.Context(), func(tx store.Tx) error {
			if err := tx.EnsureMerchant(t.Context(), "M-panic"); err != nil {
				return err
			}
			panic("handler bug")
		})
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	err := db.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Merchant(ctx, "M-panic"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("merchant of the panicked Update: err = %v, want ErrNotFound", err)
		}
		return tx.EnsureMerchant(ctx, "M-1")
	})
	if err != nil {
		t.Fatalf("Update after a panicking Update: %v", err)
	}
}

func TestReadyNeedsEveryMigration(t *testing.T) {
	db := MustOpenDB(t)
	var names []string
	rows, err := db.read.QueryContext(t.Context(), `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	if len(names) == 0 || names[0] != "0001_init.sql" {
		t.Fatalf("schema_migrations = %v, want 0001_init.sql first", names)
	}
	mustExec(t, db.write, `DELETE FROM schema_migrations WHERE name = '0001_init.sql'`)
	if err := db.Ready(t.Context()); err == nil || !strings.Contains(err.Error(), "0001_init.sql") {
		t.Fatalf("Ready with a migration missing: err = %v", err)
	}
}

func TestOpenRefusesPathWithQuery(t *testing.T) {
	if _, err := Open(t.Context(), filepath.Join(t.TempDir(), "x.db?mode=ro"), store.Options{}); err == nil {
		t.Fatal("Open accepted a path with a query string")
	}
}

func TestClockSetsNow(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6007008, time.FixedZone("CST", 8*3600))
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "clock.db"), store.Options{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(t.Context(), func(tx store.Tx) error {
		if want := at.UTC().Truncate(time.Microsecond); !tx.Now().Equal(want) || tx.Now().Location() != time.UTC {
			t.Errorf("Now() = %v, want %v", tx.Now(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustExec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.ExecContext(t.Context(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
