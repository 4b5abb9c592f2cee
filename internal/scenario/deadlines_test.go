package scenario_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/order"
)

// S001《电商售后服务流程规定》二.2 (审核退货 1个工作日内给予答复): the merchant's answer is due by the
// end of the next working day, on the PRC calendar with its holidays and make-up working days.
func TestMerchantResponseOneWorkingDay(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name   string
		source string
		apply  time.Time
		due    time.Time
	}{
		{"on a Wednesday: by the end of Thursday", "S001《电商售后服务流程规定》二.2", at(2025, 3, 12, 10, 0), at(2025, 3, 14, 0, 0)},
		{"on a Friday: by the end of Monday", "S001《电商售后服务流程规定》二.2", at(2025, 3, 14, 10, 0), at(2025, 3, 18, 0, 0)},
		{"on a Saturday: by the end of Monday", "S001《电商售后服务流程规定》二.2", at(2025, 3, 15, 22, 0), at(2025, 3, 18, 0, 0)},
		{"late on a Friday: still by the end of Monday", "S001《电商售后服务流程规定》二.2", at(2025, 3, 14, 23, 59), at(2025, 3, 18, 0, 0)},
		{"Friday before Spring Festival 2026: the make-up Saturday counts", "国办发明电〔2025〕7号(2月14日 星期六 上班)", at(2026, 2, 13, 10, 0), at(2026, 2, 15, 0, 0)},
		{"on the make-up Saturday: the holiday is skipped", "国办发明电〔2025〕7号(2月15日至23日 放假)", at(2026, 2, 14, 10, 0), at(2026, 2, 25, 0, 0)},
		{"during Spring Festival 2026: the first day back", "国办发明电〔2025〕7号", at(2026, 2, 18, 10, 0), at(2026, 2, 25, 0, 0)},
		{"Friday before Spring Festival 2025: the make-up Sunday counts", "国办发明电〔2024〕12号(1月26日 星期日 上班)", at(2025, 1, 24, 10, 0), at(2025, 1, 27, 0, 0)},
		{"on the eve of National Day 2025", "国办发明电〔2024〕12号(10月1日至8日 放假)", at(2025, 9, 30, 10, 0), at(2025, 10, 10, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			o := MustOrder(t, func(o *order.Order) {
				o.PaidAt, o.ShippedAt, o.DeliveredAt = tt.apply.AddDate(0, 0, -4), tt.apply.AddDate(0, 0, -3), tt.apply.AddDate(0, 0, -2)
			})
			l, d := MustOpen(t, e, Apply(o, aftersale.ReturnRefund, aftersale.QualityDefect, tt.apply))
			if due := l.Deadline(aftersale.MerchantResponse); !due.Equal(tt.due) {
				t.Errorf("due %v, want %v", due, tt.due)
			}
			for _, term := range d.Deadlines {
				if term.Kind == string(aftersale.MerchantResponse) && (term.Due == nil || !term.Due.Equal(tt.due) || term.Span != "1wd") {
					t.Errorf("decision says %+v, want 1wd due %v", term, tt.due)
				}
			}
		})
	}
}

