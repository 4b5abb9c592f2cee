package scenario_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/policy"
)

// SPEC §10 (surge mode for big promotions, 大促) and §14 (several replicas): one engine serves
// many applications at once while an admin loads a new merchant layer. Every application is
// judged by a whole version, before or after the load, never a mix; run with -race.
func TestPromotionSurgeSharesOneEngine(t *testing.T) {
	e := MustEngine(t)
	const applications = 48
	var wg sync.WaitGroup
	errs := make(chan error, applications+1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := e.Load([]byte(generousShop)); err != nil {
			errs <- fmt.Errorf("load: %w", err)
		}
	}()
	for i := range applications {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := surgeCase(e, i); err != nil {
				errs <- fmt.Errorf("application %d: %w", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// surgeCase applies for a no-reason return on day 3 (eligible under every version) and runs
// it to the refund, reporting what went wrong.
func surgeCase(e *policy.Engine, i int) error {
	o := order.Order{
		No: fmt.Sprintf("O-1111-%04d", i), Merchant: "shop-a", Customer: fmt.Sprintf("cust-%d", i),
		Currency: money.CNY, PaymentMethod: order.Online,
		PaidAt: at(2025, 11, 11, 0, 5), ShippedAt: at(2025, 11, 12, 9, 0), DeliveredAt: at(2025, 11, 14, 15, 0),
		Items: []order.Item{{SKU: "TEA", Category: "food", Quantity: 3, UnitPrice: money.Yuan(3333), PaidAmount: money.Yuan(8888)}},
	}
	req := Apply(o, aftersale.ReturnRefund, aftersale.NoReason, at(2025, 11, 17, 10, i))
	req.Items[0].Quantity = 1 + i%3
	d, err := e.Evaluate(req)
	if err != nil || !d.Eligible {
		return fmt.Errorf("evaluate: %v %+v", err, d.Refusals)
	}
	if d.PolicyVersion != platform() && d.PolicyVersion != platform()+"+shop-a@1" {
		return fmt.Errorf("judged under %q", d.PolicyVersion)
	}
	want := money.Yuan(8888).Share(int64(req.Items[0].Quantity), 3)
	if d.RefundAmount != want {
		return fmt.Errorf("refund %s, want %s", d.RefundAmount, want)
	}
	p, err := e.ResolveVersion(d.PolicyVersion)
	if err != nil {
		return err
	}
	res, err := aftersale.Open(openingOf(req, d), req.At, p)
	if err != nil {
		return err
	}
	c := res.Case
	now := req.At
	for _, cmd := range []aftersale.Command{approve(shop), shipBack(0), inspect(aftersale.InspectionPass), refund(shop), confirm()} {
		now = now.Add(time.Hour)
		r, err := aftersale.Transition(c, cmd, now, p)
		if err != nil {
			return fmt.Errorf("%s: %w", cmd.Action, err)
		}
		if r.Event.Seq != r.Case.Version {
			return fmt.Errorf("%s: seq %d at version %d", cmd.Action, r.Event.Seq, r.Case.Version)
		}
		c = r.Case
	}
	if c.State != aftersale.Completed || c.RefundedAmount != want {
		return fmt.Errorf("ended %s having refunded %s, want completed with %s", c.State, c.RefundedAmount, want)
	}
	return nil
}
