package scenario_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/order"
)

// The 7-day no-reason return counts from the day after signed receipt: whatever the hour
// of signing, the seventh day after the signing date is the last day, and it ends at 24:00.
func TestNoReasonReturnWindow(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name   string
		source string
		signed time.Time
		apply  time.Time
		reason aftersale.Reason
		ok     bool
	}{
		{"day 1 after a 15:00 signing", "暂行办法 第六条", at(2025, 3, 10, 15, 0), at(2025, 3, 11, 9, 0), aftersale.NoReason, true},
		{"day 7 at 23:59 after a 15:00 signing", "消保法 第二十五条; 暂行办法 第六条", at(2025, 3, 10, 15, 0), at(2025, 3, 17, 23, 59), aftersale.NoReason, true},
		{"day 8 at 00:00 after a 15:00 signing", "消保法 第二十五条; 暂行办法 第六条", at(2025, 3, 10, 15, 0), at(2025, 3, 18, 0, 0), aftersale.NoReason, false},
		{"day 7 at 23:59 after a 23:59 signing", "暂行办法 第六条(自签收商品次日开始起算)", at(2025, 3, 10, 23, 59), at(2025, 3, 17, 23, 59), aftersale.NoReason, true},
		{"day 8 at 00:01 after a 23:59 signing", "暂行办法 第六条(自签收商品次日开始起算)", at(2025, 3, 10, 23, 59), at(2025, 3, 18, 0, 1), aftersale.NoReason, false},
		{"day 7 after a signing at midnight", "民法典 第二百零一条", at(2025, 3, 10, 0, 0), at(2025, 3, 17, 12, 0), aftersale.NoReason, true},
		{"day 8 after a signing at midnight", "民法典 第二百零一条", at(2025, 3, 10, 0, 0), at(2025, 3, 18, 12, 0), aftersale.NoReason, false},
		{"the signing day itself", "暂行办法 第六条", at(2025, 3, 10, 23, 59), at(2025, 3, 10, 23, 59), aftersale.NoReason, true},
		{"size does not fit, day 7", "消保法 第二十五条; S001《电商售后服务规定》一.2", at(2025, 3, 10, 15, 0), at(2025, 3, 17, 20, 0), aftersale.SizeFit, true},
		{"size does not fit, day 8", "消保法 第二十五条; S001《电商售后服务规定》一.2", at(2025, 3, 10, 15, 0), at(2025, 3, 18, 8, 0), aftersale.SizeFit, false},
		{"changed mind, day 8", "消保法 第二十五条", at(2025, 3, 10, 15, 0), at(2025, 3, 18, 8, 0), aftersale.ChangedMind, false},
		{"a weekend and a holiday do not extend it", "民法典 第二百零三条 is not applied: the platform counts strictly", at(2025, 4, 28, 10, 0), at(2025, 5, 6, 0, 0), aftersale.NoReason, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			o := MustOrder(t, signedAt(tt.signed))
			d := MustEvaluate(t, e, Apply(o, aftersale.ReturnRefund, tt.reason, tt.apply))
			if d.Eligible != tt.ok {
				t.Fatalf("%s: eligible = %v, want %v: %s", tt.source, d.Eligible, tt.ok, d.Explanation.EN)
			}
			if tt.ok && !hit(d, "no_reason_return", "allow") {
				t.Errorf("decided by %+v, want the no_reason_return window", d.Rules)
			}
			if !tt.ok && (len(d.Refusals) == 0 || d.Refusals[0].Rule != "no_reason_return") {
				t.Errorf("refusals %+v, want no_reason_return", d.Refusals)
			}
			last := tt.signed.AddDate(0, 0, 8)
			last = time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, shanghai)
			if len(d.Items) != 1 || d.Items[0].ApplyBy == nil || !d.Items[0].ApplyBy.Equal(last) {
				t.Errorf("apply by %v, want %v (24:00 of the 7th day after signing)", d.Items[0].ApplyBy, last)
			}
		})
	}
}

