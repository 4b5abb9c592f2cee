package aftersale_test

import (
	"errors"
	"slices"
	"testing"

	as "github.com/aftersales/aftersales/internal/aftersale"
)

// Money paid in cash at the door has no way back: a cash-on-delivery order cannot be
// refunded the original way, and says so on the field.
func TestCashOnDeliveryCannotBeRefundedTheOriginalWay(t *testing.T) {
	p := mustRealPolicies(t)[0]
	o := validOpening()
	o.PaymentMethod, o.RefundMethod = "cod", as.RefundOriginal
	_, err := as.Open(o, testNow, p)
	var inv *as.InvalidError
	if !errors.As(err, &inv) || inv.Field != "refund_method" || inv.Message.ZH == "" {
		t.Fatalf("Open of a COD order refunded the original way = %v, want an *InvalidError on refund_method", err)
	}
	for _, m := range []as.RefundMethod{as.RefundBalance, as.RefundBankCard} {
		o.RefundMethod = m
		if _, err := as.Open(o, testNow, p); err != nil {
			t.Errorf("a COD order refunded to %s: %v", m, err)
		}
	}
}

// The case follows the money (SPEC §8): a resolved case whose money is still pending
// cannot complete — neither the customer nor the clock may confirm it — and can once the
// money is paid.
func TestACaseDoesNotCompleteWhileItsMoneyIsPending(t *testing.T) {
	p := mustRealPolicies(t)[0]
	c := holdingsCase(as.ReturnRefund, as.Resolved)
	c.MoneyPending = true
	for _, role := range []as.Role{as.Customer, as.System} {
		if slices.Contains(as.Allowed(&c, role, p), as.Confirm) {
			t.Errorf("%s may confirm a case whose money is pending", role)
		}
		_, err := as.Transition(c, as.Command{Action: as.Confirm, Actor: as.Actor{Role: role, ID: "x"}}, testNow, p)
		var na *as.NotAllowedError
		if !errors.As(err, &na) {
			t.Errorf("%s confirmed a case whose money is pending: %v", role, err)
		}
	}
	c.MoneyPending = false
	res, err := as.Transition(c, as.Command{Action: as.Confirm, Actor: as.Actor{Role: as.Customer, ID: "c"}}, testNow, p)
	if err != nil || res.Case.State != as.Completed {
		t.Fatalf("confirm once paid: %v, %v", res.Case.State, err)
	}
}
