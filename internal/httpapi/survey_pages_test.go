package httpapi_test

// The satisfaction survey (满意度) on the case page, on both stores (SPEC §6): no form
// while the case is open; once its customer cancelled it (closed), the customer rates it
// through the form — a missing score is said at its question with what was entered kept,
// a low score promises a supervisor's call back — once; the merchant's staff and the desk
// read the rating; another customer finds nothing, the merchant may not rate.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

func TestSurveyPagesRateAnEndedCase(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		another := env.CustomerSession(t, "shop-a", "cust-2")
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))
		agent := env.Login(t, "agent.a", env.User(t, "agent.a", app.RoleAgent, ""))
		path := "/cases/" + c.ID
		rate := url.Values{"attitude": {"5"}, "speed": {"2"}, "result": {"4"}, "comment": {"退款快,但等了很久 <b>"}}

		// Open: no form, and an answer is refused with the actions.
		page := getPageIn(t, env, customer, path, "en")
		wantPage(t, page, http.StatusOK)
		if strings.Contains(string(page.Body), `id="survey"`) || strings.Contains(string(page.Body), path+"/survey") {
			t.Error("the rating form is shown on an open case")
		}
		wantPage(t, postPageIn(t, env, customer, path+"/survey", "en", rate), http.StatusConflict, "a case is rated once it has ended")

		// The customer cancels it: closed, the form is offered, a fieldset per question.
		w.mustAct(t, w.customer1, c.ID, app.ActInput{Action: aftersale.Cancel, Version: c.Version})
		page = getPageIn(t, env, customer, path, "en")
		wantPage(t, page, http.StatusOK, `id="survey"`, `action="`+path+`/survey#survey"`, `<legend>Attitude of the staff</legend>`,
			`<input type="radio" name="speed" id="survey-speed-3" value="3" required><label for="survey-speed-3"><span aria-hidden="true">★</span><span class="visually-hidden">3 of 5 stars</span></label>`)
		wantPage(t, getPageIn(t, env, customer, path, "zh"), http.StatusOK, "服务评价", "处理速度", "提交评价")
		// Not for the merchant's staff or the desk before it is rated.
		for _, s := range []*apitest.Session{staff, agent} {
			if page := getPageIn(t, env, s, path, "en"); strings.Contains(string(page.Body), `id="survey"`) {
				t.Error("staff are shown the rating part of a case not rated")
			}
		}

		// A missing score: said at its question; the scores and the comment are kept.
		missing := url.Values{"attitude": {"5"}, "result": {"4"}, "comment": {rate.Get("comment")}}
		res := postPageIn(t, env, customer, path+"/survey", "en", missing)
		wantPage(t, res, http.StatusUnprocessableEntity, `<fieldset class="stars" aria-describedby="survey-speed-error">`,
			`<span class="field-error" id="survey-speed-error" role="alert">a score is 1–5</span>`,
			`id="survey-attitude-5" value="5" required checked>`, `id="survey-result-4" value="4" required checked>`,
			`>退款快,但等了很久 &lt;b&gt;</textarea>`)
		// Another customer finds nothing; the merchant may not rate.
		wantPage(t, postPageIn(t, env, another, path+"/survey", "en", rate), http.StatusNotFound)
		wantPage(t, postPageIn(t, env, staff, path+"/survey", "en", rate), http.StatusForbidden)
		if _, err := env.App.GetSurvey(t.Context(), pagesAdmin, c.ID); app.ErrorCode(err) != app.CodeNotFound {
			t.Fatalf("refused answers rated the case: %v", err)
		}

		// Rated: back with thanks; the rating read only; a low score promises a call back.
		rate.Set("idempotency_key", "survey-1")
		wantRedirect(t, postPageIn(t, env, customer, path+"/survey", "en", rate), path+"?done=survey&lang=en#survey")
		s, err := env.App.GetSurvey(t.Context(), pagesAdmin, c.ID)
		if err != nil || s.Attitude != 5 || s.Speed != 2 || s.Result != 4 || !s.Low {
			t.Fatalf("the rating: %+v %v", s, err)
		}
		page = getPageIn(t, env, customer, path+"?done=survey", "en")
		wantPage(t, page, http.StatusOK, "Thank you for rating our service.", `<span class="stars-read" aria-hidden="true">★★☆☆☆</span> 2 / 5`,
			"a supervisor will call you back", "退款快,但等了很久 &lt;b&gt;")
		if strings.Contains(string(page.Body), path+"/survey") {
			t.Error("the rating form is still offered after the rating")
		}
		// A second answer: already rated.
		rate.Set("idempotency_key", "survey-2")
		wantPage(t, postPageIn(t, env, customer, path+"/survey", "en", rate), http.StatusConflict, "this case has been rated already")

		// The merchant's staff and the desk read it, without the customer's call back.
		for _, s := range []*apitest.Session{staff, agent} {
			page := getPageIn(t, env, s, path, "zh")
			wantPage(t, page, http.StatusOK, "服务评价", "服务态度", "★★★★★</span> 5 / 5", "退款快,但等了很久 &lt;b&gt;")
			if strings.Contains(string(page.Body), "主管会在一个工作日内给您回电") || strings.Contains(string(page.Body), path+"/survey") {
				t.Error("staff are told the customer's call back, or offered the form")
			}
		}
	})
}