// 消保法 第二十五条; 暂行办法 第六条: on day 7 (the 17th after a signing on the 10th) the
// return is accepted, and the explanation names the window and its last day.
func TestNoReasonReturnAcceptedOnDay7(t *testing.T) {
	e := MustEngine(t)
	o := MustOrder(t, signedAt(at(2025, 3, 10, 23, 59)))
	d := MustEligible(t, e, Apply(o, aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 17, 23, 59)))
	for _, want := range []string{"七日无理由退货", "2025年3月17日"} {
		if !strings.Contains(d.Explanation.ZH, want) {
			t.Errorf("zh explanation %q lacks %q", d.Explanation.ZH, want)
		}
	}
	for _, want := range []string{"7-day no-reason return", "17 Mar 2025"} {
		if !strings.Contains(d.Explanation.EN, want) {
			t.Errorf("en explanation %q lacks %q", d.Explanation.EN, want)
		}
	}
	if d.RefundAmount.Minor != 19900 {
		t.Errorf("refund %s, want the ¥199.00 paid", d.RefundAmount)
	}
}

// 消保法 第二十五条; 暂行办法 第六条: on day 8 the return is refused, and the refusal names the
// window and the day it ended, in both languages.
func TestNoReasonReturnRefusedOnDay8(t *testing.T) {
	e := MustEngine(t)
	o := MustOrder(t, signedAt(at(2025, 3, 10, 23, 59)))
	d := MustRefused(t, e, Apply(o, aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 18, 0, 0)), "no_reason_return")
	if !strings.Contains(d.Explanation.ZH, "七日无理由退货") || !strings.Contains(d.Explanation.ZH, "2025年3月17日") {
		t.Errorf("zh explanation %q should name the window and its last day", d.Explanation.ZH)
	}
	if !strings.Contains(d.Explanation.EN, "7-day no-reason return") || !strings.Contains(d.Explanation.EN, "17 Mar 2025") {
		t.Errorf("en explanation %q should name the window and its last day", d.Explanation.EN)
	}
	for _, h := range d.Rules {
		if h.ID == "no_reason_return" && !strings.Contains(h.Source, "暂行办法 第六条") {
			t.Errorf("hit source %q should cite 暂行办法 第六条", h.Source)
		}
	}
}

// 暂行办法 第六条: the period starts at signed receipt, so an order still on its way cannot be
// returned without a reason yet (a refund-only for non-delivery is the way then).
func TestNoReasonReturnNotBeforeSignedReceipt(t *testing.T) {
	e := MustEngine(t)
	o := MustOrder(t, func(o *order.Order) { o.DeliveredAt = time.Time{} })
	d := MustRefused(t, e, Apply(o, aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 9, 10, 0)), "no_reason_return")
	if !strings.Contains(d.Explanation.ZH, "签收次日") || !strings.Contains(d.Explanation.EN, "signed receipt") {
		t.Errorf("explanation should say the window counts from signed receipt: %q / %q", d.Explanation.ZH, d.Explanation.EN)
	}
}

