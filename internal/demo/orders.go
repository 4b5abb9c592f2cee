package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/policy"
)

// orderSim is an order as the demo plays it out: when each of its moments is due and
// what the shop system has pushed so far.
type orderSim struct {
	no        string
	idx       int // creation order, for a stable sort
	shop      *shop
	shopIndex int
	cust      *person
	r         *rand.Rand // the order's and its case's own random stream
	in        app.OrderInput

	paid, ship, deliver, complete time.Time
	lost                          bool // the parcel never arrives
	plan                          *plan

	pushed, shipped bool
	halted          bool // a refund before shipment stopped the goods from leaving
	shipSkipped     bool // the shipment came due while halted
}

// plan is an after-sales application a customer will make.
type plan struct {
	want    *want
	at      time.Time
	items   []policy.RequestItem
	amount  int64
	desc    string
	method  string
	channel string
	forgot  bool // a quality claim sent without the photos the policy asks for
	pin     *pin
	photos  []string
}

// plan lays out the whole run: customers, orders with their moments, and the applications
// that will be made on them. It only draws random numbers; nothing is written yet.
func (s *sim) plan() {
	r := s.rng(0)
	s.people = people(s.rng(1), s.opts.Customers)
	days := s.opts.Days
	today := midnight(s.end)
	first := today.AddDate(0, 0, -(days - 1))
	s.start = first.Add(-15 * time.Hour) // 09:00 the day before
	peaks := promotionPeaks(first, today)

	var pins []pin
	if s.opts.Orders >= minimumOrders {
		pins = s.pins(first)
	}
	weights := make([]float64, days)
	for d := range weights {
		date := first.AddDate(0, 0, d)
		weights[d] = dayWeight(date, peaks) * (0.85 + 0.3*r.Float64()) // weather, news, paydays
		if d == days-1 {
			weights[d] *= dayElapsed(s.end)
		}
	}
	s.risk = s.newRiskStory()
	counts := apportion(s.opts.Orders-len(pins)-s.risk.size(), weights)
	for d, n := range counts {
		date := first.AddDate(0, 0, d)
		promo := promoted(date, peaks)
		peak := slices.ContainsFunc(peaks, func(p time.Time) bool { return p.Equal(date) })
		for range n {
			paid := s.timeOfDay(r, date, peak)
			s.orders = append(s.orders, s.newOrder(len(s.orders), paid, promo))
		}
	}
	for i := range pins {
		s.orders = append(s.orders, s.pinnedOrder(len(s.orders), &pins[i]))
	}
	slices.SortStableFunc(s.orders, func(a, b *orderSim) int { return a.paid.Compare(b.paid) })
	for i, o := range s.orders {
		o.no = fmt.Sprintf("DD%s%06d", o.paid.Format("20060102"), i+1)
	}
	s.planRisk(today)
	s.total = len(s.orders) + s.risk.size()
}

