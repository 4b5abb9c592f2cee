package aftersale_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	as "github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
)

// A command whose own fields are missing or wrong is refused with an *InvalidError on the
// field at fault, in both languages (rules.go, the checks), and the case does not move.
func TestCommandFieldsAreChecked(t *testing.T) {
	yuan := func(minor int64) *money.Amount { a := money.Yuan(minor); return &a }
	usd := func(minor int64) *money.Amount { a := money.New(minor, "USD"); return &a }
	merchant, customer := as.Actor{Role: as.Merchant, ID: "m"}, as.Actor{Role: as.Customer, ID: "c"}
	ship := func(carrier, tracking string, cost money.Amount) as.Command {
		return as.Command{Action: as.ShipBack, Actor: customer, Carrier: carrier, TrackingNo: tracking, Cost: cost}
	}
	inspect := func(result as.Inspection, note string, deduction money.Amount) as.Command {
		return as.Command{Action: as.ConfirmReceipt, Actor: merchant, Inspection: result, Note: note, Deduction: deduction}
	}
	exchange := func(carrier string, amount *money.Amount) as.Command {
		return as.Command{Action: as.ShipExchange, Actor: merchant, Carrier: carrier, TrackingNo: "SF654321", Amount: amount}
	}
	tests := []struct {
		name  string
		ty    as.Type
		state as.State
		cmd   as.Command
		field string
	}{
		{"reject without a note", as.ReturnRefund, as.Requested, as.Command{Action: as.Reject, Actor: merchant, Note: " \n"}, "note"},
		{"more information without a note", as.ReturnRefund, as.Requested, as.Command{Action: as.RequestInfo, Actor: merchant}, "note"},
		{"information with neither note nor evidence", as.ReturnRefund, as.InfoRequested, as.Command{Action: as.ProvideInfo, Actor: customer, Note: "  "}, "note"},

		{"ship back without a carrier", as.ReturnRefund, as.Approved, ship(" ", "SF123456", money.Amount{}), "carrier"},
		{"ship back with a carrier of 65 bytes", as.ReturnRefund, as.Approved, ship(strings.Repeat("c", 65), "SF123456", money.Amount{}), "carrier"},
		{"tracking number of 5 characters", as.ReturnRefund, as.Approved, ship("SF", "SF123", money.Amount{}), "tracking_no"},
		{"tracking number of 41 characters", as.ReturnRefund, as.Approved, ship("SF", strings.Repeat("1", 41), money.Amount{}), "tracking_no"},
		{"tracking number with a space", as.ReturnRefund, as.Approved, ship("SF", "SF 123456", money.Amount{}), "tracking_no"},
		{"tracking number in Chinese", as.ReturnRefund, as.Approved, ship("SF", "顺丰123456", money.Amount{}), "tracking_no"},
		{"negative postage", as.ReturnRefund, as.Approved, ship("SF", "SF123456", money.Yuan(-1)), "cost"},
		{"postage in another currency", as.ReturnRefund, as.Approved, ship("SF", "SF123456", money.New(800, "USD")), "cost"},

		{"no inspection result", as.ReturnRefund, as.Returning, inspect("", "", money.Amount{}), "inspection"},
		{"an inspection result that is neither", as.ReturnRefund, as.Returning, inspect("maybe", "", money.Amount{}), "inspection"},
		{"failed inspection without a note", as.ReturnRefund, as.Returning, inspect(as.InspectionFail, "", money.Amount{}), "note"},
		{"deduction on a failed inspection", as.ReturnRefund, as.Returning, inspect(as.InspectionFail, "划痕", money.Yuan(100)), "deduction"},
		{"deduction on an exchange", as.Exchange, as.Returning, inspect(as.InspectionPass, "", money.Yuan(100)), "deduction"},
		{"a finding on a passed inspection", as.ReturnRefund, as.Returning, as.Command{Action: as.ConfirmReceipt, Actor: merchant, Inspection: as.InspectionPass, Finding: as.FindingEmptyBox}, "finding"},
		{"an unknown finding", as.ReturnRefund, as.Returning, as.Command{Action: as.ConfirmReceipt, Actor: merchant, Inspection: as.InspectionFail, Note: "空", Finding: "stolen"}, "finding"},
		{"a finding on another action", as.ReturnRefund, as.Requested, as.Command{Action: as.Approve, Actor: merchant, Finding: as.FindingSwapped}, "finding"},
		{"negative deduction", as.ReturnRefund, as.Returning, inspect(as.InspectionPass, "", money.Yuan(-100)), "deduction"},
		{"deduction above the policy's 10%", as.ReturnRefund, as.ReturnDelivered, inspect(as.InspectionPass, "", money.Yuan(1001)), "deduction"},
		{"deduction in another currency", as.ReturnRefund, as.Returning, inspect(as.InspectionPass, "", money.New(100, "USD")), "deduction"},

		{"refund of less than is due", as.ReturnRefund, as.Refunding, as.Command{Action: as.Refund, Actor: merchant, Amount: yuan(9999)}, "amount"},
		{"refund of the amount due in another currency", as.ReturnRefund, as.Refunding, as.Command{Action: as.Refund, Actor: merchant, Amount: usd(10000)}, "amount"},

		{"offer without an amount", as.Compensation, as.Requested, as.Command{Action: as.Offer, Actor: merchant}, "amount"},
		{"offer of nothing", as.Compensation, as.Requested, as.Command{Action: as.Offer, Actor: merchant, Amount: yuan(0)}, "amount"},
		{"offer in another currency", as.Compensation, as.Requested, as.Command{Action: as.Offer, Actor: merchant, Amount: usd(100)}, "amount"},
		{"offer above the policy's 30%", as.Compensation, as.Requested, as.Command{Action: as.Offer, Actor: merchant, Amount: yuan(3001)}, "amount"},
		{"quote without an amount", as.Repair, as.Repairing, as.Command{Action: as.Quote, Actor: merchant}, "amount"},
		{"negative quote", as.Repair, as.Repairing, as.Command{Action: as.Quote, Actor: merchant, Amount: yuan(-500)}, "amount"},

		{"replacement without a carrier", as.Exchange, as.ExchangePending, exchange("", nil), "carrier"},
		{"price difference in another currency", as.Exchange, as.ExchangePending, exchange("SF", usd(-100)), "amount"},
		{"price difference above what was paid", as.Exchange, as.ExchangePending, exchange("SF", yuan(-10001)), "amount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := guardedCase(tt.ty, tt.state)
			p := &fixedPolicy{maxFailed: 2, deductionBP: 1000, compensationBP: 3000}
			res, err := as.Transition(c, tt.cmd, testNow, p)
			var inv *as.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("Transition = %v (state %s), want an *InvalidError on %s", err, res.Case.State, tt.field)
			}
			if inv.Field != tt.field || inv.Message.ZH == "" || inv.Message.EN == "" {
				t.Errorf("refused on %q with %+v, want %s", inv.Field, inv.Message, tt.field)
			}
		})
	}
}

