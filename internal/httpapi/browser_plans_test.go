package httpapi_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/plan"
)

// The emergency plans' pages in a real browser (e2e/plans.mjs): a supervisor reads the
// list, runs a drill on a plan's page and starts the plan (accepting the confirmation);
// the customer's portal then shows the plan's banner on a phone — no console error or CSP
// violation, nothing serious or critical for axe-core. Screenshots go to
// AFTERSALES_SCREENSHOTS (docs/screenshots: plans.png, plan-drill.png, plan-banner.png).
func TestPlanPagesInABrowser(t *testing.T) {
	chromium, pagesScript := browserTools(t)
	dir := filepath.Dir(pagesScript)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")); err != nil {
		skip := t.Skipf
		if os.Getenv("AFTERSALES_CHROMIUM") != "" {
			skip = t.Fatalf
		}
		skip("browser tests: no axe-core (npm ci --prefix e2e); .ci/run installs it")
	}
	env := apitest.New(t, apitest.Backends()[0])
	w := newWorld(t, env)
	o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
	w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
	surge, err := env.App.CreatePlan(t.Context(), pagesAdmin, plan.Plan{
		Name:     plan.Text{ZH: "双11 高峰", EN: "Singles' Day surge"},
		Triggers: []plan.Trigger{{Kind: plan.Manual}, {Kind: plan.IntakePerHour, Above: 500}},
		Effects: plan.Effects{ExtendDeadlinesWD: 2, AutoApprove: &plan.AutoApprove{MaxAmount: 10000, MaxRisk: 30},
			Banner: &plan.Text{ZH: "双11 期间售后处理时间顺延 2 个工作日,敬请谅解", EN: "During Singles' Day, after-sales replies may take 2 more working days"}},
		End: plan.End{After: plan.Duration(48 * time.Hour)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.CreatePlan(t.Context(), pagesAdmin, plan.Plan{
		Name:     plan.Text{ZH: "顺丰中断", EN: "SF Express outage"},
		Triggers: []plan.Trigger{{Kind: plan.CarrierOutage, Carrier: "SF"}},
		Effects:  plan.Effects{ExtendDeadlinesWD: 3, Overflow: &plan.Overflow{From: "returns", To: []string{"general"}}},
		End:      plan.End{WhenClearFor: plan.Duration(2 * time.Hour)},
	}); err != nil {
		t.Fatal(err)
	}
	sup := map[string]string{"username": "sup.plans", "password": env.User(t, "sup.plans", app.RoleSupervisor, "")}

	shots := os.Getenv("AFTERSALES_SCREENSHOTS")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg, _ := json.Marshal(map[string]any{"chromium": chromium, "base": env.Server.URL, "shots": shots,
		"supervisor": sup, "plan": surge.ID, "link": "/login/link?" + env.LoginLink(t, "shop-a", "cust-1", 10*time.Minute)})
	runCtx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(runCtx, "node", filepath.Join(dir, "plans.mjs"), string(cfg)).CombinedOutput()
	if err != nil {
		t.Fatalf("the browser found (%v):\n%s", err, out)
	}
	t.Logf("the browser's run:\n%s", out)
	if p, err := env.App.Plan(context.Background(), pagesAdmin, surge.ID); err != nil || p.State != plan.Active {
		t.Errorf("after the browser started it: %+v %v", p, err)
	}
}
