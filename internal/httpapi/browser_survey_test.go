package httpapi_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The satisfaction survey in a real browser (e2e/survey.mjs): the customer of a closed
// case rates it on a phone — stars by a click and by the arrow keys — and the page thanks;
// no console error or CSP violation, nothing serious or critical for axe-core. Screenshots
// go to AFTERSALES_SCREENSHOTS (docs/screenshots: survey-form.png, survey-rated.png).
func TestBrowserDeskSurvey(t *testing.T) {
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
	jacket := line("JACKET", 1, 29900)
	jacket.Title = "羊毛夹克 Wool jacket"
	o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", jacket))
	c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
	w.mustAct(t, w.customer1, c.ID, app.ActInput{Action: aftersale.Cancel, Version: c.Version})

	shots := os.Getenv("AFTERSALES_SCREENSHOTS")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg, _ := json.Marshal(map[string]any{"chromium": chromium, "base": env.Server.URL, "shots": shots,
		"link": "/login/link?" + env.LoginLink(t, "shop-a", "cust-1", 10*time.Minute), "case": c.ID})
	runCtx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(runCtx, "node", filepath.Join(dir, "survey.mjs"), string(cfg)).CombinedOutput()
	if err != nil {
		t.Fatalf("the browser found (%v):\n%s", err, out)
	}
	t.Logf("the browser's run:\n%s", out)
	s, err := env.App.GetSurvey(t.Context(), pagesAdmin, c.ID)
	if err != nil || s.Attitude != 4 || s.Speed != 4 || s.Result != 5 || s.Comment == "" {
		t.Errorf("after the browser's rating: %+v %v", s, err)
	}
}
