package aftersale

import (
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/money"
)

// approvedState is where a case goes when it is approved: money is due, goods must come
// back, or goods must go out.
func approvedState(t Type) State {
	switch t {
	case RefundOnly, Compensation:
		return Refunding
	case Reship:
		return Reshipping
	}
	return Approved
}

// afterInspection is where returned goods that pass inspection lead.
func afterInspection(t Type) State {
	switch t {
	case ReturnRefund:
		return Refunding
	case Exchange:
		return ExchangePending
	case Repair:
		return Repairing
	}
	return ""
}

// Guards: whether an action is available for this case at all.

func autoApproves(c *Case, p Policy) bool   { return p.AutoApproveOnSilence(c) }
func noAutoApproval(c *Case, p Policy) bool { return !p.AutoApproveOnSilence(c) }
func autoRefunds(c *Case, p Policy) bool    { return !c.OrderShipped && p.AutoApproveOnSilence(c) }
func canReapply(c *Case, p Policy) bool     { return c.Applications-1 < p.ReapplyLimit(c) }
func noMoneyMoved(c *Case, _ Policy) bool {
	return c.RefundedAmount.IsZero() && c.ChargedAmount.IsZero()
}
func moneySettled(c *Case, _ Policy) bool { return !c.MoneyPending }
func roomToAdvance(c *Case, _ Policy) bool {
	return c.Refundable().MustAdd(c.ShippingRefund).Cmp(c.RefundedAmount) > 0
}
func needsQuote(c *Case, _ Policy) bool { return !c.InWarranty && !c.QuoteAccepted }
func repairAuthorised(c *Case, _ Policy) bool {
	return c.InWarranty || c.QuoteAccepted
}

// Checks: the command's own fields.

func needNote(_ *Case, cmd *Command, _ Policy) error {
	if strings.TrimSpace(cmd.Note) == "" {
		return invalid("note", "请说明理由", "a note explaining the reason is required")
	}
	return nil
}

func needNoteOrEvidence(_ *Case, cmd *Command, _ Policy) error {
	if strings.TrimSpace(cmd.Note) == "" && len(cmd.Evidence) == 0 {
		return invalid("note", "请补充说明或上传凭证", "add a note or evidence")
	}
	return nil
}

func needParcel(c *Case, cmd *Command, _ Policy) error {
	if strings.TrimSpace(cmd.Carrier) == "" || len(cmd.Carrier) > 64 {
		return invalid("carrier", "请填写物流公司", "the carrier is required (at most 64 characters)")
	}
	if !validTracking(cmd.TrackingNo) {
		return invalid("tracking_no", "运单号应为 6–40 位字母或数字", "the tracking number must be 6–40 letters, digits or dashes")
	}
	if cmd.Cost.IsNegative() {
		return invalid("cost", "运费不能为负数", "the postage cannot be negative")
	}
	return sameCurrency(c, "cost", cmd.Cost)
}

func validTracking(s string) bool {
	if len(s) < 6 || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-') {
			return false
		}
	}
	return true
}

func sameCurrency(c *Case, field string, a money.Amount) error {
	if !a.IsZero() && a.Currency != c.ItemsPaid.Currency {
		return invalid(field, "币种与订单不一致", "the currency differs from the order's ("+string(c.ItemsPaid.Currency)+")")
	}
	return nil
}

func due(c *Case) money.Amount { return c.RefundAmount.MustSub(c.RefundedAmount) }

func checkInspection(c *Case, cmd *Command, p Policy) error {
	switch cmd.Inspection {
	case InspectionPass:
	case InspectionFail:
		if err := needNote(c, cmd, p); err != nil {
			return err
		}
	default:
		return invalid("inspection", "请填写验货结果(pass 或 fail)", "the inspection result is required: pass or fail")
	}
	if err := checkPostageReduction(c, cmd, p); err != nil {
		return err
	}
	if cmd.Deduction.IsZero() {
		return nil
	}
	switch {
	case cmd.Inspection != InspectionPass || c.Type != ReturnRefund:
		return invalid("deduction", "仅退货退款验货通过时可扣款", "a deduction is only possible when a returned item passes inspection for a refund")
	case cmd.Deduction.IsNegative():
		return invalid("deduction", "扣款不能为负数", "the deduction cannot be negative")
	case cmd.Deduction.Cmp(money.Min(p.MaxDeduction(c), due(c))) > 0:
		return invalid("deduction", "扣款超过政策允许的上限", "the deduction exceeds what the policy allows ("+money.Min(p.MaxDeduction(c), due(c)).String()+")")
	}
	return sameCurrency(c, "deduction", cmd.Deduction)
}