// S001《电商平台售后服务规定》二.2: the refund is due within 3 working days for online payment and
// 7 working days for cash on delivery — but for a no-reason return the law's 7 calendar days
// from receipt of the goods bind (消保法 第二十五条), whatever the working days say.
func TestRefundDeadlines(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name     string
		source   string
		cod      bool
		reason   aftersale.Reason
		received time.Time // the merchant confirms receipt
		due      time.Time
	}{
		{"online, quality: 3 working days", "S001《电商平台售后服务规定》二.2(在线支付 3个工作日)", false, aftersale.QualityDefect, at(2025, 3, 12, 15, 0), at(2025, 3, 18, 0, 0)},
		{"online, no reason: 3 working days within the 7 days", "S001《电商平台售后服务规定》二.2", false, aftersale.NoReason, at(2025, 3, 12, 15, 0), at(2025, 3, 18, 0, 0)},
		{"cash on delivery, quality: 7 working days", "S001《电商平台售后服务规定》二.2(货到付款 7个工作日)", true, aftersale.QualityDefect, at(2025, 3, 12, 15, 0), at(2025, 3, 22, 0, 0)},
		{"cash on delivery, wrong item: 7 working days", "S001《电商平台售后服务规定》二.2", true, aftersale.WrongItem, at(2025, 3, 12, 15, 0), at(2025, 3, 22, 0, 0)},
		{"cash on delivery, no reason: 7 calendar days", "消保法 第二十五条(自收到退回商品之日起七日内返还)", true, aftersale.NoReason, at(2025, 3, 12, 15, 0), at(2025, 3, 20, 0, 0)},
		{"cash on delivery, size: 7 calendar days", "消保法 第二十五条", true, aftersale.SizeFit, at(2025, 3, 12, 15, 0), at(2025, 3, 20, 0, 0)},
		{"online, quality, over Spring Festival 2026: 3 working days", "S001《电商平台售后服务规定》二.2; 国办发明电〔2025〕7号", false, aftersale.QualityDefect, at(2026, 2, 13, 15, 0), at(2026, 2, 26, 0, 0)},
		{"online, no reason, over Spring Festival 2026: clamped to 7 days", "消保法 第二十五条; statutory deadline_limits", false, aftersale.NoReason, at(2026, 2, 13, 15, 0), at(2026, 2, 21, 0, 0)},
		{"cash on delivery, quality, over Spring Festival 2026: 7 working days", "S001《电商平台售后服务规定》二.2; 国办发明电〔2025〕7号(2月28日 星期六 上班)", true, aftersale.QualityDefect, at(2026, 2, 13, 15, 0), at(2026, 3, 3, 0, 0)},
		{"cash on delivery, no reason, over Spring Festival 2026: 7 days", "消保法 第二十五条", true, aftersale.NoReason, at(2026, 2, 13, 15, 0), at(2026, 2, 21, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			applied := tt.received.AddDate(0, 0, -2)
			o := MustOrder(t, func(o *order.Order) {
				o.PaidAt, o.ShippedAt, o.DeliveredAt = applied.AddDate(0, 0, -4), applied.AddDate(0, 0, -3), applied.AddDate(0, 0, -1)
				if tt.cod {
					o.PaymentMethod = order.CashOnDelivery
				}
			})
			app := Apply(o, aftersale.ReturnRefund, tt.reason, applied)
			if tt.cod {
				app.RefundMethod = aftersale.RefundBalance // cash on delivery cannot be refunded the original way
			}
			l, _ := MustOpen(t, e, app)
			l.Do(applied.Add(time.Hour), approve(shop))
			l.Do(applied.Add(2*time.Hour), shipBack(0))
			l.Do(tt.received, inspect(aftersale.InspectionPass))
			if due := l.Deadline(aftersale.MerchantRefund); !due.Equal(tt.due) {
				t.Errorf("refund due %v, want %v", due, tt.due)
			}
			if fx := l.Last.Effects.SetDeadlines; len(fx) != 1 || fx[0].Kind != aftersale.MerchantRefund || !fx[0].Due.Equal(tt.due) {
				t.Errorf("effects set %+v, want merchant_refund due %v", fx, tt.due)
			}
		})
	}
}

// S001《电商售后规定》二.3 (收到换货的商品后24小时内完成换货发出快递): 24 hours on the clock, holidays
// included; the merchant inspects a delivered return within 1 working day (二.5 验收退货).
func TestExchangeShippedWithin24Hours(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name     string
		received time.Time
		due      time.Time
	}{
		{"on a weekday", at(2025, 3, 12, 15, 0), at(2025, 3, 13, 15, 0)},
		{"on a Friday evening: through Saturday", at(2025, 3, 14, 20, 30), at(2025, 3, 15, 20, 30)},
		{"on the eve of Spring Festival 2026", at(2026, 2, 14, 17, 0), at(2026, 2, 15, 17, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// source: S001《电商售后规定》二.3
			applied := tt.received.AddDate(0, 0, -2)
			o := MustOrder(t, func(o *order.Order) {
				o.PaidAt, o.ShippedAt, o.DeliveredAt = applied.AddDate(0, 0, -4), applied.AddDate(0, 0, -3), applied.AddDate(0, 0, -1)
			})
			l, _ := MustOpen(t, e, Apply(o, aftersale.Exchange, aftersale.QualityDefect, applied))
			l.Do(applied.Add(time.Hour), approve(shop))
			l.Do(applied.Add(2*time.Hour), shipBack(0))
			l.Do(tt.received, inspect(aftersale.InspectionPass))
			if due := l.Deadline(aftersale.MerchantShipExchange); !due.Equal(tt.due) {
				t.Errorf("replacement due %v, want %v", due, tt.due)
			}
		})
	}
}

