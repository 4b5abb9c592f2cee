// Package scheduler makes deadlines act and messages leave: it fires due timers through the
// application (a timer firing is an ordinary command with actor system) and relays the
// transactional outbox to its handlers. Both read only what is due through an index, sleep
// until the next due time (or until woken by a commit that set an earlier one), and lease
// their work in the database so that several replicas on one PostgreSQL share it and each
// timer fires exactly once. A replica that dies mid-batch loses its leases when they run
// out; the work is then claimed again, and the firing transaction's check of the lease
// keeps its effect from being applied twice.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aftersales/aftersales/internal/store"
)

// Firer carries out one leased timer in one transaction that also marks it fired
// (app.App.FireTimer).
type Firer interface {
	FireTimer(ctx context.Context, owner string, t store.Timer) (fired bool, err error)
}

// Observer receives what the scheduler does, for metrics.
type Observer interface {
	// TimerFired counts a firing: result is fired, cancelled (moot), conflict (another
	// replica had it) or error; lag is from the due time to the end of the firing.
	TimerFired(kind, result string, lag time.Duration)
	// Delivered counts an outbox delivery: result is sent, retry or dead.
	Delivered(topic, result string)
}

type noObserver struct{}

func (noObserver) TimerFired(string, string, time.Duration) {}
func (noObserver) Delivered(string, string)                 {}

// Config configures a Scheduler.
type Config struct {
	Store store.Store
	Firer Firer
	// Owner names this replica in leases; a unique default is made from the host and pid.
	Owner string
	// Batch is how many due timers are claimed at once (100).
	Batch int
	// Workers fire claimed timers concurrently (8). A firing waits mostly for its commit to
	// reach the disk; with 8 at once PostgreSQL flushes their commits together: a Firer that
	// only marks the timer went from 3,400 (4 workers) to 5,000 firings/s with 100,000
	// timers pending (docs/PERFORMANCE.md, "Timers").
	Workers int
	// Lease is how long a claim lasts before another replica may take the timer (30 s).
	Lease time.Duration
	// MaxIdle is the longest the scheduler sleeps without looking at the store (1 s): the
	// bound on how late it notices a timer set by another replica.
	MaxIdle  time.Duration
	Now      func() time.Time
	Logger   *slog.Logger
	Observer Observer
}

