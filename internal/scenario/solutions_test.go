package scenario_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
)

// exchangeReceived opens a quality exchange and brings it to the point where the merchant has
// the returned item and must send the replacement.
func exchangeReceived(t *testing.T, postage int64) *Life {
	t.Helper()
	l, d := MustOpen(t, MustEngine(t), Apply(MustOrder(t), aftersale.Exchange, aftersale.QualityDefect, at(2025, 3, 12, 10, 0)))
	if !hit(d, "quality_exchange", "allow") && !hit(d, "exchange_15d", "allow") {
		t.Fatalf("decided by %+v, want an exchange window", d.Rules)
	}
	l.Do(at(2025, 3, 12, 11, 0), approve(shop))
	l.Do(at(2025, 3, 12, 15, 0), shipBack(postage))
	l.Do(at(2025, 3, 13, 15, 0), inspect(aftersale.InspectionPass))
	l.State(aftersale.ExchangePending)
	return l
}

// SPEC §2 换货 (price difference settled): a cheaper replacement sends the difference back, a
// dearer one charges it, and no difference may exceed what was paid.
func TestExchangePriceDifference(t *testing.T) {
	tests := []struct {
		name    string
		source  string
		diff    *money.Amount
		back    int64 // price difference to the customer
		charged int64
		invalid bool
	}{
		{"same item, no difference", "三包 第九条", nil, 0, 0, false},
		{"zero difference", "三包 第九条", amount(0), 0, 0, false},
		{"cheaper replacement: difference refunded", "SPEC §2 换货(price difference settled)", amount(-2000), 2000, 0, false},
		{"dearer replacement: customer pays the difference", "SPEC §2 换货(price difference settled)", amount(3000), 0, 3000, false},
		{"difference back of everything paid", "SPEC §3(never more than what was paid)", amount(-19900), 19900, 0, false},
		{"difference back of more than was paid", "SPEC §3(never more than what was paid)", amount(-19901), 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			l := exchangeReceived(t, 800)
			if tt.invalid {
				MustInvalid(t, l.Try(at(2025, 3, 13, 18, 0), shipReplacement(tt.diff)), "amount")
				l.State(aftersale.ExchangePending)
				return
			}
			l.Do(at(2025, 3, 13, 18, 0), shipReplacement(tt.diff))
			l.State(aftersale.Resolved)
			if got := movements(l.Money, aftersale.MovePriceDifference); got.Minor != tt.back {
				t.Errorf("difference refunded %s, want %d fen", got, tt.back)
			}
			if got := movements(l.Money, aftersale.MoveCharge); got.Minor != tt.charged || l.Case.ChargedAmount.Minor != tt.charged {
				t.Errorf("charged %s (case %s), want %d fen", got, l.Case.ChargedAmount, tt.charged)
			}
			if got := movements(l.Money, aftersale.MoveShippingReimbursement); got.Minor != 800 {
				t.Errorf("postage reimbursed %s, want ¥8.00: the merchant pays both ways for a quality exchange (消保法 第二十四条)", got)
			}
			if got := movements(l.Money, aftersale.MoveRefund); !got.IsZero() {
				t.Errorf("an exchange refunded %s", got)
			}
			if l.Case.OutboundShipment == nil || l.Case.OutboundShipment.TrackingNo == "" {
				t.Errorf("no outbound parcel recorded")
			}
			l.Do(at(2025, 3, 16, 10, 0), confirm())
			l.State(aftersale.Completed)
		})
	}
}

// S001《电商售后规定》二.3 (收到换货的商品后24小时内完成换货发出): a merchant who does not send the
// replacement in time has the platform step in, and a ruling turns the exchange into a refund.
func TestExchangeNotShippedInTimeBecomesRefund(t *testing.T) {
	l := exchangeReceived(t, 0)
	if due := l.Deadline(aftersale.MerchantShipExchange); !due.Equal(at(2025, 3, 14, 15, 0)) {
		t.Fatalf("replacement due %v, want 24 hours after receipt: 2025-03-14 15:00", due)
	}
	l.Timeout()
	l.State(aftersale.Disputed)
	l.Do(at(2025, 3, 15, 10, 0), aftersale.Command{Action: aftersale.Approve, Actor: supervisor, Note: "商家无货可换,改为退款"})
	l.State(aftersale.Refunding)
	l.Do(at(2025, 3, 15, 11, 0), refund(shop))
	if got := movements(l.Money, aftersale.MoveRefund); got.Minor != 19900 {
		t.Fatalf("refunded %s, want the ¥199.00 paid", got)
	}
}

