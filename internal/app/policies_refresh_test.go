package app_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/store"
)

// shopLayer is a merchant layer of shop-a at a version.
func shopLayer(version string) []byte {
	return []byte("schema: aftersales.policy/v1\nid: shop-a-rules\nversion: " + version +
		"\nlayer: merchant\nmerchant: shop-a\nname: {zh: 甲店政策, en: Shop A's rules}\n")
}

// Two replicas on one store: a version installed on one is loaded by the other's
// RefreshPolicies, once; a refresh with nothing new loads nothing; a stored version the
// engine refuses is reported, and not tried again until another version is stored.
func TestRefreshPoliciesLoadsWhatAnotherReplicaInstalled(t *testing.T) {
	admin := app.Principal{Role: app.RoleAdmin, ID: "test"}
	for _, b := range apitest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := t.Context()
			now := func() time.Time { return time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC) }
			st, _ := b.Open(t, now)
			replica := func() (*app.App, *policy.Engine) {
				t.Helper()
				engine, err := policy.New(calendar.Default())
				if err != nil {
					t.Fatal(err)
				}
				a := app.New(app.Config{Store: st, Engine: engine, Now: now, Logger: slog.New(slog.DiscardHandler)})
				if err := a.LoadPolicies(ctx); err != nil {
					t.Fatal(err)
				}
				return a, engine
			}
			one, _ := replica()
			two, engine := replica()
			refresh := func(want int) {
				t.Helper()
				if n, err := two.RefreshPolicies(ctx); err != nil || n != want {
					t.Fatalf("RefreshPolicies = %d, %v; want %d", n, err, want)
				}
			}
			refresh(0) // what LoadPolicies loaded is not loaded again

			if _, err := one.InstallPolicy(ctx, admin, shopLayer("1")); err != nil {
				t.Fatal(err)
			}
			if engine.Loaded("shop-a-rules@1") {
				t.Fatal("the other replica's engine has the version before a refresh")
			}
			refresh(1)
			refresh(0)
			live, err := engine.Resolve("shop-a", "", now())
			if err != nil || !strings.HasSuffix(live.Version(), "+shop-a-rules@1") {
				t.Fatalf("live on the other replica: %v, %v", live, err)
			}
			pols, err := two.PolicyVersions(ctx, admin)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range pols.Versions {
				if v.Key == "shop-a-rules@1" && !v.Live {
					t.Errorf("PolicyVersions on the other replica: %s not live", v.Key)
				}
			}

			if _, err := one.InstallPolicy(ctx, admin, shopLayer("2")); err != nil {
				t.Fatal(err)
			}
			refresh(1)
			if live, err := engine.Resolve("shop-a", "", now()); err != nil || !strings.HasSuffix(live.Version(), "+shop-a-rules@2") {
				t.Fatalf("live after version 2: %v, %v", live, err)
			}

			// A stored version this engine refuses (here: one below the floor, stored past
			// the application) is reported once.
			bad := append(shopLayer("3"), []byte("disable: [no_reason_return]\n")...)
			if err := st.Update(ctx, func(tx store.Tx) error {
				return tx.SavePolicy(ctx, store.PolicyRecord{ID: "shop-a-rules", Version: 3, Layer: "merchant", Merchant: "shop-a", Document: bad})
			}); err != nil {
				t.Fatal(err)
			}
			if n, err := two.RefreshPolicies(ctx); n != 0 || err == nil || !strings.Contains(err.Error(), "shop-a-rules@3") {
				t.Fatalf("a refused version: %d, %v; want an error naming it", n, err)
			}
			refresh(0)
		})
	}
}
