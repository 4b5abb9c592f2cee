package app

import (
	"context"

	"github.com/aftersales/aftersales/internal/store"
)

// WorkloadView is the open work a supervisor watches (SPEC §6): per merchant of their scope,
// the open cases, the overdue ones, those whose service clocks were at risk or breached,
// and the urgent and high-priority ones; with the totals.
type WorkloadView struct {
	Merchants []MerchantLoadView `json:"merchants"`
	Total     MerchantLoadView   `json:"total"`
}

// MerchantLoadView is one merchant's open work.
type MerchantLoadView struct {
	Merchant string `json:"merchant"`
	Open     int    `json:"open"`
	Overdue  int    `json:"overdue"`
	AtRisk   int    `json:"at_risk"`
	Breached int    `json:"breached"`
	Urgent   int    `json:"urgent"`
	High     int    `json:"high"`
}

// Workload counts the open work of the merchants the principal serves: supervisors (their
// scope) and admins.
func (a *App) Workload(ctx context.Context, p Principal) (*WorkloadView, error) {
	if err := authorize(p, opWorkload, nil, ""); err != nil {
		return nil, err
	}
	var loads []store.MerchantLoad
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		loads, err = tx.Workload(ctx, store.WorkloadQuery{Merchants: p.Scope, Now: a.now()})
		return err
	})
	if err != nil {
		return nil, fromCore(err)
	}
	v := &WorkloadView{Merchants: []MerchantLoadView{}, Total: MerchantLoadView{}}
	for _, m := range loads {
		mv := MerchantLoadView{Merchant: m.Merchant, Open: m.Open, Overdue: m.Overdue, AtRisk: m.AtRisk,
			Breached: m.Breached, Urgent: m.Urgent, High: m.High}
		v.Merchants = append(v.Merchants, mv)
		t := &v.Total
		t.Open, t.Overdue, t.AtRisk, t.Breached, t.Urgent, t.High = t.Open+m.Open, t.Overdue+m.Overdue,
			t.AtRisk+m.AtRisk, t.Breached+m.Breached, t.Urgent+m.Urgent, t.High+m.High
	}
	return v, nil
}
