package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/logistics"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/task"
	"github.com/aftersales/aftersales/internal/text"
	"github.com/google/uuid"
)

// MaxShipmentEvents is the most carrier events one request may carry.
const MaxShipmentEvents = 500

// ShipmentEventInput is one carrier event as a carrier's system sends it.
type ShipmentEventInput struct {
	Carrier    string    `json:"carrier"`
	TrackingNo string    `json:"tracking_no"`
	EventID    string    `json:"event_id"`
	Status     string    `json:"status"`
	At         time.Time `json:"at"`
	Location   string    `json:"location,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	Reason     string    `json:"reason,omitempty"`
}

// ShipmentEventResult is what became of one event.
type ShipmentEventResult struct {
	Carrier    string `json:"carrier"`
	TrackingNo string `json:"tracking_no"`
	EventID    string `json:"event_id"`
	// Duplicate: the event was received before (same carrier and event id); nothing changed.
	Duplicate bool `json:"duplicate"`
	// Matched: the tracking number belongs to a case; otherwise the event is kept until a
	// case ships that parcel.
	Matched bool   `json:"matched"`
	Status  string `json:"status"` // the shipment's status after the event
}

// ShipmentEventsReply answers a batch of carrier events.
type ShipmentEventsReply struct {
	Events []ShipmentEventResult `json:"events"`
}

// RecordShipmentEvents takes carrier events: each is stored once (a repeated carrier and
// event id is reported as a duplicate and changes nothing), placed in its shipment's
// timeline by the carrier's time, and the shipment's case follows in the same transaction
// — a delivered return starts the merchant's inspection clock, a delivered outbound parcel
// the customer's confirmation clock, and an exception rule opens a task. An invalid event
// refuses the whole batch, naming it (events[i].field). Carriers and the shop system
// (integration tokens) and admins send events; an integration bound to a merchant only for
// that merchant's parcels.
func (a *App) RecordShipmentEvents(ctx context.Context, p Principal, in []ShipmentEventInput, idem *Idempotency) (Reply[ShipmentEventsReply], error) {
	if p.Role != RoleIntegration && p.Role != RoleAdmin {
		return Reply[ShipmentEventsReply]{}, errForbidden("只有承运商或店铺系统的接口令牌可以上报物流事件", "only carrier or shop-system integration tokens may report carrier events")
	}
	if len(in) == 0 || len(in) > MaxShipmentEvents {
		return Reply[ShipmentEventsReply]{}, errInvalid("events", fmt.Sprintf("每次上报 1–%d 个事件", MaxShipmentEvents), fmt.Sprintf("send 1–%d events", MaxShipmentEvents))
	}
	evs := make([]logistics.Event, len(in))
	for i, x := range in {
		ev, err := logistics.Check(logistics.Event{Carrier: x.Carrier, TrackingNo: x.TrackingNo, EventID: x.EventID,
			Status: logistics.Status(x.Status), At: x.At, Location: text.Clean(x.Location), Detail: text.Clean(x.Detail), Reason: x.Reason})
		if err != nil {
			var fe *logistics.FieldError
			if errors.As(err, &fe) {
				field := fe.Field
				if len(in) > 1 {
					field = fmt.Sprintf("events[%d].%s", i, fe.Field)
				}
				return Reply[ShipmentEventsReply]{}, errInvalid(field, fe.Message.ZH, fe.Message.EN)
			}
			return Reply[ShipmentEventsReply]{}, err
		}
		evs[i] = ev
	}
	return write(ctx, a, p, idem, auditTarget{"shipment.events", "shipment", evs[0].Carrier + "/" + evs[0].TrackingNo}, func(tx *txn) (*ShipmentEventsReply, int, error) {
		out := &ShipmentEventsReply{Events: make([]ShipmentEventResult, len(evs))}
		touched := map[[2]string]bool{}
		var order [][2]string
		for i, ev := range evs {
			key := [2]string{ev.Carrier, ev.TrackingNo}
			s, err := tx.Shipment(ctx, ev.Carrier, ev.TrackingNo)
			switch {
			case errors.Is(err, store.ErrNotFound):
				if p.Merchant != "" {
					return nil, 0, errNotFound(fmt.Sprintf("shipment %s %s", ev.Carrier, ev.TrackingNo))
				}
				s = logistics.Shipment{Carrier: ev.Carrier, TrackingNo: ev.TrackingNo, Status: logistics.Created, Version: 1, CreatedAt: tx.Now(), UpdatedAt: tx.Now()}
				if err := tx.InsertShipment(ctx, &s, time.Time{}); err != nil {
					return nil, 0, err
				}
			case err != nil:
				return nil, 0, err
			case p.Merchant != "" && s.Merchant != p.Merchant:
				return nil, 0, errNotFound(fmt.Sprintf("shipment %s %s", ev.Carrier, ev.TrackingNo))
			}
			ev.ReceivedAt = tx.Now()
			err = tx.AddShipmentEvent(ctx, ev)
			dup := errors.Is(err, store.ErrConflict)
			if err != nil && !dup {
				return nil, 0, err
			}
			out.Events[i] = ShipmentEventResult{Carrier: ev.Carrier, TrackingNo: ev.TrackingNo, EventID: ev.EventID, Duplicate: dup, Matched: s.Matched()}
			if !dup && !touched[key] {
				touched[key] = true
				order = append(order, key)
			}
		}
		status := map[[2]string]logistics.Status{}
		for _, key := range order {
			s, err := a.syncShipment(ctx, tx, key[0], key[1])
			if err != nil {
				return nil, 0, err
			}
			status[key] = s.Status
		}
		for i := range out.Events {
			r := &out.Events[i]
			st, ok := status[[2]string{r.Carrier, r.TrackingNo}]
			if !ok {
				s, err := tx.Shipment(ctx, r.Carrier, r.TrackingNo)
				if err != nil {
					return nil, 0, err
				}
				st = s.Status
			}
			r.Status = string(st)
		}
		if err := tx.audit(ctx, "shipment.events", "shipment", evs[0].Carrier+"/"+evs[0].TrackingNo, map[string]any{"events": len(evs), "shipments": len(order)}); err != nil {
			return nil, 0, err
		}
		return out, 200, nil
	})
}

// syncShipment folds a shipment's timeline again and makes its case follow: the case's
// delivery action, the exception rules' tasks and notifications, the next stale check.
// It is what every change to a shipment ends with, in the changing transaction.
func (a *App) syncShipment(ctx context.Context, tx *txn, carrier, trackingNo string) (logistics.Shipment, error) {
	s, err := tx.Shipment(ctx, carrier, trackingNo)
	if err != nil {
		return s, err
	}
	events, err := tx.ShipmentEvents(ctx, carrier, trackingNo)
	if err != nil {
		return s, err
	}
	s.Apply(events)
	terms := logistics.DefaultTerms
	if s.Matched() {
		rec, err := tx.Case(ctx, s.CaseID)
		if err != nil {
			return s, err
		}
		c := rec.Case
		pol, err := a.engine.ResolveVersion(c.PolicyVersion)
		if err != nil {
			return s, err
		}
		terms = pol.LogisticsTerms()
		if err := a.caseFollowsShipment(ctx, tx, &c, &s); err != nil {
			return s, err
		}
		if !waitsFor(&c, &s) {
			// The case has moved past the parcel (the merchant confirmed receipt, the case
			// ended): its silence is nobody's problem.
			terms.Enabled = slices.DeleteFunc(terms.Enabled, func(r logistics.Rule) bool { return r == logistics.Stale })
		}
		for _, r := range logistics.Due(&s, events, terms, tx.Now()) {
			if err := a.fireException(ctx, tx, &c, &s, r, events); err != nil {
				return s, err
			}
			s.Fired = append(s.Fired, r)
		}
	}
	s.Version++
	s.UpdatedAt = tx.Now()
	return s, tx.UpdateShipment(ctx, &s, logistics.NextCheck(&s, terms))
}

// caseFollowsShipment takes the case's action for a delivery the carrier reported, once.
func (a *App) caseFollowsShipment(ctx context.Context, tx *txn, c *aftersale.Case, s *logistics.Shipment) error {
	if s.Status != logistics.Delivered || !s.Applied.IsZero() {
		return nil
	}
	var action aftersale.Action
	switch {
	case s.Direction == logistics.Return && c.State == aftersale.Returning && sameParcel(c.ReturnShipment, s):
		action = aftersale.Deliver
	case s.Direction == logistics.Outbound && c.State == aftersale.Resolved && sameParcel(c.OutboundShipment, s):
		action = aftersale.OutboundDelivered
	default:
		return nil
	}
	pol, err := a.engine.ResolveVersion(c.PolicyVersion)
	if err != nil {
		return err
	}
	if !slices.Contains(aftersale.Allowed(c, aftersale.System, pol), action) {
		return nil
	}
	res, err := aftersale.Transition(*c, aftersale.Command{Action: action, Actor: aftersale.Actor{Role: aftersale.System, ID: "carrier:" + s.Carrier},
		Carrier: s.Carrier, TrackingNo: s.TrackingNo}, tx.Now(), pol)
	if err != nil {
		return err
	}
	if err := a.persist(ctx, tx, c, &res, nil); err != nil {
		return err
	}
	*c = res.Case
	s.Applied = s.DeliveredAt
	return nil
}

// waitsFor reports whether case c still waits for parcel s: a return parcel while the case
// is returning (not after the merchant confirmed it, or the platform refunded on its
// silence), an outbound one while the case is resolved and the parcel not delivered.
func waitsFor(c *aftersale.Case, s *logistics.Shipment) bool {
	if s.Direction == logistics.Return {
		return c.State == aftersale.Returning && c.ReceivedAt.IsZero()
	}
	return c.State == aftersale.Resolved && c.OutboundShipment != nil && c.OutboundShipment.DeliveredAt.IsZero()
}

func sameParcel(x *aftersale.Shipment, s *logistics.Shipment) bool {
	return x != nil && logistics.NormCarrier(x.Carrier) == s.Carrier && logistics.NormTracking(x.TrackingNo) == s.TrackingNo
}

// fireException opens the task of an exception rule (once: the task's key is the
// shipment and the rule) and tells the service desk and, for the customer's own parcel,
// the customer, who is offered a reship or a refund on the case page.
func (a *App) fireException(ctx context.Context, tx *txn, c *aftersale.Case, s *logistics.Shipment, r logistics.Rule, events []logistics.Event) error {
	detail := ""
	if n := len(events); n > 0 {
		last := events[n-1]
		detail = fmt.Sprintf("%s %s %s", last.At.Format(time.RFC3339), last.Status, last.Detail)
	}
	t := task.Task{
		ID: uuid.NewString(), Kind: task.ShipmentException, Rule: string(r),
		Key:   fmt.Sprintf("shipment/%s/%s/%s", s.Carrier, s.TrackingNo, r),
		State: task.Open, CaseID: c.ID, CaseNumber: c.Number, Merchant: c.MerchantID, Customer: c.CustomerID,
		Carrier: s.Carrier, TrackingNo: s.TrackingNo,
		Title:  Text{ZH: fmt.Sprintf("%s:%s %s", r.Label().ZH, s.Carrier, s.TrackingNo), EN: fmt.Sprintf("%s: %s %s", r.Label().EN, s.Carrier, s.TrackingNo)},
		Detail: text.Clean(detail), DueAt: tx.Now().Add(24 * time.Hour), Version: 1, CreatedAt: tx.Now(), UpdatedAt: tx.Now(),
	}
	err := tx.InsertTask(ctx, &t)
	if errors.Is(err, store.ErrConflict) {
		return nil // fired before (the shipment's record of it was lost to a race)
	} else if err != nil {
		return err
	}
	to := []string{string(aftersale.Agent)}
	if s.Direction == logistics.Outbound {
		to = append(to, string(aftersale.Customer))
	} else {
		to = append(to, string(aftersale.Merchant))
	}
	b, _ := json.Marshal(map[string]any{
		"case_id": c.ID, "number": c.Number, "merchant": c.MerchantID, "customer": c.CustomerID,
		"to": to, "state": c.State, "task_id": t.ID, "rule": r, "rule_zh": r.Label().ZH, "rule_en": r.Label().EN,
		"carrier": s.Carrier, "tracking_no": s.TrackingNo, "direction": s.Direction,
	})
	if err := tx.Enqueue(ctx, store.OutboxMessage{Topic: "notify.shipment.exception", Key: c.ID, Payload: b}); err != nil {
		return err
	}
	return tx.audit(ctx, "shipment.exception", "shipment", s.Carrier+"/"+s.TrackingNo, map[string]any{"case": c.Number, "rule": r, "task": t.ID})
}

// trackParcel is the shipment of a parcel a case just recorded (ship back, ship a
// replacement, a repaired item or a reship): a new one, or events that came before it,
// matched now. A parcel that already belongs to another case is left alone.
func (a *App) trackParcel(ctx context.Context, tx *txn, c *aftersale.Case, dir logistics.Direction, x *aftersale.Shipment) error {
	carrier, no := logistics.NormCarrier(x.Carrier), logistics.NormTracking(x.TrackingNo)
	s, err := tx.Shipment(ctx, carrier, no)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s = logistics.Shipment{Carrier: carrier, TrackingNo: no, CaseID: c.ID, Direction: dir, Merchant: c.MerchantID, Customer: c.CustomerID,
			Status: logistics.Created, ShippedAt: tx.Now(), Version: 1, CreatedAt: tx.Now(), UpdatedAt: tx.Now()}
		pol, err := a.engine.ResolveVersion(c.PolicyVersion)
		if err != nil {
			return err
		}
		return tx.InsertShipment(ctx, &s, logistics.NextCheck(&s, pol.LogisticsTerms()))
	case err != nil:
		return err
	case s.CaseID == c.ID:
		return nil // the same parcel again (a second attempt at the same step)
	case s.Matched():
		a.log.Warn("logistics: a tracking number of another case", "case", c.Number, "carrier", carrier, "tracking_no", no)
		return nil
	}
	s.CaseID, s.Direction, s.Merchant, s.Customer, s.ShippedAt = c.ID, dir, c.MerchantID, c.CustomerID, tx.Now()
	s.Version++
	s.UpdatedAt = tx.Now()
	if err := tx.UpdateShipment(ctx, &s, time.Time{}); err != nil {
		return err
	}
	// Its events came first: the case follows them after this transaction (a second
	// transition of the case in the one that recorded the parcel would answer the caller
	// with a version that is already old).
	b, _ := json.Marshal(map[string]string{"carrier": carrier, "tracking_no": no})
	return tx.Enqueue(ctx, store.OutboxMessage{Topic: "logistics.sync", Key: c.ID, Payload: b})
}

// parcelOf says which parcel a transition recorded, if any.
func parcelOf(c *aftersale.Case, ev *aftersale.Event) (logistics.Direction, *aftersale.Shipment) {
	switch ev.Action {
	case aftersale.ShipBack:
		return logistics.Return, c.ReturnShipment
	case aftersale.ShipExchange, aftersale.RepairDone, aftersale.ShipReship:
		return logistics.Outbound, c.OutboundShipment
	}
	return "", nil
}

// SyncShipment makes a shipment's case follow its timeline (the relay's "logistics.sync"
// messages: a parcel whose events came before its case recorded it).
func (a *App) SyncShipment(ctx context.Context, payload json.RawMessage) error {
	var m struct {
		Carrier    string `json:"carrier"`
		TrackingNo string `json:"tracking_no"`
	}
	if err := json.Unmarshal(payload, &m); err != nil {
		return err
	}
	sys := Principal{Role: RoleIntegration, ID: "logistics"}
	_, err := write(ctx, a, sys, nil, auditTarget{"shipment.sync", "shipment", m.Carrier + "/" + m.TrackingNo}, func(tx *txn) (*struct{}, int, error) {
		_, err := a.syncShipment(ctx, tx, m.Carrier, m.TrackingNo)
		if errors.Is(err, store.ErrNotFound) {
			return &struct{}{}, 0, nil
		}
		return &struct{}{}, 0, err
	})
	return err
}

// CheckShipments runs the exception rules that fire with time (no carrier update for a
// while) on the shipments whose check is due: each in its own transaction, versioned, so
// that of several replicas one fires a rule. It returns how many shipments it looked at.
func (a *App) CheckShipments(ctx context.Context) (int, error) {
	var due []logistics.Shipment
	if err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		due, err = tx.DueShipments(ctx, 200)
		return err
	}); err != nil {
		return 0, err
	}
	sys := Principal{Role: RoleIntegration, ID: "logistics-clock"}
	n := 0
	for _, s := range due {
		_, err := write(ctx, a, sys, nil, auditTarget{"shipment.check", "shipment", s.Carrier + "/" + s.TrackingNo}, func(tx *txn) (*struct{}, int, error) {
			cur, err := tx.Shipment(ctx, s.Carrier, s.TrackingNo)
			if err != nil {
				return nil, 0, err
			}
			if cur.Version != s.Version {
				return &struct{}{}, 0, nil // changed meanwhile: its check was set again
			}
			_, err = a.syncShipment(ctx, tx, s.Carrier, s.TrackingNo)
			return &struct{}{}, 0, err
		})
		if err != nil {
			if ErrorCode(err) == CodeConflict {
				continue // another replica was first
			}
			return n, err
		}
		n++
	}
	return n, nil
}

// ParcelView is a parcel and its timeline as the API shows it (GET /api/v1/shipments/…).
type ParcelView struct {
	Carrier     string              `json:"carrier"`
	TrackingNo  string              `json:"tracking_no"`
	Status      string              `json:"status"`
	StatusLabel Text                `json:"status_label"`
	Direction   string              `json:"direction,omitempty"`
	CaseID      string              `json:"case_id,omitempty"`
	CaseNumber  string              `json:"case_number,omitempty"`
	ShippedAt   *time.Time          `json:"shipped_at,omitempty"`
	LastEventAt *time.Time          `json:"last_event_at,omitempty"`
	DeliveredAt *time.Time          `json:"delivered_at,omitempty"`
	Exceptions  []ShipmentException `json:"exceptions"`
	// Remedy: the customer is offered a reship or a refund (an outbound parcel gone wrong).
	Remedy bool                `json:"remedy"`
	Events []ShipmentEventView `json:"events"`
}

// ShipmentException is an exception rule that fired.
type ShipmentException struct {
	Rule  string `json:"rule"`
	Label Text   `json:"label"`
}

// ShipmentEventView is one entry of a timeline.
type ShipmentEventView struct {
	EventID  string    `json:"event_id"`
	Status   string    `json:"status"`
	Label    Text      `json:"label"`
	At       time.Time `json:"at"`
	Location string    `json:"location,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

// GetShipment returns a parcel and its timeline to those who may see its case (and to
// integrations and admins, who report events). A parcel of no case, or of someone else's,
// is not found.
func (a *App) GetShipment(ctx context.Context, p Principal, carrier, trackingNo string) (*ParcelView, error) {
	carrier, trackingNo = logistics.NormCarrier(carrier), logistics.NormTracking(trackingNo)
	var v *ParcelView
	err := a.store.View(ctx, func(tx store.Tx) error {
		s, err := tx.Shipment(ctx, carrier, trackingNo)
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound("shipment")
		} else if err != nil {
			return err
		}
		number := ""
		if s.Matched() {
			rec, err := a.loadCase(ctx, tx, p, opReadCase, s.CaseID)
			if err != nil {
				return errNotFound("shipment")
			}
			number = rec.Case.Number
		} else if !(p.Role == RoleAdmin || p.Role == RoleIntegration && p.Merchant == "") {
			return errNotFound("shipment")
		}
		events, err := tx.ShipmentEvents(ctx, carrier, trackingNo)
		if err != nil {
			return err
		}
		v = parcelView(&s, events, number)
		return nil
	})
	return v, err
}