// checkPostageReduction: a merchant who disputes the customer's return postage claim takes
// off at most what the policy allows, and says why.
func checkPostageReduction(c *Case, cmd *Command, p Policy) error {
	r := cmd.PostageReduction
	if r.IsZero() {
		return nil
	}
	acct, ok := ReturnPostage(c, p)
	switch {
	case !ok || acct.Claimed.IsZero():
		return invalid("postage_reduction", "没有需由商家承担的退货运费", "there is no return postage for the merchant to repay")
	case r.IsNegative():
		return invalid("postage_reduction", "运费扣减不能为负数", "the postage reduction cannot be negative")
	case r.Cmp(acct.MaxReduce) > 0:
		return invalid("postage_reduction", "运费扣减超过政策允许的上限 "+acct.MaxReduce.Format("zh"),
			"the postage reduction exceeds what the policy allows ("+acct.MaxReduce.Format("en")+")")
	case strings.TrimSpace(cmd.Note) == "":
		return invalid("note", "扣减运费须说明理由", "a note explaining the postage reduction is required")
	}
	return sameCurrency(c, "postage_reduction", r)
}

// systemPasses: when the merchant does not inspect in time, the goods pass; the system
// never fails an inspection, deducts, or reduces the postage.
func systemPasses(_ *Case, cmd *Command, _ Policy) error {
	if cmd.Inspection == InspectionFail || !cmd.Deduction.IsZero() || !cmd.PostageReduction.IsZero() {
		return invalid("inspection", "系统只能默认验货通过", "the system can only let the goods pass inspection")
	}
	return nil
}

func checkRefund(c *Case, cmd *Command, _ Policy) error {
	if d := due(c); cmd.Amount != nil && (cmd.Amount.Minor != d.Minor || !cmd.Amount.IsZero() && cmd.Amount.Currency != d.Currency) {
		return invalid("amount", "退款金额应为应退金额 "+due(c).Format("zh"), "the refund must be the amount due, "+due(c).Format("en"))
	}
	return nil
}

func positiveAmount(c *Case, cmd *Command) error {
	if cmd.Amount == nil || cmd.Amount.Minor <= 0 {
		return invalid("amount", "请填写大于零的金额", "an amount above zero is required")
	}
	return sameCurrency(c, "amount", *cmd.Amount)
}

func checkOffer(c *Case, cmd *Command, p Policy) error {
	if err := positiveAmount(c, cmd); err != nil {
		return err
	}
	if max := p.MaxCompensation(c); cmd.Amount.Cmp(max) > 0 {
		return invalid("amount", "补偿金额超过上限 "+max.Format("zh"), "the offer exceeds the maximum of "+max.Format("en"))
	}
	return nil
}

func checkQuote(c *Case, cmd *Command, _ Policy) error { return positiveAmount(c, cmd) }

func checkShipExchange(c *Case, cmd *Command, p Policy) error {
	if err := needParcel(c, cmd, p); err != nil {
		return err
	}
	if cmd.Amount == nil {
		return nil
	}
	if err := sameCurrency(c, "amount", *cmd.Amount); err != nil {
		return err
	}
	if left := c.Refundable().MustSub(c.RefundedAmount); cmd.Amount.IsNegative() && cmd.Amount.Abs().Cmp(left) > 0 {
		return invalid("amount", "差价退款不能超过实付金额", "the price difference to refund exceeds what was paid ("+left.String()+")")
	}
	return nil
}

// Applies: change the copied case, add money effects, return the next state.

func applyRefund(c *Case, _ *Command, _ time.Time, p Policy, fx *Effects) State {
	if d := due(c); d.Minor > 0 {
		kind := MoveRefund
		if c.Type == Compensation {
			kind = MoveCompensation
		}
		fx.Money = append(fx.Money, Movement{Kind: kind, Amount: d, Method: c.RefundMethod})
		c.RefundedAmount = c.RefundAmount
	}
	reimburseShipping(c, p, fx)
	return Resolved
}

