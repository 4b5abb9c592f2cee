package demo

import (
	"fmt"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
)

// party is who may act on a waiting case.
type party int

const (
	merchantStaff party = iota
	buyer
	carrierEvents
	platformSupervisor
)

// option is something a party may do now, with its weight among the options; an empty
// action is silence: the party lets the deadline pass.
type option struct {
	act  aftersale.Action
	w    int
	by   party
	fail bool // confirm_receipt: the inspection fails
}

// move is an action a party will take after a while.
type move struct {
	who      app.Principal
	delay    time.Duration
	from, to int // the party's waking hours; from == to: any hour
	in       app.ActInput
	photos   int // to upload with it
}

// roles are the parties' roles on a case.
var roles = map[party]aftersale.Role{
	merchantStaff: aftersale.Merchant, buyer: aftersale.Customer, carrierEvents: aftersale.System,
	platformSupervisor: aftersale.Supervisor,
}

func silence(w int) option { return option{w: w} }

// options are what the parties of a case typically do in its state: mostly the expected
// step, sometimes a refusal or a detour, sometimes nothing at all.
func options(c *caseSim, v *app.CaseView) []option {
	M, C := merchantStaff, buyer
	switch v.State {
	case aftersale.Requested:
		switch {
		case c.typ == aftersale.RefundOnly && !c.shipped:
			return []option{{act: aftersale.Refund, w: 65, by: M}, {act: aftersale.Approve, w: 20, by: M},
				{act: aftersale.Cancel, w: 4, by: C}, silence(11)}
		case c.typ == aftersale.RefundOnly:
			return []option{{act: aftersale.Approve, w: 55, by: M}, {act: aftersale.Reject, w: 10, by: M},
				{act: aftersale.RequestInfo, w: 7, by: M}, silence(10)}
		case c.typ == aftersale.Compensation:
			return []option{{act: aftersale.Offer, w: 60, by: M}, {act: aftersale.Approve, w: 15, by: M},
				{act: aftersale.Reject, w: 6, by: M}, {act: aftersale.RequestInfo, w: 6, by: M},
				{act: aftersale.Cancel, w: 3, by: C}, silence(10)}
		case c.visits[aftersale.Requested] > 1:
			return []option{{act: aftersale.Approve, w: 72, by: M}, {act: aftersale.Reject, w: 16, by: M}, silence(12)}
		}
		return []option{{act: aftersale.Approve, w: 78, by: M}, {act: aftersale.Reject, w: 7, by: M},
			{act: aftersale.RequestInfo, w: 5, by: M}, {act: aftersale.Cancel, w: 3, by: C}, silence(7)}
	case aftersale.InfoRequested:
		return []option{{act: aftersale.ProvideInfo, w: 72, by: C}, {act: aftersale.Cancel, w: 10, by: C}, silence(18)}
	case aftersale.Rejected:
		return []option{{act: aftersale.Reapply, w: 35, by: C}, {act: aftersale.Escalate, w: 30, by: C},
			{act: aftersale.Cancel, w: 12, by: C}, silence(23)}
	case aftersale.Approved:
		return []option{{act: aftersale.ShipBack, w: 90, by: C}, {act: aftersale.Cancel, w: 4, by: C}, silence(6)}
	case aftersale.Returning:
		return []option{{act: aftersale.Deliver, w: 90, by: carrierEvents}, {act: aftersale.ConfirmReceipt, w: 6, by: M}, silence(4)}
	case aftersale.ReturnDelivered:
		return []option{{act: aftersale.ConfirmReceipt, w: 86, by: M}, {act: aftersale.ConfirmReceipt, w: 6, by: M, fail: true}, silence(8)}
	case aftersale.InspectionFailed:
		return []option{{act: aftersale.Escalate, w: 45, by: C}, {act: aftersale.Cancel, w: 15, by: C}, silence(40)}
	case aftersale.Refunding:
		return []option{{act: aftersale.Refund, w: 86, by: M}, silence(14)}
	case aftersale.ExchangePending:
		return []option{{act: aftersale.ShipExchange, w: 92, by: M}, silence(8)}
	case aftersale.Repairing:
		return []option{{act: aftersale.RepairDone, w: 76, by: M}, {act: aftersale.RepairFailed, w: 12, by: M},
			{act: aftersale.Quote, w: 85, by: M}, {act: aftersale.Escalate, w: 2, by: C}, silence(10)}
	case aftersale.Quoted:
		return []option{{act: aftersale.AcceptQuote, w: 60, by: C}, {act: aftersale.DeclineQuote, w: 25, by: C}, silence(15)}
	case aftersale.RepairChoice:
		return []option{{act: aftersale.ChooseExchange, w: 45, by: C}, {act: aftersale.ChooseReturn, w: 45, by: C}, silence(10)}
	case aftersale.Reshipping:
		return []option{{act: aftersale.ShipReship, w: 92, by: M}, silence(8)}
	case aftersale.Offered:
		return []option{{act: aftersale.AcceptOffer, w: 68, by: C}, {act: aftersale.DeclineOffer, w: 10, by: C},
			{act: aftersale.Escalate, w: 8, by: C}, {act: aftersale.Cancel, w: 4, by: C}, silence(10)}
	case aftersale.Resolved:
		return []option{{act: aftersale.Confirm, w: 55, by: C}, {act: aftersale.Escalate, w: 2, by: C}, silence(43)}
	case aftersale.Disputed:
		// The platform rules mostly for the customer when the merchant let a deadline pass,
		// and weighs the evidence when the customer disputes the merchant's answer.
		yes, no := 55, 40
		if n := len(v.History); n > 0 {
			switch e := v.History[n-1]; {
			case e.Actor.Role == aftersale.System && e.From == aftersale.RepairChoice:
				yes, no = 30, 65 // the customer never chose
			case e.Actor.Role == aftersale.System:
				yes, no = 85, 10
			case e.From == aftersale.InspectionFailed, e.From == aftersale.Offered:
				yes, no = 50, 45
			case e.From == aftersale.Resolved, e.From == aftersale.Repairing, e.From == aftersale.RepairChoice:
				yes, no = 70, 25
			}
		}
		return []option{{act: aftersale.Approve, w: yes, by: platformSupervisor}, {act: aftersale.Reject, w: no, by: platformSupervisor},
			{act: aftersale.Cancel, w: 5, by: C}}
	}
	return nil
}

