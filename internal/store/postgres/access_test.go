package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/store"
)

// The audit log is append-only (migrations/0005_access.sql, triggers audit_log_append_only
// and audit_log_no_truncate): not even a raw statement changes or deletes an entry.
func TestAuditLogIsAppendOnly(t *testing.T) {
	db := MustOpen(t, store.Options{})
	mustUpdate(t, db, func(ctx context.Context, tx store.Tx) error {
		return tx.AppendAudit(ctx, store.AuditEntry{ActorRole: "admin", ActorID: "u-1", Action: "token.revoke",
			Resource: "token", ResourceID: "tok-1", Outcome: "ok"})
	})
	ctx := context.Background()
	for _, sql := range []string{
		`UPDATE audit_log SET outcome = 'denied'`,
		`DELETE FROM audit_log WHERE resource_id = 'tok-1'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
	} {
		_, err := db.pool.Exec(ctx, sql)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want the append-only trigger to refuse it", sql, err)
		}
	}
	var n int
	var outcome string
	if err := db.pool.QueryRow(ctx, `SELECT count(*), max(outcome) FROM audit_log`).Scan(&n, &outcome); err != nil {
		t.Fatal(err)
	}
	if n != 1 || outcome != "ok" {
		t.Fatalf("audit log after refused statements: %d entries, outcome %q; want 1, ok", n, outcome)
	}
}
