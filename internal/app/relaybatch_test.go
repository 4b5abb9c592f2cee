package app_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/delivery"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/scheduler"
	"github.com/aftersales/aftersales/internal/store"
)

// readCounter is a store that counts some of the application's reads: those a relay batch
// shares, and the conversation.
type readCounter struct {
	store.Store
	mu sync.Mutex
	n  map[string]int
}

func (c *readCounter) add(what string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[what]++
}

// wrap makes the application read through c (an apitest configureApp).
func (c *readCounter) wrap(cfg *app.Config) {
	c.Store = cfg.Store
	cfg.Store = c
}

func (c *readCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = map[string]int{}
	return n
}

func (c *readCounter) Update(ctx context.Context, fn func(store.Tx) error) error {
	return c.Store.Update(ctx, func(tx store.Tx) error { return fn(&countingTx{tx, c}) })
}

func (c *readCounter) View(ctx context.Context, fn func(store.Tx) error) error {
	return c.Store.View(ctx, func(tx store.Tx) error { return fn(&countingTx{tx, c}) })
}

type countingTx struct {
	store.Tx
	c *readCounter
}

func (t *countingTx) StaffFor(ctx context.Context, merchant string) ([]store.User, error) {
	t.c.add("staff")
	return t.Tx.StaffFor(ctx, merchant)
}

func (t *countingTx) Customer(ctx context.Context, id string) (store.Customer, error) {
	t.c.add("customer")
	return t.Tx.Customer(ctx, id)
}

func (t *countingTx) NotificationPrefs(ctx context.Context, person string) (store.NotificationPrefs, error) {
	t.c.add("prefs")
	return t.Tx.NotificationPrefs(ctx, person)
}

func (t *countingTx) ListWebhooks(ctx context.Context, merchant string) ([]store.Webhook, error) {
	t.c.add("webhooks")
	return t.Tx.ListWebhooks(ctx, merchant)
}

// The relay delivers a batch's notifications and events reading the staff accounts, the
// webhooks, the customer and each person's preferences once for the batch, not once a
// message; without the batch's context (the same relay otherwise) each message reads them
// again. Everyone still gets every notification.
func TestARelayBatchReadsWhatItsMessagesShareOnce(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) { testRelayBatchReads(t, b) })
	}
}

func testRelayBatchReads(t *testing.T, b apitest.Backend) {
	counter := &readCounter{n: map[string]int{}}
	d := newDeskWith(t, b, local(2026, 3, 6, 18, 0), counter.wrap)
	env, ctx := d.env, context.Background()
	// Each application and the merchant's approval of it: a notification to the
	// merchant's staff, one to the customer, and two case events.
	apply := func(n int) {
		t.Helper()
		for range n {
			d.act(t, d.merchant, d.apply(t), app.ActInput{Action: aftersale.Approve})
		}
	}
	apply(5)
	var staff []string // the merchant's accounts' inboxes, made once the merchant is known
	for _, name := range []string{"shop-a-1", "shop-a-2"} {
		u, err := env.App.CreateUser(ctx, app.Principal{Role: app.RoleAdmin, ID: "admin"}, app.UserInput{
			Username: name, Role: app.RoleMerchant, Merchant: "shop-a", Password: "a long enough password"})
		if err != nil {
			t.Fatal(err)
		}
		staff = append(staff, "user:"+u.ID)
	}
	counter.take()
	relay := func(batch func(context.Context) context.Context) (map[string]int, int) {
		t.Helper()
		r := scheduler.NewRelay(scheduler.RelayConfig{Store: env.Store, Owner: "batch-test", Now: env.Clock.Now, Batch: 100,
			Logger: slog.New(slog.DiscardHandler), Handlers: delivery.Handlers(env.App), BatchContext: batch})
		n, err := r.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return counter.take(), n
	}
	inbox := func(person string) int {
		t.Helper()
		var ns []store.Notification
		if err := env.Store.View(ctx, func(tx store.Tx) (err error) {
			ns, _, err = tx.ListNotifications(ctx, store.NotificationQuery{Recipient: person, Limit: 100})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return len(ns)
	}

	got, claimed := relay(app.RelayBatch)
	if claimed < 20 {
		t.Fatalf("the relay claimed %d messages; five applications and approvals make at least twenty", claimed)
	}
	// Two merchant accounts and the customer: three people's preferences.
	want := map[string]int{"staff": 1, "webhooks": 1, "customer": 1, "prefs": 3}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("in one batch: %d reads of %s, want %d (all: %v)", got[k], k, n, got)
		}
	}

	apply(5)
	counter.take()
	got, _ = relay(nil)
	if got["webhooks"] != 10 || got["staff"] < 5 || got["customer"] < 5 {
		t.Errorf("without the batch's context: %v, want a read a message (the test would not see a change)", got)
	}
	for _, person := range append(staff, "customer:cust-1") {
		if n := inbox(person); n != 10 {
			t.Errorf("%s has %d notifications, want 10", person, n)
		}
	}
}

func (t *countingTx) Messages(ctx context.Context, caseID string, internal bool) ([]store.CaseMessage, error) {
	t.c.add("messages")
	return t.Tx.Messages(ctx, caseID, internal)
}
