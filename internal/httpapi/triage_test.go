package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/store"
)

// caseSuggestions reads the triage suggestions stored on a case.
func caseSuggestions(t *testing.T, env *apitest.Env, caseID string) []store.TriageSuggestion {
	t.Helper()
	var out []store.TriageSuggestion
	if err := env.Store.View(context.Background(), func(tx store.Tx) (err error) {
		out, err = tx.Suggestions(context.Background(), caseID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// triageInbox counts each staff account's urgent triage notifications.
func triageInbox(t *testing.T, env *apitest.Env) map[string]int {
	t.Helper()
	out := map[string]int{}
	if err := env.Store.View(context.Background(), func(tx store.Tx) error {
		users, err := tx.Users(context.Background())
		if err != nil {
			return err
		}
		for _, u := range users {
			ns, _, err := tx.ListNotifications(context.Background(), store.NotificationQuery{Recipient: "user:" + u.ID})
			if err != nil {
				return err
			}
			for _, n := range ns {
				if n.Event == "case.triage_urgent" {
					out[u.Username]++
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTriageUrgentApplicationIsStoredAndReachesASupervisor(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		env.Merchant(t, "shop-a")
		supPass := env.User(t, "supervisor1", app.RoleSupervisor, "")
		env.User(t, "merchant1", app.RoleMerchant, "shop-a")
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("SKU-1", 1, 29900)))
		in := returnRefund(o.OrderNo, "SKU-1", 1)
		in.Description = "充电的时候起火了，吓死了，退货退款！"
		c := w.mustApply(t, w.customer1, in)
		got := caseSuggestions(t, env, c.ID)
		if len(got) != 1 || got[0].SubjectKind != "case" || got[0].Urgency != "urgent" || got[0].Sentiment < -1 || got[0].Sentiment > 1 {
			t.Fatalf("suggestions: %+v", got)
		}
		if c.Priority != "urgent" {
			t.Errorf("priority %s, want urgent", c.Priority)
		}
		if c.Reason != in.Reason {
			t.Errorf("the customer's reason changed: %s, want %s", c.Reason, in.Reason)
		}
		if inbox := triageInbox(t, env); inbox["supervisor1"] != 1 || inbox["merchant1"] != 0 {
			t.Errorf("urgent notifications %v: want one to sup, none to the merchant", inbox)
		}

		// The case page: the desk sees the suggestion, the customer never does.
		sup := env.Login(t, "supervisor1", supPass)
		wantPage(t, getPageIn(t, env, sup, "/cases/"+c.ID, "en"), http.StatusOK, `id="triage"`, "Triage suggestion", "Urgent — safety")
		wantPage(t, getPageIn(t, env, sup, "/cases/"+c.ID, "zh"), http.StatusOK, "智能分诊建议", "紧急 — 安全问题")
		for _, lang := range []string{"en", "zh"} {
			res := getPageIn(t, env, env.CustomerSession(t, "shop-a", "cust-1"), "/cases/"+c.ID, lang)
			wantPage(t, res, http.StatusOK)
			if body := string(res.Body); strings.Contains(body, `id="triage"`) || strings.Contains(body, "Triage suggestion") || strings.Contains(body, "智能分诊") {
				t.Errorf("the customer's case page (%s) shows the triage suggestion", lang)
			}
		}

		// An English message gets its own suggestion.
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + c.ID + "/messages", Token: w.customer1,
			JSON: app.MessageInput{Body: "you sent the wrong item, i ordered black and got white"}})
		if res.Status != http.StatusCreated && res.Status != http.StatusOK {
			t.Fatalf("message: %d %s", res.Status, res.Body)
		}
		got = caseSuggestions(t, env, c.ID)
		if len(got) != 2 || got[1].SubjectKind != "message" || got[1].Reason != "wrong_item" || got[1].Urgency == "urgent" {
			t.Fatalf("suggestions after the message: %+v", got)
		}
	})
}

// A case the customer later writes about in safety words (冒烟, 烧焦) becomes urgent at
// once: a system record in the history that the desk reads and the customer does not, a
// supervisor told; a second such message changes nothing more.
func TestUrgentMessageRaisesTheCasesPriority(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		env.Merchant(t, "shop-a")
		env.User(t, "supervisor1", app.RoleSupervisor, "")
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("SKU-1", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "SKU-1", 1))
		if c.Priority == "urgent" {
			t.Fatalf("a plain application opened %s", c.Priority)
		}
		say := func(body string) {
			t.Helper()
			res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + c.ID + "/messages", Token: w.customer1,
				JSON: app.MessageInput{Body: body}})
			if res.Status != http.StatusCreated {
				t.Fatalf("message: %d %s", res.Status, res.Body)
			}
		}
		say("插上电源后冒烟了，还有烧焦的味道")
		staff := w.getCase(t, w.admin, c.ID)
		if staff.Priority != "urgent" || countActions(staff, aftersale.TriageUrgent) != 1 {
			t.Fatalf("after the message: priority %s, %d triage records; want urgent and one", staff.Priority, countActions(staff, aftersale.TriageUrgent))
		}
		h := staff.History[len(staff.History)-1]
		if h.Actor.Role != aftersale.System || h.Data["from"] != string(c.Priority) || !strings.Contains(h.Note, "safety") {
			t.Errorf("the record %+v", h)
		}
		if inbox := triageInbox(t, env); inbox["supervisor1"] != 1 {
			t.Errorf("urgent notifications %v: want one to the supervisor", inbox)
		}
		if mine := w.getCase(t, w.customer1, c.ID); countActions(mine, aftersale.TriageUrgent) != 0 {
			t.Errorf("the customer sees the triage record")
		}
		// A case that has ended stays as it is (the supervisors are told all the same).
		o2 := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("SKU-2", 1, 9900)))
		ended := w.mustApply(t, w.customer1, returnRefund(o2.OrderNo, "SKU-2", 1))
		ended = w.mustAct(t, w.customer1, ended.ID, app.ActInput{Action: aftersale.Cancel, Version: ended.Version})
		if res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + ended.ID + "/messages", Token: w.customer1,
			JSON: app.MessageInput{Body: "退掉的那个也冒烟了"}}); res.Status != http.StatusCreated {
			t.Fatalf("a message on an ended case: %d %s", res.Status, res.Body)
		} else {
			if got := w.getCase(t, w.admin, ended.ID); countActions(got, aftersale.TriageUrgent) != 0 || got.Version != ended.Version {
				t.Errorf("an ended case got a triage record: version %d (was %d)", got.Version, ended.Version)
			}
		}
		say("又冒烟了，电源线发烫")
		if again := w.getCase(t, w.admin, c.ID); countActions(again, aftersale.TriageUrgent) != 1 || again.Version != staff.Version {
			t.Errorf("a second urgent message: %d records, version %d (was %d); want no new record", countActions(again, aftersale.TriageUrgent), again.Version, staff.Version)
		}
	})
}

func TestTriageSuggestsAndChecksInput(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		path := "/api/v1/triage"
		for _, tok := range []string{w.customer1, w.agent, w.merchantA} {
			res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: path, Token: tok, JSON: map[string]string{"text": "the battery exploded and there was smoke"}})
			if res.Status != http.StatusOK {
				t.Fatalf("triage: %d %s", res.Status, res.Body)
			}
			var v app.TriageView
			res.JSON(t, &v)
			if v.Urgency != "urgent" || v.Reason == "" || v.Sentiment < -1 || v.Sentiment > 1 || v.Articles == nil {
				t.Errorf("triage: %+v", v)
			}
		}
		if res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: path, JSON: map[string]string{"text": "hi"}}); res.Status != http.StatusUnauthorized {
			t.Errorf("anonymous: %d", res.Status)
		}
		for _, tc := range []struct {
			name, text string
		}{{"empty", "  "}, {"too long", strings.Repeat("退", 4001)}} {
			wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: path, Token: w.customer1, JSON: map[string]string{"text": tc.text}}),
				http.StatusUnprocessableEntity, app.CodeInvalid, "text")
		}
	})
}
