package scheduler_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/scheduler"
	"github.com/aftersales/aftersales/internal/store"
)

// relayBench is a store on a settable clock with rows countable behind its back.
type relayBench struct {
	store store.Store
	clock *clock.Clock
	count func(string) (int, error)
	log   *deliveryLog
}

// deliveryLog records the relay's reports, as its metrics would.
type deliveryLog struct {
	mu      sync.Mutex
	results []string // topic:result
}

func (l *deliveryLog) TimerFired(string, string, time.Duration) {}

func (l *deliveryLog) Delivered(topic, result string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.results = append(l.results, topic+":"+result)
}

func (l *deliveryLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.results
	l.results = nil
	return out
}

func newRelayBench(t *testing.T, b apitest.Backend) *relayBench {
	t.Helper()
	clk := &clock.Clock{}
	clk.Set(time.Date(2026, 3, 6, 10, 0, 0, 0, shanghai))
	s, count := b.Open(t, clk.Now)
	return &relayBench{store: s, clock: clk, count: count, log: &deliveryLog{}}
}

func (rb *relayBench) relay(handlers map[string]scheduler.Handler, maxAttempts int) *scheduler.Relay {
	return scheduler.NewRelay(scheduler.RelayConfig{Store: rb.store, Handlers: handlers, Owner: "relay-test",
		MaxAttempts: maxAttempts, Now: rb.clock.Now, Logger: slog.New(slog.DiscardHandler), Observer: rb.log})
}

func (rb *relayBench) enqueue(t *testing.T, topics ...string) {
	t.Helper()
	ctx := context.Background()
	var msgs []store.OutboxMessage
	for i, topic := range topics {
		payload, _ := json.Marshal(map[string]any{"n": i, "topic": topic})
		msgs = append(msgs, store.OutboxMessage{Topic: topic, Key: "case-1", Payload: payload})
	}
	if err := rb.store.Update(ctx, func(tx store.Tx) error { return tx.Enqueue(ctx, msgs...) }); err != nil {
		t.Fatal(err)
	}
}

// rows counts outbox rows in a state.
func (rb *relayBench) rows(t *testing.T, state string) int {
	t.Helper()
	n, err := rb.count(fmt.Sprintf("outbox WHERE state = '%s'", state))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (rb *relayBench) runOnce(t *testing.T, r *scheduler.Relay) int {
	t.Helper()
	n, err := r.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("relay RunOnce: %v", err)
	}
	return n
}

