package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// Handler delivers one outbox message (a notification, a webhook, a refund instruction). It
// must be idempotent: a message can be delivered again after a crash between delivery and
// the record of it. An error means "try again later".
type Handler func(ctx context.Context, m store.OutboxRecord) error

// RetryAt is a handler's answer that it is not done yet and wants the message again at At
// (a payment the gateway is still processing, or a failed call on the handler's own retry
// schedule): not a failure of the delivery, so the message never becomes a dead letter
// by it; the handler decides when to give up.
type RetryAt struct{ At time.Time }

func (r RetryAt) Error() string { return "again at " + r.At.Format(time.RFC3339) }

// Permanent marks a delivery error that retrying cannot fix: the message goes to the dead
// letters at once.
type Permanent struct{ Err error }

func (p Permanent) Error() string { return p.Err.Error() }
func (p Permanent) Unwrap() error { return p.Err }

// PaymentHandler delivers the "money." messages: execute is app.ExecutePayment, which
// moves one ledger entry through the gateway and answers when to look again (zero: done);
// an execution that fails with gone (app.ErrNoEntry: the entry does not exist) is
// permanent.
func PaymentHandler(execute func(context.Context, json.RawMessage) (time.Time, error), gone error) Handler {
	return func(ctx context.Context, m store.OutboxRecord) error {
		next, err := execute(ctx, m.Payload)
		switch {
		case errors.Is(err, gone):
			return Permanent{Err: err}
		case err != nil:
			return err
		case !next.IsZero():
			return RetryAt{At: next}
		}
		return nil
	}
}

// RelayConfig configures a Relay.
type RelayConfig struct {
	Store store.Store
	// Handlers by topic prefix: the longest prefix of a message's topic picks its handler
	// ("notify." for notifications, "money." for the payment gateway, "case.event" for
	// webhooks). A message no handler takes is recorded as sent (nobody subscribes to it).
	Handlers map[string]Handler
	Owner    string
	Batch    int // 100
	// Workers deliver the messages of different keys at once (4).
	Workers int
	Lease   time.Duration // 30 s
	MaxIdle time.Duration // 1 s
	// Gather is the least time between two claims that a wake-up starts (50 ms; negative:
	// none). Commits come one by one and each wakes the relay: under load, a claim a
	// commit cost as much in the database as the case's own insert, and took one case's
	// messages. A relay woken sooner than Gather after its last claim waits for the rest
	// of it, and its next claim takes what every commit meanwhile announced. A wake-up
	// after a quiet spell is answered at once. A claim costs PostgreSQL about 0.5 ms
	// however few messages it takes: at 120 cases/s, 10 ms made 2,000 claims of 20 s and
	// 50 ms 500 (docs/PERFORMANCE.md, issue 18, sixth session); a message waits 50 ms at
	// most, and only under load.
	Gather time.Duration
	// MaxAttempts before a message becomes a dead letter (10).
	MaxAttempts int
	// BatchContext, when set, gives the context a claimed batch is delivered with, made
	// once a batch: the handlers may share their reads through it (app.RelayBatch).
	BatchContext func(context.Context) context.Context
	Now          func() time.Time
	Logger       *slog.Logger
	Observer     Observer
}

// Relay delivers the transactional outbox with retries, backoff and dead letters.
type Relay struct {
	cfg  RelayConfig
	wake chan struct{}
}

// NewRelay returns a Relay; Run starts it.
func NewRelay(cfg RelayConfig) *Relay {
	sc := Config{Owner: cfg.Owner, Batch: cfg.Batch, Lease: cfg.Lease, MaxIdle: cfg.MaxIdle, Now: cfg.Now, Logger: cfg.Logger, Observer: cfg.Observer}
	sc.defaults()
	cfg.Owner, cfg.Batch, cfg.Lease, cfg.MaxIdle, cfg.Now, cfg.Logger, cfg.Observer = sc.Owner, sc.Batch, sc.Lease, sc.MaxIdle, sc.Now, sc.Logger, sc.Observer
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 10
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Gather == 0 {
		cfg.Gather = 50 * time.Millisecond
	}
	return &Relay{cfg: cfg, wake: make(chan struct{}, 1)}
}

// Wake tells the relay that messages were committed: it looks at once, or, when it is busy,
// once more as soon as it is done. A wake is never dropped for the relay being busy: one
// that came between its last empty claim and its wait used to leave the messages waiting
// up to MaxIdle.
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run relays until ctx ends. A batch that came back full is followed by the next at
// once; after a short one, the relay waits for a wake-up, the next message's time or
// MaxIdle: a message committed after the claim woke it, and one another replica leases
// comes back when its lease ends (NextOutboxAvailable).
func (r *Relay) Run(ctx context.Context) error {
	var claimed time.Time // when the last claim began, on the machine's clock
	for ctx.Err() == nil {
		// This claim sees every message a wake-up so far announced (Wake comes after
		// the commit): those wake-ups are answered.
		select {
		case <-r.wake:
		default:
		}
		claimed = time.Now()
		n, err := r.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			r.cfg.Logger.Error("relay: claiming messages", "err", err)
		}
		if err == nil && n >= r.cfg.Batch {
			continue
		}
		wait := r.cfg.MaxIdle
		var at time.Time
		var ok bool
		if err := r.cfg.Store.View(ctx, func(tx store.Tx) error {
			var err error
			at, ok, err = tx.NextOutboxAvailable(ctx)
			return err
		}); err == nil && ok {
			wait = min(wait, max(at.Sub(r.cfg.Now()), 0))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-r.wake:
			if d := r.cfg.Gather - time.Since(claimed); d > 0 {
				t.Reset(d)
				select {
				case <-ctx.Done():
				case <-t.C:
				}
			}
		}
		t.Stop()
	}
	return nil
}

