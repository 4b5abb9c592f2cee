package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/web"
)

// The return flow in a real browser, in Chinese and in English (e2e/flow.mjs, part
// "flow"): a customer on a phone-sized page applies for a no-reason return with a photo,
// the merchant approves it in the queue, the customer enters the parcel, the merchant
// confirms receipt and refunds, and the refund shows on the customer's page; a form
// without its CSRF token, another merchant's case, an item whose windows have closed; no
// horizontal scroll at 375 px, no console error or CSP violation, and axe-core finds
// nothing serious or critical on the customer's and the merchant's pages. Afterwards the
// store holds what the browser did, and nothing more.
func TestReturnFlowInABrowser(t *testing.T) {
	b := newBrowserWorld(t)
	b.run(t, "flow")

	// The customer's two cases (one a language) were refunded in full, with the photo as it
	// was sent; the form without its CSRF token recorded nothing.
	token := b.env.Token(t, app.RoleCustomer, browserCustomer)
	var list app.CaseList
	b.env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Token: token}).JSON(t, &list)
	if len(list.Items) != len(b.langs) {
		t.Fatalf("%d cases, want %d", len(list.Items), len(b.langs))
	}
	for _, item := range list.Items {
		c := b.world.getCase(t, token, item.ID)
		if c.State != aftersale.Resolved || c.RefundedAmount != 29900 {
			t.Errorf("case %s is %s with %d refunded, want resolved with 29900", c.Number, c.State, c.RefundedAmount)
		}
		var actions []aftersale.Action
		for _, e := range c.History {
			actions = append(actions, e.Action)
		}
		want := []aftersale.Action{aftersale.Apply, aftersale.Approve, aftersale.ShipBack, aftersale.ConfirmReceipt, aftersale.Refund}
		if !slices.Equal(actions, want) {
			t.Errorf("case %s's history is %v, want %v", c.Number, actions, want)
		}
		if len(c.Evidence) != 1 {
			t.Errorf("case %s has evidence %v, want the photo", c.Number, c.Evidence)
			continue
		}
		res := b.env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/attachments/" + c.Evidence[0], Token: token})
		if res.Status != http.StatusOK || !bytes.Equal(res.Body, photoPNG(t)) {
			t.Errorf("case %s's photo came back as %d, %d bytes", c.Number, res.Status, len(res.Body))
		}
	}
}

// The other main pages in a real browser, in both languages (e2e/flow.mjs, part "pages"):
// the login page, the agent's queue, tasks and notifications, the supervisor's page,
// disputes and a dispute, a customer's complaints, case with its parcels and inbox on a
// phone, /admin and its sub-pages (policies, users, tokens, calendar, audit, import) — no
// console error or CSP violation, nothing serious or critical for axe-core.
func TestMainPagesInABrowser(t *testing.T) {
	b := newBrowserWorld(t)
	b.parcel = parcelForScreens(t, b.world)
	b.run(t, "pages")
	// The agent, the supervisor and the admin logged in once each, and nothing was refused.
	page, err := b.env.App.Audit(t.Context(), b.admin, app.AuditInput{Action: "login"})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, e := range page.Items {
		outcomes[e.Outcome]++
	}
	if outcomes["ok"] != 3 || len(outcomes) != 1 {
		t.Errorf("the logins of the visit: %v, want 3 ok", outcomes)
	}
}

// browserCustomer is the customer of e2e/flow.mjs.
const browserCustomer = "cust-web"

// browserLang is one language's run of e2e/flow.mjs: its orders and what its pages say.
type browserLang struct {
	Lang     string `json:"lang"`
	Scheme   string `json:"scheme"`
	Order    string `json:"order"`
	SKU      string `json:"sku"`
	Late     string `json:"late"`
	Refusal  string `json:"refusal"`
	Refunded string `json:"refunded"`
	Amount   string `json:"amount"`
	Carrier  string `json:"carrier"`
}

// browserWorld is the stack e2e/flow.mjs visits: merchant A (shop-a) with its staff, a
// merchant B with its own, an agent, a supervisor and an admin; a customer with an order inside its
// windows for each language and one whose windows closed two years ago, and a login link;
// and four cases of another customer waiting in the queues, one of them overdue.
type browserWorld struct {
	env          *apitest.Env
	world        *world
	admin        app.Principal
	chromium     string
	script       string
	langs        []browserLang
	link         string
	accounts     map[string]map[string]string
	photo, shots string
	dispute      string // a dispute waiting on the platform (the supervisor's page)
	parcel       string // the customer's case with parcels gone wrong (part "pages")
}