func (rb *relayBench) backlog(t *testing.T) int {
	t.Helper()
	var n int
	if err := rb.store.View(context.Background(), func(tx store.Tx) (err error) {
		n, err = tx.OutboxBacklog(context.Background())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func (rb *relayBench) nextAvailable(t *testing.T) (time.Time, bool) {
	t.Helper()
	var at time.Time
	var ok bool
	if err := rb.store.View(context.Background(), func(tx store.Tx) (err error) {
		at, ok, err = tx.NextOutboxAvailable(context.Background())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return at, ok
}

func (rb *relayBench) deadLetters(t *testing.T) []store.OutboxRecord {
	t.Helper()
	var out []store.OutboxRecord
	if err := rb.store.View(context.Background(), func(tx store.Tx) (err error) {
		out, err = tx.DeadLetters(context.Background(), 10)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// recorder is a handler that keeps the topics it was given, in order.
type recorder struct {
	mu     sync.Mutex
	topics []string
	fail   func(m store.OutboxRecord) error
}

func (r *recorder) handle(_ context.Context, m store.OutboxRecord) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.topics = append(r.topics, m.Topic)
	if r.fail != nil {
		return r.fail(m)
	}
	return nil
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.topics)
}

// SPEC §13 "all through a transactional outbox": the relay gives each message to the
// handler of the longest prefix of its topic, oldest first, and marks it sent; a message
// nobody subscribes to is marked sent too. A second run has nothing to do.
func TestRelayDeliversByLongestTopicPrefix(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			rb := newRelayBench(t, b)
			notify, breach, money, webhook := &recorder{}, &recorder{}, &recorder{}, &recorder{}
			r := rb.relay(map[string]scheduler.Handler{
				"notify.": notify.handle, "notify.case.sla": breach.handle, "money.": money.handle, "case.event": webhook.handle,
			}, 0)
			rb.enqueue(t, "notify.case.approve", "case.event", "notify.case.sla_breach", "money.refund", "audit.nobody", "notify.case.message")
			if n := rb.runOnce(t, r); n != 6 {
				t.Fatalf("claimed %d messages, want 6", n)
			}
			for _, c := range []struct {
				name string
				got  []string
				want []string
			}{
				{"notify.", notify.got(), []string{"notify.case.approve", "notify.case.message"}},
				{"notify.case.sla", breach.got(), []string{"notify.case.sla_breach"}},
				{"money.", money.got(), []string{"money.refund"}},
				{"case.event", webhook.got(), []string{"case.event"}},
			} {
				if !slices.Equal(c.got, c.want) {
					t.Errorf("handler %s got %v, want %v", c.name, c.got, c.want)
				}
			}
			if sent, pending := rb.rows(t, "sent"), rb.rows(t, "pending"); sent != 6 || pending != 0 {
				t.Errorf("%d sent, %d pending; want all 6 sent (audit.nobody has no subscriber)", sent, pending)
			}
			if n := rb.backlog(t); n != 0 {
				t.Errorf("backlog %d after delivery", n)
			}
			if got := rb.log.take(); len(got) != 6 || slices.ContainsFunc(got, func(s string) bool { return !strings.HasSuffix(s, ":sent") }) {
				t.Errorf("the relay reported %v, want six sent", got)
			}
			if n := rb.runOnce(t, r); n != 0 {
				t.Errorf("a second run claimed %d messages", n)
			}
			if len(notify.got()) != 2 {
				t.Errorf("a sent message was delivered again: %v", notify.got())
			}
		})
	}
}

// A handler that fails: the message is tried again after a backoff that doubles (1 s, 2 s,
// 4 s, ± 10% jitter) — not before — with its attempts counted and its error kept, and after
// MaxAttempts it is a dead letter: listed for admins, out of the backlog, never tried again.
// Other messages are delivered meanwhile.
func TestRelayRetriesWithBackoffThenDeadLetters(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			rb := newRelayBench(t, b)
			gateway := &recorder{fail: func(store.OutboxRecord) error { return errors.New("gateway down") }}
			notify := &recorder{}
			const maxAttempts = 4
			r := rb.relay(map[string]scheduler.Handler{"money.": gateway.handle, "notify.": notify.handle}, maxAttempts)
			rb.enqueue(t, "money.refund")
			for attempt := 1; attempt <= maxAttempts; attempt++ {
				before := rb.clock.Now()
				want := 1
				if attempt > 1 {
					want = 2 // and the notification enqueued since
				}
				if n := rb.runOnce(t, r); n != want {
					t.Fatalf("attempt %d: claimed %d messages, want %d", attempt, n, want)
				}
				if len(gateway.got()) != attempt {
					t.Fatalf("attempt %d: the handler was called %d times", attempt, len(gateway.got()))
				}
				if attempt == maxAttempts {
					break
				}
				if got := slices.DeleteFunc(rb.log.take(), func(s string) bool { return strings.HasPrefix(s, "notify.") }); !slices.Equal(got, []string{"money.refund:retry"}) {
					t.Errorf("attempt %d: reported %v, want a retry", attempt, got)
				}
				if rb.rows(t, "pending") != 1 || rb.backlog(t) != 1 {
					t.Fatalf("attempt %d: the failed message is not pending in the backlog", attempt)
				}
				// Not again before its backoff.
				if n := rb.runOnce(t, r); n != 0 {
					t.Fatalf("attempt %d: the failed message was claimed again at once", attempt)
				}
				at, ok := rb.nextAvailable(t)
				base := time.Duration(1<<(attempt-1)) * time.Second
				if !ok || at.Sub(before) < base*9/10 || at.Sub(before) > base*11/10 {
					t.Fatalf("attempt %d: available again at %v (%v), want %v ± 10%% later", attempt, at.Sub(before), ok, base)
				}
				rb.clock.Set(at.Add(-time.Millisecond))
				if n := rb.runOnce(t, r); n != 0 {
					t.Fatalf("attempt %d: claimed a millisecond before its backoff ended", attempt)
				}
				rb.clock.Set(at)
				rb.enqueue(t, fmt.Sprintf("notify.case.step%d", attempt))
			}
			if got := rb.log.take(); !slices.Contains(got, "money.refund:dead") {
				t.Errorf("after %d attempts the relay reported %v, want dead", maxAttempts, got)
			}
			if rb.rows(t, "dead") != 1 || rb.backlog(t) != 0 {
				t.Errorf("%d dead, backlog %d; want the message dead and out of the backlog", rb.rows(t, "dead"), rb.backlog(t))
			}
			dl := rb.deadLetters(t)
			if len(dl) != 1 || dl[0].Topic != "money.refund" || dl[0].Attempts != maxAttempts || dl[0].LastError != "gateway down" || dl[0].State != "dead" {
				t.Errorf("dead letters %+v, want money.refund after %d attempts with its error", dl, maxAttempts)
			}
			if len(notify.got()) != maxAttempts-1 || rb.rows(t, "sent") != maxAttempts-1 {
				t.Errorf("the other messages: delivered %v, %d sent", notify.got(), rb.rows(t, "sent"))
			}
			if _, ok := rb.nextAvailable(t); ok {
				t.Error("a dead letter is still waiting to be claimed")
			}
			rb.clock.Advance(48 * time.Hour)
			if n := rb.runOnce(t, r); n != 0 || len(gateway.got()) != maxAttempts {
				t.Errorf("a dead letter was tried again (%d claimed, %d calls)", n, len(gateway.got()))
			}
		})
	}
}

