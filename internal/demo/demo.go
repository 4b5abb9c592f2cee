// Package demo fills a store with realistic demo data (SPEC §1: "a generator creates
// realistic demo orders"): Chinese shops and customers, orders over the last months with
// weekends and a 大促 spike, and after-sales cases in every state of the life cycle.
//
// Nothing is written behind the application's back. Seed plays history out in time order
// on a settable clock, and every actor goes through the application layer the way it would
// in production: the shop system pushes orders as an integration, customers apply and answer
// as themselves, merchant staff and supervisors act with their own tokens, the carrier's
// events and the timeouts come from integrations. So the policy decides every application
// (some are refused, as in life), deadlines fire when nobody acts, and every case has an
// honest history.
package demo

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/clock"
)

// Options say how much to seed and when. With at least 100 orders over at least 45 days,
// the data has a case waiting in every state of the life cycle at the end (see pins.go).
type Options struct {
	Orders    int                   // default 5000
	Customers int                   // default 300, and as many orders per customer in larger runs
	Days      int                   // default 90: orders spread over the last Days days
	Seed      int64                 // random seed; same seed → same data
	Now       time.Time             // "today" (default clock's real time at start)
	Progress  func(done, total int) // optional: orders pushed so far, of all
}

// Summary counts what Seed created: the first five fields are what the store holds
// afterwards (every case of the store is a demo case), the rest describe the mix.
type Summary struct {
	Merchants, Customers, Orders, Cases int
	ByState                             map[aftersale.State]int

	ByType           map[aftersale.Type]int
	ByMerchant       map[string]int // cases per merchant code
	OrdersByMerchant map[string]int
	CashOnDelivery   int            // orders paid cash on delivery (货到付款)
	FreightInsured   int            // orders with freight insurance (运费险)
	Discounted       int            // orders with an order-level discount spread over their lines
	Applications     int            // applications made, refused ones included
	Refused          int            // applications the policy refused
	Refusals         map[string]int // refused applications by the first refusing rule
	Timeouts         int            // actions the platform took because a deadline passed
	Disputes         int            // disputes the platform worked to their end
	Complaints       int            // complaints customers filed
	CarrierEvents    int            // carrier events reported (duplicates and out of order included)
	Risk             RiskSummary    // what the run shows of risk, early warning, smart service and plans (risk.go)
}

// minimumOrders is the smallest run for which Seed guarantees a case in every state: below
// it, there are too few orders to set aside one for each state.
const minimumOrders = 100

// defaultOrders and defaultCustomers are the default run; a larger run keeps its number of
// orders per customer (a customer with thousands of orders would be no customer).
const (
	defaultOrders    = 5000
	defaultCustomers = 300
)

// Seed plays out opts.Days days of history up to opts.Now through a and returns what it
// created. It moves clk to each simulated moment and resets it before returning. The store
// must not hold demo data of the same day already (order numbers would collide).
func Seed(ctx context.Context, a *app.App, clk *clock.Clock, opts Options) (Summary, error) {
	return SeedParallel(ctx, []Worker{{App: a, Clock: clk}}, opts)
}

// Worker is an application on the store being seeded with a clock of its own (its store's
// transactions read that clock too).
type Worker struct {
	App   *app.App
	Clock *clock.Clock
}

