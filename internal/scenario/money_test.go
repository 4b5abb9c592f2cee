package scenario_test

import (
	"fmt"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/policy"
)

// discountedLine is three mugs at ¥35.00 with ¥5.00 off the line: ¥100.00 paid for three.
func discountedLine(o *order.Order) {
	o.Items = []order.Item{{
		SKU: "MUG-3", Title: "马克杯", Category: "kitchen", Quantity: 3,
		UnitPrice: money.Yuan(3500), PaidAmount: money.Yuan(10000),
	}}
}

// SPEC §3 (退款金额 = 实付金额, discounts prorated): part of a discounted line refunds its share
// of what was actually paid, to the fen.
func TestPartialQuantityRefundsProratedPaidAmount(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		qty  int
		want int64
	}{
		{1, 3333}, // ¥100.00 × 1/3, rounded down: the last unit takes the odd fen
		{2, 6666},
		{3, 10000},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d of 3", tt.qty), func(t *testing.T) {
			// source: SPEC §3 Refund amount; S001《电商平台售后服务规定》二.2
			o := MustOrder(t, discountedLine)
			req := Apply(o, aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 12, 10, 0))
			req.Items[0].Quantity = tt.qty
			l, d := MustOpen(t, e, req)
			if d.RefundAmount.Minor != tt.want || d.ItemsPaid.Minor != tt.want || d.Items[0].PaidAmount.Minor != tt.want {
				t.Fatalf("refund %s, items paid %s, want %d fen", d.RefundAmount, d.ItemsPaid, tt.want)
			}
			l.Do(at(2025, 3, 12, 11, 0), approve(shop))
			l.Do(at(2025, 3, 12, 15, 0), shipBack(0))
			l.Do(at(2025, 3, 13, 15, 0), inspect(aftersale.InspectionPass))
			l.Do(at(2025, 3, 13, 16, 0), refund(shop))
			if got := movements(l.Money, aftersale.MoveRefund); got.Minor != tt.want {
				t.Errorf("refunded %s, want %d fen", got, tt.want)
			}
		})
	}
}

// SPEC §3 (never more than what was paid for that item across all cases): however a line is
// split over cases, the refunds add up to exactly what was paid, when the application keeps
// the order's Claimed and Refunded up to date between cases.
func TestPartialRefundsOnOneLineSumToPaidAmount(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name   string
		qty    int
		paid   int64
		splits []int
	}{
		{"three cases of one mug", 3, 10000, []int{1, 1, 1}},
		{"two then one", 3, 10000, []int{2, 1}},
		{"one then two", 3, 10000, []int{1, 2}},
		{"seven units for ¥99.99 in three cases", 7, 9999, []int{3, 2, 2}},
		{"seven units for ¥99.99 one by one", 7, 9999, []int{1, 1, 1, 1, 1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// source: SPEC §3 Refund amount; money.UnitsRange
			o := MustOrder(t, func(o *order.Order) {
				o.Items = []order.Item{{
					SKU: "CUP", Title: "杯子", Category: "kitchen", Quantity: tt.qty,
					UnitPrice: money.Yuan(3500), PaidAmount: money.Yuan(tt.paid),
				}}
			})
			total := money.Yuan(0)
			for i, n := range tt.splits {
				req := Apply(o, aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 12, 10, i))
				req.Items[0].Quantity = n
				l, d := MustOpen(t, e, req)
				l.Do(at(2025, 3, 12, 11, i), approve(shop))
				l.Do(at(2025, 3, 12, 15, i), shipBack(0))
				l.Do(at(2025, 3, 13, 15, i), inspect(aftersale.InspectionPass))
				l.Do(at(2025, 3, 13, 16, i), refund(shop))
				got := movements(l.Money, aftersale.MoveRefund)
				if got != d.RefundAmount {
					t.Fatalf("case %d refunded %s, decided %s", i+1, got, d.RefundAmount)
				}
				total = total.MustAdd(got)
				// The application records what this case took from the line.
				o.Items[0].Claimed += n
				o.Items[0].Refunded = o.Items[0].Refunded.MustAdd(got)
			}
			if total.Minor != tt.paid {
				t.Fatalf("refunds sum to %s, want exactly %d fen", total, tt.paid)
			}
			// Nothing is left to claim.
			req := Apply(o, aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 14, 10, 0))
			req.Items[0].Quantity = 1
			MustRefused(t, e, req, "quantity")
		})
	}
}

// SPEC §3: an order-level discount is spread over the lines by their list prices; a partial
// return of one line refunds its share of that line's paid amount.
func TestOrderDiscountProratedAcrossLinesThenUnits(t *testing.T) {
	e := MustEngine(t)
	paid, err := money.AllocateDiscount([]money.Line{{ListAmount: money.Yuan(30000)}, {ListAmount: money.Yuan(10001)}}, money.Yuan(2000))
	if err != nil {
		t.Fatal(err)
	}
	if paid[0].MustAdd(paid[1]).Minor != 38001 {
		t.Fatalf("lines paid %v, want ¥380.01 in total", paid)
	}
	o := MustOrder(t, func(o *order.Order) {
		o.Items = []order.Item{
			{SKU: "SHOE", Title: "跑鞋", Category: "shoes", Quantity: 3, UnitPrice: money.Yuan(10000), PaidAmount: paid[0]},
			{SKU: "SOCK", Title: "袜子", Category: "apparel", Quantity: 1, UnitPrice: money.Yuan(10001), PaidAmount: paid[1]},
		}
	})
	req := Apply(o, aftersale.ReturnRefund, aftersale.SizeFit, at(2025, 3, 12, 10, 0))
	req.Items = []policy.RequestItem{{SKU: "SHOE", Quantity: 1}}
	d := MustEligible(t, e, req)
	want := paid[0].Share(1, 3)
	if d.RefundAmount != want {
		t.Fatalf("refund %s, want %s (one third of the shoe line's %s)", d.RefundAmount, want, paid[0])
	}
}

