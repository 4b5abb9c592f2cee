package scenario_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/policy"
)

// SPEC §3 (every evaluation explains itself: which rule matched and why): the explanation is
// there in Chinese and English and names the window that decided, and the rules that took part
// carry their source.
func TestExplanationNamesTheDecidingWindow(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name   string
		source string
		typ    aftersale.Type
		reason aftersale.Reason
		opts   []func(*order.Order)
		apply  time.Time
		window string
		zh, en string
	}{
		{"no-reason return", "消保法 第二十五条", aftersale.ReturnRefund, aftersale.NoReason, nil, at(2025, 3, 12, 10, 0),
			"no_reason_return", "七日无理由退货", "7-day no-reason return"},
		{"quality return", "三包 第八条", aftersale.ReturnRefund, aftersale.QualityDefect, nil, at(2025, 3, 12, 10, 0),
			"quality_return", "质量问题七日内退货", "7-day return for a quality problem"},
		{"quality exchange on day 14: the 15 days from receipt outlast the platform's", "三包 第九条", aftersale.Exchange, aftersale.QualityDefect, nil, at(2025, 3, 24, 10, 0),
			"quality_exchange", "质量问题十五日内换货", "15-day exchange for a quality problem"},
		{"size exchange: the 15 days from purchase", "S001《电商平台售后服务规定》二.4", aftersale.Exchange, aftersale.SizeFit, nil, at(2025, 3, 12, 10, 0),
			"exchange_15d", "购买后十五日内换货", "exchange within 15 days of purchase"},
		{"repair in warranty", "三包", aftersale.Repair, aftersale.QualityDefect, nil, at(2025, 3, 12, 10, 0),
			"warranty_repair", "保修期内维修", "repair in warranty"},
		{"refund before shipment", "S001《电商平台公司售后退款管理制度》二", aftersale.RefundOnly, aftersale.ChangedMind, []func(*order.Order){notShipped}, at(2025, 3, 7, 12, 0),
			"unshipped_refund", "未发货仅退款", "refund before shipment"},
		{"refund for a parcel never received", "电商法 第二十条", aftersale.RefundOnly, aftersale.NotReceived, []func(*order.Order){func(o *order.Order) { o.DeliveredAt = time.Time{} }}, at(2025, 3, 20, 12, 0),
			"undelivered_refund", "未收到货退款", "refund for goods not received"},
		{"reship of missing parts", "S000 二(三)", aftersale.Reship, aftersale.MissingParts, nil, at(2025, 3, 12, 10, 0),
			"reship_missing", "少件或运输损坏补发", "reship for missing parts or transit damage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			d := MustEligible(t, e, Apply(MustOrder(t, tt.opts...), tt.typ, tt.reason, tt.apply))
			if !hit(d, tt.window, "allow") {
				t.Fatalf("decided by %+v, want %s", d.Rules, tt.window)
			}
			if !strings.Contains(d.Explanation.ZH, tt.zh) || !hasHan(d.Explanation.ZH) {
				t.Errorf("zh %q should name %q", d.Explanation.ZH, tt.zh)
			}
			if !strings.Contains(d.Explanation.EN, tt.en) {
				t.Errorf("en %q should name %q", d.Explanation.EN, tt.en)
			}
			for _, h := range d.Rules {
				if h.ID == tt.window && h.Source == "" {
					t.Errorf("window hit %+v without its source", h)
				}
			}
		})
	}
}

// A refusal explains itself with the rule that refused, in both languages (SPEC §3).
func TestRefusalExplainsItself(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name   string
		source string
		req    func(t *testing.T) policy.Request
		rule   string
		zh, en string
	}{
		{"custom-made", "消保法 第二十五条第一款(一)", func(t *testing.T) policy.Request {
			return Apply(MustOrder(t, tagged(order.TagCustomMade)), aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 12, 10, 0))
		}, "custom_made", "定作", "custom-made"},
		{"quality claim without evidence", "S001《电商售后服务规定》一.1(消费者需提供相关证据,如照片或视频)", func(t *testing.T) policy.Request {
			r := Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.QualityDefect, at(2025, 3, 12, 10, 0))
			r.HasEvidence = false
			return r
		}, "evidence_for_quality", "照片", "photo"},
		{"no-reason exchange is no window", "消保法 第二十五条(退货, not exchange)", func(t *testing.T) policy.Request {
			return Apply(MustOrder(t), aftersale.Exchange, aftersale.NoReason, at(2025, 3, 12, 10, 0))
		}, "no_window", "七天无理由", "No reason"},
		{"refund only once shipped, for a changed mind", "S001《电商平台公司售后退款管理制度》二", func(t *testing.T) policy.Request {
			return Apply(MustOrder(t), aftersale.RefundOnly, aftersale.ChangedMind, at(2025, 3, 12, 10, 0))
		}, "no_window", "仅退款", "refund only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			d := MustRefused(t, e, tt.req(t), tt.rule)
			if !strings.Contains(d.Explanation.ZH, tt.zh) || !strings.Contains(d.Explanation.EN, tt.en) {
				t.Errorf("explanation %q / %q should mention %q / %q", d.Explanation.ZH, d.Explanation.EN, tt.zh, tt.en)
			}
		})
	}
}

// S003 二(2) (一键退换货): a low-value no-reason return of a low-risk customer is approved at once;
// a dearer one, or a risky customer, waits for the merchant.
func TestOneClickReturn(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name  string
		price int64
		risk  int
		watch bool
		want  bool
	}{
		{"¥80 from a low-risk customer", 8000, 10, false, true},
		{"¥100 exactly", 10000, 0, false, true},
		{"¥100.01", 10001, 10, false, false},
		{"¥80 from a customer scored 39", 8000, 39, false, true},
		{"¥80 from a customer scored 40", 8000, 40, false, false},
		{"¥80 from a watch-listed customer", 8000, 0, true, false},
		{"¥80 from a high-risk customer", 8000, 80, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// source: S003 二(2)(推出"一键退换货"服务); SPEC §11
			o := MustOrder(t, func(o *order.Order) {
				o.Items[0].UnitPrice, o.Items[0].PaidAmount = money.Yuan(tt.price), money.Yuan(tt.price)
			})
			req := Apply(o, aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 12, 10, 0))
			req.Customer = policy.CustomerVars{ID: "cust-1", Risk: tt.risk, WatchListed: tt.watch}
			d := MustEligible(t, e, req)
			if d.AutoApprove != tt.want {
				t.Fatalf("auto approve %v, want %v (%+v)", d.AutoApprove, tt.want, d.Rules)
			}
			if tt.want != hit(d, "one_click_return", "apply") {
				t.Errorf("rules %+v should record one_click_return exactly when it applies", d.Rules)
			}
		})
	}
}

// A layer loaded after applications were judged applies to the next application.
func TestNewLayerAppliesToTheNextApplication(t *testing.T) {
	e := MustEngine(t)
	req := Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 20, 10, 0))
	MustRefused(t, e, req, "no_reason_return") // day 10: beyond the law
	MustLoad(t, e, generousShop)
	d := MustEligible(t, e, req)
	if !strings.HasSuffix(d.PolicyVersion, "+shop-a@1") {
		t.Errorf("version %q, want the new merchant layer", d.PolicyVersion)
	}
}
