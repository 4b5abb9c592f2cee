package httpapi_test

// The assistant's chat box on the customer portal (智能客服), on both stores: linked from
// the portal home, a form (with its CSRF token) that posts the question and shows the
// conversation with the answer, in zh and en; an empty question is said at the field;
// staff may not use it; another customer's session is not found.

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

func TestAssistantPageAnswersWithoutScript(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		another := env.CustomerSession(t, "shop-a", "cust-2")
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))

		wantPage(t, getPageIn(t, env, customer, "/", "zh"), http.StatusOK, `href="/assistant?lang=zh"`, "问问智能客服")
		wantPage(t, getPageIn(t, env, customer, "/assistant", "en"), http.StatusOK, `action="/assistant"`, `name="csrf_token"`, `src="/assets/assistant.js"`)
		wantPage(t, postPageIn(t, env, customer, "/assistant", "zh", url.Values{"text": {"我的退款到哪了"}}), http.StatusOK,
			"我的退款到哪了", "¥299.00", `class="bubble theirs"`)
		wantPage(t, postPageIn(t, env, customer, "/assistant", "en", url.Values{"text": {"where is my refund"}}), http.StatusOK, "The refund of ¥299.00")
		wantPage(t, postPageIn(t, env, customer, "/assistant", "en", url.Values{"text": {"  "}}), http.StatusUnprocessableEntity, `aria-invalid="true"`, "the question is empty")
		wantPage(t, getPageIn(t, env, staff, "/assistant", "en"), http.StatusForbidden)
		wantPage(t, postPageIn(t, env, staff, "/assistant", "en", url.Values{"text": {"hi"}}), http.StatusForbidden)

		r, err := env.App.Ask(t.Context(), app.Principal{Role: app.RoleCustomer, Customer: "cust-1", Merchant: "shop-a"}, app.AssistantInput{Text: "hello"})
		if err != nil {
			t.Fatal(err)
		}
		wantPage(t, getPageIn(t, env, customer, "/assistant?session="+r.Session, "en"), http.StatusOK, "hello")
		wantPage(t, getPageIn(t, env, another, "/assistant?session="+r.Session, "en"), http.StatusNotFound)
	})
}