// decide picks what happens next on a case: a party's move, or (false) silence.
func (s *sim) decide(c *caseSim, v *app.CaseView) (move, bool, error) {
	allowed := map[party][]aftersale.Action{}
	may := func(by party, a aftersale.Action) (bool, error) {
		acts, ok := allowed[by]
		switch {
		case ok:
		case v.State == aftersale.Rejected || v.State == aftersale.Repairing:
			// What the party may do depends on the case (re-applications left, warranty,
			// an accepted quote): the party opens the case and sees.
			cv, err := s.a.GetCase(s.ctx, s.principal(c, by), c.id)
			if err != nil {
				return false, fmt.Errorf("load case %s as party %d: %w", c.id, by, err)
			}
			acts = cv.AllowedActions
		default:
			acts = aftersale.Actions(v.State, c.typ)[roles[by]]
		}
		allowed[by] = acts
		return slices.Contains(acts, a), nil
	}
	r := c.o.r
	if pin := c.p.pin; pin != nil {
		if v.State == pin.Target {
			return move{}, false, nil
		}
		st, ok := pin.Instead[v.State]
		if !ok {
			st = happyPath(c, v)
			if st.Action == aftersale.RepairDone {
				if ok, err := may(merchantStaff, aftersale.RepairDone); err != nil {
					return move{}, false, err
				} else if !ok {
					st.Action = aftersale.Quote
				}
			}
		}
		mv := s.moveFor(c, v, option{act: st.Action, by: partyOf(v.State, st.Action), fail: st.Fail})
		mv.delay, mv.from, mv.to = between(r, 40*time.Minute, pinStep-10*time.Minute), 0, 0
		return mv, true, nil
	}
	var open []option
	var ws []int
	for _, o := range options(c, v) {
		if o.act != "" {
			if ok, err := may(o.by, o.act); err != nil {
				return move{}, false, err
			} else if !ok {
				continue
			}
		}
		open = append(open, o)
		ws = append(ws, o.w)
	}
	if len(open) == 0 {
		return move{}, false, nil
	}
	o := open[pickWeighted(r, ws)]
	if o.act == "" {
		return move{}, false, nil
	}
	mv := s.moveFor(c, v, o)
	var lo, hi time.Duration
	lo, hi, mv.from, mv.to = pace(v.State, o)
	mv.delay = between(r, lo, hi)
	return mv, true, nil
}

