package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The self-service assistant (智能客服, issue 16 item 5): it answers from the customer's
// own cases, other questions from the knowledge base, and hands over to a person.

func ask(t *testing.T, env *apitest.Env, token string, in app.AssistantInput) *apitest.Response {
	t.Helper()
	return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/assistant/messages", Token: token, JSON: in})
}

func mustAsk(t *testing.T, env *apitest.Env, token string, in app.AssistantInput) app.AssistantReply {
	t.Helper()
	res := ask(t, env, token, in)
	if res.Status != http.StatusOK {
		t.Fatalf("ask %q: %d %s", in.Text, res.Status, res.Body)
	}
	var v app.AssistantReply
	res.JSON(t, &v)
	return v
}

var cst = time.FixedZone("CST", 8*3600)

func TestAssistantAnswersRefundAndParcelFromOwnCase(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		c := shippedBack(t, w, "SF3000000001")
		mustPostEvents(t, env, w.shop, sfEvent("SF3000000001", "e1", "in_transit", time.Now().UTC().Add(-time.Hour).Truncate(time.Second)))
		p := getParcel(t, env, w.customer1, "SF", "SF3000000001")
		last := p.Events[len(p.Events)-1].Label

		for _, q := range []struct{ text, intent string }{
			{"where is my refund", "refund_status"}, {"我的退款到哪了", "refund_status"},
			{"where is my parcel", "parcel"}, {"快递到哪了", "parcel"},
		} {
			r := mustAsk(t, env, w.customer1, app.AssistantInput{Text: q.text})
			if r.Intent != q.intent || !slices.Equal(r.Cases, []string{c.Number}) || r.Handover || r.Session == "" {
				t.Errorf("%q: %+v, want %s about %s", q.text, r, q.intent, c.Number)
			}
			if q.intent == "refund_status" && !strings.Contains(r.Answer, "¥299.00") {
				t.Errorf("%q: %q, want the refund amount ¥299.00", q.text, r.Answer)
			}
			zh := strings.ContainsAny(q.text, "我快")
			if q.intent == "parcel" && (zh && !strings.Contains(r.Answer, last.ZH) || !zh && !strings.Contains(r.Answer, last.EN) || !strings.Contains(r.Answer, "SF3000000001")) {
				t.Errorf("%q: %q, want the last carrier event %v", q.text, r.Answer, last)
			}
		}
		// The refund paid: the answer says so.
		if r := mustAsk(t, env, w.customer1, app.AssistantInput{Text: "退款到账了吗", Lang: "en"}); !strings.Contains(r.Answer, "has not been paid") {
			t.Errorf("lang en: %q", r.Answer)
		}
	})
}

func TestAssistantNextStepWithDeadline(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-2", line("COAT", 1, 19900)))
		c := w.mustApply(t, w.customer2, returnRefund(o.OrderNo, "COAT", 1))
		c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version})
		i := slices.IndexFunc(c.Deadlines, func(d app.DeadlineView) bool { return d.Kind == aftersale.CustomerShipBack })
		if i < 0 {
			t.Fatalf("deadlines %+v: want the customer's ship-back", c.Deadlines)
		}
		due := c.Deadlines[i].DueAt.In(cst)
		r := mustAsk(t, env, w.customer2, app.AssistantInput{Text: "what do I have to do next"})
		if r.Intent != "next_step" || !strings.Contains(r.Answer, due.Format("2 Jan 15:04")) || !strings.Contains(r.Answer, "ship back") {
			t.Errorf("next step: %q, want the ship-back deadline %s", r.Answer, due.Format("2 Jan 15:04"))
		}
		r = mustAsk(t, env, w.customer2, app.AssistantInput{Text: "截止什么时候", Session: r.Session})
		if r.Intent != "next_step" || !strings.Contains(r.Answer, due.Format("1月2日 15:04")) {
			t.Errorf("截止: %q, want %s", r.Answer, due.Format("1月2日 15:04"))
		}
	})
}