// A Permanent error is not worth retrying: the message is a dead letter after one attempt.
func TestRelayPermanentErrorDeadLettersAtOnce(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			rb := newRelayBench(t, b)
			hook := &recorder{fail: func(store.OutboxRecord) error {
				return fmt.Errorf("webhook: %w", scheduler.Permanent{Err: errors.New("410 Gone: the merchant removed the endpoint")})
			}}
			r := rb.relay(map[string]scheduler.Handler{"case.event": hook.handle}, 10)
			rb.enqueue(t, "case.event")
			if n := rb.runOnce(t, r); n != 1 {
				t.Fatalf("claimed %d", n)
			}
			if got := rb.log.take(); !slices.Equal(got, []string{"case.event:dead"}) {
				t.Errorf("reported %v, want dead at once", got)
			}
			dl := rb.deadLetters(t)
			if len(dl) != 1 || dl[0].Attempts != 1 || rb.rows(t, "dead") != 1 || rb.backlog(t) != 0 {
				t.Fatalf("dead letters %+v, backlog %d; want one after one attempt", dl, rb.backlog(t))
			}
			if dl[0].LastError == "" {
				t.Error("the dead letter keeps no error")
			}
			rb.clock.Advance(time.Hour)
			if n := rb.runOnce(t, r); n != 0 || len(hook.got()) != 1 {
				t.Errorf("a permanent failure was tried again")
			}
		})
	}
}

// Backoff doubles from one second up to an hour, with at most ±10% jitter (so that
// replicas do not retry in step), and is never zero or negative.
func TestBackoffDoublesToAnHourWithJitter(t *testing.T) {
	varied := false
	for n := 0; n <= 40; n++ {
		base := time.Hour
		if n < 13 {
			base = min(time.Duration(1<<max(n-1, 0))*time.Second, time.Hour)
		}
		first := scheduler.Backoff(n)
		for range 200 {
			d := scheduler.Backoff(n)
			if d < base*9/10 || d > base*11/10 || d <= 0 {
				t.Fatalf("Backoff(%d) = %v, want %v ± 10%%", n, d, base)
			}
			varied = varied || d != first
		}
	}
	if !varied {
		t.Error("Backoff has no jitter")
	}
}