// The statutory exclusions of 消保法 第二十五条 refuse a no-reason return only for goods that
// carry the ground's tag; a quality defect is accepted for the same goods (消保法 第二十四条).
func TestNoReasonExclusions(t *testing.T) {
	e := MustEngine(t)
	apply := at(2025, 3, 12, 10, 0)
	tests := []struct {
		name      string
		source    string
		tag       string
		reason    aftersale.Reason
		refusedBy string
	}{
		{"custom-made refused for no reason", "消保法 第二十五条第一款(一)", order.TagCustomMade, aftersale.NoReason, "custom_made"},
		{"custom-made refused for size", "消保法 第二十五条第一款(一)", order.TagCustomMade, aftersale.SizeFit, "custom_made"},
		{"custom-made accepted for a quality defect", "消保法 第二十四条; 三包 第八条", order.TagCustomMade, aftersale.QualityDefect, ""},
		{"perishable refused for no reason", "消保法 第二十五条第一款(二)", order.TagPerishable, aftersale.NoReason, "perishable"},
		{"perishable refused for a changed mind", "消保法 第二十五条第一款(二)", order.TagPerishable, aftersale.ChangedMind, "perishable"},
		{"perishable accepted when not as described", "消保法 第二十四条", order.TagPerishable, aftersale.NotAsDescribed, ""},
		{"digital refused for no reason", "消保法 第二十五条第一款(三)", order.TagDigital, aftersale.NoReason, "digital"},
		{"digital accepted for a wrong item", "消保法 第二十四条", order.TagDigital, aftersale.WrongItem, ""},
		{"opened media refused for no reason", "消保法 第二十五条第一款(三)", order.TagOpenedMedia, aftersale.NoReason, "opened_media"},
		{"opened media accepted for a quality defect", "消保法 第二十四条", order.TagOpenedMedia, aftersale.QualityDefect, ""},
		{"periodical refused for no reason", "消保法 第二十五条第一款(四)", order.TagPeriodical, aftersale.NoReason, "periodical"},
		{"periodical accepted when damaged in transit", "消保法 第二十四条", order.TagPeriodical, aftersale.DamagedInTransit, ""},
		{"unfit goods confirmed at purchase refused for no reason", "消保法 第二十五条第二款; 暂行办法 第七条", order.TagUnfitConfirmed, aftersale.NoReason, "unfit_confirmed"},
		{"unfit goods confirmed at purchase accepted for a quality defect", "消保法 第二十四条", order.TagUnfitConfirmed, aftersale.QualityDefect, ""},
		{"goods without a tag accepted for no reason", "消保法 第二十五条(only tagged goods are excluded)", "", aftersale.NoReason, ""},
		{"a gift tag is no ground", "消保法 第二十五条", order.TagGift, aftersale.NoReason, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			opts := []func(*order.Order){}
			if tt.tag != "" {
				opts = append(opts, tagged(tt.tag))
			}
			o := MustOrder(t, opts...)
			req := Apply(o, aftersale.ReturnRefund, tt.reason, apply)
			if tt.refusedBy == "" {
				d := MustEligible(t, e, req)
				if d.RefundAmount.Minor != 19900 {
					t.Errorf("refund %s, want ¥199.00", d.RefundAmount)
				}
				return
			}
			d := MustRefused(t, e, req, tt.refusedBy)
			if d.Explanation.ZH == "" || d.Explanation.EN == "" || !hasHan(d.Explanation.ZH) {
				t.Errorf("explanation should be readable in zh and en: %+v", d.Explanation)
			}
			if d.Refusals[len(d.Refusals)-1].Text.ZH == "" {
				t.Errorf("refusal without a zh text: %+v", d.Refusals)
			}
		})
	}
}

// 消保法 第二十五条第二款: "unfit by nature" is a ground only where the customer confirmed it at
// purchase. Hygiene goods (an unfit category) without the confirmation tag go back like any
// other goods, and the case runs to a refund.
func TestUnfitGoodsWithoutConfirmationReturnedForNoReason(t *testing.T) {
	e := MustEngine(t)
	o := MustOrder(t, category("underwear"))
	l, _ := MustOpen(t, e, Apply(o, aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 12, 10, 0)))
	l.Do(at(2025, 3, 12, 11, 0), approve(shop))
	l.Do(at(2025, 3, 12, 15, 0), shipBack(0))
	l.Do(at(2025, 3, 13, 15, 0), inspect(aftersale.InspectionPass))
	l.Do(at(2025, 3, 13, 16, 0), refund(shop))
	if got := movements(l.Money, aftersale.MoveRefund); got.Minor != 19900 {
		t.Fatalf("refunded %s, want ¥199.00", got)
	}
}