// SPEC §2 补发 (missing parts, lost or damaged parcel: send again): seed-platform
// merchant_reship 24h (S001《售后管理规定》三.1).
func TestReship(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name   string
		source string
		reason aftersale.Reason
		opts   []func(*order.Order)
		apply  time.Time
		window string
	}{
		{"missing parts", "S000 二(三)方案提供(补发)", aftersale.MissingParts, nil, at(2025, 3, 12, 10, 0), "reship_missing"},
		{"damaged in transit", "S002 第三章 3.3 物流原因", aftersale.DamagedInTransit, nil, at(2025, 3, 12, 10, 0), "reship_missing"},
		{"lost parcel", "S001《售后管理规定》五.5.4(确认丢件的,可根据客户的要求补发或者退款)", aftersale.LostParcel,
			[]func(*order.Order){func(o *order.Order) { o.DeliveredAt = time.Time{} }}, at(2025, 3, 20, 10, 0), "reship_lost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			l, d := MustOpen(t, e, Apply(MustOrder(t, tt.opts...), aftersale.Reship, tt.reason, tt.apply))
			if !hit(d, tt.window, "allow") || d.ReturnShippingPayer != aftersale.PayerNone || !d.RefundAmount.IsZero() {
				t.Fatalf("decision %+v, want window %s, nothing to send back, nothing refunded", d.Rules, tt.window)
			}
			approved := tt.apply.Add(time.Hour)
			l.Do(approved, approve(shop))
			if due := l.Deadline(aftersale.MerchantReship); !due.Equal(approved.Add(24 * time.Hour)) {
				t.Errorf("reship due %v, want 24 hours after approval", due)
			}
			MustInvalid(t, l.Try(approved.Add(time.Hour), aftersale.Command{Action: aftersale.ShipReship, Actor: shop, Carrier: "SF", TrackingNo: "x"}), "tracking_no")
			l.Do(approved.Add(2*time.Hour), aftersale.Command{Action: aftersale.ShipReship, Actor: shop, Carrier: "SF", TrackingNo: "SF5555666677"})
			l.State(aftersale.Resolved)
			l.Timeout() // the customer's silence confirms
			l.State(aftersale.Completed)
			if len(l.Money) != 0 {
				t.Errorf("a reship moved money: %+v", l.Money)
			}
		})
	}
}

// A merchant who does not reship within 24 hours has the platform step in.
func TestReshipNotSentInTimeEscalates(t *testing.T) {
	e := MustEngine(t)
	l, _ := MustOpen(t, e, Apply(MustOrder(t), aftersale.Reship, aftersale.MissingParts, at(2025, 3, 12, 10, 0)))
	l.Do(at(2025, 3, 12, 11, 0), approve(shop))
	l.Timeout()
	l.State(aftersale.Disputed)
	if l.Case.DisputedFrom != aftersale.Reshipping {
		t.Errorf("disputed from %s, want reshipping", l.Case.DisputedFrom)
	}
}

// SPEC §2 补偿 (partial refund for a defect the customer keeps): the merchant offers, the
// customer accepts (and the money goes out) or declines (and the merchant answers again);
// offers are capped at 30% of what was paid.
func TestCompensationOffer(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name     string
		source   string
		offer    int64
		accept   bool
		invalid  bool
		paid     int64
		endState aftersale.State
	}{
		{"offer accepted", "S000 二(三)方案提供(折价退款)", 2000, true, false, 2000, aftersale.Resolved},
		{"offer at the cap accepted", "seed-platform compensation.max_bp 3000", 5970, true, false, 5970, aftersale.Resolved},
		{"offer declined, merchant asked again", "SPEC §2 补偿", 1000, false, false, 0, aftersale.Requested},
		{"offer above the cap refused", "seed-platform compensation.max_bp 3000", 5971, false, true, 0, aftersale.Requested},
		{"offer of nothing refused", "SPEC §2 补偿", 0, false, true, 0, aftersale.Requested},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			req := Apply(MustOrder(t), aftersale.Compensation, aftersale.QualityDefect, at(2025, 3, 12, 10, 0))
			req.RequestedAmount = money.Yuan(3000)
			l, _ := MustOpen(t, e, req)
			offer := aftersale.Command{Action: aftersale.Offer, Actor: shop, Amount: amount(tt.offer), Note: "小瑕疵折价"}
			if tt.invalid {
				MustInvalid(t, l.Try(at(2025, 3, 12, 11, 0), offer), "amount")
				l.State(tt.endState)
				return
			}
			l.Do(at(2025, 3, 12, 11, 0), offer)
			l.State(aftersale.Offered)
			l.Deadline(aftersale.CustomerOffer)
			if !tt.accept {
				l.Do(at(2025, 3, 12, 12, 0), aftersale.Command{Action: aftersale.DeclineOffer, Actor: buyer, Note: "太少"})
				l.State(tt.endState)
				l.Deadline(aftersale.MerchantResponse)
				return
			}
			l.Do(at(2025, 3, 12, 12, 0), aftersale.Command{Action: aftersale.AcceptOffer, Actor: buyer})
			l.State(aftersale.Refunding)
			l.Do(at(2025, 3, 12, 13, 0), refund(shop))
			l.State(tt.endState)
			if got := movements(l.Money, aftersale.MoveCompensation); got.Minor != tt.paid {
				t.Errorf("compensation paid %s, want %d fen", got, tt.paid)
			}
			if got := movements(l.Money, aftersale.MoveRefund); !got.IsZero() {
				t.Errorf("compensation booked as a refund: %s", got)
			}
		})
	}
}