// CaseShipments lists a case's parcels with their timelines (the case page).
func (a *App) CaseShipments(ctx context.Context, p Principal, caseID string) ([]ParcelView, error) {
	var out []ParcelView
	err := a.store.View(ctx, func(tx store.Tx) error {
		rec, err := a.loadCase(ctx, tx, p, opReadCase, caseID)
		if err != nil {
			return err
		}
		ss, err := tx.CaseShipments(ctx, caseID)
		if err != nil {
			return err
		}
		out = make([]ParcelView, 0, len(ss))
		for i := range ss {
			events, err := tx.ShipmentEvents(ctx, ss[i].Carrier, ss[i].TrackingNo)
			if err != nil {
				return err
			}
			out = append(out, *parcelView(&ss[i], events, rec.Case.Number))
		}
		return nil
	})
	return out, err
}

func parcelView(s *logistics.Shipment, events []logistics.Event, number string) *ParcelView {
	v := &ParcelView{Carrier: s.Carrier, TrackingNo: s.TrackingNo, Status: string(s.Status), StatusLabel: s.Status.Label(),
		Direction: string(s.Direction), CaseID: s.CaseID, CaseNumber: number,
		ShippedAt: optTime(s.ShippedAt), LastEventAt: optTime(s.LastEventAt), DeliveredAt: optTime(s.DeliveredAt),
		Exceptions: []ShipmentException{}, Remedy: logistics.OffersRemedy(s), Events: make([]ShipmentEventView, len(events))}
	for _, r := range s.Fired {
		v.Exceptions = append(v.Exceptions, ShipmentException{Rule: string(r), Label: r.Label()})
	}
	logistics.Sort(events)
	for i, e := range events {
		v.Events[i] = ShipmentEventView{EventID: e.EventID, Status: string(e.Status), Label: e.Status.Label(), At: e.At, Location: e.Location, Detail: e.Detail}
	}
	return v
}