// SeedParallel is Seed played out by several workers at once, for large runs on a store
// that takes concurrent writers (PostgreSQL). The plan is Seed's; the first worker sets up
// the shops, customers and tokens, then the orders are dealt out to the workers in turn and
// each plays its own out in time order on its own clock. Orders never meet — each has its
// own random stream, its own customer's applications and its own cases — so every order
// and case comes out as Seed would make it; only the sequence in the RMA numbers, given
// out as cases are opened, interleaves differently.
func SeedParallel(ctx context.Context, workers []Worker, opts Options) (Summary, error) {
	if len(workers) == 0 {
		return Summary{}, errors.New("demo: no worker to seed with")
	}
	for _, w := range workers {
		defer w.Clock.Reset()
	}
	if opts.Now.IsZero() {
		opts.Now = workers[0].Clock.Now()
	}
	if opts.Orders == 0 {
		opts.Orders = defaultOrders
	}
	if opts.Customers == 0 {
		opts.Customers = max(defaultCustomers, opts.Orders*defaultCustomers/defaultOrders)
	}
	if opts.Days == 0 {
		opts.Days = 90
	}
	if opts.Orders < 0 || opts.Customers < 0 || opts.Days < 0 {
		return Summary{}, errors.New("demo: orders, customers and days must not be negative")
	}
	s := newSim(ctx, workers[0].App, workers[0].Clock, opts)
	s.plan()
	if err := s.setup(); err != nil {
		return Summary{}, fmt.Errorf("demo: set up: %w", err)
	}
	for _, w := range workers[1:] {
		// The custom shop's policy layer was installed through the first worker's engine.
		if err := w.App.LoadPolicies(ctx); err != nil {
			return Summary{}, fmt.Errorf("demo: load policies: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	parts := s.deal(ctx, workers)
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Go(func() {
			if err := p.run(); err != nil {
				errs[i] = fmt.Errorf("demo at %s: %w", p.t.In(p.loc).Format(time.DateTime), err)
				cancel()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return Summary{}, err
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Summary{}, err
	}
	for _, p := range parts {
		s.gather(p)
	}
	if err := s.playRisk(); err != nil {
		return Summary{}, fmt.Errorf("demo at %s: %w", s.t.In(s.loc).Format(time.DateTime), err)
	}
	return s.summary(), nil
}

// sim is one run: the plan, the cast, the clock and the queue of what happens next.
type sim struct {
	ctx  context.Context
	a    *app.App
	clk  *clock.Clock
	opts Options
	loc  *time.Location
	seed uint64

	end   time.Time // "now": nothing happens after it
	start time.Time // the shops, customers and tokens exist from here
	t     time.Time // the simulated present

	people []person
	orders []*orderSim
	total  int        // orders of the whole run
	risk   *riskStory // played after the orders (risk.go); nil when the run is too small
	cases  []*caseSim
	cast   cast

	q      eventQueue
	seq    int
	pushed *progress
	sum    Summary
}

// progress counts the orders pushed by all the workers of a run.
type progress struct {
	mu   sync.Mutex
	done int
}

func newSim(ctx context.Context, a *app.App, clk *clock.Clock, opts Options) *sim {
	loc := a.Engine().Calendar().Location()
	end := opts.Now.In(loc).Truncate(time.Second)
	return &sim{
		ctx: ctx, a: a, clk: clk, opts: opts, loc: loc, seed: uint64(opts.Seed), end: end, pushed: &progress{},
		sum: Summary{
			ByState: map[aftersale.State]int{}, ByType: map[aftersale.Type]int{}, ByMerchant: map[string]int{},
			OrdersByMerchant: map[string]int{}, Refusals: map[string]int{},
		},
	}
}

// deal gives the planned orders to the workers in turn: one sim each, sharing the plan,
// the cast and the progress, with a queue, a clock and a tally of its own.
func (s *sim) deal(ctx context.Context, workers []Worker) []*sim {
	parts := make([]*sim, len(workers))
	for i, w := range workers {
		p := newSim(ctx, w.App, w.Clock, s.opts)
		p.start, p.t, p.people, p.cast, p.pushed, p.total = s.start, s.t, s.people, s.cast, s.pushed, s.total
		parts[i] = p
	}
	for i, o := range s.orders {
		p := parts[i%len(parts)]
		p.at(o.paid, func() error { return p.pushPaid(o) })
	}
	return parts
}

// gather adds what a worker did to the run's tally.
func (s *sim) gather(p *sim) {
	s.cases = append(s.cases, p.cases...)
	s.sum.Applications += p.sum.Applications
	s.sum.Refused += p.sum.Refused
	s.sum.Timeouts += p.sum.Timeouts
	s.sum.Disputes += p.sum.Disputes
	s.sum.CarrierEvents += p.sum.CarrierEvents
	s.sum.Complaints += p.sum.Complaints
	for rule, n := range p.sum.Refusals {
		s.sum.Refusals[rule] += n
	}
}

// rng returns the random stream number stream of this run; every order and case draws
// from its own, so that what one does never shifts what another does.
func (s *sim) rng(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(s.seed, stream))
}

// event is something that happens at a moment.
type event struct {
	at  time.Time
	seq int // ties run in the order they were scheduled
	run func() error
}

type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// at schedules fn at t (never before the present); what would happen after the end of the
// run does not happen.
func (s *sim) at(t time.Time, fn func() error) {
	if t.Before(s.t) {
		t = s.t
	}
	if t.After(s.end) {
		return
	}
	s.seq++
	heap.Push(&s.q, &event{at: t.Truncate(time.Second), seq: s.seq, run: fn})
}

// run plays the queue out in time order.
func (s *sim) run() error {
	for i := 0; s.q.Len() > 0; i++ {
		if i%256 == 0 {
			if err := s.ctx.Err(); err != nil {
				return err
			}
		}
		e := heap.Pop(&s.q).(*event)
		s.t = e.at
		s.clk.Set(e.at)
		if err := e.run(); err != nil {
			return err
		}
	}
	return nil
}

func (s *sim) progress() {
	s.pushed.mu.Lock()
	defer s.pushed.mu.Unlock()
	s.pushed.done++
	if s.opts.Progress != nil {
		s.opts.Progress(s.pushed.done, s.total)
	}
}

func (s *sim) summary() Summary {
	sum := s.sum
	sum.Merchants = len(shops)
	sum.Customers = len(s.people)
	sum.Orders = s.pushed.done
	for _, o := range s.orders {
		if !o.pushed {
			continue
		}
		sum.OrdersByMerchant[o.shop.Code]++
		if o.in.PaymentMethod == "cod" {
			sum.CashOnDelivery++
		}
		if o.in.FreightInsurance {
			sum.FreightInsured++
		}
		for _, it := range o.in.Items {
			if it.PaidAmount < it.UnitPrice*int64(it.Quantity) {
				sum.Discounted++
				break
			}
		}
	}
	for _, c := range s.cases {
		sum.Cases++
		sum.ByState[c.state]++
		sum.ByType[c.typ]++
		sum.ByMerchant[c.o.shop.Code]++
	}
	return sum
}
