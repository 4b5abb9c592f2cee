package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/scheduler"
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
		if err := env.Store.Update(ctx, func(tx store.Tx) error { return tx.Enqueue(ctx, bulk...) }); err != nil {
			t.Fatal(err)
		}
		if err := sendOutbox(ctx, env.Store); err != nil {
			t.Fatal(err)
		}
		sent := env.Rows(t, "outbox WHERE state = 'sent'")
		if sent < 1201 {
			t.Fatalf("%d messages sent, want the case's and 1,200 more", sent)
		}
		dead := store.OutboxMessage{Topic: "case.event", Key: "never", Payload: json.RawMessage(`{}`)}
		if err := env.Store.Update(ctx, func(tx store.Tx) error {
			if err := tx.Enqueue(ctx, dead); err != nil {
				return err
			}
			ms, err := tx.ClaimOutbox(ctx, "relay-test", time.Minute, 10)
			if err != nil || len(ms) != 1 {
				return fmt.Errorf("claimed %d messages, %v; want the one to fail", len(ms), err)
			}
			return tx.FailOutbox(ctx, ms[0].ID, "relay-test", time.Time{}, "gone", true)
		}); err != nil {
			t.Fatal(err)
		}

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

// sendOutbox claims every available message and records it as sent, as a relay would.
func sendOutbox(ctx context.Context, s store.Store) error {
	return s.Update(ctx, func(tx store.Tx) error {
		ms, err := tx.ClaimOutbox(ctx, "relay-test", time.Minute, 100_000)
		if err != nil {
			return err
		}
		ids := make([]int64, len(ms))
		for i, m := range ms {
			ids[i] = m.ID
		}
		_, err = tx.FinishOutboxes(ctx, "relay-test", ids)
		return err
	})
}

// BenchmarkPruneOutbox: one sweep's limit, 20,000 sent messages a week old, deleted in
// transactions of 500 (docs/PERFORMANCE.md, "Sent messages are deleted after a week").
//
//	go test ./internal/httpapi -run '^$' -bench PruneOutbox -benchtime 3x
func BenchmarkPruneOutbox(b *testing.B) {
	const sweep = 20_000
	payload := json.RawMessage(`{"case":"c_0123456789abcdef","event":"case.applied","merchant":"shop-a","at":"2026-12-07T10:00:00Z"}`)
	for _, be := range apitest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			clk := &clock.Clock{}
			clk.Set(time.Now().UTC())
			st, _ := be.Open(b, clk.Now)
			a := app.New(app.Config{Store: st, Now: clk.Now})
			ctx := b.Context()
			for b.Loop() {
				b.StopTimer()
				clk.Set(time.Now().UTC().Add(-8 * 24 * time.Hour))
				msgs := make([]store.OutboxMessage, sweep)
				for i := range msgs {
					msgs[i] = store.OutboxMessage{Topic: "case.event", Key: fmt.Sprintf("c-%d", i), Payload: payload}
				}
				if err := st.Update(ctx, func(tx store.Tx) error { return tx.Enqueue(ctx, msgs...) }); err != nil {
					b.Fatal(err)
				}
				if err := sendOutbox(ctx, st); err != nil {
					b.Fatal(err)
				}
				clk.Set(time.Now().UTC())
				b.StartTimer()
				if n, err := a.PruneOutbox(ctx, app.DefaultOutboxRetention, sweep); err != nil || n != sweep {
					b.Fatalf("pruned %d, %v; want %d", n, err, sweep)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N)/(sweep/500), "ms/transaction")
		})
	}
}

// TestEndedTimersAreDeletedAfterTheirRetention: a case's deadlines that fired or were
// cancelled are kept a week after they ended, then deleted; its pending deadlines stay and
// still fire.
func TestEndedTimersAreDeletedAfterTheirRetention(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		ctx := t.Context()
		start := time.Now().UTC().Truncate(time.Second)
		env.Clock.Set(start)
		w := newWorld(t, env)
		sched := scheduler.New(scheduler.Config{Store: env.Store, Firer: env.App, Owner: "replica-1", Now: env.Clock.Now,
			Logger: slog.New(slog.DiscardHandler)})
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))

		// The merchant does not answer: ten days on, the scheduler approves for them.
		env.Clock.Set(start.Add(10 * 24 * time.Hour))
		for range 5 {
			if _, err := sched.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := w.getCase(t, w.agent, c.ID); got.State != aftersale.Approved {
			t.Fatalf("the case is %s, want approved by the scheduler", got.State)
		}
		ended, pending := env.Rows(t, "timers WHERE state <> 'pending'"), env.Rows(t, "timers WHERE state = 'pending'")
		if ended == 0 || pending == 0 {
			t.Fatalf("%d ended and %d pending timers; want the merchant's deadline ended, the ship-back one pending", ended, pending)
		}

		env.Clock.Advance(6 * 24 * time.Hour)
		if n, err := env.App.PruneTimers(ctx, app.DefaultTimerRetention, 100_000); err != nil || n != 0 {
			t.Fatalf("six days on: pruned %d, %v; want none", n, err)
		}
		env.Clock.Advance(24*time.Hour + time.Second)
		if n, err := env.App.PruneTimers(ctx, app.DefaultTimerRetention, 100_000); err != nil || n != ended {
			t.Fatalf("a week on: pruned %d, %v; want the %d ended", n, err, ended)
		}
		if got := env.Rows(t, "timers WHERE state <> 'pending'"); got != 0 {
			t.Errorf("%d ended timers left, want none", got)
		}
		if got := env.Rows(t, "timers WHERE state = 'pending'"); got != pending {
			t.Errorf("%d pending timers left, want the %d there were", got, pending)
		}
		// The customer never sent the parcel back: the pending deadline still fires.
		var due time.Time
		if err := env.Store.View(ctx, func(tx store.Tx) error {
			ts, err := tx.PendingTimers(ctx, c.ID)
			for _, tm := range ts {
				if tm.Kind == aftersale.CustomerShipBack {
					due = tm.DueAt
				}
			}
			return err
		}); err != nil || due.IsZero() {
			t.Fatalf("no ship-back deadline pending (%v)", err)
		}
		env.Clock.Set(due.Add(time.Second))
		for range 5 {
			if _, err := sched.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := w.getCase(t, w.agent, c.ID); got.State == aftersale.Approved {
			t.Errorf("after the ship-back deadline the case is still %s", got.State)
		}
		if _, err := env.App.PruneTimers(ctx, 0, 10); err == nil {
			t.Error("a retention of 0 pruned")
		}
	})
}