// The relay delivers different keys at once and each key's messages in order: a handler
// of case-a that waits until case-b's message has been delivered would wait for ever if
// the keys took turns. Payments come first, apart from their case's other messages (shown
// with one worker, whose order is the relay's own). The batch is recorded sent in one go.
func TestRelayDeliversKeysAtOnceEachInOrder(t *testing.T) {
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			rb := newRelayBench(t, b)
			ctx := t.Context()
			var msgs []store.OutboxMessage
			for i := range 4 {
				for _, key := range []string{"case-a", "case-b", "case-c"} {
					msgs = append(msgs, store.OutboxMessage{Topic: "case.event", Key: key, Payload: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))})
				}
			}
			msgs = append(msgs, store.OutboxMessage{Topic: "money.refund", Key: "case-c", Payload: json.RawMessage(`{"n":9}`)})
			if err := rb.store.Update(ctx, func(tx store.Tx) error { return tx.Enqueue(ctx, msgs...) }); err != nil {
				t.Fatal(err)
			}
			bDone := make(chan struct{})
			var mu sync.Mutex
			order := map[string][]int{}
			var delivered []string
			handle := func(ctx context.Context, m store.OutboxRecord) error {
				var p struct{ N int }
				if err := json.Unmarshal(m.Payload, &p); err != nil {
					return err
				}
				mu.Lock()
				order[m.Key] = append(order[m.Key], p.N)
				if m.Key == "case-b" && p.N == 3 {
					close(bDone)
				}
				mu.Unlock()
				if m.Key == "case-a" && p.N == 0 {
					select {
					case <-bDone:
					case <-time.After(10 * time.Second):
						return errors.New("case-b was not delivered while case-a waited")
					}
				}
				return nil
			}
			r := rb.relay(map[string]scheduler.Handler{"case.event": handle, "money.": handle}, 0)
			if n := rb.runOnce(t, r); n != len(msgs) {
				t.Fatalf("claimed %d messages, want %d", n, len(msgs))
			}
			for _, key := range []string{"case-a", "case-b"} {
				if !slices.Equal(order[key], []int{0, 1, 2, 3}) {
					t.Errorf("%s delivered in the order %v, want 0 1 2 3", key, order[key])
				}
			}
			if got := order["case-c"]; len(got) != 5 || !slices.Equal(slices.DeleteFunc(slices.Clone(got), func(n int) bool { return n == 9 }), []int{0, 1, 2, 3}) {
				t.Errorf("case-c delivered in the order %v, want its events 0 1 2 3 and the payment", got)
			}
			if sent := rb.rows(t, "sent"); sent != len(msgs) {
				t.Errorf("%d sent, want %d", sent, len(msgs))
			}

			// One worker, so that the order is the relay's own: the payment enqueued after
			// its case's event and another case's is delivered first.
			one := scheduler.NewRelay(scheduler.RelayConfig{Store: rb.store, Owner: "relay-one", Workers: 1, Now: rb.clock.Now,
				Logger: slog.New(slog.DiscardHandler), Observer: rb.log, Handlers: map[string]scheduler.Handler{
					"": func(_ context.Context, m store.OutboxRecord) error {
						mu.Lock()
						defer mu.Unlock()
						delivered = append(delivered, m.Topic+":"+m.Key)
						return nil
					}}})
			rb.enqueue(t, "case.event") // key case-1
			if err := rb.store.Update(ctx, func(tx store.Tx) error {
				return tx.Enqueue(ctx, store.OutboxMessage{Topic: "case.event", Key: "case-2", Payload: json.RawMessage(`{}`)},
					store.OutboxMessage{Topic: "money.refund", Key: "case-1", Payload: json.RawMessage(`{}`)})
			}); err != nil {
				t.Fatal(err)
			}
			if n := rb.runOnce(t, one); n != 3 {
				t.Fatalf("claimed %d messages, want 3", n)
			}
			if want := []string{"money.refund:case-1", "case.event:case-1", "case.event:case-2"}; !slices.Equal(delivered, want) {
				t.Errorf("one worker delivered %v, want %v", delivered, want)
			}
		})
	}
}

// updateCounter counts the transactions a relay writes in.
type updateCounter struct {
	store.Store
	n atomic.Int64
}

func (u *updateCounter) Update(ctx context.Context, fn func(store.Tx) error) error {
	u.n.Add(1)
	return u.Store.Update(ctx, fn)
}

