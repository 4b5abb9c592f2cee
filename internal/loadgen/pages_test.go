package loadgen_test

import (
	"context"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/loadgen"
)

// TestPagesMeasuresEveryPage: pagebench's requests are pages the server answers (200) for
// merchant staff, an agent and a customer on a small demo store — every variant of the
// queue, its next pages and the case page — so that the figures in docs/PERFORMANCE.md
// time pages, not errors or redirects. (The figures themselves come from scripts/pages.sh
// on a store of 100,000 cases.)
func TestPagesMeasuresEveryPage(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		ctx := context.Background()
		if _, err := demo.Seed(ctx, env.App, env.Clock, demo.Options{Orders: 400, Seed: 3}); err != nil {
			t.Fatalf("seed: %v", err)
		}
		cfg := loadgen.PagesConfig{
			URL:          env.Server.URL,
			Staff:        loadgen.Login{Username: "bench.staff", Password: env.User(t, "bench.staff", app.RoleMerchant, "yichu-fashion")},
			Agent:        loadgen.Login{Username: "bench.agent", Password: env.User(t, "bench.agent", app.RoleAgent, "")},
			CustomerLink: env.Server.URL + "/login/link?" + env.LoginLink(t, app.PlatformShop, "C100001", 10*time.Minute),
			Requests:     4, Clients: 2, Cases: 30,
		}
		r, err := loadgen.RunPages(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		measured := map[string]bool{}
		for _, v := range r.Variants {
			measured[v.Role+" "+v.Variant] = true
			// A queue of one page has no next pages: that variant is then not measured.
			if v.Errors > 0 || v.Client.N != 4 {
				t.Errorf("%s %s %s %s: %d errors %v, %d measured; want 4 answers of 200", v.Pass, v.Role, v.Page, v.Variant,
					v.Errors, v.Status, v.Client.N)
			}
		}
		for _, want := range []string{"staff default", "staff state=disputed", "staff q=phone last4", "staff /cases/{id}",
			"agent default", "agent overdue", "agent q=RMA number", "agent next pages", "customer /", "customer /cases/{id}"} {
			if !measured[want] {
				t.Errorf("%s not measured:\n%s", want, r)
			}
		}
		for _, role := range []string{"staff", "agent", "customer"} {
			if r.Cases[role] == 0 {
				t.Errorf("no case sampled for %s", role)
			}
		}
	})
}
