package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/policy"
)

// window is a merchant window of the given scope; reasons and length may be empty.
func window(id, types, reasons, from, length string) string {
	s := "windows:\n  - id: " + id + "\n    name: {zh: 窗口, en: a window}\n    types: " + types + "\n"
	if reasons != "" {
		s += "    reasons: " + reasons + "\n"
	}
	s += "    from: " + from + "\n"
	if length != "" {
		s += "    length: " + length + "\n"
	}
	return s
}

const noReasons = "[no_reason, size_fit, changed_mind]" // the floor's no_reason_return

// A layer that gives customers less than the statutory floor is refused with a *FloorError
// on the key at fault, saying in both languages what the law guarantees and where
// (floor.go, checkFloor; 消费者权益保护法 第二十四、二十五条; 三包).
func TestLoadRefusesLayersBelowTheFloor(t *testing.T) {
	tests := []struct {
		name, body, field string
		en                []string // parts of the English message
		zh                string
	}{
		{"switching off the no-reason return", "disable: [no_reason_return]\n", "disable[0]",
			[]string{`cannot switch off "no_reason_return" (the 7-day no-reason return)`, "消保法 第二十五条"}, "七日无理由退货"},
		{"switching off the merchant's shipping for his faults", "disable: [r, merchant_fault_shipping]\n", "disable[1]",
			[]string{`cannot switch off the statutory shipping rule "merchant_fault_shipping"`, "消保法 第二十四条"}, "法定运费规则"},
		{"no-reason return for fewer reasons", window("no_reason_return", "[return_refund]", "[no_reason]", "signed", "7d"), "windows[0]",
			[]string{`"no_reason_return" may not cover fewer types or reasons than the law`}, "不能缩小法定适用范围"},
		{"quality exchange for other types", window("quality_exchange", "[repair]", "", "signed", "15d"), "windows[0]",
			[]string{"fewer types or reasons", "三包 第九条"}, "不能缩小"},
		{"no-reason return from purchase", window("no_reason_return", "[return_refund]", noReasons, "purchase", "7d"), "windows[0].from",
			[]string{"must count from the day after signed receipt, as the law does"}, "须自签收次日起算"},
		{"undelivered refund from shipment", window("undelivered_refund", "[refund_only]", "[not_received, lost_parcel, abnormal_signoff, out_of_stock]", "shipment", ""), "windows[0].from",
			[]string{"must count from the day after purchase"}, "须自付款次日起算"},
		{"quality return from shipment", window("quality_return", "[return_refund]", "", "shipment", "7d"), "windows[0].from",
			[]string{"must count from the day after signed receipt"}, "签收次日"},
		{"a condition on the no-reason return", window("no_reason_return", "[return_refund]", noReasons, "signed", "7d") + "    when: 'customer.risk < 40'\n", "windows[0].when",
			[]string{"is a statutory right and may not be made conditional"}, "不能附加条件"},
		{"six days for the no-reason return", window("no_reason_return", "[return_refund]", noReasons, "signed", "6d"), "windows[0].length",
			[]string{"may not be shorter than the statutory 7d"}, "不能短于法定的7d"},
		// 5 working days from a Saturday end on the Friday, the 6th day (floor.go, spanCovers).
		{"five working days for seven days", window("no_reason_return", "[return_refund]", noReasons, "signed", "5wd"), "windows[0].length",
			[]string{"shorter than the statutory 7d"}, "不能短于"},
		// 7d ends with the 7th day after receipt; 168 hours end at the same hour.
		{"168 hours for seven days", window("no_reason_return", "[return_refund]", noReasons, "signed", "168h"), "windows[0].length",
			[]string{"shorter than the statutory 7d"}, "不能短于"},
		{"an end to the refund for goods not received", window("undelivered_refund", "[refund_only]", "[not_received, lost_parcel, abnormal_signoff, out_of_stock]", "purchase", "1y"), "windows[0].length",
			[]string{`"undelivered_refund" may not be shorter than`}, "不能短于"},
		{"refusing no-reason returns of a category", "rules:\n  - id: no_returns\n    explain: {zh: 不退, en: no returns}\n    types: [return_refund]\n    when: 'item.category == \"phones\"'\n    effect: refuse\n", "rules[0]",
			[]string{`rule "no_returns" would refuse the 7-day no-reason return, which the law guarantees`}, "会拒绝法定的"},
		// A statutory ground excuses goods from the no-reason return only (第二十五条第一款).
		{"refusing quality returns of custom-made goods", "rules:\n  - id: custom\n    explain: {zh: 定制不退, en: custom-made}\n    types: [return_refund]\n    reasons: [quality_defect]\n    ground: custom_made\n    when: 'true'\n    effect: refuse\n", "rules[0]",
			[]string{"the 7-day return for a quality problem", "a statutory ground only excuses goods from the no-reason return"}, "法定事由"},
		{"the customer paying for a wrong item", "return_shipping: [{id: cheap, reasons: [wrong_item], payer: customer}]\n", "return_shipping[0]",
			[]string{`shipping rule "cheap" makes the customer pay where the law makes the merchant pay`}, "让买家承担"},
		{"the customer paying every return", "return_shipping: [{id: cheap, payer: customer}]\n", "return_shipping[0]",
			[]string{"makes the customer pay"}, "让买家承担"},
		{"eight days to refund a no-reason return", "deadlines: {merchant_refund: 8d}\n", "deadlines.merchant_refund[0]",
			[]string{"Refund due may not be longer than the statutory 7d for these reasons"}, "退款时限不能长于法定的7d"},
		{"ten working days to refund", "deadlines: {merchant_refund: [{reasons: [quality_defect], span: 1d}, {span: 10wd}]}\n", "deadlines.merchant_refund[1]",
			[]string{"may not be longer than the statutory 7d"}, "不能长于"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newEngine(t).Load([]byte(shopDoc(tt.body)))
			var fe *policy.FloorError
			if !errors.As(err, &fe) {
				t.Fatalf("Load = %v, want a *FloorError", err)
			}
			if fe.Field != tt.field || fe.Doc != "shop-rules@1" {
				t.Errorf("refused %s on %q, want shop-rules@1 on %q", fe.Doc, fe.Field, tt.field)
			}
			for _, w := range tt.en {
				if !strings.Contains(fe.Message.EN, w) {
					t.Errorf("en %q, want %q", fe.Message.EN, w)
				}
			}
			if !strings.Contains(fe.Message.ZH, tt.zh) {
				t.Errorf("zh %q, want %q", fe.Message.ZH, tt.zh)
			}
			if err.Error() != "policy shop-rules@1: "+tt.field+": "+fe.Message.EN {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

// More than the law is always allowed, and what the law does not lock may be changed.
func TestLoadAcceptsLayersAtOrAboveTheFloor(t *testing.T) {
	tests := []struct{ name, body string }{
		{"switching off what the floor does not lock", "disable: [warranty_repair, no_reason_shipping, custom_made]\n"},
		{"the no-reason return as the law states it", window("no_reason_return", "[return_refund]", noReasons, "signed", "7d")},
		{"the no-reason return for every reason and exchanges too", window("no_reason_return", "[return_refund, exchange]", "", "signed", "7d")},
		{"the no-reason return without end", window("no_reason_return", "[return_refund]", noReasons, "signed", "")},
		{"15 days", window("no_reason_return", "[return_refund]", noReasons, "signed", "15d")},
		{"seven working days", window("no_reason_return", "[return_refund]", noReasons, "signed", "7wd")},
		{"192 hours", window("no_reason_return", "[return_refund]", noReasons, "signed", "192h")},
		{"a month", window("no_reason_return", "[return_refund]", noReasons, "signed", "1mo")},
		{"a shorter repair window, which the floor does not lock", window("warranty_repair", "[repair]", "[quality_defect]", "signed", "6mo")},
		{"refusing perishable goods their no-reason return", "rules:\n  - id: fresh\n    explain: {zh: 生鲜, en: fresh}\n    types: [return_refund]\n    reasons: [no_reason]\n    ground: perishable\n    when: 'true'\n    effect: refuse\n"},
		{"asking evidence for no-reason returns", "rules:\n  - id: photos\n    explain: {zh: 请拍照, en: photos please}\n    types: [return_refund]\n    when: 'true'\n    effect: require_evidence\n"},
		{"refusing what no locked window covers", "rules:\n  - id: late\n    explain: {zh: 不补偿, en: no compensation}\n    types: [compensation]\n    when: 'true'\n    effect: refuse\n"},
		{"the customer paying no-reason returns", "return_shipping: [{id: cheap, reasons: [no_reason, changed_mind], payer: customer}]\n"},
		{"the merchant paying every return", "return_shipping: [{id: kind, payer: merchant}]\n"},
		{"a longer refund for other reasons", "deadlines: {merchant_refund: [{reasons: [quality_defect], span: 30d}, {span: 7d}]}\n"},
		// Only sometimes longer than 7 days (across a holiday): the engine clamps it instead.
		{"five working days to refund", "deadlines: {merchant_refund: 5wd}\n"},
	}
	for _, tt := range tests {
		if _, err := newEngine(t).Load([]byte(shopDoc(tt.body))); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}
