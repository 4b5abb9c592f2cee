package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/store"
)

// LoadPolicies loads every stored policy version into the engine, oldest first, so that
// every case can be judged under the version it was decided with. When no platform policy is
// stored, the seed-platform preset is installed; when the platform's only policy is an older
// seed-platform than this binary's, the new version is installed beside it (an upgrade: the
// cases decided under the old one keep it). An admin's own platform policy, or a
// seed-platform version at or above the preset's, is left as it is.
func (a *App) LoadPolicies(ctx context.Context) error {
	var recs []store.PolicyRecord
	if err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		recs, err = tx.Policies(ctx)
		return err
	}); err != nil {
		return err
	}
	platform, ownPlatform, stored := false, false, 0
	for _, r := range recs {
		if _, err := a.engine.Load(r.Document); err != nil {
			return fmt.Errorf("stored policy %s@%d: %w", r.ID, r.Version, err)
		}
		if r.Layer != string(policy.Platform) {
			continue
		}
		platform = true
		if r.ID == seedPlatform {
			stored = max(stored, r.Version)
		} else {
			ownPlatform = true
		}
	}
	seed, err := policy.Preset(seedPlatform)
	if err != nil {
		return err
	}
	var head struct {
		Version int `yaml:"version"`
	}
	if err := yaml.Unmarshal(seed, &head); err != nil {
		return fmt.Errorf("the %s preset: %w", seedPlatform, err)
	}
	if platform && (ownPlatform || stored >= head.Version) {
		return nil
	}
	if platform {
		a.log.Info("upgrading the platform policy", "from", fmt.Sprintf("%s@%d", seedPlatform, stored), "to", fmt.Sprintf("%s@%d", seedPlatform, head.Version))
	}
	_, err = a.InstallPolicy(ctx, Principal{Role: RoleAdmin, ID: "system"}, seed)
	return err
}

// seedPlatform is the id of the platform's preset policy (internal/policy/presets).
const seedPlatform = "seed-platform"

// RefreshPolicies loads the stored policy versions this engine lacks: those that another
// replica, or the command line, installed since this one loaded. It reads the store's
// PolicyMark first — one small query — and the versions only when the mark has moved
// since the last refresh, so that polling it a few times a second costs next to nothing.
// It returns how many versions it loaded. A version this engine refuses (another
// replica's calendar, say) is reported in the error and not tried again until the mark
// moves.
func (a *App) RefreshPolicies(ctx context.Context) (int, error) {
	a.policySync.Lock()
	defer a.policySync.Unlock()
	var mark store.PolicyMark
	var recs []store.PolicyRecord
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		if mark, err = tx.PolicyMark(ctx); err != nil || mark == a.policyMark {
			return err
		}
		recs, err = tx.Policies(ctx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("refresh policies: %w", err)
	}
	var loaded int
	var errs []error
	for _, r := range recs {
		key := r.Key()
		if a.engine.Loaded(key) {
			continue
		}
		if _, err := a.engine.Load(r.Document); err != nil {
			errs = append(errs, fmt.Errorf("stored policy %s: %w", key, err))
			continue
		}
		loaded++
		a.log.Info("policy version loaded from the store", "policy", key, "layer", r.Layer, "loaded_at", r.LoadedAt)
	}
	a.policyMark = mark
	return loaded, errors.Join(errs...)
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
			e := errInvalid(pe.Field, pe.Error(), pe.Error())
			e.Err = err // the line it is about, for an editor to show
			return nil, e
		}
		e := errInvalid("policy", err.Error(), err.Error())
		e.Err = err
		return nil, e
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

// PolicyVersion is a stored policy document version as admins see it.
type PolicyVersion struct {
	ID       string `json:"id"`
	Version  int    `json:"version"`
	Key      string `json:"key"` // id@version
	Layer    string `json:"layer"`
	Merchant string `json:"merchant,omitempty"`
	Category string `json:"category,omitempty"`
	Name     Text   `json:"name"`
	// EffectiveFrom is when the version takes effect (nil: as soon as it is loaded).
	EffectiveFrom *time.Time `json:"effective_from,omitempty"`
	LoadedAt      time.Time  `json:"loaded_at"`
	// Live marks a version of a chain the engine resolves now (LivePolicy).
	Live     bool   `json:"live"`
	Document string `json:"document"`
}

// LivePolicy is the chain of versions the engine resolves now for a scope: the platform
// (no merchant, no category), a merchant's layer, or a category's.
type LivePolicy struct {
	Merchant string   `json:"merchant,omitempty"`
	Category string   `json:"category,omitempty"`
	Version  string   `json:"version"` // statutory@1+seed-platform@3+…
	Keys     []string `json:"keys"`
}

// Policies is every stored policy version, oldest first, and the chains in force now.
type Policies struct {
	Versions []PolicyVersion `json:"versions"`
	Live     []LivePolicy    `json:"live"`
}

// PolicyVersions lists every stored policy version and which are live now: the chain the
// engine resolves for the platform, and for each merchant and category that has a layer
// (admins). The engine is this replica's: a version installed on another replica is
// listed at once, and live here once RefreshPolicies has loaded it (serve polls it several
// times a second).
func (a *App) PolicyVersions(ctx context.Context, p Principal) (*Policies, error) {
	if err := authorize(p, opManagePolicy, nil, ""); err != nil {
		return nil, err
	}
	var recs []store.PolicyRecord
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		recs, err = tx.Policies(ctx)
		return err
	})
	if err != nil {
		return nil, fromCore(err)
	}
	out := &Policies{Versions: []PolicyVersion{}, Live: []LivePolicy{}}
	type scope struct{ merchant, category string }
	scopes := []scope{{}}
	for _, r := range recs {
		v := PolicyVersion{ID: r.ID, Version: r.Version, Key: r.Key(), Layer: r.Layer,
			Merchant: r.Merchant, Category: r.Category, LoadedAt: r.LoadedAt, Document: string(r.Document)}
		if d, err := policy.Parse(r.Document); err == nil {
			v.Name, v.EffectiveFrom = d.Name, optTime(d.EffectiveFrom)
		}
		out.Versions = append(out.Versions, v)
		if sc := (scope{r.Merchant, r.Category}); !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	live := map[string]bool{}
	now := a.now()
	for _, sc := range scopes {
		res, err := a.engine.Resolve(sc.merchant, sc.category, now)
		if err != nil {
			return nil, errInternal(err)
		}
		lp := LivePolicy{Merchant: sc.merchant, Category: sc.category, Version: res.Version(), Keys: strings.Split(res.Version(), "+")}
		for _, k := range lp.Keys {
			live[k] = true
		}
		out.Live = append(out.Live, lp)
	}
	for i := range out.Versions {
		out.Versions[i].Live = live[out.Versions[i].Key]
	}
	return out, nil
}
