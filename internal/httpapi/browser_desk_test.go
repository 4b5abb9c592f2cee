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
	"github.com/aftersales/aftersales/internal/desk"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The service desk's pages in a real browser (e2e/desk.mjs): an agent takes a case from
// its page, puts a canned reply in the reply box by its shortcut (a keystroke) and by
// picking it; the queue, replies, rules, reviews and the new-task form of the agent and
// the supervisor — no console error or CSP violation, nothing serious or critical for
// axe-core. Screenshots go to AFTERSALES_SCREENSHOTS (docs/screenshots: desk-*.png).
func TestDeskPagesInABrowser(t *testing.T) {
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
	account := func(username string, role app.Role) map[string]string {
		return map[string]string{"username": username, "password": env.User(t, username, role, "")}
	}
	agent, sup := account("agent.web", app.RoleAgent), account("sup.web", app.RoleSupervisor)
	ctx := t.Context()
	cur, err := env.App.DeskRules(ctx, pagesAdmin)
	if err != nil {
		t.Fatal(err)
	}
	rules := rulesFor(desk.Group{Code: "returns", Name: app.Text{ZH: "退货组", EN: "Returns team"}, Strategy: desk.LeastLoad, Members: []string{"agent.web", "sup.web"}})
	rules.AutoAssign, rules.Version = false, cur.Version
	if _, err := env.App.SaveDeskRules(ctx, pagesAdmin, rules); err != nil {
		t.Fatal(err)
	}
	jacket := line("JACKET", 1, 29900)
	jacket.Title = "羊毛夹克 Wool jacket"
	o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", jacket))
	c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
	reply, err := env.App.CreateReply(ctx, pagesAdmin, app.ReplyInput{Title: app.Text{ZH: "感谢耐心等待", EN: "Thanks for waiting"},
		Body:  app.Text{ZH: "您好,售后单 {{rma}} 已收到,我们会尽快处理。", EN: "Hello, we have case {{rma}} and are on it."},
		Scope: "platform", Shortcut: "thanks"})
	if err != nil {
		t.Fatal(err)
	}
	rendered := map[string]string{}
	for _, lang := range []string{"zh", "en"} {
		rv, err := env.App.RenderReply(ctx, pagesAdmin, reply.ID, c.ID, lang)
		if err != nil {
			t.Fatal(err)
		}
		rendered[lang] = rv.Rendered
	}
	// A closed case of the agent, sampled for review (the supervisor's pages).
	o2 := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("SCARF", 1, 9900)))
	closed := w.mustApply(t, w.customer1, returnRefund(o2.OrderNo, "SCARF", 1))
	agentToken := env.UserToken(t, "agent.web")
	closed = w.mustAct(t, agentToken, closed.ID, app.ActInput{Action: aftersale.TakeOwner, Version: closed.Version})
	w.mustAct(t, w.customer1, closed.ID, app.ActInput{Action: aftersale.Cancel, Version: closed.Version})
	sample, err := env.App.SampleReviews(ctx, pagesAdmin, app.SampleInput{Rule: "random", Count: 5})
	if err != nil || len(sample.Reviews) != 1 {
		t.Fatalf("sample: %v %+v", err, sample)
	}

	shots := os.Getenv("AFTERSALES_SCREENSHOTS")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg, _ := json.Marshal(map[string]any{"chromium": chromium, "base": env.Server.URL, "shots": shots,
		"agent": agent, "supervisor": sup, "case": c.ID, "review": sample.Reviews[0].ID, "rendered": rendered})
	runCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(runCtx, "node", filepath.Join(dir, "desk.mjs"), string(cfg)).CombinedOutput()
	if err != nil {
		t.Fatalf("the browser found (%v):\n%s", err, out)
	}
	t.Logf("the browser's run:\n%s", out)
	// The take in the browser made the case the agent's.
	if got := deskCase(t, env, c.ID); got.Assignee != "agent.web" {
		t.Errorf("after the browser's take the owner is %q, want agent.web", got.Assignee)
	}
}