func newBrowserWorld(t *testing.T) *browserWorld {
	t.Helper()
	chromium, pagesScript := browserTools(t)
	if _, err := os.Stat(filepath.Join(filepath.Dir(pagesScript), "node_modules", "axe-core", "axe.min.js")); err != nil {
		skip := t.Skipf
		if os.Getenv("AFTERSALES_CHROMIUM") != "" {
			skip = t.Fatalf
		}
		skip("browser tests: no axe-core (npm ci --prefix e2e); .ci/run installs it")
	}
	env := apitest.New(t, apitest.Backends()[0])
	b := &browserWorld{env: env, world: newWorld(t, env), admin: app.Principal{Role: app.RoleAdmin, ID: "test"},
		chromium: chromium, script: filepath.Join(filepath.Dir(pagesScript), "flow.mjs")}
	env.Merchant(t, "shop-b")
	pages, err := web.New(env.App, web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	jacket := line("JACKET", 1, 29900)
	jacket.Title = "羊毛夹克 Wool jacket"
	lamp := line("LAMP", 1, 19900)
	lamp.Title = "台灯 Desk lamp"
	old := b.world.orderInput("shop-a", browserCustomer, lamp)
	paid, shipped, delivered := old.PaidAt.AddDate(-2, 0, 0), old.ShippedAt.AddDate(-2, 0, 0), old.DeliveredAt.AddDate(-2, 0, 0)
	old.PaidAt, old.ShippedAt, old.DeliveredAt = paid, &shipped, &delivered
	b.world.mustOrder(t, old)
	var late app.DecisionView
	env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/policy/evaluate", Token: env.Token(t, app.RoleCustomer, browserCustomer),
		JSON: app.EvaluateInput{ApplyInput: returnRefund(old.OrderNo, "LAMP", 1)}}).JSON(t, &late)
	if late.Eligible || len(late.Refusals) == 0 {
		t.Fatalf("a no-reason return of an item delivered two years ago: %+v", late)
	}
	for _, lang := range []web.Lang{web.ZH, web.EN} {
		o := b.world.mustOrder(t, b.world.orderInput("shop-a", browserCustomer, jacket))
		refunded, _ := pages.Catalogue().Message(lang, "case.refunded")
		l := browserLang{Lang: string(lang), Scheme: "light", Order: o.OrderNo, SKU: "JACKET", Late: old.OrderNo,
			Refusal: lang.Pick(late.Refusals[0].Text), Refunded: refunded, Amount: web.FormatMoney(lang, 29900, "CNY"), Carrier: "顺丰速运"}
		if lang == web.EN {
			// English runs in the dark colour scheme: axe-core judges the dark palette too.
			l.Scheme, l.Carrier = "dark", "SF Express"
		}
		b.langs = append(b.langs, l)
	}
	b.link = "/login/link?" + env.LoginLink(t, app.PlatformShop, browserCustomer, 10*time.Minute)
	for _, sku := range []string{"SHOES", "KETTLE", "SCARF"} {
		o := b.world.mustOrder(t, b.world.orderInput("shop-a", "cust-1", line(sku, 1, 45900)))
		b.world.mustApply(t, b.world.customer1, returnRefund(o.OrderNo, sku, 1))
	}
	// One applied for four days ago: the merchant's deadline has passed.
	teapot := b.world.orderInput("shop-a", "cust-1", line("TEAPOT", 1, 12900))
	ago := func(t time.Time) time.Time { return t.AddDate(0, 0, -4) }
	paid, shipped, delivered = ago(teapot.PaidAt), ago(*teapot.ShippedAt), ago(*teapot.DeliveredAt)
	teapot.PaidAt, teapot.ShippedAt, teapot.DeliveredAt = paid, &shipped, &delivered
	b.world.mustOrder(t, teapot)
	env.Clock.Set(ago(time.Now()))
	b.world.mustApply(t, b.world.customer1, returnRefund(teapot.OrderNo, "TEAPOT", 1))
	env.Clock.Reset()
	account := func(username string, role app.Role, merchant string) map[string]string {
		return map[string]string{"username": username, "password": env.User(t, username, role, merchant)}
	}
	b.accounts = map[string]map[string]string{
		"merchant": account("staff.a", app.RoleMerchant, "shop-a"), "other": account("staff.b", app.RoleMerchant, "shop-b"),
		"agent": account("agent.li", app.RoleAgent, ""), "supervisor": account("sup.zhao", app.RoleSupervisor, ""),
		"admin": account("admin.wu", app.RoleAdmin, ""),
	}
	b.dispute = disputeForScreens(t, b.world)
	b.shots = os.Getenv("AFTERSALES_SCREENSHOTS")
	if b.shots == "" {
		b.shots = t.TempDir()
	} else if err := os.MkdirAll(b.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	b.photo = filepath.Join(t.TempDir(), "jacket.png")
	if err := os.WriteFile(b.photo, photoPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// run runs part of e2e/flow.mjs ("flow" or "pages") against the stack.
func (b *browserWorld) run(t *testing.T, part string) {
	t.Helper()
	cfg := map[string]any{"chromium": b.chromium, "base": b.env.Server.URL, "part": part, "shots": b.shots,
		"png": b.photo, "langs": b.langs, "link": b.link, "dispute": b.dispute, "parcel": b.parcel}
	for k, v := range b.accounts {
		cfg[k] = v
	}
	arg, _ := json.Marshal(cfg)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	out, err := exec.CommandContext(ctx, "node", b.script, string(arg)).CombinedOutput()
	if err != nil {
		t.Fatalf("the browser found (%v):\n%s", err, out)
	}
	t.Logf("the browser's run took %s; screenshots in %s:\n%s", time.Since(start).Round(time.Second), b.shots, out)
}

// photoPNG is a real picture (a 96×96 gradient), which browsers decode and show.
func photoPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 96, 96))
	for y := range 96 {
		for x := range 96 {
			img.Set(x, y, color.RGBA{R: uint8(120 + x), G: uint8(60 + y), B: 40, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