// reimburseShipping repays the customer's return postage when the merchant bears it: what
// the customer paid, at most the policy's maximum for the parcel, less what the merchant
// took off at receipt — once.
func reimburseShipping(c *Case, p Policy, fx *Effects) {
	acct, ok := ReturnPostage(c, p)
	if !ok || c.ShippingReimbursed || acct.Due.Minor <= 0 {
		return
	}
	fx.Money = append(fx.Money, Movement{Kind: MoveShippingReimbursement, Amount: acct.Due, Method: c.RefundMethod})
	c.ShippingReimbursed = true
}

func applyOffer(c *Case, cmd *Command, _ time.Time, _ Policy, _ *Effects) State {
	c.Offer = *cmd.Amount
	return Offered
}

func applyAcceptOffer(c *Case, _ *Command, _ time.Time, _ Policy, _ *Effects) State {
	c.RefundAmount = c.Offer
	return Refunding
}

func applyEscalate(c *Case, _ *Command, _ time.Time, _ Policy, _ *Effects) State {
	c.DisputedFrom = c.State
	return Disputed
}

func applyProvideInfo(c *Case, cmd *Command, _ time.Time, _ Policy, _ *Effects) State {
	if n := strings.TrimSpace(cmd.Note); n != "" {
		c.Description = strings.TrimSpace(c.Description + "\n" + n)
	}
	return Requested
}

func applyReapply(c *Case, cmd *Command, now time.Time, p Policy, fx *Effects) State {
	c.Applications++
	return applyProvideInfo(c, cmd, now, p, fx)
}

func applyShipBack(c *Case, cmd *Command, now time.Time, _ Policy, _ *Effects) State {
	c.ReturnShipment = &Shipment{Carrier: cmd.Carrier, TrackingNo: cmd.TrackingNo, Cost: cmd.Cost, At: now}
	return Returning
}

func applyDeliver(c *Case, _ *Command, now time.Time, _ Policy, _ *Effects) State {
	c.ReceivedAt = now
	return ReturnDelivered
}

func applyInspection(c *Case, cmd *Command, now time.Time, _ Policy, _ *Effects) State {
	if c.ReceivedAt.IsZero() {
		c.ReceivedAt = now
	}
	if !cmd.PostageReduction.IsZero() {
		c.PostageReduction = cmd.PostageReduction
		c.PostageReductionReason = strings.TrimSpace(cmd.Note)
	}
	if cmd.Inspection == InspectionFail {
		return InspectionFailed
	}
	if !cmd.Deduction.IsZero() {
		c.RefundAmount = c.RefundAmount.MustSub(cmd.Deduction)
	}
	return afterInspection(c.Type)
}

func applyShipExchange(c *Case, cmd *Command, now time.Time, p Policy, fx *Effects) State {
	if cmd.Amount != nil && !cmd.Amount.IsZero() {
		d := *cmd.Amount
		if d.IsNegative() {
			fx.Money = append(fx.Money, Movement{Kind: MovePriceDifference, Amount: d.Abs(), Method: c.RefundMethod})
			c.RefundedAmount = c.RefundedAmount.MustAdd(d.Abs())
		} else {
			fx.Money = append(fx.Money, Movement{Kind: MoveCharge, Amount: d})
			c.ChargedAmount = c.ChargedAmount.MustAdd(d)
		}
	}
	return applyOutbound(c, cmd, now, p, fx)
}

func applyOutbound(c *Case, cmd *Command, now time.Time, p Policy, fx *Effects) State {
	c.OutboundShipment = &Shipment{Carrier: cmd.Carrier, TrackingNo: cmd.TrackingNo, Cost: cmd.Cost, At: now}
	reimburseShipping(c, p, fx)
	return Resolved
}

// outboundOnItsWay: the solution's parcel is out and not yet reported delivered.
func outboundOnItsWay(c *Case, _ Policy) bool {
	return c.OutboundShipment != nil && c.OutboundShipment.DeliveredAt.IsZero()
}

// applyOutboundDelivered records the delivery; the state stays resolved and its
// confirmation clock starts again (Transition restarts the clock of the state it enters).
func applyOutboundDelivered(c *Case, _ *Command, now time.Time, _ Policy, _ *Effects) State {
	c.OutboundShipment.DeliveredAt = now
	return Resolved
}