// happyPath is the usual next step in each state.
func happyPath(c *caseSim, v *app.CaseView) step {
	switch v.State {
	case aftersale.Requested:
		switch c.typ {
		case aftersale.Compensation:
			return step{Action: aftersale.Offer}
		case aftersale.RefundOnly:
			if !c.shipped {
				return step{Action: aftersale.Refund}
			}
		}
		return step{Action: aftersale.Approve}
	case aftersale.InfoRequested:
		return step{Action: aftersale.ProvideInfo}
	case aftersale.Rejected, aftersale.InspectionFailed:
		return step{Action: aftersale.Escalate}
	case aftersale.Approved:
		return step{Action: aftersale.ShipBack}
	case aftersale.Returning:
		return step{Action: aftersale.Deliver}
	case aftersale.ReturnDelivered:
		return step{Action: aftersale.ConfirmReceipt}
	case aftersale.Refunding:
		return step{Action: aftersale.Refund}
	case aftersale.ExchangePending:
		return step{Action: aftersale.ShipExchange}
	case aftersale.Repairing:
		return step{Action: aftersale.RepairDone}
	case aftersale.Quoted:
		return step{Action: aftersale.AcceptQuote}
	case aftersale.RepairChoice:
		return step{Action: aftersale.ChooseReturn}
	case aftersale.Reshipping:
		return step{Action: aftersale.ShipReship}
	case aftersale.Offered:
		return step{Action: aftersale.AcceptOffer}
	case aftersale.Resolved:
		return step{Action: aftersale.Confirm}
	case aftersale.Disputed:
		return step{Action: aftersale.Approve}
	}
	return step{}
}

// partyOf is who takes action a in state st.
func partyOf(st aftersale.State, a aftersale.Action) party {
	switch a {
	case aftersale.Deliver:
		return carrierEvents
	case aftersale.ProvideInfo, aftersale.Reapply, aftersale.ShipBack, aftersale.Cancel, aftersale.Escalate,
		aftersale.AcceptQuote, aftersale.DeclineQuote, aftersale.ChooseExchange, aftersale.ChooseReturn,
		aftersale.AcceptOffer, aftersale.DeclineOffer, aftersale.Confirm:
		return buyer
	case aftersale.Approve, aftersale.Reject:
		if st == aftersale.Disputed {
			return platformSupervisor
		}
	}
	return merchantStaff
}

// pace is how long a party takes to act, and in which hours of the day.
func pace(st aftersale.State, o option) (lo, hi time.Duration, from, to int) {
	switch o.by {
	case carrierEvents:
		return hours(20), hours(72), 7, 21
	case platformSupervisor:
		return hours(20), hours(120), 9, 18
	case buyer:
		switch o.act {
		case aftersale.Confirm:
			return hours(12), days(6), 8, 23
		case aftersale.ShipBack:
			return hours(3), hours(60), 8, 23
		case aftersale.ProvideInfo, aftersale.Cancel, aftersale.AcceptOffer, aftersale.DeclineOffer:
			return hours(1), hours(40), 8, 23
		}
		return hours(2), hours(72), 8, 23
	}
	switch {
	case o.act == aftersale.RepairDone:
		return days(3), days(12), 9, 22
	case o.act == aftersale.RepairFailed:
		return days(3), days(10), 9, 22
	case o.act == aftersale.Quote:
		return hours(12), hours(60), 9, 22
	case st == aftersale.Returning:
		return hours(24), hours(96), 9, 22
	case st == aftersale.ExchangePending, st == aftersale.Reshipping:
		return hours(1), hours(8), 9, 22 // due within 24 hours
	case st == aftersale.ReturnDelivered:
		return hours(1), hours(24), 9, 22
	case st == aftersale.Refunding:
		return hours(1), hours(40), 9, 22
	}
	return hours(1), hours(20), 9, 22
}

// principal is the party's principal on this case.
func (s *sim) principal(c *caseSim, by party) app.Principal {
	switch by {
	case buyer:
		return customer(c.o.cust.ID)
	case carrierEvents:
		return s.cast.carrier
	case platformSupervisor:
		return s.cast.supervisors[c.o.idx%len(s.cast.supervisors)]
	}
	return s.staffOf(c)
}