// SPEC §4 (leaving a waiting state stops its clock; entering one starts it): every transition
// cancels the clock of the state it leaves and sets the clock of the state it enters, and the
// case carries exactly the clock of its state.
func TestDeadlinesFollowTheState(t *testing.T) {
	e := MustEngine(t)
	l, _ := MustOpen(t, e, Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.QualityDefect, at(2025, 3, 12, 10, 0)))
	if fx := l.Last.Effects.SetDeadlines; len(fx) != 1 || fx[0].Kind != aftersale.MerchantResponse {
		t.Fatalf("opening set %+v, want merchant_response", fx)
	}
	steps := []struct {
		name   string
		cmd    aftersale.Command
		cancel aftersale.DeadlineKind
		set    aftersale.DeadlineKind // "" for none
	}{
		{"merchant asks for information", aftersale.Command{Action: aftersale.RequestInfo, Actor: shop, Note: "请上传视频"}, aftersale.MerchantResponse, aftersale.CustomerInfo},
		{"customer provides it", aftersale.Command{Action: aftersale.ProvideInfo, Actor: buyer, Note: "视频已上传"}, aftersale.CustomerInfo, aftersale.MerchantResponse},
		{"merchant approves", approve(shop), aftersale.MerchantResponse, aftersale.CustomerShipBack},
		{"customer ships back", shipBack(1000), aftersale.CustomerShipBack, aftersale.MerchantReceipt},
		{"carrier delivers", deliver(), aftersale.MerchantReceipt, aftersale.MerchantInspection},
		{"merchant inspects", inspect(aftersale.InspectionPass), aftersale.MerchantInspection, aftersale.MerchantRefund},
		{"merchant refunds", refund(shop), aftersale.MerchantRefund, aftersale.CustomerConfirm},
		{"customer confirms", confirm(), aftersale.CustomerConfirm, ""},
	}
	now := at(2025, 3, 12, 11, 0)
	for _, s := range steps {
		now = now.Add(3 * time.Hour)
		res := l.Do(now, s.cmd)
		if !slices.Equal(res.Effects.CancelDeadlines, []aftersale.DeadlineKind{s.cancel}) {
			t.Errorf("%s: cancelled %v, want [%s]", s.name, res.Effects.CancelDeadlines, s.cancel)
		}
		var set []aftersale.DeadlineKind
		for _, d := range res.Effects.SetDeadlines {
			set = append(set, d.Kind)
			if !d.Due.After(now) {
				t.Errorf("%s: %s due %v, not after now %v", s.name, d.Kind, d.Due, now)
			}
		}
		if s.set == "" && len(set) != 0 || s.set != "" && !slices.Equal(set, []aftersale.DeadlineKind{s.set}) {
			t.Errorf("%s: set %v, want [%s]", s.name, set, s.set)
		}
		if !slices.Equal(res.Case.Deadlines, res.Effects.SetDeadlines) {
			t.Errorf("%s: case carries %+v, effects set %+v", s.name, res.Case.Deadlines, res.Effects.SetDeadlines)
		}
	}
	l.State(aftersale.Completed)
}

// 消保法 第二十五条 (自收到退回商品之日起七日内返还) and docs/POLICY.md ("a no-reason return is
// refunded within 7 days of the merchant receiving it"): counted from the day the returned
// parcel reached the merchant, however long the merchant takes to inspect it.
func TestNoReasonRefundDueWithin7DaysOfMerchantReceivingGoods(t *testing.T) {
	tests := []struct {
		name      string
		bare      bool // the statutory floor alone
		delivered time.Time
		inspected time.Time
		latest    time.Time
	}{
		{"statutory floor alone: inspected on the last of its 3 days", true, at(2025, 3, 13, 10, 0), at(2025, 3, 16, 23, 0), at(2025, 3, 21, 0, 0)},
		{"seed platform: inspected on the make-up Saturday before Spring Festival 2026", false, at(2026, 2, 13, 10, 0), at(2026, 2, 14, 23, 0), at(2026, 2, 21, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// source: 消保法 第二十五条
			e := MustEngine(t)
			if tt.bare {
				e = MustBareEngine(t)
			}
			applied := tt.delivered.AddDate(0, 0, -2)
			o := MustOrder(t, func(o *order.Order) {
				o.PaidAt, o.ShippedAt, o.DeliveredAt = applied.AddDate(0, 0, -4), applied.AddDate(0, 0, -3), applied.AddDate(0, 0, -1)
			})
			l, _ := MustOpen(t, e, Apply(o, aftersale.ReturnRefund, aftersale.NoReason, applied))
			l.Do(applied.Add(time.Hour), approve(shop))
			l.Do(applied.Add(2*time.Hour), shipBack(0))
			l.Do(tt.delivered, deliver())
			if due := l.Deadline(aftersale.MerchantInspection); !tt.inspected.Before(due) {
				t.Fatalf("inspection at %v is not in time (due %v)", tt.inspected, due)
			}
			l.Do(tt.inspected, inspect(aftersale.InspectionPass))
			if due := l.Deadline(aftersale.MerchantRefund); due.After(tt.latest) {
				t.Errorf("refund due %v, later than 7 days after the goods arrived (%v)", due, tt.latest)
			}
		})
	}
}
