package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/order"
	"github.com/aftersales/aftersales/internal/store"
)

// The supervisor's view: the open cases of each merchant, how many are overdue, at risk,
// breached, urgent or high priority.
var workloadTests = []test{
	{name: "CountsTheOpenCasesOfEachMerchant", run: testWorkload},
}

func testWorkload(t *testing.T, s store.Store) {
	orders := []order.Order{sampleOrder("O-1", "M-1", "C-1"), sampleOrder("O-2", "M-2", "C-2"), sampleOrder("O-3", "M-3", "C-3")}
	for _, o := range orders {
		seedOrder(t, s, o)
	}
	now := base.Add(48 * time.Hour)
	states := []aftersale.State{aftersale.Requested, aftersale.Approved, aftersale.Completed, aftersale.Closed, aftersale.Refunding}
	var all []*aftersale.Case
	want := map[string]*store.MerchantLoad{}
	for i := range 40 {
		o := orders[i%2] // M-3 has only closed cases below
		c := listCase(fmt.Sprintf("case-%02d", i), o, aftersale.ReturnRefund, states[i%len(states)], base.Add(time.Duration(i)*time.Minute))
		c.Priority = aftersale.Priorities[i%4]
		if i%3 == 0 {
			c.SLANotices = []string{"first_response@1" + aftersale.SLAWarningSuffix}
		}
		if i%7 == 0 {
			c.SLANotices = append(c.SLANotices, "resolution@1"+aftersale.SLABreachSuffix)
		}
		if !c.State.Terminal() {
			due := now.Add(time.Duration(i%4-2) * time.Hour) // half of them past
			c.Deadlines = []aftersale.Deadline{{Kind: aftersale.MerchantResponse, Due: due}}
			m := want[o.Merchant]
			if m == nil {
				m = &store.MerchantLoad{Merchant: o.Merchant}
				want[o.Merchant] = m
			}
			m.Open++
			if due.Before(now) {
				m.Overdue++
			}
			switch c.SLAFlag() {
			case aftersale.SLAFlagAtRisk:
				m.AtRisk++
			case aftersale.SLAFlagBreached:
				m.Breached++
			}
			switch c.Priority {
			case aftersale.PriorityUrgent:
				m.Urgent++
			case aftersale.PriorityHigh:
				m.High++
			}
		}
		all = append(all, c)
	}
	closed := listCase("case-m3", orders[2], aftersale.ReturnRefund, aftersale.Closed, base)
	insertCases(t, s, append(all, closed)...)
	for _, tt := range []struct {
		name      string
		merchants []string
		want      []store.MerchantLoad
	}{
		{"everyone", nil, []store.MerchantLoad{*want["M-1"], *want["M-2"]}},
		{"a scope", []string{"M-2", "M-3"}, []store.MerchantLoad{*want["M-2"]}},
	} {
		var got []store.MerchantLoad
		mustView(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.Workload(t.Context(), store.WorkloadQuery{Merchants: tt.merchants, Now: now})
			return err
		})
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: workload %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
