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
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/clock"
)

// Options say how much to seed and when. With at least 100 orders over at least 45 days,
// the data has a case waiting in every state of the life cycle at the end (see pins.go).
type Options struct {
	Orders    int                   // default 5000
	Customers int                   // default 300
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
}

// minimumOrders is the smallest run for which Seed guarantees a case in every state: below
// it, there are too few orders to set aside one for each state.
const minimumOrders = 100

// Seed plays out opts.Days days of history up to opts.Now through a and returns what it
// created. It moves clk to each simulated moment and resets it before returning. The store
// must not hold demo data of the same day already (order numbers would collide).
func Seed(ctx context.Context, a *app.App, clk *clock.Clock, opts Options) (Summary, error) {
	defer clk.Reset()
	if opts.Now.IsZero() {
		opts.Now = clk.Now()
	}
	if opts.Orders == 0 {
		opts.Orders = 5000
	}
	if opts.Customers == 0 {
		opts.Customers = 300
	}
	if opts.Days == 0 {
		opts.Days = 90
	}
	if opts.Orders < 0 || opts.Customers < 0 || opts.Days < 0 {
		return Summary{}, errors.New("demo: orders, customers and days must not be negative")
	}
	s := newSim(ctx, a, clk, opts)
	s.plan()
	if err := s.setup(); err != nil {
		return Summary{}, fmt.Errorf("demo: set up: %w", err)
	}
	if err := s.run(); err != nil {
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
	cases  []*caseSim
	cast   cast

	q      eventQueue
	seq    int
	pushed int
	sum    Summary
}

func newSim(ctx context.Context, a *app.App, clk *clock.Clock, opts Options) *sim {
	loc := a.Engine().Calendar().Location()
	end := opts.Now.In(loc).Truncate(time.Second)
	return &sim{
		ctx: ctx, a: a, clk: clk, opts: opts, loc: loc, seed: uint64(opts.Seed), end: end,
		sum: Summary{
			ByState: map[aftersale.State]int{}, ByType: map[aftersale.Type]int{}, ByMerchant: map[string]int{},
			OrdersByMerchant: map[string]int{}, Refusals: map[string]int{},
		},
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
	s.pushed++
	if s.opts.Progress != nil {
		s.opts.Progress(s.pushed, len(s.orders))
	}
}

func (s *sim) summary() Summary {
	sum := s.sum
	sum.Merchants = len(shops)
	sum.Customers = len(s.people)
	sum.Orders = s.pushed
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