func (c *Config) defaults() {
	if c.Owner == "" {
		host, _ := os.Hostname()
		c.Owner = fmt.Sprintf("%s:%d:%04x", host, os.Getpid(), rand.N(1<<16))
	}
	if c.Batch <= 0 {
		c.Batch = 100
	}
	if c.Workers <= 0 {
		c.Workers = 8
	}
	if c.Lease <= 0 {
		c.Lease = 30 * time.Second
	}
	if c.MaxIdle <= 0 {
		c.MaxIdle = time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Observer == nil {
		c.Observer = noObserver{}
	}
}

// Scheduler fires due timers.
type Scheduler struct {
	cfg  Config
	wake chan struct{}
	// next is when the loop plans to look again (Unix nanoseconds), so that Wake signals
	// only for a timer due before it; 0 while it is claiming and firing (it looks again
	// before it sleeps), the largest value while it reads the next due time.
	next atomic.Int64
}

// New returns a Scheduler; Run starts it.
func New(cfg Config) *Scheduler {
	cfg.defaults()
	return &Scheduler{cfg: cfg, wake: make(chan struct{}, 1)}
}

// Owner is the name this replica leases timers under.
func (s *Scheduler) Owner() string { return s.cfg.Owner }

// Wake tells the scheduler that a timer due at due was set; it looks again at once if it
// was going to sleep past it. Safe to call from any goroutine, never blocks.
func (s *Scheduler) Wake(due time.Time) {
	if due.UnixNano() >= s.next.Load() {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run fires due timers until ctx ends. Claiming and firing overlap: the workers fire from
// a queue, and the next batch is claimed as soon as fewer than a batch of claimed timers is
// left to fire, so that no worker waits for the slowest firing of a batch before the next
// claim (RunOnce, one batch at a time, left the workers idle at the end of every batch).
// At most two batches are leased to this replica at once, well within a lease.
func (s *Scheduler) Run(ctx context.Context) error {
	var inflight atomic.Int64 // claimed and not yet fired
	room := make(chan struct{}, 1)
	pool := s.workers(ctx, 2*s.cfg.Batch/s.cfg.Workers+1, func() {
		if inflight.Add(-1) < int64(s.cfg.Batch) {
			select {
			case room <- struct{}{}:
			default:
			}
		}
	})
	defer pool.close()
	for ctx.Err() == nil {
		for inflight.Load() >= int64(s.cfg.Batch) {
			select {
			case <-ctx.Done():
				return nil
			case <-room:
			}
		}
		timers, err := s.claim(ctx)
		if err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("scheduler: claiming timers", "err", err)
		}
		inflight.Add(int64(len(timers)))
		for _, t := range timers {
			pool.send(t)
		}
		if len(timers) > 0 {
			continue // there may be more due
		}
		if err := s.sleep(ctx); err != nil {
			return nil
		}
	}
	return nil
}

// pool is the scheduler's workers. Timers of one case always go to the same worker, one
// after another: two firings of one case at once (a deadline and an SLA check due together)
// would lock each other's rows, and PostgreSQL would break the deadlock only after a second.
type pool struct {
	queues []chan store.Timer
	wg     sync.WaitGroup
}

func (s *Scheduler) workers(ctx context.Context, buffer int, done func()) *pool {
	p := &pool{queues: make([]chan store.Timer, s.cfg.Workers)}
	for i := range p.queues {
		q := make(chan store.Timer, buffer)
		p.queues[i] = q
		p.wg.Go(func() {
			for t := range q {
				if ctx.Err() == nil {
					// A timer not fired when ctx ends keeps its lease until it runs out, and is
					// then claimed again (as after a crash).
					s.fire(ctx, t)
				}
				done()
			}
		})
	}
	return p
}

func (p *pool) send(t store.Timer) {
	h := fnv.New32a()
	h.Write([]byte(t.CaseID))
	p.queues[h.Sum32()%uint32(len(p.queues))] <- t
}

func (p *pool) close() {
	for _, q := range p.queues {
		close(q)
	}
	p.wg.Wait()
}

// sleep waits until the next timer is due, a wake-up, or MaxIdle.
func (s *Scheduler) sleep(ctx context.Context) error {
	wait := s.cfg.MaxIdle
	// From here on every wake-up counts: a timer committed while the next due time is being
	// read may be missing from what is read, and its wake-up, buffered, ends the sleep. (With
	// next left at 0 it was dropped, and such a timer waited up to MaxIdle.)
	s.next.Store(math.MaxInt64)
	var at time.Time
	var ok bool
	err := s.cfg.Store.View(ctx, func(tx store.Tx) error {
		var err error
		at, ok, err = tx.NextTimerDue(ctx)
		return err
	})
	if err == nil && ok {
		if d := at.Sub(s.cfg.Now()); d < wait {
			wait = max(d, 0)
		}
	}
	s.next.Store(s.cfg.Now().Add(wait).UnixNano())
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	case <-s.wake:
	}
	s.next.Store(0)
	return nil
}

// RunOnce claims one batch of due timers and fires them; it returns how many it claimed.
func (s *Scheduler) RunOnce(ctx context.Context) (int, error) {
	timers, err := s.claim(ctx)
	if err != nil || len(timers) == 0 {
		return 0, err
	}
	p := s.workers(ctx, len(timers), func() {})
	for _, t := range timers {
		p.send(t)
	}
	p.close()
	return len(timers), nil
}

// claim leases one batch of due timers.
func (s *Scheduler) claim(ctx context.Context) ([]store.Timer, error) {
	var timers []store.Timer
	err := s.cfg.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		timers, err = tx.ClaimTimers(ctx, s.cfg.Owner, s.cfg.Lease, s.cfg.Batch)
		return err
	})
	if err != nil {
		return nil, err
	}
	return timers, nil
}

func (s *Scheduler) fire(ctx context.Context, t store.Timer) {
	fired, err := s.cfg.Firer.FireTimer(ctx, s.cfg.Owner, t)
	lag := s.cfg.Now().Sub(t.DueAt)
	switch {
	case err == nil && fired:
		s.cfg.Observer.TimerFired(string(t.Kind), "fired", lag)
	case err == nil:
		s.cfg.Observer.TimerFired(string(t.Kind), "cancelled", lag)
	case errors.Is(err, store.ErrConflict):
		// Another replica took it over after our lease ran out, or the case changed under
		// us; either way the timer is not ours to retry.
		s.cfg.Observer.TimerFired(string(t.Kind), "conflict", lag)
		s.cfg.Logger.Warn("scheduler: timer taken over", "timer", t.ID, "case", t.CaseID, "kind", t.Kind, "err", err)
	default:
		s.cfg.Observer.TimerFired(string(t.Kind), "error", lag)
		retry := s.cfg.Now().Add(Backoff(t.Attempts + 1))
		s.cfg.Logger.Error("scheduler: firing a timer failed", "timer", t.ID, "case", t.CaseID, "kind", t.Kind, "attempt", t.Attempts+1, "retry_at", retry, "err", err)
		if rerr := s.cfg.Store.Update(ctx, func(tx store.Tx) error {
			return tx.RetryTimer(ctx, t.ID, s.cfg.Owner, retry, err.Error())
		}); rerr != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("scheduler: recording a failed firing", "timer", t.ID, "err", rerr)
		}
	}
}

// Backoff is how long to wait before attempt n (1, 2, …) of a failed firing or delivery:
// 1 s, 2 s, 4 s, … up to an hour, with ±10% jitter so that replicas do not retry in step.
func Backoff(n int) time.Duration {
	d := time.Hour
	if n < 13 {
		d = min(time.Duration(1<<max(n-1, 0))*time.Second, time.Hour)
	}
	jitter := time.Duration(rand.Int64N(int64(d)/5+1)) - d/10
	return d + jitter
}
