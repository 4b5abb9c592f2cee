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
)

// The risk pages in a real browser (e2e/risk.mjs): a supervisor reads the risk block of
// the case page of a customer with a not-received history, follows its link to the watch
// list with the customer filled in, adds them with a reason and takes another customer
// off — no console error or CSP violation, nothing serious or critical for axe-core.
// Screenshots go to AFTERSALES_SCREENSHOTS (docs/screenshots: risk-case.png,
// risk-watchlist.png).
func TestRiskPagesInABrowser(t *testing.T) {
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
	for range 3 {
		notReceived(t, w, w.customer1, "shop-a", "cust-1")
	}
	held := smallReturn(t, w, w.customer1, "shop-a", "cust-1")
	// Another customer on the list already, whom the supervisor takes off.
	w.mustOrder(t, w.orderInput("shop-a", "cust-2", line("A", 1, 5000)))
	if _, err := env.App.AddToWatchList(t.Context(), pagesAdmin, app.WatchInput{Customer: "cust-2", Reason: "同一地址多个账号 / several accounts at one address"}); err != nil {
		t.Fatal(err)
	}
	sup := map[string]string{"username": "sup.risk", "password": env.User(t, "sup.risk", app.RoleSupervisor, "")}

	shots := os.Getenv("AFTERSALES_SCREENSHOTS")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg, _ := json.Marshal(map[string]any{"chromium": chromium, "base": env.Server.URL, "shots": shots,
		"supervisor": sup, "case": held.ID, "customer": "cust-1", "listed": "cust-2"})
	runCtx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(runCtx, "node", filepath.Join(dir, "risk.mjs"), string(cfg)).CombinedOutput()
	if err != nil {
		t.Fatalf("the browser found (%v):\n%s", err, out)
	}
	t.Logf("the browser's run:\n%s", out)
	list, err := env.App.ListWatch(context.Background(), pagesAdmin)
	if err != nil || len(list.Entries) != 1 || list.Entries[0].Customer != "cust-1" || list.Entries[0].By != "sup.risk" {
		t.Errorf("after the browser's add and removal: %+v %v", list, err)
	}
}