// newOrder invents an order paid at paid.
func (s *sim) newOrder(idx int, paid time.Time, promo bool) *orderSim {
	r := s.rng(1<<20 + uint64(idx))
	shares := make([]int, len(shops))
	for i, sh := range shops {
		shares[i] = sh.Share
	}
	si := pickWeighted(r, shares)
	sh := shops[si]
	o := &orderSim{idx: idx, shop: sh, shopIndex: si, r: r, paid: paid}
	o.cust = &s.people[int(float64(len(s.people))*math.Pow(r.Float64(), 1.7))]

	n := 1 + pickWeighted(r, []int{62, 27, 11})
	var items []app.OrderItemInput
	gift := false
	for _, j := range r.Perm(len(sh.SKUs))[:n] {
		sk := &sh.SKUs[j]
		qty := 1
		switch {
		case sk.Multi:
			qty = 1 + pickWeighted(r, []int{50, 35, 15})
		case r.IntN(100) < 7:
			qty = 2
		}
		items = append(items, item(sk, qty))
		gift = gift || sk.GiftWith && r.IntN(100) < 70
	}
	if gift && sh.Gift != nil {
		items = append(items, item(sh.Gift, 1))
	}
	var list int64
	for _, it := range items {
		list += it.UnitPrice * int64(it.Quantity)
	}
	var discount int64
	switch {
	case promo && r.IntN(100) < 70:
		discount = list / 30000 * 5000 // 满300减50
		if discount == 0 && list >= 9900 {
			discount = 1000
		}
	case r.IntN(100) < 22:
		coupon := []int64{500, 1000, 2000, 3000}[r.IntN(4)]
		if list >= coupon*10 {
			discount = coupon
		}
	}
	s.fillOrder(o, items, discount, r.IntN(100) < sh.COD, r.IntN(100) < sh.Insured)

	o.ship = within(r, paid.Add(between(r, hours(float64(sh.ShipHrs[0])), hours(float64(sh.ShipHrs[1])))), 8, 20)
	o.deliver = within(r, o.ship.Add(between(r, hours(float64(sh.TransHrs[0])), hours(float64(sh.TransHrs[1])))), 8, 21)
	if r.IntN(100) < 60 {
		o.complete = o.deliver.Add(days(10)) // the platform confirms receipt for the customer
	} else {
		o.complete = within(r, o.deliver.Add(between(r, hours(12), days(6))), 8, 23)
	}
	if r.IntN(100) < sh.CaseRate {
		for range 4 {
			w := &sh.Wants[pickWeighted(r, wantWeights(sh))]
			if o.plan = s.newPlan(o, w, r); o.plan != nil {
				break
			}
		}
	}
	return o
}

func wantWeights(sh *shop) []int {
	ws := make([]int, len(sh.Wants))
	for i := range sh.Wants {
		ws[i] = sh.Wants[i].W
	}
	return ws
}

func item(sk *sku, qty int) app.OrderItemInput {
	return app.OrderItemInput{SKU: sk.Code, Title: sk.Title, Category: sk.Category, Quantity: qty,
		UnitPrice: sk.Price, Tags: sk.Tags}
}

// fillOrder completes the order as the shop system sends it: the discount spread over the
// lines, the shipping fee, payment and freight insurance.
func (s *sim) fillOrder(o *orderSim, items []app.OrderItemInput, discount int64, cod, insured bool) {
	lines := make([]money.Line, len(items))
	for i, it := range items {
		lines[i] = money.Line{ListAmount: money.Yuan(it.UnitPrice * int64(it.Quantity))}
	}
	paid, err := money.AllocateDiscount(lines, money.Yuan(discount))
	if err != nil { // a discount above the total: sell at list price
		paid, _ = money.AllocateDiscount(lines, money.Yuan(0))
	}
	var goods int64
	for i := range items {
		items[i].PaidAmount = paid[i].Minor
		goods += paid[i].Minor
	}
	var fee int64
	if o.shop.FreeOver > 0 && goods < o.shop.FreeOver {
		fee = o.shop.Postage
	}
	method := order.Online
	if cod {
		method = order.CashOnDelivery
	}
	o.in = app.OrderInput{
		Merchant: o.shop.Code, Customer: o.cust.ID, PaymentMethod: string(method),
		ShippingFee: fee, FreightInsurance: insured, Items: items,
	}
}

// newPlan decides what the customer applies for with want w, or nil when no line of the
// order suits it.
func (s *sim) newPlan(o *orderSim, w *want, r *rand.Rand) *plan {
	var lines []int
	for i, it := range o.in.Items {
		sk := o.shop.sku(it.SKU)
		if sk != nil && (w.Item == nil || w.Item(sk)) {
			lines = append(lines, i)
		}
	}
	if len(lines) == 0 {
		return nil
	}
	p := &plan{want: w}
	switch w.When {
	case beforeShipping:
		// Cancelling the order: every line, gifts included, so the shipping fee comes back too.
		for _, it := range o.in.Items {
			p.items = append(p.items, policy.RequestItem{SKU: it.SKU, Quantity: it.Quantity})
		}
		p.at = o.paid.Add(between(r, 10*time.Minute, max(20*time.Minute, o.ship.Sub(o.paid)*8/10)))
	default:
		r.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
		n := 1
		if len(lines) > 1 && r.IntN(100) < 25 {
			n = 2
		}
		for _, i := range lines[:n] {
			it := o.in.Items[i]
			qty := it.Quantity
			if qty > 1 && r.IntN(100) < 50 {
				qty = 1
			}
			p.items = append(p.items, policy.RequestItem{SKU: it.SKU, Quantity: qty})
		}
		from := o.deliver
		if w.When == parcelLost {
			o.lost = true
			o.deliver, o.complete = time.Time{}, time.Time{}
			from = o.ship
		}
		p.at = within(r, from.Add(between(r, days(w.Lo), days(w.Hi))), 8, 23)
	}
	s.fillPlan(o, p, r)
	return p
}

