package httpapi_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/store"
)

// TestSentOutboxMessagesAreDeletedAfterTheirRetention: a case's notifications, webhooks
// and events are kept a week once delivered, then deleted, in batches and up to the
// sweep's limit; what is not delivered yet, or never will be (a dead letter), is kept
// whatever its age.
func TestSentOutboxMessagesAreDeletedAfterTheirRetention(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		ctx := t.Context()
		start := time.Now().UTC().Truncate(time.Second)
		env.Clock.Set(start)
		w := newWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		var bulk []store.OutboxMessage
		for i := range 1200 { // more than a transaction of the pruning deletes
			bulk = append(bulk, store.OutboxMessage{Topic: "case.event", Key: fmt.Sprintf("bulk-%d", i), Payload: json.RawMessage(`{}`)})
		}
		deliver := func(fail bool) {
			t.Helper()
			if err := env.Store.Update(ctx, func(tx store.Tx) error {
				ms, err := tx.ClaimOutbox(ctx, "relay-test", time.Minute, 5000)
				var ids []int64
				for _, m := range ms {
					if fail {
						err = tx.FailOutbox(ctx, m.ID, "relay-test", time.Time{}, "gone", true)
					}
					ids = append(ids, m.ID)
				}
				if err == nil && !fail {
					_, err = tx.FinishOutboxes(ctx, "relay-test", ids)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if err := env.Store.Update(ctx, func(tx store.Tx) error { return tx.Enqueue(ctx, bulk...) }); err != nil {
			t.Fatal(err)
		}
		deliver(false)
		sent := env.Rows(t, "outbox WHERE state = 'sent'")
		if sent < 1201 {
			t.Fatalf("%d messages sent, want the case's and 1,200 more", sent)
		}
		dead := store.OutboxMessage{Topic: "case.event", Key: "never", Payload: json.RawMessage(`{}`)}
		if err := env.Store.Update(ctx, func(tx store.Tx) error { return tx.Enqueue(ctx, dead) }); err != nil {
			t.Fatal(err)
		}
		deliver(true)

		env.Clock.Advance(6 * 24 * time.Hour)
		waiting := store.OutboxMessage{Topic: "case.event", Key: "waiting", Payload: json.RawMessage(`{}`)}
		if err := env.Store.Update(ctx, func(tx store.Tx) error { return tx.Enqueue(ctx, waiting) }); err != nil {
			t.Fatal(err)
		}
		if n, err := env.App.PruneOutbox(ctx, app.DefaultOutboxRetention, 100_000); err != nil || n != 0 {
			t.Fatalf("six days on: pruned %d, %v; want none", n, err)
		}

		env.Clock.Advance(24*time.Hour + time.Second)
		n, err := env.App.PruneOutbox(ctx, app.DefaultOutboxRetention, 1100)
		if err != nil || n != 1100 {
			t.Fatalf("a week on, up to 1,100: pruned %d, %v; want 1,100", n, err)
		}
		if n, err = env.App.PruneOutbox(ctx, app.DefaultOutboxRetention, 100_000); err != nil || n != sent-1100 {
			t.Fatalf("the rest: pruned %d, %v; want %d", n, err, sent-1100)
		}
		if got := env.Rows(t, "outbox WHERE state = 'sent'"); got != 0 {
			t.Errorf("%d sent messages left, want none", got)
		}
		if got := env.Rows(t, "outbox WHERE state = 'dead'"); got != 1 {
			t.Errorf("%d dead letters left, want the one", got)
		}
		if got := env.Rows(t, "outbox WHERE state = 'pending'"); got != 1 {
			t.Errorf("%d pending messages left, want the one waiting", got)
		}
		if _, err := env.App.PruneOutbox(ctx, 0, 10); err == nil {
			t.Error("a retention of 0 pruned")
		}
	})
}