// 电商法 第二十条 and the statutory refund terms: a whole order refunded before it left the
// merchant gets its shipping fee back; part of it does not.
func TestShippingFeeRefundedWithWholeUnshippedOrder(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name string
		qty  int
		want int64
	}{
		{"whole order", 3, 10000 + 1000},
		{"part of the order", 1, 3333},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// source: statutory refund.shipping_fee_when; S001《电商售后规定》二.4
			o := MustOrder(t, discountedLine, notShipped)
			req := Apply(o, aftersale.RefundOnly, aftersale.ChangedMind, at(2025, 3, 7, 12, 0))
			req.Items[0].Quantity = tt.qty
			d := MustEligible(t, e, req)
			if d.RefundAmount.Minor != tt.want {
				t.Fatalf("refund %s, want %d fen", d.RefundAmount, tt.want)
			}
		})
	}
}

// SPEC §2 补偿 and seed-platform compensation.max_bp (S000 二(三) 折价退款): what the customer
// asks for is capped at 30% of what was paid, and a merchant offer above the cap is invalid.
func TestCompensationCapped(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name      string
		requested int64
		want      int64
		capped    bool
	}{
		{"below the cap", 3000, 3000, false},
		{"at the cap", 5970, 5970, false},
		{"above the cap", 10000, 5970, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// source: S000 二(三)方案提供(折价退款); seed-platform compensation.max_bp 3000
			req := Apply(MustOrder(t), aftersale.Compensation, aftersale.QualityDefect, at(2025, 3, 12, 10, 0))
			req.RequestedAmount = money.Yuan(tt.requested)
			d := MustEligible(t, e, req)
			if d.RefundAmount.Minor != tt.want || hit(d, "compensation_cap", "apply") != tt.capped {
				t.Fatalf("refund %s (capped %v), want %d fen (capped %v)", d.RefundAmount, hit(d, "compensation_cap", "apply"), tt.want, tt.capped)
			}
		})
	}
}

// 暂行办法(赠品、配件应一并退回) and seed-platform refund.max_inspection_deduction_bp: an
// inspection may deduct for missing gifts or accessories, up to 20% of what was paid.
func TestInspectionDeductionCapped(t *testing.T) {
	e := MustEngine(t)
	tests := []struct {
		name      string
		deduction int64
		refunded  int64 // 0: the deduction is refused
	}{
		{"a missing gift at its marked price", 2500, 19900 - 2500},
		{"exactly the 20% cap", 3980, 19900 - 3980},
		{"above the cap", 3981, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// source: S001《电商平台售后服务规定》二.1(配件完好); seed-platform max_inspection_deduction_bp 2000
			l, _ := MustOpen(t, e, Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.NoReason, at(2025, 3, 12, 10, 0)))
			l.Do(at(2025, 3, 12, 11, 0), approve(shop))
			l.Do(at(2025, 3, 12, 15, 0), shipBack(0))
			cmd := inspect(aftersale.InspectionPass)
			cmd.Deduction = money.Yuan(tt.deduction)
			if tt.refunded == 0 {
				MustInvalid(t, l.Try(at(2025, 3, 13, 15, 0), cmd), "deduction")
				l.State(aftersale.Returning)
				return
			}
			l.Do(at(2025, 3, 13, 15, 0), cmd)
			l.Do(at(2025, 3, 13, 16, 0), refund(shop))
			if got := movements(l.Money, aftersale.MoveRefund); got.Minor != tt.refunded {
				t.Errorf("refunded %s, want %d fen", got, tt.refunded)
			}
		})
	}
}

// SPEC §8 (never refund twice, never more than paid): a refund must be exactly the amount due,
// and once paid nothing more is due.
func TestRefundMustBeTheAmountDue(t *testing.T) {
	e := MustEngine(t)
	l, _ := MustOpen(t, e, Apply(MustOrder(t), aftersale.ReturnRefund, aftersale.QualityDefect, at(2025, 3, 12, 10, 0)))
	l.Do(at(2025, 3, 12, 11, 0), approve(shop))
	l.Do(at(2025, 3, 12, 15, 0), shipBack(0))
	l.Do(at(2025, 3, 13, 15, 0), inspect(aftersale.InspectionPass))
	cmd := refund(shop)
	cmd.Amount = amount(20000)
	MustInvalid(t, l.Try(at(2025, 3, 13, 16, 0), cmd), "amount")
	cmd.Amount = amount(19900)
	l.Do(at(2025, 3, 13, 16, 0), cmd)
	MustNotAllowed(t, l.Try(at(2025, 3, 13, 17, 0), refund(shop)))
	if got := movements(l.Money, aftersale.MoveRefund); got.Minor != 19900 || len(l.Money) != 1 {
		t.Fatalf("money %+v, want one refund of ¥199.00", l.Money)
	}
}