// moveFor fills in an action the way its party would: notes, parcels, amounts.
func (s *sim) moveFor(c *caseSim, v *app.CaseView, o option) move {
	r := c.o.r
	mv := move{who: s.principal(c, o.by), in: app.ActInput{Action: o.act}}
	in := &mv.in
	due := v.RefundAmount - v.RefundedAmount
	switch o.act {
	case aftersale.Approve:
		if o.by == platformSupervisor {
			in.Note = pickString(r, rulingFor)
		} else if r.IntN(100) < 60 {
			in.Note = pickString(r, approveNotes[c.typ])
		}
	case aftersale.Reject:
		if o.by == platformSupervisor {
			in.Note = pickString(r, rulingAgainst)
		} else if notes, ok := rejectNotes[v.Reason]; ok {
			in.Note = pickString(r, notes)
		} else {
			in.Note = pickString(r, defaultReject)
		}
	case aftersale.RequestInfo:
		in.Note = pickString(r, infoNotes)
	case aftersale.ProvideInfo:
		in.Note = pickString(r, provideNotes)
		if r.IntN(100) < 60 {
			mv.photos = 1
		}
	case aftersale.Reapply:
		in.Note = pickString(r, reapplyNotes)
		if r.IntN(100) < 50 {
			mv.photos = 1
		}
	case aftersale.Escalate:
		in.Note = "申请平台介入"
		if notes := escalateNotes[v.State]; len(notes) > 0 {
			in.Note = pickString(r, notes)
		}
		if r.IntN(100) < 50 {
			mv.photos = 1
		}
	case aftersale.Cancel:
		in.Note = pickString(r, cancelNotes)
	case aftersale.ShipBack:
		in.Carrier, in.TrackingNo, in.Cost = parcel(r, false)
	case aftersale.Deliver:
		in.Note = "退货包裹已签收"
	case aftersale.ConfirmReceipt:
		in.Inspection = aftersale.InspectionPass
		switch {
		case o.fail:
			in.Inspection = aftersale.InspectionFail
			in.Note = pickString(r, inspectionFailNotes)
			mv.photos = 1
		case c.typ == aftersale.ReturnRefund && r.IntN(100) < 4:
			if d := due * 5 / 100 / 100 * 100; d >= 100 && d*5 <= v.Decision.ItemsPaid {
				in.Deduction = d
				in.Note = fmt.Sprintf("原包装缺失,按店铺规则扣除 %d.%02d 元", d/100, d%100)
			}
		}
	case aftersale.Refund:
		in.Amount = &due
		if v.RefundMethod == aftersale.RefundOriginal {
			in.Note = "退款已原路退回"
		} else {
			in.Note = "退款已发起"
		}
	case aftersale.ShipExchange:
		in.Carrier, in.TrackingNo, _ = parcel(r, true)
		in.Note = pickString(r, exchangeNotes)
	case aftersale.Quote:
		q := max(3000, s.unitPrice(c, v)*int64(25+r.IntN(21))/100/1000*1000)
		in.Amount = &q
		in.Note = fmt.Sprintf("已过保修期,维修需更换配件,费用 %d 元", q/100)
	case aftersale.AcceptQuote, aftersale.DeclineQuote:
		in.Note = pickString(r, quoteAnswers[o.act])
	case aftersale.RepairDone:
		in.Carrier, in.TrackingNo, _ = parcel(r, true)
		in.Note = pickString(r, repairDoneNotes)
	case aftersale.RepairFailed:
		in.Note = pickString(r, repairFailedNotes)
	case aftersale.ChooseExchange, aftersale.ChooseReturn:
		in.Note = pickString(r, choiceNotes[o.act])
	case aftersale.ShipReship:
		in.Carrier, in.TrackingNo, _ = parcel(r, true)
		in.Note = pickString(r, reshipNotes)
	case aftersale.Offer:
		base := v.RefundAmount
		if base <= 0 {
			base = v.Decision.ItemsPaid / 10
		}
		offer := base
		if c.visits[aftersale.Requested] <= 1 {
			offer = base * int64(60+r.IntN(41)) / 100 / 100 * 100
		}
		offer = max(offer, min(base, 100))
		in.Amount = &offer
		in.Note = fmt.Sprintf("非常抱歉,给您补偿 %d.%02d 元,您看可以吗", offer/100, offer%100)
	case aftersale.AcceptOffer, aftersale.DeclineOffer:
		in.Note = pickString(r, offerAnswers[o.act])
	case aftersale.Confirm:
		in.Note = pickString(r, confirmNotes)
	}
	return mv
}

// unitPrice is the list price of the case's first line.
func (s *sim) unitPrice(c *caseSim, v *app.CaseView) int64 {
	for _, it := range c.o.in.Items {
		if len(v.Items) > 0 && it.SKU == v.Items[0].SKU {
			return it.UnitPrice
		}
	}
	return 10000
}