// TestRelayGathersWakeUps: a wake-up after a quiet spell is answered at once; the commits
// that follow within Gather are claimed together, in one claim and one record of what was
// sent, not in a claim each (and no claim after a short batch comes back empty).
func TestRelayGathersWakeUps(t *testing.T) {
	const gather = time.Second
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			rb := newRelayBench(t, b)
			counted := &updateCounter{Store: rb.store}
			var mu sync.Mutex
			var at []time.Time
			all := make(chan struct{})
			r := scheduler.NewRelay(scheduler.RelayConfig{Store: counted, Owner: "relay-gather", Gather: gather, MaxIdle: time.Hour,
				Now: rb.clock.Now, Logger: slog.New(slog.DiscardHandler), Observer: rb.log, Handlers: map[string]scheduler.Handler{
					"": func(context.Context, store.OutboxRecord) error {
						mu.Lock()
						defer mu.Unlock()
						if at = append(at, time.Now()); len(at) == 10 {
							close(all)
						}
						return nil
					}}})
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan struct{})
			go func() { defer close(done); _ = r.Run(ctx) }()
			defer func() { cancel(); <-done }()
			for counted.n.Load() == 0 { // the claim Run starts with, of nothing
				time.Sleep(time.Millisecond)
			}
			time.Sleep(gather) // a quiet spell
			counted.n.Store(0)

			woken := time.Now()
			for range 10 { // over about 200 ms
				rb.enqueue(t, "case.event")
				r.Wake()
				time.Sleep(20 * time.Millisecond)
			}
			select {
			case <-all:
			case <-time.After(10 * time.Second):
				t.Fatal("10 messages were not delivered in 10 s")
			}
			for deadline := time.Now().Add(10 * time.Second); rb.rows(t, "sent") < 10 && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond) // the record of the last batch
			}
			mu.Lock()
			defer mu.Unlock()
			if first := at[0].Sub(woken); first > gather/2 {
				t.Errorf("the first message was delivered %v after its wake-up, want at once", first)
			}
			if n := counted.n.Load(); n > 4 {
				t.Errorf("10 commits a wake-up each took %d relay transactions, want at most 4 (two claims, two records)", n)
			}
			if sent := rb.rows(t, "sent"); sent != 10 {
				t.Errorf("%d sent, want 10", sent)
			}
		})
	}
}

type batchKey struct{}

// Each claimed batch is delivered with one context of its own from BatchContext, made
// once for the batch whatever its keys and workers; a claim that finds nothing makes none.
func TestRelayDeliversABatchWithItsOwnContext(t *testing.T) {
	rb := newRelayBench(t, apitest.Backends()[0])
	var made atomic.Int64
	var mu sync.Mutex
	seen := map[int64][]string{} // batch → topics delivered with its context
	r := scheduler.NewRelay(scheduler.RelayConfig{Store: rb.store, Owner: "relay-test", Now: rb.clock.Now,
		Logger: slog.New(slog.DiscardHandler), Observer: rb.log, Batch: 3,
		BatchContext: func(ctx context.Context) context.Context {
			return context.WithValue(ctx, batchKey{}, made.Add(1))
		},
		Handlers: map[string]scheduler.Handler{"notify.": func(ctx context.Context, m store.OutboxRecord) error {
			b, _ := ctx.Value(batchKey{}).(int64)
			mu.Lock()
			defer mu.Unlock()
			seen[b] = append(seen[b], m.Topic)
			return nil
		}}})
	var msgs []store.OutboxMessage
	for i := range 5 {
		msgs = append(msgs, store.OutboxMessage{Topic: fmt.Sprintf("notify.n%d", i), Key: fmt.Sprintf("k%d", i), Payload: json.RawMessage(`{}`)})
	}
	if err := rb.store.Update(context.Background(), func(tx store.Tx) error { return tx.Enqueue(context.Background(), msgs...) }); err != nil {
		t.Fatal(err)
	}
	for _, want := range []int{3, 2, 0} {
		if n := rb.runOnce(t, r); n != want {
			t.Fatalf("claimed %d messages, want %d", n, want)
		}
	}
	if made.Load() != 2 || len(seen[1]) != 3 || len(seen[2]) != 2 || len(seen[0]) != 0 {
		t.Fatalf("%d contexts made; delivered by batch: %v", made.Load(), seen)
	}
}
