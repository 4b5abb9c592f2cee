package apitest

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/delivery"
	"github.com/aftersales/aftersales/internal/ledger"
	"github.com/aftersales/aftersales/internal/scheduler"
	"github.com/aftersales/aftersales/internal/store"
)

// PayingGateway is the tests' default payment gateway: it pays every payment at once and
// answers the same payment for the same key, as a gateway must. Tests of the money itself
// use the simulated gateway or one of their own (app.Config.Gateway).
type PayingGateway struct {
	mu   sync.Mutex
	paid map[string]ledger.Payment
}

// Pay implements ledger.Gateway.
func (g *PayingGateway) Pay(_ context.Context, req ledger.PayRequest) (ledger.Payment, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.paid == nil {
		g.paid = map[string]ledger.Payment{}
	}
	if p, ok := g.paid[req.Key]; ok {
		return p, nil
	}
	now := time.Now().UTC()
	p := ledger.Payment{Key: req.Key, Ref: fmt.Sprintf("TEST%06d", len(g.paid)+1), Amount: req.Amount, Currency: req.Currency,
		Method: req.Method, Status: ledger.Paid, CreatedAt: now, SettledAt: &now}
	g.paid[req.Key] = p
	return p, nil
}

// Payment implements ledger.Gateway.
func (g *PayingGateway) Payment(_ context.Context, key string) (ledger.Payment, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p, ok := g.paid[key]; ok {
		return p, nil
	}
	return ledger.Payment{}, ledger.ErrNoPayment
}

// Payments implements ledger.Gateway.
func (g *PayingGateway) Payments(context.Context, time.Time, time.Time) ([]ledger.Payment, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]ledger.Payment, 0, len(g.paid))
	for _, p := range g.paid {
		out = append(out, p)
	}
	return out, nil
}

// SettlePayments does the relay's money work now: every pending ledger entry is executed
// through the app's gateway (a case completes only once its money is paid).
func (e *Env) SettlePayments(t testing.TB) {
	t.Helper()
	var pending []ledger.Entry
	if err := e.Store.View(t.Context(), func(tx store.Tx) error {
		var err error
		pending, _, err = tx.ListEntries(t.Context(), store.LedgerQuery{State: ledger.Pending, Limit: 500})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, en := range pending {
		if _, err := e.App.ExecutePayment(t.Context(), []byte(`{"entry_id":"`+en.ID+`"}`)); err != nil {
			t.Fatalf("execute payment %s: %v", en.ID, err)
		}
	}
}

// RunRelay runs the outbox relay with serve's handlers until the test ends, as a replica
// does: payments are made moments after the transition that owes them, notifications and
// webhooks leave, for tests that drive the service from outside (the load generator)
// rather than step by step.
func (e *Env) RunRelay(t testing.TB) {
	t.Helper()
	r := e.relay("apitest-relay")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func (e *Env) relay(owner string) *scheduler.Relay {
	return scheduler.NewRelay(scheduler.RelayConfig{Store: e.Store, Owner: owner, Now: e.Clock.Now,
		MaxIdle: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler), Handlers: delivery.Handlers(e.App), BatchContext: app.RelayBatch})
}

// DrainOutbox relays, step by step, every outbox message available now, and those they
// cause, until none is left available (messages waiting for a retry stay).
func (e *Env) DrainOutbox(t testing.TB) {
	t.Helper()
	r := e.relay("apitest-drain")
	for i := 0; ; i++ {
		n, err := r.RunOnce(t.Context())
		if err != nil {
			t.Fatalf("relay: %v", err)
		}
		if n == 0 {
			return
		}
		if i > 1000 {
			t.Fatal("the outbox does not drain")
		}
	}
}