// The limits of the checks are inclusive, and a note or a piece of evidence is enough.
func TestCommandFieldsAtTheirLimitsAreAccepted(t *testing.T) {
	yuan := func(minor int64) *money.Amount { a := money.Yuan(minor); return &a }
	merchant, customer := as.Actor{Role: as.Merchant, ID: "m"}, as.Actor{Role: as.Customer, ID: "c"}
	tests := []struct {
		name  string
		ty    as.Type
		state as.State
		cmd   as.Command
		want  as.State
	}{
		{"information as evidence only", as.ReturnRefund, as.InfoRequested, as.Command{Action: as.ProvideInfo, Actor: customer, Evidence: []as.Evidence{{ID: "photo-1"}}}, as.Requested},
		{"64-byte carrier, 40-character tracking number with dashes", as.ReturnRefund, as.Approved,
			as.Command{Action: as.ShipBack, Actor: customer, Carrier: strings.Repeat("c", 64), TrackingNo: "SF-" + strings.Repeat("a", 37)}, as.Returning},
		{"6-character tracking number", as.ReturnRefund, as.Approved, as.Command{Action: as.ShipBack, Actor: customer, Carrier: "SF", TrackingNo: "ab1234"}, as.Returning},
		{"deduction of exactly the policy's 10%", as.ReturnRefund, as.Returning, as.Command{Action: as.ConfirmReceipt, Actor: merchant, Inspection: as.InspectionPass, Deduction: money.Yuan(1000)}, as.Refunding},
		{"a failed inspection with its finding", as.ReturnRefund, as.Returning,
			as.Command{Action: as.ConfirmReceipt, Actor: merchant, Inspection: as.InspectionFail, Note: "空包", Finding: as.FindingEmptyBox}, as.InspectionFailed},
		{"refund of exactly the amount due", as.ReturnRefund, as.Refunding, as.Command{Action: as.Refund, Actor: merchant, Amount: yuan(10000)}, as.Resolved},
		{"offer of exactly the policy's 30%", as.Compensation, as.Requested, as.Command{Action: as.Offer, Actor: merchant, Amount: yuan(3000)}, as.Offered},
		{"price difference of everything paid", as.Exchange, as.ExchangePending,
			as.Command{Action: as.ShipExchange, Actor: merchant, Carrier: "SF", TrackingNo: "SF654321", Amount: yuan(-10000)}, as.Resolved},
	}
	for _, tt := range tests {
		p := &fixedPolicy{maxFailed: 2, deductionBP: 1000, compensationBP: 3000}
		res, err := as.Transition(guardedCase(tt.ty, tt.state), tt.cmd, testNow, p)
		if err != nil || res.Case.State != tt.want {
			t.Errorf("%s: Transition = %s, %v; want %s", tt.name, res.Case.State, err, tt.want)
		}
	}
}

