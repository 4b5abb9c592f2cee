package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aftersales/aftersales/internal/app"
)

// carrierScans is what the carrier's system reports of a return parcel up to now (the
// moment the demo's carrier said "delivered"): picked up a few hours after the customer
// shipped it, scanned in transit, out for delivery, and delivered — or, now and then, held
// up at a wrong address or lost, which opens a task for the service desk and leaves the
// case to its deadline. The events go through POST /api/v1/shipments/events' command, so
// the delivery takes the case's delivery action as in production.
func (s *sim) carrierScans(c *caseSim, mv move) error {
	v, err := s.a.GetCase(s.ctx, mv.who, c.id)
	if err != nil {
		return fmt.Errorf("load case %s for its parcel: %w", c.id, err)
	}
	p := v.ReturnShipment
	if p == nil {
		return fmt.Errorf("case %s has no return parcel", c.id)
	}
	r, now := c.o.r, s.t
	shipped := p.At
	span := now.Sub(shipped)
	at := func(frac float64) time.Time { return shipped.Add(time.Duration(float64(span) * frac)) }
	cities := []string{"深圳转运中心", "杭州转运中心", "上海转运中心", "广州白云集散中心", "北京顺义集散中心"}
	city := cities[r.IntN(len(cities))]
	scan := func(n int, status string, t time.Time, where, detail string) app.ShipmentEventInput {
		return app.ShipmentEventInput{Carrier: p.Carrier, TrackingNo: p.TrackingNo, EventID: fmt.Sprintf("%s-%d", p.TrackingNo, n),
			Status: status, At: t, Location: where, Detail: detail}
	}
	events := []app.ShipmentEventInput{
		scan(1, "picked_up", at(0.1+0.1*r.Float64()), "揽收网点", "快递员已揽件 / picked up"),
		scan(2, "in_transit", at(0.45), city, "已到达 "+city),
	}
	switch roll := r.IntN(100); {
	case roll < 2:
		events = append(events, scan(3, "lost", at(0.9), city, "包裹遗失,已登记理赔 / parcel lost"))
	case roll < 4:
		ev := scan(3, "exception", at(0.9), "派送站", "收件地址不详,无法派送 / address unknown")
		ev.Reason = "wrong_address"
		events = append(events, ev)
	default:
		events = append(events,
			scan(3, "out_for_delivery", at(0.85), "派送站", "派送中 / out for delivery"),
			scan(4, "delivered", now, "商家仓库", "已签收 / delivered"))
	}
	// The carrier's feed sometimes repeats itself and arrives out of order.
	rand.New(rand.NewPCG(uint64(r.Int64()), 7)).Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
	if r.IntN(10) == 0 {
		events = append(events, events[0])
	}
	if _, err := s.a.RecordShipmentEvents(s.ctx, mv.who, events, nil); err != nil {
		return fmt.Errorf("carrier events of case %s: %w", c.id, err)
	}
	s.sum.CarrierEvents += len(events)
	v, err = s.a.GetCase(s.ctx, mv.who, c.id)
	if err != nil {
		return err
	}
	return s.after(c, v)
}

// outboundScans is the carrier's word on a parcel the merchant sent the customer: picked up
// and in transit after it was shipped; delivered (delivered true) just before the customer
// confirms — which moves the case (outbound_delivered), so the confirmation then goes at
// the version it leaves.
func (s *sim) outboundScans(c *caseSim, delivered bool) error {
	v, err := s.a.GetCase(s.ctx, s.cast.carrier, c.id)
	if err != nil {
		return fmt.Errorf("load case %s for its parcel: %w", c.id, err)
	}
	p := v.OutboundShipment
	if p == nil || p.DeliveredAt != nil {
		return nil
	}
	r := c.o.r
	scan := func(n int, status string, t time.Time, where, detail string) app.ShipmentEventInput {
		return app.ShipmentEventInput{Carrier: p.Carrier, TrackingNo: p.TrackingNo, EventID: fmt.Sprintf("%s-%d", p.TrackingNo, n),
			Status: status, At: t, Location: where, Detail: detail}
	}
	var events []app.ShipmentEventInput
	if delivered {
		events = []app.ShipmentEventInput{scan(9, "delivered", s.t.Add(-time.Duration(1+r.IntN(5))*time.Hour), "买家收货地址", "已签收 / delivered")}
	} else {
		events = []app.ShipmentEventInput{
			scan(1, "picked_up", p.At.Add(time.Duration(1+r.IntN(3))*time.Hour), "商家仓库", "已揽收 / picked up"),
			scan(2, "in_transit", p.At.Add(time.Duration(6+r.IntN(10))*time.Hour), "转运中心", "运输中 / in transit"),
		}
	}
	if _, err := s.a.RecordShipmentEvents(s.ctx, s.cast.carrier, events, nil); err != nil {
		return fmt.Errorf("carrier events of case %s: %w", c.id, err)
	}
	s.sum.CarrierEvents += len(events)
	if delivered {
		v, err := s.a.GetCase(s.ctx, s.cast.carrier, c.id)
		if err != nil {
			return err
		}
		c.version = v.Version
	}
	return nil
}
