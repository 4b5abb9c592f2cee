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

// The help centre and the article editor in a real browser (e2e/help.mjs): a visitor
// without a session searches on a phone and opens the result, both with the search's
// words marked; an agent's article form refused at its empty title, then accepted — no
// console error or CSP violation, nothing serious or critical for axe-core. Screenshots
// go to AFTERSALES_SCREENSHOTS (docs/screenshots: help-search.png, help-article.png,
// kb-editor.png).
func TestHelpCentreInABrowser(t *testing.T) {
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
	helpArticles(t, env)
	password := env.User(t, "agent.kb", app.RoleAgent, "")
	shots := os.Getenv("AFTERSALES_SCREENSHOTS")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg, _ := json.Marshal(map[string]any{"chromium": chromium, "base": env.Server.URL, "shots": shots,
		"agent": map[string]string{"username": "agent.kb", "password": password}, "first": "蓝牙耳机的退货流程"})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "node", filepath.Join(dir, "help.mjs"), string(cfg)).CombinedOutput()
	if err != nil {
		t.Fatalf("the browser found (%v):\n%s", err, out)
	}
	// The agent's form made one draft, by the agent.
	l, err := env.App.ListArticles(t.Context(), pagesAdmin, app.ArticleQuery{Status: "draft"})
	if err != nil {
		t.Fatal(err)
	}
	var made []string
	for _, a := range l.Articles {
		if a.Title == "七天无理由退货说明" {
			made = append(made, a.Author)
		}
	}
	if len(made) != 1 {
		t.Errorf("the browser's form made %d drafts %v, want 1", len(made), made)
	}
}