// Open refuses amounts that do not add up or mix currencies (open.go, validate): a case
// whose items disagree with items_paid, or whose line may refund more than was paid, would
// let the holdings drift from the order.
func TestOpenRefusesInconsistentAmounts(t *testing.T) {
	p := mustRealPolicies(t)[0]
	tests := []struct {
		name  string
		spoil func(o *as.Opening)
		field string
	}{
		{"shipping part larger than the refund", func(o *as.Opening) { o.ShippingRefund = money.Yuan(10001) }, "refund_amount"},
		{"negative shipping part", func(o *as.Opening) { o.ShippingRefund = money.Yuan(-1) }, "refund_amount"},
		{"shipping part in another currency", func(o *as.Opening) { o.ShippingRefund = money.New(600, "USD") }, "shipping_refund"},
		{"requested amount in another currency", func(o *as.Opening) { o.RequestedAmount = money.New(600, "USD") }, "requested_amount"},
		{"line paid in another currency", func(o *as.Opening) { o.Items[0].PaidAmount = money.New(10000, "USD") }, "items[0]"},
		{"line refundable in another currency", func(o *as.Opening) { o.Items[0].Refundable = money.New(100, "USD") }, "items[0]"},
		{"negative line", func(o *as.Opening) { o.Items[0].PaidAmount, o.ItemsPaid = money.Yuan(-1), money.Yuan(-1) }, "items[0]"},
		{"refundable above paid", func(o *as.Opening) { o.Items[0].Refundable = money.Yuan(10001) }, "items[0]"},
		{"lines that do not add up", func(o *as.Opening) { o.ItemsPaid = money.Yuan(9999) }, "items_paid"},
	}
	for _, tt := range tests {
		o := validOpening()
		tt.spoil(&o)
		_, err := as.Open(o, testNow, p)
		var inv *as.InvalidError
		if !errors.As(err, &inv) || inv.Field != tt.field {
			t.Errorf("%s: Open = %v, want an *InvalidError on %s", tt.name, err, tt.field)
		}
	}
}

