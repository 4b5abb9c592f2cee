package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/store"
)

// BenchUpdateCase times UpdateCase as a life cycle makes it, a transaction each: a case
// opened (requested, a deadline) is approved, sent back, received and completed — the
// state and the deadline change each time, the assignee, group and SLA flag never — then
// the next case, over cases cases opened before the timing. Both stores' BenchmarkUpdateCase
// run it. meter, when not nil, is called as the timing starts, and what it returns as it
// ends (to report the database's CPU time, say).
func BenchUpdateCase(b *testing.B, s store.Store, cases int, meter func() (stop func())) {
	ctx := context.Background()
	o := sampleOrder("O-bench", "M-1", "C-1")
	start := time.Date(2025, 3, 10, 9, 30, 0, 0, time.UTC)
	opened := make([]*aftersale.Case, cases)
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.EnsureMerchant(ctx, o.Merchant); err != nil {
			return err
		}
		if err := tx.EnsureCustomer(ctx, o.Customer); err != nil {
			return err
		}
		if _, err := tx.UpsertOrder(ctx, o); err != nil {
			return err
		}
		for i := range opened {
			c := sampleCase(fmt.Sprintf("bench-%06d", i), o, start)
			c.State, c.Assignee, c.Group, c.SLANotices = aftersale.Requested, "", "", nil
			c.Deadlines = []aftersale.Deadline{{Kind: aftersale.MerchantResponse, Due: start.Add(48 * time.Hour)}}
			if err := tx.InsertCase(ctx, c, sampleDecision); err != nil {
				return err
			}
			opened[i] = c
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	steps := []struct {
		state aftersale.State
		kind  aftersale.DeadlineKind
	}{
		{aftersale.Approved, aftersale.CustomerShipBack},
		{aftersale.Returning, aftersale.MerchantReceipt},
		{aftersale.ReturnDelivered, aftersale.MerchantInspection},
		{aftersale.Completed, ""},
	}
	b.ReportAllocs()
	if meter != nil {
		defer meter()()
	}
	n := 0
	for b.Loop() {
		c := opened[n/len(steps)%cases]
		step := steps[n%len(steps)]
		n++
		if c.State == aftersale.Completed {
			b.Fatalf("ran out of cases: more than %d updates", cases*len(steps))
		}
		at := c.UpdatedAt.Add(time.Minute)
		c.Version++
		c.State, c.UpdatedAt, c.Deadlines = step.state, at, nil
		if step.kind != "" {
			c.Deadlines = []aftersale.Deadline{{Kind: step.kind, Due: at.Add(72 * time.Hour)}}
		}
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.UpdateCase(ctx, c) }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchUpsertOrder times an order pushed again, as a shop system sends an order's shipment
// and delivery, a transaction each: orders orders stored first, then each pushed with a new
// shipment time — its lines, merchant, customer and payment time as they were. meter as in
// BenchUpdateCase.
func BenchUpsertOrder(b *testing.B, s store.Store, orders int, meter func() (stop func())) {
	ctx := context.Background()
	o := sampleOrder("", "M-1", "C-1")
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.EnsureMerchant(ctx, o.Merchant); err != nil {
			return err
		}
		if err := tx.EnsureCustomer(ctx, o.Customer); err != nil {
			return err
		}
		for i := range orders {
			o.No = fmt.Sprintf("O-bench-%06d", i)
			if _, err := tx.UpsertOrder(ctx, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	if meter != nil {
		defer meter()()
	}
	n := 0
	for b.Loop() {
		o.No = fmt.Sprintf("O-bench-%06d", n%orders)
		o.ShippedAt = o.PaidAt.Add(time.Duration(n+1) * time.Second)
		n++
		if err := s.Update(ctx, func(tx store.Tx) error { _, err := tx.UpsertOrder(ctx, o); return err }); err != nil {
			b.Fatal(err)
		}
	}
}
