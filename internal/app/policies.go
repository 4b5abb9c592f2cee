package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/store"
)

// LoadPolicies loads every stored policy version into the engine, oldest first, so that
// every case can be judged under the version it was decided with. When no platform policy is
// stored, the seed-platform preset is installed.
func (a *App) LoadPolicies(ctx context.Context) error {
	var recs []store.PolicyRecord
	if err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		recs, err = tx.Policies(ctx)
		return err
	}); err != nil {
		return err
	}
	platform := false
	for _, r := range recs {
		if _, err := a.engine.Load(r.Document); err != nil {
			return fmt.Errorf("stored policy %s@%d: %w", r.ID, r.Version, err)
		}
		platform = platform || r.Layer == string(policy.Platform)
	}
	if platform {
		return nil
	}
	seed, err := policy.Preset("seed-platform")
	if err != nil {
		return err
	}
	_, err = a.InstallPolicy(ctx, Principal{Role: RoleAdmin, ID: "system"}, seed)
	return err
}

// InstallPolicy checks a policy document against the floor, loads it and stores it as a
// new version. A document that gives less than the law is refused with the reason.
func (a *App) InstallPolicy(ctx context.Context, p Principal, doc []byte) (*policy.Document, error) {
	if err := authorize(p, opManagePolicy, nil, ""); err != nil {
		return nil, err
	}
	d, err := a.engine.Load(doc)
	if err != nil {
		var fe *policy.FloorError
		var pe *policy.ParseError
		switch {
		case errors.As(err, &fe):
			return nil, &Error{Code: CodeRefused, Message: fe.Message, Fields: []FieldError{{Field: fe.Field, Message: fe.Message}}, Err: err}
		case errors.As(err, &pe):
			return nil, errInvalid(pe.Field, pe.Error(), pe.Error())
		}
		return nil, errInvalid("policy", err.Error(), err.Error())
	}
	err = a.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.SavePolicy(ctx, store.PolicyRecord{ID: d.ID, Version: d.Version, Layer: string(d.Layer),
			Merchant: d.Merchant, Category: d.Category, Document: doc, LoadedAt: tx.Now()}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, entry(p, "policy.install", "policy", d.Key(), "ok",
			map[string]any{"layer": d.Layer, "merchant": d.Merchant, "category": d.Category}))
	})
	if err != nil {
		return nil, fromCore(err)
	}
	return d, nil
}