// holdingsCase is a return of two lines, A (2 units, ¥60 paid) and B (1 unit, ¥40 paid of
// which another case took ¥10), refunding ¥90 for the items and the order's ¥6 shipping fee.
func holdingsCase(ty as.Type, s as.State) as.Case {
	return as.Case{
		Type: ty, State: s, ItemsPaid: money.Yuan(10000),
		Items: []as.Item{
			{SKU: "A", Quantity: 2, PaidAmount: money.Yuan(6000), Refundable: money.Yuan(6000)},
			{SKU: "B", Quantity: 1, PaidAmount: money.Yuan(4000), Refundable: money.Yuan(3000)},
		},
		RefundAmount: money.Yuan(9600), ShippingRefund: money.Yuan(600), RefundedAmount: money.Yuan(0),
	}
}

// Holdings is what the case holds of each line (holding.go): an open case claims its units
// and reserves all it may pay back; an ended case keeps what it paid, and its units only if
// it paid for them; compensation claims no units. The order's shipping fee is held apart.
func TestHoldingsFollowTheCaseFromOpenToEnded(t *testing.T) {
	y := money.Yuan
	tests := []struct {
		name     string
		c        func() as.Case
		want     []as.Holding
		shipping bool
	}{
		{"open: units claimed, everything reserved", func() as.Case { return holdingsCase(as.ReturnRefund, as.Requested) },
			[]as.Holding{{"A", 2, y(0), y(6000)}, {"B", 1, y(0), y(3000)}}, true},
		{"open, refunded: the reservation became the refund", func() as.Case {
			c := holdingsCase(as.ReturnRefund, as.Resolved)
			c.RefundedAmount = y(9600)
			return c
		}, []as.Holding{{"A", 2, y(6000), y(0)}, {"B", 1, y(3000), y(0)}}, true},
		{"completed refund keeps units and money", func() as.Case {
			c := holdingsCase(as.ReturnRefund, as.Completed)
			c.RefundedAmount, c.RefundsUnits = y(9600), true
			return c
		}, []as.Holding{{"A", 2, y(6000), y(0)}, {"B", 1, y(3000), y(0)}}, true},
		{"closed without a refund releases everything", func() as.Case { return holdingsCase(as.ReturnRefund, as.Closed) },
			[]as.Holding{{"A", 0, y(0), y(0)}, {"B", 0, y(0), y(0)}}, false},
		{"completed exchange releases the units", func() as.Case {
			c := holdingsCase(as.Exchange, as.Completed)
			c.RefundAmount, c.ShippingRefund = y(0), y(0)
			return c
		}, []as.Holding{{"A", 0, y(0), y(0)}, {"B", 0, y(0), y(0)}}, false},
		{"open compensation claims no units", func() as.Case {
			c := holdingsCase(as.Compensation, as.Offered)
			c.RefundAmount, c.ShippingRefund = y(0), y(0)
			return c
		}, []as.Holding{{"A", 0, y(0), y(6000)}, {"B", 0, y(0), y(3000)}}, false},
		{"completed compensation keeps what it paid, line by line", func() as.Case {
			c := holdingsCase(as.Compensation, as.Completed)
			c.RefundAmount, c.ShippingRefund, c.RefundedAmount = y(7000), y(0), y(7000)
			return c
		}, []as.Holding{{"A", 0, y(6000), y(0)}, {"B", 0, y(1000), y(0)}}, false},
	}
	for _, tt := range tests {
		c := tt.c()
		hs, fee := as.Holdings(&c)
		if !slices.Equal(hs, tt.want) || fee != tt.shipping {
			t.Errorf("%s: Holdings = %v, %v; want %v, %v", tt.name, hs, fee, tt.want, tt.shipping)
		}
		for i, h := range hs {
			if held := h.Refunded.MustAdd(h.Reserved); held.Cmp(c.Items[i].Refundable) > 0 {
				t.Errorf("%s: line %s holds %v, more than its refundable %v", tt.name, h.SKU, held, c.Items[i].Refundable)
			}
		}
	}
}
