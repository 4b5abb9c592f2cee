package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/policy"
)

// The analytics pages in a real browser (e2e/analytics.mjs): the dashboard of a supervisor
// in Chinese on a desktop and in English on a phone, a merchant's own, the scorecards —
// charts drawn on their canvases, the tables there too, an export's progress ending in a
// saved CSV; a merchant's scheduled reports set up, sent and stopped through their forms
// (on a desktop and on a phone); an admin's scorecard rules edited as JSON, a bad weight
// said at the field; no console error or CSP violation, nothing serious or critical for
// axe-core.
// Screenshots go to AFTERSALES_SCREENSHOTS (docs/screenshots: analytics-*.png).
func TestAnalyticsPagesInABrowser(t *testing.T) {
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
	account := func(username string, role app.Role, merchant string) map[string]string {
		return map[string]string{"username": username, "password": env.User(t, username, role, merchant)}
	}
	sup, staff := account("sup.charts", app.RoleSupervisor, ""), account("staff.charts", app.RoleMerchant, "shop-a")
	admin := account("admin.charts", app.RoleAdmin, "")
	seedAnalyticsDays(t, w, 56)

	shots := os.Getenv("AFTERSALES_SCREENSHOTS")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	downloads := t.TempDir()
	cfg, _ := json.Marshal(map[string]any{"chromium": chromium, "base": env.Server.URL, "shots": shots, "downloads": downloads,
		"supervisor": sup, "merchant": staff, "admin": admin})
	runCtx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(runCtx, "node", filepath.Join(dir, "analytics.mjs"), string(cfg)).CombinedOutput()
	if err != nil {
		t.Fatalf("the browser found (%v):\n%s", err, out)
	}
	t.Logf("the browser's run:\n%s", out)
}

// seedAnalyticsDays makes days of business up to today: orders of three merchants in
// three categories each day, and cases of several reasons opened on their days (the
// clock set to each day), so that the charts have a shape and the period before data.
func seedAnalyticsDays(t *testing.T, w *world, days int) {
	t.Helper()
	defer w.env.Clock.Reset()
	products := []struct{ sku, title, category string }{
		{"JACKET", "羊毛夹克 Wool jacket", "apparel"}, {"SCARF", "围巾 Scarf", "apparel"}, {"KETTLE", "电水壶 Kettle", "kitchen"},
		{"PAN", "炒锅 Wok", "kitchen"}, {"LAMP", "台灯 Desk lamp", "home"}, {"MUG", "马克杯 Mug", "kitchen"},
	}
	reasons := []aftersale.Reason{aftersale.NoReason, aftersale.SizeFit, aftersale.ChangedMind, aftersale.NoReason}
	merchants := []string{"shop-a", "shop-b", "shop-c"}
	now := time.Now()
	n := 0
	for d := days; d >= 0; d-- {
		day := now.Add(-time.Duration(d) * 24 * time.Hour)
		for i, m := range merchants {
			for k := range 1 + (d*5+i*3)%4 { // one to four orders a merchant a day
				p := products[(d+i*2+k)%len(products)]
				paid, shipped, delivered := day.Add(-72*time.Hour), day.Add(-60*time.Hour), day.Add(-24*time.Hour)
				item := app.OrderItemInput{SKU: p.sku, Title: p.title, Category: p.category, Quantity: 1, UnitPrice: 9900, PaidAmount: 9900}
				in := app.OrderInput{OrderNo: fmt.Sprintf("ORD-CH-%d", n), Merchant: m, Customer: "cust-1", Currency: "CNY", PaymentMethod: "online",
					PaidAt: paid, ShippedAt: &shipped, DeliveredAt: &delivered, Items: []app.OrderItemInput{item}}
				n++
				o := w.mustOrder(t, in)
				if (n*7+d)%5 > 1 { // about two in five orders come back
					continue
				}
				w.env.Clock.Set(day)
				res := w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", Token: w.customer1, JSON: app.ApplyInput{
					OrderNo: o.OrderNo, Type: aftersale.ReturnRefund, Reason: reasons[(n+d)%len(reasons)],
					Items: []policy.RequestItem{{SKU: p.sku, Quantity: 1}}, Description: "不合适 / does not suit"}})
				if res.Status != http.StatusCreated {
					t.Logf("a case on %s was refused (%d): %s", o.OrderNo, res.Status, res.Body)
					w.env.Clock.Reset()
					continue
				}
				// The desk answers most within hours, some late (the SLA's attainment).
				var c app.CaseView
				res.JSON(t, &c)
				if n%4 != 0 {
					w.env.Clock.Set(day.Add(time.Duration(1+n%3*20) * time.Hour))
					w.act(t, w.agent, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version})
				}
				w.env.Clock.Reset()
			}
		}
	}
}