// TestIdempotencyKeysAreForgottenAfterTheirRetention: a retry within the retention (an hour
// here, a week by default) gets the first answer; once the key's record is pruned, the same
// key makes a new request.
func TestIdempotencyKeysAreForgottenAfterTheirRetention(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		ctx := t.Context()
		start := time.Now().UTC().Truncate(time.Second)
		env.Clock.Set(start)
		w := newWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 3, 29900)))
		apply := func() *apitest.Response {
			return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: w.customer1,
				JSON: returnRefund(o.OrderNo, "JACKET", 1), Header: http.Header{"Idempotency-Key": {"apply-once"}}})
		}
		first := apply()
		if first.Status != http.StatusCreated {
			t.Fatalf("first: %d %s", first.Status, first.Body)
		}
		kept := env.Rows(t, "idempotency_keys")

		env.Clock.Advance(59 * time.Minute)
		if n, err := env.App.PruneIdempotency(ctx, time.Hour, 100_000); err != nil || n != 0 {
			t.Fatalf("59 minutes on: pruned %d, %v; want none", n, err)
		}
		if r := apply(); r.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(r.Body, first.Body) {
			t.Fatalf("a retry 59 minutes on: %d replayed=%q, want the first answer", r.Status, r.Header.Get("Idempotent-Replayed"))
		}

		env.Clock.Advance(time.Minute + time.Second)
		if n, err := env.App.PruneIdempotency(ctx, time.Hour, 100_000); err != nil || n != kept {
			t.Fatalf("an hour on: pruned %d, %v; want the %d records", n, err, kept)
		}
		again := apply()
		if again.Status != http.StatusCreated || again.Header.Get("Idempotent-Replayed") != "" || bytes.Equal(again.Body, first.Body) {
			t.Fatalf("the key an hour on: %d replayed=%q %s; want a new application", again.Status, again.Header.Get("Idempotent-Replayed"), again.Body)
		}
		if n := env.Rows(t, "cases"); n != 2 {
			t.Errorf("%d cases, want 2", n)
		}
		if _, err := env.App.PruneIdempotency(ctx, 0, 10); err == nil {
			t.Error("a retention of 0 pruned")
		}
	})
}

// TestEndedWebhookDeliveriesAreDeletedAfterTheirRetention: a delivered webhook event stays
// in its merchant's delivery log for 30 days, then goes; one still being retried stays.
func TestEndedWebhookDeliveriesAreDeletedAfterTheirRetention(t *testing.T) {
	apitest.RunWithApp(t, func(c *app.Config) { c.WebhooksAllowPrivate = true }, nil, func(t *testing.T, env *apitest.Env) {
		ctx := t.Context()
		start := time.Now().UTC().Truncate(time.Second)
		env.Clock.Set(start)
		w := newWorld(t, env)
		rec := newReceiver(t)
		hook := createWebhook(t, env, w.merchantA, app.WebhookInput{URL: rec.srv.URL, Events: []string{"case.created"}})
		rec.secret = hook.Secret
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 2, 29900)))
		w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		env.DrainOutbox(t)
		rec.down.Store(true) // the second event is being retried
		w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		env.DrainOutbox(t)
		states := func() []string {
			t.Helper()
			res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/webhooks/" + hook.ID + "/deliveries", Token: w.merchantA})
			var log struct{ Deliveries []app.DeliveryView }
			res.JSON(t, &log)
			var out []string
			for _, d := range log.Deliveries {
				out = append(out, d.State)
			}
			slices.Sort(out)
			return out
		}
		if got := states(); !slices.Equal(got, []string{"delivered", "pending"}) {
			t.Fatalf("deliveries %v, want one delivered and one pending", got)
		}

		env.Clock.Advance(29 * 24 * time.Hour)
		if n, err := env.App.PruneDeliveries(ctx, app.DefaultWebhookRetention, 100_000); err != nil || n != 0 {
			t.Fatalf("29 days on: pruned %d, %v; want none", n, err)
		}
		env.Clock.Advance(24*time.Hour + time.Second)
		if n, err := env.App.PruneDeliveries(ctx, app.DefaultWebhookRetention, 100_000); err != nil || n != 1 {
			t.Fatalf("30 days on: pruned %d, %v; want the delivered one", n, err)
		}
		if got := states(); !slices.Equal(got, []string{"pending"}) {
			t.Errorf("deliveries after the pruning %v, want the pending one", got)
		}
	})
}