// fillPlan draws what is said in the application.
func (s *sim) fillPlan(o *orderSim, p *plan, r *rand.Rand) {
	w := p.want
	p.desc = pickString(r, w.Desc)
	p.forgot = w.Evidence && p.pin == nil && r.IntN(100) < 6
	if w.Ask[1] > 0 {
		paid := o.itemsPaid(p.items)
		p.amount = max(100, paid*int64(w.Ask[0]+r.IntN(w.Ask[1]-w.Ask[0]+1))/100/100*100)
	}
	switch {
	case o.in.PaymentMethod == string(order.CashOnDelivery) && r.IntN(100) < 60:
		p.method = "bank_card"
	case o.in.PaymentMethod == string(order.CashOnDelivery) || r.IntN(100) < 12:
		p.method = "balance"
	default:
		p.method = "original"
	}
	p.channel = "web"
	if r.IntN(100) < 30 {
		p.channel = "api" // the mobile app
	}
}

// itemsPaid is what was paid for the units asked for, discounts prorated.
func (o *orderSim) itemsPaid(items []policy.RequestItem) int64 {
	var total int64
	for _, ri := range items {
		for _, it := range o.in.Items {
			if it.SKU == ri.SKU {
				a, err := money.UnitsRange(money.Yuan(it.PaidAmount), int64(it.Quantity), 0, int64(ri.Quantity))
				if err == nil {
					total += a.Minor
				}
			}
		}
	}
	return total
}

func (sh *shop) sku(code string) *sku {
	for i := range sh.SKUs {
		if sh.SKUs[i].Code == code {
			return &sh.SKUs[i]
		}
	}
	return nil
}

// The order's moments, as the shop system pushes them.

func (s *sim) upsert(o *orderSim) error {
	if _, err := s.a.UpsertOrder(s.ctx, s.cast.shopSystem, o.in, nil); err != nil {
		return fmt.Errorf("push order %s: %w", o.no, err)
	}
	return nil
}

func (s *sim) pushPaid(o *orderSim) error {
	o.in.OrderNo = o.no
	o.in.PaidAt = s.t
	if err := s.upsert(o); err != nil {
		return err
	}
	o.pushed = true
	s.progress()
	s.at(o.ship, func() error { return s.pushShipped(o) })
	if o.plan != nil {
		s.schedule(o, o.plan)
	}
	return nil
}

func (s *sim) pushShipped(o *orderSim) error {
	if o.halted {
		o.shipSkipped = true
		return nil
	}
	t := s.t
	o.in.ShippedAt = &t
	if err := s.upsert(o); err != nil {
		return err
	}
	o.shipped = true
	if !o.lost {
		s.at(o.deliver, func() error { return s.pushDelivered(o) })
	}
	return nil
}

func (s *sim) pushDelivered(o *orderSim) error {
	t := s.t
	o.in.DeliveredAt = &t
	if err := s.upsert(o); err != nil {
		return err
	}
	s.at(o.complete, func() error { return s.pushCompleted(o) })
	return nil
}

func (s *sim) pushCompleted(o *orderSim) error {
	t := s.t
	o.in.CompletedAt = &t
	return s.upsert(o)
}

// resume ships an order whose refund before shipment ended without a refund.
func (s *sim) resume(o *orderSim) {
	o.halted = false
	if !o.shipSkipped {
		return
	}
	o.shipSkipped = false
	shift := within(o.r, s.t.Add(between(o.r, hours(2), hours(12))), 8, 20).Sub(o.ship)
	o.ship, o.deliver, o.complete = o.ship.Add(shift), o.deliver.Add(shift), o.complete.Add(shift)
	s.at(o.ship, func() error { return s.pushShipped(o) })
}
