package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// A supervisor sees the open work of the merchants they serve — and nothing of the others;
// the counts are the store's, the same the API's lists give.
func TestSupervisorSeesTheOpenWorkOfTheirScope(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		for _, m := range []string{"shop-a", "shop-a", "shop-b"} {
			o := w.mustOrder(t, w.orderInput(m, "cust-1", line("JACKET", 1, 29900)))
			w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		}
		scoped := env.Login(t, "sup.a", env.User(t, "sup.a", app.RoleSupervisor, "", "shop-a"))
		page := getPage(t, env, scoped, "/supervisor")
		wantPage(t, page, http.StatusOK, "Open work by merchant", `<a href="/queue?merchant=shop-a&amp;lang=en">shop-a</a></th>
<td>2</td>`)
		if strings.Contains(string(page.Body), "shop-b") {
			t.Error("a supervisor of shop-a sees shop-b")
		}
		all := env.Login(t, "sup", env.User(t, "sup", app.RoleSupervisor, ""))
		wantPage(t, getPage(t, env, all, "/supervisor?lang=zh"), http.StatusOK, "主管看板", "shop-b", "<td>3</td>")
		agent := env.Login(t, "agent.x", env.User(t, "agent.x", app.RoleAgent, ""))
		wantPage(t, getPage(t, env, agent, "/supervisor"), http.StatusForbidden)
	})
}