// RunOnce claims one batch of messages and delivers it; it returns how many it claimed.
// The messages of one key (a case, a person, a webhook) are delivered in order, one after
// the other; different keys are delivered by up to Workers at once. What was delivered is
// recorded as sent in one transaction at the end of the batch: a crash before that
// delivers it again, as a crash between a delivery and its record always could.
func (r *Relay) RunOnce(ctx context.Context) (int, error) {
	var msgs []store.OutboxRecord
	err := r.cfg.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		msgs, err = tx.ClaimOutbox(ctx, r.cfg.Owner, r.cfg.Lease, r.cfg.Batch)
		return err
	})
	if err != nil {
		return 0, err
	}
	keys := byKey(msgs)
	sent := make([][]int64, min(r.cfg.Workers, len(keys)))
	dctx := ctx // the handlers'
	if r.cfg.BatchContext != nil && len(msgs) > 0 {
		dctx = r.cfg.BatchContext(ctx)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range sent {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(keys); i = int(next.Add(1)) - 1 {
				for _, m := range keys[i] {
					if r.deliver(dctx, m) {
						sent[w] = append(sent[w], m.ID)
					}
				}
			}
		})
	}
	wg.Wait()
	if ids := slices.Concat(sent...); len(ids) > 0 {
		var n int
		err := r.cfg.Store.Update(ctx, func(tx store.Tx) error {
			var err error
			n, err = tx.FinishOutboxes(ctx, r.cfg.Owner, ids)
			return err
		})
		switch {
		case err != nil && ctx.Err() == nil:
			r.cfg.Logger.Warn("relay: recording deliveries", "messages", len(ids), "err", err)
		case err == nil && n < len(ids):
			r.cfg.Logger.Warn("relay: deliveries recorded after their lease ended", "messages", len(ids), "recorded", n)
		}
	}
	return len(msgs), nil
}

// byKey groups msgs by key, each group in the order of msgs. Payments ("money.") form
// groups of their own and come first: a refund does not wait behind its case's
// notifications and webhooks, whose order among themselves is kept.
func byKey(msgs []store.OutboxRecord) [][]store.OutboxRecord {
	var money, other [][]store.OutboxRecord
	at := map[string]int{} // index in money or other, by "m"/"o" and key
	for _, m := range msgs {
		groups, k := &other, "o"+m.Key
		if strings.HasPrefix(m.Topic, "money.") {
			groups, k = &money, "m"+m.Key
		}
		i, ok := at[k]
		if !ok {
			i = len(*groups)
			at[k] = i
			*groups = append(*groups, nil)
		}
		(*groups)[i] = append((*groups)[i], m)
	}
	return append(money, other...)
}

func (r *Relay) handler(topic string) Handler {
	var best string
	var h Handler
	for prefix, x := range r.cfg.Handlers {
		if strings.HasPrefix(topic, prefix) && len(prefix) >= len(best) {
			best, h = prefix, x
		}
	}
	return h
}

// deliver hands m to its handler and reports whether it was delivered; a failure is
// recorded here, a delivery by the batch (RunOnce).
func (r *Relay) deliver(ctx context.Context, m store.OutboxRecord) bool {
	var err error
	if h := r.handler(m.Topic); h != nil {
		err = h(ctx, m)
	}
	if err == nil {
		r.cfg.Observer.Delivered(m.Topic, "sent")
		return true
	}
	var again RetryAt
	if errors.As(err, &again) {
		r.cfg.Observer.Delivered(m.Topic, "later")
		if ferr := r.cfg.Store.Update(ctx, func(tx store.Tx) error {
			return tx.FailOutbox(ctx, m.ID, r.cfg.Owner, again.At, err.Error(), false)
		}); ferr != nil && ctx.Err() == nil {
			r.cfg.Logger.Error("relay: recording a delivery to come back to", "message", m.ID, "err", ferr)
		}
		return false
	}
	attempt := m.Attempts + 1
	var perm Permanent
	dead := attempt >= r.cfg.MaxAttempts || errors.As(err, &perm)
	retry := r.cfg.Now().Add(Backoff(attempt))
	result := "retry"
	if dead {
		result = "dead"
	}
	r.cfg.Observer.Delivered(m.Topic, result)
	r.cfg.Logger.Warn("relay: delivery failed", "message", m.ID, "topic", m.Topic, "attempt", attempt, "dead", dead, "err", err)
	if ferr := r.cfg.Store.Update(ctx, func(tx store.Tx) error {
		return tx.FailOutbox(ctx, m.ID, r.cfg.Owner, retry, err.Error(), dead)
	}); ferr != nil && ctx.Err() == nil {
		r.cfg.Logger.Error("relay: recording a failed delivery", "message", m.ID, "err", ferr)
	}
	return false
}
