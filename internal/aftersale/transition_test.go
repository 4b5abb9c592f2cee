package aftersale_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	as "github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
)

func returningCase(ty as.Type) as.Case {
	return as.Case{
		ID: "c1", Type: ty, Reason: as.QualityDefect, State: as.Returning, Version: 3,
		Items:     []as.Item{{SKU: "A", Quantity: 1, PaidAmount: money.Yuan(10000)}},
		ItemsPaid: money.Yuan(10000), RefundAmount: money.Yuan(0), RefundedAmount: money.Yuan(0),
		ChargedAmount: money.Yuan(0), RefundMethod: as.RefundOriginal, Applications: 1,
	}
}

// The system's confirm_receipt (the merchant's silence, SPEC §4) only passes the goods: a
// command that fails them or deducts is refused, never applied (rules.go, systemPasses; it
// once went to inspection_failed, an arrow the table does not draw for the system, and a
// deduction in another currency panicked).
func TestSystemConfirmReceiptOnlyPassesTheGoods(t *testing.T) {
	p := mustRealPolicies(t)[0]
	for _, tt := range []struct {
		name string
		cmd  as.Command
	}{
		{"inspection fail", as.Command{Inspection: as.InspectionFail}},
		{"deduction above the refund", as.Command{Inspection: as.InspectionPass, Deduction: money.Yuan(5000)}},
		{"deduction in another currency", as.Command{Inspection: as.InspectionPass, Deduction: money.New(1, "EUR")}},
	} {
		for _, ty := range []as.Type{as.Exchange, as.Repair} {
			t.Run(tt.name+"/"+string(ty), func(t *testing.T) {
				cmd := tt.cmd
				cmd.Action, cmd.Actor = as.ConfirmReceipt, as.SystemActor
				var res as.Result
				var err error
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Fatalf("Transition panicked: %v", r)
						}
					}()
					res, err = as.Transition(returningCase(ty), cmd, testNow, p)
				}()
				if err != nil {
					var inv *as.InvalidError
					if !errors.As(err, &inv) {
						t.Fatalf("err = %v, want nil or an *InvalidError", err)
					}
					return
				}
				if !hasEdge(ty, as.Returning, as.ConfirmReceipt, as.System, res.Case.State) {
					t.Errorf("system confirm_receipt took the case to %s", res.Case.State)
				}
				if res.Case.RefundAmount.IsNegative() {
					t.Errorf("refund amount is %v", res.Case.RefundAmount)
				}
			})
		}
	}
}

func validOpening() as.Opening {
	return as.Opening{
		ID: "c1", OrderNo: "O-1", MerchantID: "m", CustomerID: "c", Actor: as.Actor{Role: as.Customer, ID: "c"},
		Type: as.ReturnRefund, Reason: as.QualityDefect, RefundMethod: as.RefundOriginal,
		Items:     []as.Item{{SKU: "A", Quantity: 1, PaidAmount: money.Yuan(10000)}},
		ItemsPaid: money.Yuan(10000), RefundAmount: money.Yuan(10000),
	}
}

// Open refuses an application that misses what every case needs (open.go, validate), with
// the field at fault.
func TestOpenRefusesIncompleteApplications(t *testing.T) {
	p := mustRealPolicies(t)[0]
	tests := []struct {
		field string
		spoil func(o *as.Opening)
	}{
		{"type", func(o *as.Opening) { o.Type = "swap" }},
		{"reason", func(o *as.Opening) { o.Reason = "" }},
		{"items", func(o *as.Opening) { o.Items = nil }},
		{"refund_method", func(o *as.Opening) { o.RefundMethod = "cash" }},
		{"actor", func(o *as.Opening) { o.Actor.Role = as.Merchant }},
		{"actor", func(o *as.Opening) { o.Actor.Role = "carrier" }},
		{"currency", func(o *as.Opening) { o.ItemsPaid = money.New(10000, "XYZ") }},
		{"refund_amount", func(o *as.Opening) { o.RefundAmount = money.Yuan(-1) }},
		{"items[0]", func(o *as.Opening) { o.Items[0].SKU = "" }},
		{"items[0]", func(o *as.Opening) { o.Items[0].Quantity = 0 }},
	}
	for _, tt := range tests {
		o := validOpening()
		tt.spoil(&o)
		_, err := as.Open(o, testNow, p)
		var inv *as.InvalidError
		if !errors.As(err, &inv) || inv.Field != tt.field || inv.Message.ZH == "" || inv.Error() == "" {
			t.Errorf("%s: err = %v, want an *InvalidError on %s", tt.field, err, tt.field)
		}
	}
	if _, err := as.Open(validOpening(), testNow, p); err != nil {
		t.Errorf("valid opening: %v", err)
	}
}

