package loadgen_test

import (
	"context"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/loadgen"
)

// TestLoadgenDrivesIntakeAndLifeCycle: the load generator's requests are ones the service
// accepts — every application is created and every life cycle ends completed — so that the
// figures in docs/PERFORMANCE.md measure work, not errors.
func TestLoadgenDrivesIntakeAndLifeCycle(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		env.RunRelay(t) // the life cycle's refunds are paid, as on a replica, before the customer confirms
		cfg := loadgen.Config{
			URL:         env.Server.URL,
			Integration: env.Token(t, app.RoleIntegration, ""),
			Agent:       env.Token(t, app.RoleAgent, ""),
			Customer:    env.Token(t, app.RoleCustomer, "load-customer"),
			CustomerID:  "load-customer", Merchant: "load-merchant",
			Clients: 2, Duration: 30 * time.Second, // intake ends when its 20 orders are used
		}
		cfg.Mode, cfg.Warmup, cfg.Prefix = "intake", 20, "IN"
		r, err := loadgen.Run(context.Background(), cfg)
		if err != nil || r.Errors > 0 || r.Ops != 20 {
			t.Fatalf("intake: %v, %v; want 20 applications and no errors", r, err)
		}
		cfg.Mode, cfg.Warmup, cfg.Prefix, cfg.Duration = "lifecycle", 0, "LC", time.Second
		r, err = loadgen.Run(context.Background(), cfg)
		if err != nil || r.Errors > 0 || r.Ops == 0 || r.Requests != 6*r.Ops+r.Polls {
			t.Fatalf("life cycle: %v, %v; want completed cases, 6 requests each and the polls while the refund is paid, no errors", r, err)
		}
	})
}