// A customer who neither accepts nor declines an offer lets the case close (SPEC §4 customer
// silence closes).
func TestCompensationOfferUnansweredCloses(t *testing.T) {
	e := MustEngine(t)
	req := Apply(MustOrder(t), aftersale.Compensation, aftersale.NotAsDescribed, at(2025, 3, 12, 10, 0))
	req.RequestedAmount = money.Yuan(2000)
	l, _ := MustOpen(t, e, req)
	l.Do(at(2025, 3, 12, 11, 0), aftersale.Command{Action: aftersale.Offer, Actor: shop, Amount: amount(1500)})
	l.Timeout()
	l.State(aftersale.Closed)
	if len(l.Money) != 0 {
		t.Errorf("money moved: %+v", l.Money)
	}
}

// repairReceived opens a repair and brings it to the point where the merchant has the item.
func repairReceived(t *testing.T, o order.Order, when time.Time) (*Life, bool) {
	t.Helper()
	l, d := MustOpen(t, MustEngine(t), Apply(o, aftersale.Repair, aftersale.QualityDefect, when))
	l.Do(when.Add(time.Hour), approve(shop))
	l.Do(when.Add(2*time.Hour), shipBack(0))
	l.Do(when.Add(26*time.Hour), inspect(aftersale.InspectionPass))
	l.State(aftersale.Repairing)
	l.Deadline(aftersale.MerchantRepair)
	return l, d.InWarranty
}

// 三包 第十条 (修理两次仍不能正常使用的,由销售者负责更换或者退货): after the second failed repair in
// warranty the customer chooses an exchange or a return.
func TestTwoFailedRepairsLetCustomerChoose(t *testing.T) {
	tests := []struct {
		name   string
		choose aftersale.Action
		want   aftersale.State
		refund int64
	}{
		{"customer chooses an exchange", aftersale.ChooseExchange, aftersale.ExchangePending, 0},
		{"customer chooses a return", aftersale.ChooseReturn, aftersale.Refunding, 19900},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// source: 三包 第十条; statutory max_failed_repairs 2
			l, inWarranty := repairReceived(t, MustOrder(t), at(2025, 3, 12, 10, 0))
			if !inWarranty {
				t.Fatal("a repair 2 days after receipt should be in warranty")
			}
			failed := aftersale.Command{Action: aftersale.RepairFailed, Actor: shop, Note: "更换主板后仍不开机"}
			MustInvalid(t, l.Try(at(2025, 3, 14, 10, 0), aftersale.Command{Action: aftersale.RepairFailed, Actor: shop}), "note")
			l.Do(at(2025, 3, 14, 10, 0), failed)
			l.State(aftersale.Repairing) // one failure: the merchant tries again
			MustNotAllowed(t, l.Try(at(2025, 3, 14, 11, 0), aftersale.Command{Action: tt.choose, Actor: buyer}))
			l.Do(at(2025, 3, 18, 10, 0), failed)
			l.State(aftersale.RepairChoice)
			l.Deadline(aftersale.CustomerRepairChoice)
			if got := aftersale.Allowed(&l.Case, aftersale.Customer, l.Policy); !containsAll(got, aftersale.ChooseExchange, aftersale.ChooseReturn) {
				t.Fatalf("customer may %v, want to choose exchange or return", got)
			}
			l.Do(at(2025, 3, 18, 12, 0), aftersale.Command{Action: tt.choose, Actor: buyer})
			l.State(tt.want)
			if tt.choose == aftersale.ChooseExchange {
				l.Do(at(2025, 3, 18, 15, 0), shipReplacement(nil))
			} else {
				if l.Case.RefundAmount.Minor != tt.refund {
					t.Fatalf("refund due %s, want %d fen", l.Case.RefundAmount, tt.refund)
				}
				l.Do(at(2025, 3, 18, 15, 0), refund(shop))
			}
			l.State(aftersale.Resolved)
			if got := movements(l.Money, aftersale.MoveRefund); got.Minor != tt.refund {
				t.Errorf("refunded %s, want %d fen", got, tt.refund)
			}
			if got := movements(l.Money, aftersale.MoveCharge); !got.IsZero() {
				t.Errorf("an in-warranty repair charged %s", got)
			}
		})
	}
}

