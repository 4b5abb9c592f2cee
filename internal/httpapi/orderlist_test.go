package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// lister reads one list as a principal: a bearer token or a browser's session.
type lister struct {
	name    string
	token   string
	session *apitest.Session
}

func (l lister) get(t *testing.T, env *apitest.Env, path string) *apitest.Response {
	t.Helper()
	return env.Do(t, apitest.Request{Method: http.MethodGet, Path: path, Token: l.token, Session: l.session})
}

// orderNos are the order numbers of a page of orders.
func orderNos(l app.OrderList) []string {
	var out []string
	for _, o := range l.Items {
		out = append(out, o.OrderNo)
	}
	return out
}

func (l lister) orders(t *testing.T, env *apitest.Env, query string) app.OrderList {
	t.Helper()
	res := l.get(t, env, "/api/v1/orders"+query)
	if res.Status != http.StatusOK {
		t.Fatalf("%s: GET /api/v1/orders%s: %d %s", l.name, query, res.Status, res.Body)
	}
	var v app.OrderList
	res.JSON(t, &v)
	return v
}

// GET /api/v1/orders lists what each party may read of orders (app/authz.go): a customer
// their own — only the shop's when the shop's login link vouched for them —, a merchant
// its own, an agent the merchants it serves, admins and the platform's integration all, a
// merchant's integration its merchant's. A filter naming someone else's gives an empty
// list, never another party's order; pages follow the cursor newest first; each order is
// as GET /api/v1/orders/{order_no} shows it, holdings included.
func TestOrderListShowsEachPartyItsOwn(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		a1 := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 2, 29900))).OrderNo
		a2 := w.mustOrder(t, w.orderInput("shop-a", "cust-2", line("SCARF", 1, 9900))).OrderNo
		b1 := w.mustOrder(t, w.orderInput("shop-b", "cust-1", line("KETTLE", 1, 19900))).OrderNo
		b2 := w.mustOrder(t, w.orderInput("shop-b", "cust-2", line("LAMP", 1, 15900))).OrderNo
		// Paid a moment apart, in this order (orderInput): the newest is the last pushed.
		agentA := env.User(t, "agent.a", app.RoleAgent, "", "shop-a")
		parties := map[string]lister{
			"cust-1":               {name: "cust-1", token: w.customer1},
			"cust-1@shop-a":        {name: "cust-1@shop-a", session: env.CustomerSession(t, "shop-a", "cust-1")},
			"merchant A":           {name: "merchant A", token: w.merchantA},
			"merchant B":           {name: "merchant B", token: w.merchantB},
			"agent":                {name: "agent", token: w.agent},
			"agent of shop-a":      {name: "agent of shop-a", session: env.Login(t, "agent.a", agentA)},
			"admin":                {name: "admin", token: w.admin},
			"shop system":          {name: "shop system", token: w.shop},
			"shop-a's integration": {name: "shop-a's integration", token: env.Token(t, app.RoleIntegration, "shop-a")},
		}
		for _, tt := range []struct {
			who, query string
			want       []string
		}{
			{"cust-1", "", []string{b1, a1}},
			{"cust-1", "?customer=cust-2", nil},
			{"cust-1", "?merchant=shop-b", []string{b1}},
			{"cust-1@shop-a", "", []string{a1}},
			{"cust-1@shop-a", "?merchant=shop-b", nil},
			{"merchant A", "", []string{a2, a1}},
			{"merchant A", "?customer=cust-1", []string{a1}},
			{"merchant A", "?merchant=shop-b", nil},
			{"merchant B", "", []string{b2, b1}},
			{"agent", "", []string{b2, b1, a2, a1}},
			{"agent", "?customer=cust-2", []string{b2, a2}},
			{"agent of shop-a", "", []string{a2, a1}},
			{"agent of shop-a", "?merchant=shop-b", nil},
			{"admin", "?merchant=shop-b&customer=cust-1", []string{b1}},
			{"shop system", "", []string{b2, b1, a2, a1}},
			{"shop-a's integration", "", []string{a2, a1}},
			{"shop-a's integration", "?merchant=shop-b", nil},
		} {
			t.Run(tt.who+tt.query, func(t *testing.T) {
				if got := orderNos(parties[tt.who].orders(t, env, tt.query)); !slices.Equal(got, tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}

		// Pages of one, then the end.
		agent := parties["agent"]
		var paged []string
		for query := "?limit=1"; ; {
			page := agent.orders(t, env, query)
			if len(page.Items) != 1 {
				t.Fatalf("page %s: %d orders", query, len(page.Items))
			}
			paged = append(paged, page.Items[0].OrderNo)
			if page.NextCursor == "" {
				break
			}
			query = "?limit=1&cursor=" + page.NextCursor
		}
		if !slices.Equal(paged, []string{b2, b1, a2, a1}) {
			t.Errorf("pages of one: %v", paged)
		}
		wantProblem(t, agent.get(t, env, "/api/v1/orders?cursor=garbage"), http.StatusUnprocessableEntity, app.CodeInvalid, "cursor")
		wantProblem(t, agent.get(t, env, "/api/v1/orders?limit=0"), http.StatusUnprocessableEntity, app.CodeInvalid, "limit")
		wantProblem(t, agent.get(t, env, "/api/v1/orders?limit=501"), http.StatusUnprocessableEntity, app.CodeInvalid, "limit")
		wantProblem(t, lister{name: "anonymous"}.get(t, env, "/api/v1/orders"), http.StatusUnauthorized, app.CodeUnauthorized)

		// An order as listed is the order as read, with what a case holds of its lines.
		w.mustApply(t, w.customer1, returnRefund(a1, "JACKET", 1))
		listed := parties["merchant A"].orders(t, env, "?customer=cust-1")
		if len(listed.Items) != 1 || listed.Items[0].Items[0].Claimed != 1 {
			t.Fatalf("the order with a case, listed: %+v", listed)
		}
		read := parties["merchant A"].get(t, env, "/api/v1/orders/"+a1)
		got, err := json.Marshal(listed.Items[0])
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(t, got, read.Body) {
			t.Errorf("listed %s\nread   %s", got, read.Body)
		}
	})
}

// sameJSON reports whether a and b are the same JSON value.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return string(xs) == string(ys)
}
