package app_test

import (
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/store"
)

// A store left by a release before the risk score holds seed-platform@3, whose one-click
// return reads customer.risk == "low" (the level, then). It must still start: the old
// version loads (the comparison read as customer.risk_level), cases decided under it keep
// it, and the platform is upgraded to this binary's seed-platform once.
func TestAnOlderSeedPlatformLoadsAndIsUpgradedOnce(t *testing.T) {
	old, err := os.ReadFile("testdata/seed-platform-3-before-risk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(old), `customer.risk == "low"`) {
		t.Fatal("the fixture is not the version before the risk score")
	}
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := t.Context()
			now := func() time.Time { return time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC) }
			st, count := b.Open(t, now)
			if err := st.Update(ctx, func(tx store.Tx) error {
				return tx.SavePolicy(ctx, store.PolicyRecord{ID: "seed-platform", Version: 3, Layer: "platform", Document: old, LoadedAt: now().Add(-24 * time.Hour)})
			}); err != nil {
				t.Fatal(err)
			}
			start := func() *policy.Engine {
				t.Helper()
				engine, err := policy.New(calendar.Default())
				if err != nil {
					t.Fatal(err)
				}
				if err := app.New(app.Config{Store: st, Engine: engine, Now: now, Logger: slog.New(slog.DiscardHandler)}).LoadPolicies(ctx); err != nil {
					t.Fatalf("start on the old store: %v", err)
				}
				return engine
			}
			engine := start()
			if _, err := engine.ResolveVersion("statutory@1+seed-platform@3"); err != nil {
				t.Errorf("the old version no longer resolves: %v", err)
			}
			live, err := engine.Resolve("shop-a", "", now())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(live.Version(), "seed-platform@4") {
				t.Errorf("live after the upgrade: %s, want seed-platform@4", live.Version())
			}
			start() // a second start installs nothing more
			if n, err := count("policy_versions"); err != nil || n != 2 {
				t.Errorf("stored policies after two starts: %d %v, want 2 (@3 and @4)", n, err)
			}
		})
	}
}