// 三包 第十条: after two failed in-warranty repairs the customer may choose a return, and
// gets back what was paid for the items (rules.go, applyRepairFailed, applyChooseReturn).
func TestTwoFailedRepairsLetTheCustomerChooseReturn(t *testing.T) {
	p := mustRealPolicies(t)[0]
	o := validOpening()
	o.Type, o.RefundAmount, o.InWarranty, o.ReturnShippingPayer = as.Repair, money.Amount{}, true, as.PayerMerchant
	res, err := as.Open(o, testNow, p)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Case
	step := func(cmd as.Command, want as.State) []as.Movement {
		t.Helper()
		r, err := as.Transition(c, cmd, testNow, p)
		if err != nil || r.Case.State != want {
			t.Fatalf("%s: %v, state %s; want %s", cmd.Action, err, r.Case.State, want)
		}
		c = r.Case
		return r.Effects.Money
	}
	merchant, customer := as.Actor{Role: as.Merchant, ID: "m"}, as.Actor{Role: as.Customer, ID: "c"}
	step(as.Command{Action: as.Approve, Actor: merchant}, as.Approved)
	step(as.Command{Action: as.ShipBack, Actor: customer, Carrier: "SF", TrackingNo: "SF123456", Cost: money.Yuan(1200)}, as.Returning)
	step(as.Command{Action: as.ConfirmReceipt, Actor: merchant, Inspection: as.InspectionPass}, as.Repairing)
	step(as.Command{Action: as.RepairFailed, Actor: merchant, Note: "第一次维修失败"}, as.Repairing)
	if got := as.Allowed(&c, customer.Role, p); slices.Contains(got, as.ChooseReturn) {
		t.Fatalf("after one failed repair the customer may %v", got)
	}
	step(as.Command{Action: as.RepairFailed, Actor: merchant, Note: "第二次维修失败"}, as.RepairChoice)
	step(as.Command{Action: as.ChooseReturn, Actor: customer}, as.Refunding)
	if c.RefundAmount != c.ItemsPaid {
		t.Fatalf("refund %v, want the items' %v", c.RefundAmount, c.ItemsPaid)
	}
	moved := step(as.Command{Action: as.Refund, Actor: merchant}, as.Resolved)
	want := []as.Movement{
		{Kind: as.MoveRefund, Amount: money.Yuan(10000), Method: as.RefundOriginal},
		{Kind: as.MoveShippingReimbursement, Amount: money.Yuan(1200), Method: as.RefundOriginal},
	}
	if !slices.Equal(moved, want) {
		t.Errorf("money %v, want %v", moved, want)
	}
}

// A refusal says why, in both languages, and lists what the role may do instead.
func TestNotAllowedErrorSaysWhy(t *testing.T) {
	p := mustRealPolicies(t)[1] // strict: no re-application, no auto-approval
	c := as.Case{Type: as.ReturnRefund, State: as.Rejected, Version: 2, Applications: 1, ItemsPaid: money.Yuan(100),
		RefundAmount: money.Yuan(100), RefundedAmount: money.Yuan(0)}
	tests := []struct {
		state  as.State
		action as.Action
		role   as.Role
		why    string
	}{
		{as.Rejected, as.Reapply, as.Customer, "re-application limit (0)"},
		{as.Rejected, as.Approve, as.Merchant, "does not offer"},
		{as.Rejected, as.Reapply, as.Merchant, "your role"},
		{as.Rejected, "dance", as.Customer, "unknown action"},
		{as.Requested, as.Approve, as.System, "does not auto-approve"},
		{as.Completed, as.Confirm, as.Customer, "has ended"},
	}
	for _, tt := range tests {
		c.State = tt.state
		_, err := as.Transition(c, as.Command{Action: tt.action, Actor: as.Actor{Role: tt.role}}, testNow, p)
		var na *as.NotAllowedError
		if !errors.As(err, &na) || !strings.Contains(na.Error(), tt.why) || na.Why.ZH == "" {
			t.Errorf("%s %s by %s: err = %v, want a refusal saying %q", tt.state, tt.action, tt.role, err, tt.why)
			continue
		}
		if !tt.state.Terminal() && !strings.Contains(na.Error(), "allowed: ") {
			t.Errorf("%q does not list what is allowed", na.Error())
		}
	}
}
