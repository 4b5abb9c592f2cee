package policy

import (
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/calendar"
)

var payerLabels = map[aftersale.Payer]Text{
	aftersale.PayerCustomer:  {ZH: "买家", EN: "you"},
	aftersale.PayerMerchant:  {ZH: "商家", EN: "the merchant"},
	aftersale.PayerInsurance: {ZH: "运费险", EN: "the order's freight insurance"},
}

// formatTime writes an instant for people; a deadline at midnight is written as 24:00 of
// the day before, the way periods in days are spoken of (民法典 第二百零三条).
func formatTime(t time.Time, cal *calendar.Calendar, locale string) string {
	t = t.In(cal.Location())
	clock := t.Format("15:04")
	if t.Equal(cal.StartOfDay(t)) {
		t, clock = t.AddDate(0, 0, -1), "24:00"
	}
	if locale == "zh" {
		return t.Format("2006年1月2日 ") + clock
	}
	return t.Format("2 Jan 2006 ") + clock + t.Format(" MST")
}

// explain writes the decision as a customer would want to read it, in both languages.
func explain(req *Request, d *Decision, applyBy *time.Time, cal *calendar.Calendar) Text {
	var zh, en strings.Builder
	typ := req.Type.Label()
	if !d.Eligible {
		zh.WriteString("不符合" + typ.ZH + "条件:")
		en.WriteString("Not eligible for " + strings.ToLower(typ.EN) + ": ")
		for i, r := range d.Refusals {
			if i > 0 {
				zh.WriteString(";")
				en.WriteString("; ")
			}
			zh.WriteString(r.Text.ZH)
			en.WriteString(r.Text.EN)
		}
		zh.WriteString("。")
		en.WriteString(".")
		return Text{ZH: zh.String(), EN: en.String()}
	}

	zh.WriteString("可以申请" + typ.ZH)
	en.WriteString("You may apply for " + strings.ToLower(typ.EN))
	if len(d.windowNames) > 0 {
		var nz, ne []string
		for _, n := range d.windowNames {
			nz, ne = append(nz, n.ZH), append(ne, n.EN)
		}
		zh.WriteString(":" + strings.Join(nz, "、"))
		en.WriteString(" under " + strings.Join(ne, ", "))
	}
	if applyBy != nil {
		zh.WriteString("(" + formatTime(*applyBy, cal, "zh") + "前有效)")
		en.WriteString(" (until " + formatTime(*applyBy, cal, "en") + ")")
	}
	zh.WriteString("。")
	en.WriteString(". ")

	if req.Type == aftersale.Repair {
		if d.InWarranty {
			zh.WriteString("在保修期内,免费维修。")
			en.WriteString("The item is in warranty: the repair is free. ")
		} else {
			zh.WriteString("已过保修期,维修需按商家报价付费。")
			en.WriteString("The warranty has ended: the repair is paid, by a quote you may accept or decline. ")
		}
	}
	if p, ok := payerLabels[d.ReturnShippingPayer]; ok {
		zh.WriteString("退货运费由" + p.ZH + "承担。")
		en.WriteString("Return shipping is paid by " + p.EN + ". ")
	}
	if req.Type.RefundsMoney() {
		zh.WriteString("退款金额 " + d.RefundAmount.Format("zh"))
		en.WriteString("Refund: " + d.RefundAmount.Format("en"))
		var pz, pe []string
		if d.ShippingRefund.Minor > 0 {
			pz = append(pz, "含运费 "+d.ShippingRefund.Format("zh"))
			pe = append(pe, "including shipping "+d.ShippingRefund.Format("en"))
		}
		if d.Deductions.Minor > 0 {
			pz = append(pz, "已扣除 "+d.Deductions.Format("zh"))
			pe = append(pe, "less deductions of "+d.Deductions.Format("en"))
		}
		if len(pz) > 0 {
			zh.WriteString("(" + strings.Join(pz, ",") + ")")
			en.WriteString(" (" + strings.Join(pe, ", ") + ")")
		}
		zh.WriteString("。")
		en.WriteString(". ")
	}
	if d.AutoApprove {
		zh.WriteString("符合极速处理条件,将自动同意。")
		en.WriteString("It qualifies for instant approval.")
	} else {
		for _, t := range d.Deadlines {
			if t.Kind == string(aftersale.MerchantResponse) && t.Due != nil {
				zh.WriteString("商家须在 " + formatTime(*t.Due, cal, "zh") + " 前处理。")
				en.WriteString("The merchant must answer by " + formatTime(*t.Due, cal, "en") + ".")
			}
		}
	}
	return Text{ZH: zh.String(), EN: strings.TrimSpace(en.String())}
}