// A repair that succeeds in warranty is free and ends with the customer's confirmation.
func TestRepairInWarrantyIsFree(t *testing.T) {
	l, _ := repairReceived(t, MustOrder(t), at(2025, 3, 12, 10, 0))
	MustNotAllowed(t, l.Try(at(2025, 3, 14, 10, 0), aftersale.Command{Action: aftersale.Quote, Actor: shop, Amount: amount(5000)}))
	l.Do(at(2025, 3, 14, 10, 0), aftersale.Command{Action: aftersale.RepairDone, Actor: shop, Carrier: "SF", TrackingNo: "SF7777888899"})
	l.Do(at(2025, 3, 15, 10, 0), confirm())
	l.State(aftersale.Completed)
	if len(l.Money) != 0 {
		t.Errorf("money moved: %+v", l.Money)
	}
}

// SPEC §2 维修 (out of warranty by paid quote): a phone bought more than a year ago is repaired
// only after the customer accepts a quote; declining, or letting the quote lapse, closes it.
func TestOutOfWarrantyRepairByQuote(t *testing.T) {
	old := func(o *order.Order) {
		o.PaidAt, o.ShippedAt, o.DeliveredAt = at(2024, 1, 5, 10, 0), at(2024, 1, 6, 10, 0), at(2024, 1, 8, 10, 0)
	}
	tests := []struct {
		name   string
		source string
		answer aftersale.Command
		want   aftersale.State
		charge int64
	}{
		{"quote accepted: paid repair", "SPEC §2 维修; S001《电商平台售后服务规定》二.3", aftersale.Command{Action: aftersale.AcceptQuote, Actor: buyer}, aftersale.Repairing, 5000},
		{"quote declined: closed", "SPEC §2 维修", aftersale.Command{Action: aftersale.DeclineQuote, Actor: buyer, Note: "太贵"}, aftersale.Closed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			o := MustOrder(t, old)
			d := MustEligible(t, MustEngine(t), Apply(o, aftersale.Repair, aftersale.QualityDefect, at(2025, 3, 12, 10, 0)))
			if d.InWarranty || !strings.Contains(d.Explanation.ZH, "保修") || !strings.Contains(d.Explanation.EN, "warranty") {
				t.Fatalf("in warranty %v; explanation %q / %q should say the warranty ended", d.InWarranty, d.Explanation.ZH, d.Explanation.EN)
			}
			l, _ := repairReceived(t, o, at(2025, 3, 12, 10, 0))
			MustNotAllowed(t, l.Try(at(2025, 3, 14, 9, 0), aftersale.Command{Action: aftersale.RepairDone, Actor: shop, Carrier: "SF", TrackingNo: "SF7777888899"}))
			MustInvalid(t, l.Try(at(2025, 3, 14, 9, 0), aftersale.Command{Action: aftersale.Quote, Actor: shop}), "amount")
			l.Do(at(2025, 3, 14, 10, 0), aftersale.Command{Action: aftersale.Quote, Actor: shop, Amount: amount(5000), Note: "更换屏幕"})
			l.State(aftersale.Quoted)
			l.Deadline(aftersale.CustomerQuote)
			l.Do(at(2025, 3, 14, 12, 0), tt.answer)
			l.State(tt.want)
			if got := movements(l.Money, aftersale.MoveCharge); got.Minor != tt.charge {
				t.Errorf("charged %s, want %d fen", got, tt.charge)
			}
			if tt.want == aftersale.Repairing {
				MustNotAllowed(t, l.Try(at(2025, 3, 14, 13, 0), aftersale.Command{Action: aftersale.Quote, Actor: shop, Amount: amount(1)}))
				l.Do(at(2025, 3, 16, 10, 0), aftersale.Command{Action: aftersale.RepairDone, Actor: shop, Carrier: "SF", TrackingNo: "SF7777888899"})
				l.State(aftersale.Resolved)
			}
		})
	}
}

// An unanswered quote lapses: the platform declines it for the customer.
func TestRepairQuoteLapses(t *testing.T) {
	o := MustOrder(t, func(o *order.Order) {
		o.PaidAt, o.ShippedAt, o.DeliveredAt = at(2024, 1, 5, 10, 0), at(2024, 1, 6, 10, 0), at(2024, 1, 8, 10, 0)
	})
	l, _ := repairReceived(t, o, at(2025, 3, 12, 10, 0))
	l.Do(at(2025, 3, 14, 10, 0), aftersale.Command{Action: aftersale.Quote, Actor: shop, Amount: amount(5000)})
	res := l.Timeout()
	l.State(aftersale.Closed)
	if res.Event.Action != aftersale.DeclineQuote || len(l.Money) != 0 {
		t.Fatalf("lapsed by %s with money %+v, want decline_quote and no charge", res.Event.Action, l.Money)
	}
}

func containsAll(have []aftersale.Action, want ...aftersale.Action) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}
