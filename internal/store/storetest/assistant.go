package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

var assistantTests = []test{
	{name: "SessionAndMessages", clocked: testAssistantSession},
}

// testAssistantSession: a session is stored once, its case and handover change, its
// messages come back in order with their seq, role, intent and time.
func testAssistantSession(t *testing.T, s store.Store, clk *clock) {
	ctx := t.Context()
	now := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	clk.Set(now)
	sess := store.AssistantSession{ID: "as1", Customer: "cu-1"}
	mustUpdate(t, s, func(tx store.Tx) error { return tx.InsertAssistantSession(ctx, sess) })
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertAssistantSession(ctx, sess) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second insert: %v, want ErrConflict", err)
	}
	clk.Set(now.Add(time.Minute))
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.AppendAssistantMessage(ctx, store.AssistantMessage{SessionID: "as1", Role: "user", Text: "我的退款到哪了"}); err != nil {
			return err
		}
		if err := tx.AppendAssistantMessage(ctx, store.AssistantMessage{SessionID: "as1", Role: "assistant", Text: "¥59.00", Intent: "refund_status"}); err != nil {
			return err
		}
		return tx.UpdateAssistantSession(ctx, store.AssistantSession{ID: "as1", CaseID: "c1", HandoverTo: "c1"})
	})
	var (
		got  store.AssistantSession
		msgs []store.AssistantMessage
	)
	mustView(t, s, func(tx store.Tx) (err error) {
		if got, err = tx.AssistantSession(ctx, "as1"); err != nil {
			return err
		}
		msgs, err = tx.AssistantMessages(ctx, "as1")
		return err
	})
	if got.Customer != "cu-1" || got.CaseID != "c1" || got.HandoverTo != "c1" || !got.CreatedAt.Equal(now) || !got.UpdatedAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("session: %+v", got)
	}
	if len(msgs) != 2 || msgs[0].Seq != 1 || msgs[0].Role != "user" || msgs[0].Text != "我的退款到哪了" ||
		msgs[1].Seq != 2 || msgs[1].Intent != "refund_status" || !msgs[1].At.Equal(now.Add(time.Minute)) {
		t.Fatalf("messages: %+v", msgs)
	}
	if err := s.View(ctx, func(tx store.Tx) error { _, err := tx.AssistantSession(ctx, "nope"); return err }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown session: %v", err)
	}
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.UpdateAssistantSession(ctx, store.AssistantSession{ID: "nope"})
	}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update unknown session: %v", err)
	}
}