// ReportNotReceived is the customer's word (or an agent's on the customer's behalf) that a
// parcel the carrier reports delivered never came: the not-received rule fires (once).
func (a *App) ReportNotReceived(ctx context.Context, p Principal, carrier, trackingNo string, idem *Idempotency) (Reply[ParcelView], error) {
	if p.Role != RoleCustomer && p.Role != RoleAgent && p.Role != RoleSupervisor {
		return Reply[ParcelView]{}, errForbidden("只有买家或平台客服可以报告未收到", "only the customer or the platform's agents may report a parcel not received")
	}
	carrier, trackingNo = logistics.NormCarrier(carrier), logistics.NormTracking(trackingNo)
	return write(ctx, a, p, idem, auditTarget{"shipment.not_received", "shipment", carrier + "/" + trackingNo}, func(tx *txn) (*ParcelView, int, error) {
		s, err := tx.Shipment(ctx, carrier, trackingNo)
		if errors.Is(err, store.ErrNotFound) || err == nil && !s.Matched() {
			return nil, 0, errNotFound("shipment")
		} else if err != nil {
			return nil, 0, err
		}
		rec, err := a.loadCase(ctx, tx, p, opReadCase, s.CaseID)
		if err != nil {
			return nil, 0, errNotFound("shipment")
		}
		if s.Direction != logistics.Outbound {
			return nil, 0, &Error{Code: CodeConflict, Message: Text{ZH: "这是寄回商家的包裹", EN: "this is the parcel going back to the merchant"}}
		}
		if err := s.ReportNotReceived(tx.Now()); err != nil {
			return nil, 0, &Error{Code: CodeConflict, Message: Text{ZH: "承运商尚未显示签收", EN: "the carrier has not reported this parcel delivered"}}
		}
		s.Version++
		s.UpdatedAt = tx.Now()
		if err := tx.UpdateShipment(ctx, &s, time.Time{}); err != nil {
			return nil, 0, err
		}
		s, err = a.syncShipment(ctx, tx, carrier, trackingNo)
		if err != nil {
			return nil, 0, err
		}
		events, err := tx.ShipmentEvents(ctx, carrier, trackingNo)
		if err != nil {
			return nil, 0, err
		}
		if err := tx.audit(ctx, "shipment.not_received", "shipment", carrier+"/"+trackingNo, map[string]any{"case": rec.Case.Number}); err != nil {
			return nil, 0, err
		}
		return parcelView(&s, events, rec.Case.Number), 200, nil
	})
}
