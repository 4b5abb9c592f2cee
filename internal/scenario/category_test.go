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

// smallApplianceRepairs is a platform-wide category layer that takes the other seed's side:
// small appliances are repaired within six months of purchase, not a year.
const smallApplianceRepairs = `
schema: aftersales.policy/v1
id: small-appliance
version: 1
layer: category
category: small_appliance
name: {zh: 小家电维修期, en: Small appliance repairs}
source: S001《电商售后服务流程规定》四.1
disable: [repair_1y, warranty_repair]
windows:
  - id: repair_6mo
    name: {zh: 购买后六个月内维修, en: repair within six months of purchase}
    types: [repair]
    reasons: [quality_defect]
    from: purchase
    length: 6mo
    source: S001《电商售后服务流程规定》四.1(申请维修的时间一般在购买后的六个月内)
`

// S001《电商售后服务流程规定》四.1 vs S001《电商平台售后服务规定》二.3: the seeds disagree on the
// repair period; a category layer gives small appliances six months while everything else
// keeps the platform's year. Outside the period a repair is by paid quote.
func TestCategoryRepairWindowOverride(t *testing.T) {
	e := MustEngine(t, smallApplianceRepairs)
	tests := []struct {
		name       string
		source     string
		category   string
		apply      time.Time
		inWarranty bool
		window     string
	}{
		{"small appliance, month 5", "S001《电商售后服务流程规定》四.1", "small_appliance", at(2025, 8, 1, 10, 0), true, "repair_6mo"},
		{"small appliance, last day of month 6", "S001《电商售后服务流程规定》四.1; 民法典 第二百零二条", "small_appliance", at(2025, 9, 7, 23, 0), true, "repair_6mo"},
		{"small appliance, the day after", "S001《电商售后服务流程规定》四.1", "small_appliance", at(2025, 9, 8, 0, 0), false, ""},
		{"small appliance, month 7", "S001《电商售后服务流程规定》四.1", "small_appliance", at(2025, 10, 10, 10, 0), false, ""},
		{"apparel, month 7: the platform's year", "S001《电商平台售后服务规定》二.3(维修期限为购买商品后的一年内)", "apparel", at(2025, 10, 10, 10, 0), true, "warranty_repair"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Log("source:", tt.source)
			o := MustOrder(t, category(tt.category))
			d := MustEligible(t, e, Apply(o, aftersale.Repair, aftersale.QualityDefect, tt.apply))
			if d.InWarranty != tt.inWarranty {
				t.Fatalf("in warranty %v, want %v (%+v)", d.InWarranty, tt.inWarranty, d.Rules)
			}
			if tt.window != "" && !hit(d, tt.window, "allow") {
				t.Errorf("decided by %+v, want %s", d.Rules, tt.window)
			}
			wantVersion := platform()
			if tt.category == "small_appliance" {
				wantVersion += "+small-appliance@1"
			}
			if d.PolicyVersion != wantVersion {
				t.Errorf("version %q, want %q", d.PolicyVersion, wantVersion)
			}
			if tt.window == "repair_6mo" && !strings.Contains(d.Explanation.ZH, "购买后六个月内维修") {
				t.Errorf("explanation %q should name the category's window", d.Explanation.ZH)
			}
		})
	}
}

// A merchant's own category layer sits on top of the platform's category layer: shop-a gives
// its small appliances a year again, other shops keep six months.
func TestMerchantCategoryLayerOnTopOfPlatformCategory(t *testing.T) {
	e := MustEngine(t, smallApplianceRepairs, `
schema: aftersales.policy/v1
id: shop-a-small-appliance
version: 1
layer: category
merchant: shop-a
category: small_appliance
name: {zh: 商家A小家电一年保修, en: "Shop A small appliances, one year"}
windows:
  - id: shop_repair_1y
    name: {zh: 购买后一年内维修, en: repair within a year of purchase}
    types: [repair]
    reasons: [quality_defect]
    from: purchase
    length: 1y
    source: 商家承诺
`)
	when := at(2025, 10, 10, 10, 0)
	d := MustEligible(t, e, Apply(MustOrder(t, category("small_appliance")), aftersale.Repair, aftersale.QualityDefect, when))
	if !d.InWarranty || d.PolicyVersion != platform()+"+small-appliance@1+shop-a-small-appliance@1" {
		t.Errorf("shop-a: in warranty %v under %q, want in warranty under all four layers", d.InWarranty, d.PolicyVersion)
	}
	other := MustOrder(t, category("small_appliance"), func(o *order.Order) { o.Merchant = "shop-b" })
	if d := MustEligible(t, e, Apply(other, aftersale.Repair, aftersale.QualityDefect, when)); d.InWarranty {
		t.Errorf("shop-b: in warranty under %q, want six months only", d.PolicyVersion)
	}
}

// SPEC §3 (each item judged under its category's layers): an order with a small appliance and
// a jacket, both sent for repair in month 7, is out of warranty because of the appliance.
func TestMixedCategoriesJudgedPerItem(t *testing.T) {
	e := MustEngine(t, smallApplianceRepairs)
	o := MustOrder(t, func(o *order.Order) {
		o.Items = append(o.Items, order.Item{
			SKU: "KETTLE", Title: "电水壶", Category: "small_appliance", Quantity: 1,
			UnitPrice: money.Yuan(12900), PaidAmount: money.Yuan(12900),
		})
	})
	req := Apply(o, aftersale.Repair, aftersale.QualityDefect, at(2025, 10, 10, 10, 0))
	req.Items = []policy.RequestItem{{SKU: "JACKET-M", Quantity: 1}, {SKU: "KETTLE", Quantity: 1}}
	d := MustEligible(t, e, req)
	if d.InWarranty {
		t.Errorf("in warranty, want out of warranty because of the kettle (%+v)", d.Rules)
	}
	if d.ItemsPaid.Minor != 19900+12900 {
		t.Errorf("items paid %s, want ¥328.00", d.ItemsPaid)
	}
}
