package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The pages in a real browser (e2e/pages.mjs: Debian's Chromium driven by playwright-core):
// the login form with a wrong and a right password, the session cookie out of scripts'
// reach, both languages, the API with the cookie and the CSRF token, another site's
// logout form that must not end the session, logout, and a customer's login link, used
// once — with
// no console error or CSP violation on any page. The server is the test stack on SQLite
// (the pages do not depend on the store). .ci/run installs Chromium and the script's
// module; without them the test is skipped and says how to install them.
func TestPagesInABrowser(t *testing.T) {
	chromium, script := browserTools(t)
	env := apitest.New(t, apitest.Backends()[0])
	env.Merchant(t, "shop-a")
	password := env.User(t, "agent.zhou", app.RoleAgent, "", "shop-a")
	link := "/login/link?" + env.LoginLink(t, "platform", "cust-browser", 10*time.Minute)

	// Another site: a page whose form posts a logout to our server as soon as it loads.
	// localhost is another site than 127.0.0.1 to the browser.
	attacker := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>win a prize</title>
<form id="f" method="post" action="%s/logout"><input type="hidden" name="lang" value="en"></form>
<script>document.getElementById("f").submit()</script>`, env.Server.URL)
	}))
	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	attacker.Listener = ln
	attacker.Start()
	defer attacker.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())

	cfg, _ := json.Marshal(map[string]string{
		"chromium": chromium, "base": env.Server.URL, "attacker": "http://localhost:" + port + "/",
		"username": "agent.zhou", "password": password, "link": link, "customer": "cust-browser",
	})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "node", script, string(cfg)).CombinedOutput()
	if err != nil {
		t.Fatalf("the browser found (%v):\n%s", err, out)
	}

	// The server's side: the logout ended the session in the store, the customer's lives.
	page, err := env.App.Audit(t.Context(), app.Principal{Role: app.RoleAdmin, ID: "test"}, app.AuditInput{})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, e := range page.Items {
		outcomes[e.Action+" "+e.Outcome]++
	}
	if outcomes["login ok"] != 1 || outcomes["login.link ok"] != 1 || outcomes["login failed"] != 3 || outcomes["logout ok"] != 1 {
		t.Errorf("audit of the browser's visit: %v (want a login and a login link, three failures — a password, the link again, a tampered link — and one logout)", outcomes)
	}
	if n := env.Rows(t, "sessions"); n != 1 {
		t.Errorf("%d sessions in the store after the staff member logged out, want the customer's 1", n)
	}
}

// browserTools finds Chromium (AFTERSALES_CHROMIUM, else Debian's /usr/bin/chromium), node
// and e2e/pages.mjs with its playwright-core module, or skips the test saying what is
// missing — fails it when AFTERSALES_CHROMIUM is set (.ci/run sets it): there the
// browser tests must run.
func browserTools(t *testing.T) (chromium, script string) {
	t.Helper()
	chromium = os.Getenv("AFTERSALES_CHROMIUM")
	skip := t.Skipf
	if chromium != "" {
		skip = t.Fatalf
	} else {
		chromium = "/usr/bin/chromium"
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	script = filepath.Join(root, "e2e", "pages.mjs")
	var missing []string
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, "Chromium at "+chromium+" (apt-get install chromium, or set AFTERSALES_CHROMIUM)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "node")
	}
	if _, err := os.Stat(filepath.Join(root, "e2e", "node_modules", "playwright-core")); err != nil {
		missing = append(missing, "playwright-core (npm ci --prefix e2e)")
	}
	if len(missing) > 0 {
		skip("browser tests: no %s; .ci/run installs them", strings.Join(missing, ", no "))
	}
	return chromium, script
}
