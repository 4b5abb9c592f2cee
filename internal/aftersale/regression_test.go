package aftersale_test

import (
	"errors"
	"testing"

	as "github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
)

// Regression tests of bugs found by the property and fuzz tests, each fixed.

// Open checks the currency of the items' paid amount but not of the refund decided or the
// compensation asked for; a case with mixed currencies panics at its first refund (due()
// uses MustSub).
func TestOpenRefusesAmountsInAnotherCurrency(t *testing.T) {
	p := mustRealPolicies(t)[0]
	o := as.Opening{
		Type: as.RefundOnly, Reason: as.NotReceived, Actor: as.Actor{Role: as.Customer, ID: "c"},
		Items:        []as.Item{{SKU: "A", Quantity: 1, PaidAmount: money.Yuan(1000)}},
		RefundMethod: as.RefundOriginal, ItemsPaid: money.Yuan(1000), RefundAmount: money.New(1000, "USD"),
	}
	res, err := as.Open(o, testNow, p)
	var inv *as.InvalidError
	if errors.As(err, &inv) {
		return
	}
	if err != nil {
		t.Fatalf("Open: %v, want an *InvalidError", err)
	}
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Open accepted a USD refund on CNY items, and the refund panicked: %v", r)
		}
	}()
	_, err = as.Transition(res.Case, as.Command{Action: as.Refund, Actor: as.SystemActor}, testNow, p)
	t.Errorf("Open accepted a USD refund on CNY items (refund: %v)", err)
}