func applyQuote(c *Case, cmd *Command, _ time.Time, _ Policy, _ *Effects) State {
	c.Quote = *cmd.Amount
	return Quoted
}

func applyAcceptQuote(c *Case, _ *Command, _ time.Time, _ Policy, fx *Effects) State {
	c.QuoteAccepted = true
	c.ChargedAmount = c.ChargedAmount.MustAdd(c.Quote)
	fx.Money = append(fx.Money, Movement{Kind: MoveCharge, Amount: c.Quote})
	return Repairing
}

func applyRepairFailed(c *Case, _ *Command, _ time.Time, p Policy, _ *Effects) State {
	c.FailedRepairs++
	if c.InWarranty && c.FailedRepairs >= p.MaxFailedRepairs(c) {
		return RepairChoice
	}
	return Repairing
}

func applyChooseReturn(c *Case, _ *Command, _ time.Time, _ Policy, _ *Effects) State {
	c.RefundAmount = c.Refundable()
	c.RefundsUnits = true
	return Refunding
}

// applyRuling carries out a ruling for the customer: a dispute over the merchant's answer
// continues as if the merchant had approved; a dispute over an inspection continues as if
// the goods had passed; a solution the merchant failed to deliver becomes a refund.
// checkRuling: a ruling says why; an award of part of the refund is more than nothing, no
// more than the case may refund, and no less than what was already paid.
func checkRuling(c *Case, cmd *Command, p Policy) error {
	if err := needNote(c, cmd, p); err != nil {
		return err
	}
	if cmd.Amount == nil {
		return nil
	}
	if err := positiveAmount(c, cmd); err != nil {
		return err
	}
	if max := c.Refundable().MustAdd(c.ShippingRefund); cmd.Amount.Cmp(max) > 0 || cmd.Amount.Cmp(c.RefundedAmount) < 0 {
		return invalid("amount", "裁决金额应在 "+c.RefundedAmount.Format("zh")+" 与 "+max.Format("zh")+" 之间",
			"the amount ruled must be between "+c.RefundedAmount.Format("en")+" and "+max.Format("en"))
	}
	return nil
}

// checkAdvance: the platform pays at most what the case may still refund.
func checkAdvance(c *Case, cmd *Command, p Policy) error {
	if err := positiveAmount(c, cmd); err != nil {
		return err
	}
	if room := c.Refundable().MustAdd(c.ShippingRefund).MustSub(c.RefundedAmount); cmd.Amount.Cmp(room) > 0 {
		return invalid("amount", "先行赔付不能超过可退金额 "+room.Format("zh"), "the advance cannot exceed the refundable "+room.Format("en"))
	}
	if cmd.Actor.Role != System {
		return needNote(c, cmd, p)
	}
	return nil
}

// applyAdvance: the customer has been paid that much of the refund — by the platform, which
// recovers it from the merchant. A later refund pays only the rest.
func applyAdvance(c *Case, cmd *Command, _ time.Time, _ Policy, fx *Effects) State {
	amt := *cmd.Amount
	fx.Money = append(fx.Money, Movement{Kind: MoveAdvance, Amount: amt, Method: c.RefundMethod}, Movement{Kind: MoveRecovery, Amount: amt})
	c.RefundedAmount = c.RefundedAmount.MustAdd(amt)
	c.RefundAmount = money.Max(c.RefundAmount, c.RefundedAmount)
	return Disputed
}

func applyRuling(c *Case, cmd *Command, _ time.Time, _ Policy, _ *Effects) State {
	from := c.DisputedFrom
	c.DisputedFrom = ""
	if cmd.Amount != nil {
		// Part of the refund: the money, and the goods stay with the customer.
		c.RefundAmount = *cmd.Amount
		c.RefundsUnits = false
		return Refunding
	}
	switch from {
	case Requested, Rejected:
		return approvedState(c.Type)
	case InspectionFailed:
		return afterInspection(c.Type)
	case Offered:
		return Refunding
	}
	c.RefundAmount = money.Max(c.RefundAmount, c.Refundable().MustAdd(c.ShippingRefund))
	c.RefundsUnits = c.Type != Compensation
	return Refunding
}
