package postgres

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

func TestRenumberShiftsEveryPlaceholder(t *testing.T) {
	if got := renumber("SELECT $1, $10, $2::text[]", 3); got != "SELECT $4, $13, $5::text[]" {
		t.Fatalf("renumber: %q", got)
	}
}

// A transaction's audit entries, outbox messages and marks are kept until its next statement
// or COMMIT and go as one statement: a read in the transaction sees them, they are stored in
// the order they were written, and one that fails voids the transaction, the others too.
func TestAppendsTravelTogetherAndAreReadBack(t *testing.T) {
	db := MustOpen(t, store.Options{})
	ctx := context.Background()
	msg := func(key, payload string) store.OutboxMessage {
		return store.OutboxMessage{Topic: "notify.test", Key: key, Payload: json.RawMessage(payload)}
	}
	err := db.Update(ctx, func(stx store.Tx) error {
		tx := stx.(*Tx)
		if err := tx.AppendAudit(ctx, store.AuditEntry{ActorRole: "admin", ActorID: "a", Action: "test.one", Resource: "r", ResourceID: "1", Outcome: "ok"}); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, msg("k1", `{"n":1}`), msg("k2", `{"n":2}`)); err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx, store.AuditEntry{ActorRole: "admin", ActorID: "a", Action: "test.two", Resource: "r", ResourceID: "2", Outcome: "ok",
			Detail: json.RawMessage(`{"x": [1]}`)}); err != nil {
			return err
		}
		if len(tx.pending) != 0 || len(tx.audits) != 2 || len(tx.outbox) != 2 {
			t.Fatalf("before the next statement: %d pending, %d audit entries, %d messages kept", len(tx.pending), len(tx.audits), len(tx.outbox))
		}
		n, err := tx.OutboxBacklog(ctx)
		if err != nil || n != 2 {
			t.Fatalf("the transaction's own read: backlog %d, %v; want 2", n, err)
		}
		if err := tx.Enqueue(ctx, msg("k3", `{"n":3}`)); err != nil {
			return err
		}
		return tx.MarkDirty(ctx, store.DirtyMark{Kind: "case", ID: "c-1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	var claimed []store.OutboxRecord
	if err := db.Update(ctx, func(tx store.Tx) (err error) {
		claimed, err = tx.ClaimOutbox(ctx, "t", time.Minute, 10)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range claimed {
		keys = append(keys, m.Key)
	}
	if !slices.Equal(keys, []string{"k1", "k2", "k3"}) {
		t.Errorf("outbox: %v, want k1, k2, k3 in order", keys)
	}
	var entries []store.AuditEntry
	if err := db.View(ctx, func(tx store.Tx) (err error) {
		entries, _, err = tx.ListAudit(ctx, store.AuditQuery{Action: "test."})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Action != "test.two" || entries[1].Action != "test.one" || string(entries[0].Detail) != `{"x": [1]}` {
		t.Fatalf("audit, newest first: %+v", entries)
	}

	// A message the database refuses (its payload is not JSON) takes the audit entry written
	// with it along.
	err = db.Update(ctx, func(tx store.Tx) error {
		if err := tx.AppendAudit(ctx, store.AuditEntry{ActorRole: "admin", ActorID: "a", Action: "test.three", Resource: "r", ResourceID: "3", Outcome: "ok"}); err != nil {
			return err
		}
		return tx.Enqueue(ctx, msg("k4", `{"n":`))
	})
	if err == nil {
		t.Fatal("a message that is not JSON was stored")
	}
	if err := db.View(ctx, func(tx store.Tx) (err error) {
		entries, _, err = tx.ListAudit(ctx, store.AuditQuery{Action: "test.three"})
		return err
	}); err != nil || len(entries) != 0 {
		t.Fatalf("the refused transaction's audit entry: %v, %v", entries, err)
	}
}