func TestAssistantRevealsNothingOfAnotherCustomersCase(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		c := shippedBack(t, w, "SF3000000002")
		r := mustAsk(t, env, w.customer2, app.AssistantInput{Text: "where is my refund for " + c.Number})
		if len(r.Cases) != 0 || strings.Contains(r.Answer, "299") || strings.Contains(r.Answer, "SF3000000002") || strings.Contains(r.Answer, c.Number) {
			t.Errorf("another customer's case: %+v", r)
		}
		// Someone else's session is not found.
		mine := mustAsk(t, env, w.customer1, app.AssistantInput{Text: "你好"})
		wantProblem(t, ask(t, env, w.customer2, app.AssistantInput{Text: "你好", Session: mine.Session}), http.StatusNotFound, app.CodeNotFound)
	})
}

func TestAssistantHandsOverWithTranscript(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		c := shippedBack(t, w, "SF3000000003")
		first := mustAsk(t, env, w.customer1, app.AssistantInput{Text: "我的退款到哪了"})
		r := mustAsk(t, env, w.customer1, app.AssistantInput{Text: "转人工", Session: first.Session})
		if !r.Handover || r.HandoverTo == nil || *r.HandoverTo != c.ID || !strings.Contains(r.Answer, c.Number) {
			t.Fatalf("转人工: %+v, want the handover to case %s", r, c.ID)
		}
		res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + c.ID + "/messages", Token: w.agent})
		var msgs app.MessageList
		res.JSON(t, &msgs)
		if len(msgs.Items) != 1 || !strings.Contains(msgs.Items[0].Body, "我的退款到哪了") || !strings.Contains(msgs.Items[0].Body, "转人工") ||
			!strings.Contains(msgs.Items[0].Body, "¥299.00") || msgs.Items[0].Author.Role != aftersale.Customer {
			t.Errorf("the case conversation the agent reads: %+v", msgs.Items)
		}

		// No case: a complaint with the transcript, which the desk sees.
		nobody := env.Token(t, app.RoleCustomer, "cust-9")
		r = mustAsk(t, env, nobody, app.AssistantInput{Text: "talk to a person"})
		if !r.Handover || r.HandoverTo == nil {
			t.Fatalf("no case: %+v, want a complaint", r)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/complaints/" + *r.HandoverTo, Token: w.agent})
		var cv app.ComplaintView
		res.JSON(t, &cv)
		if res.Status != http.StatusOK || !strings.Contains(cv.Description, "talk to a person") {
			t.Errorf("the complaint the agent reads: %d %+v", res.Status, cv)
		}
	})
}

func TestAssistantAnswersFromKnowledgeBase(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		a := mustArticle(t, env, app.ArticleInput{Title: "发票怎么开", Language: "zh-CN", Status: "published", Category: "发票",
			Body: "售后完成后,在订单页申请电子发票,三个工作日内发到邮箱。"})
		r := mustAsk(t, env, w.customer1, app.AssistantInput{Text: "请问发票怎么开"})
		if r.Intent != "other" || len(r.Articles) == 0 || r.Articles[0].ID != a.ID || !strings.Contains(r.Answer, a.Title) {
			t.Errorf("knowledge base: %+v", r)
		}
	})
}

func TestAssistantIsForCustomersAndChecksInput(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		for _, tok := range []string{w.agent, w.merchantA, w.admin, w.shop} {
			wantProblem(t, ask(t, env, tok, app.AssistantInput{Text: "where is my refund"}), http.StatusForbidden, app.CodeForbidden)
		}
		path := "/api/v1/assistant/messages"
		for _, tc := range []struct {
			name  string
			req   apitest.Request
			field string
		}{
			{"empty", apitest.Request{Method: http.MethodPost, Path: path, Token: w.customer1, JSON: app.AssistantInput{Text: " "}}, "text"},
			{"too long", apitest.Request{Method: http.MethodPost, Path: path, Token: w.customer1, JSON: app.AssistantInput{Text: strings.Repeat("退", 1001)}}, "text"},
			{"language", apitest.Request{Method: http.MethodPost, Path: path, Token: w.customer1, JSON: app.AssistantInput{Text: "hi", Lang: "fr"}}, "lang"},
			{"unknown field", apitest.Request{Method: http.MethodPost, Path: path, Token: w.customer1, Body: []byte(`{"text":"hi","mood":"sad"}`), ContentType: "application/json"}, "mood"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, env.Do(t, tc.req), http.StatusUnprocessableEntity, app.CodeInvalid, tc.field)
			})
		}
	})
}
