package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// postMessage posts on a case's conversation.
func (w *world) postMessage(t testing.TB, token, caseID string, in any, header ...string) *apitest.Response {
	t.Helper()
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + caseID + "/messages", Token: token, JSON: in, Header: h})
}

func (w *world) mustPost(t *testing.T, token, caseID string, in app.MessageInput) app.MessageView {
	t.Helper()
	res := w.postMessage(t, token, caseID, in)
	if res.Status != http.StatusCreated {
		t.Fatalf("POST messages: %d %s", res.Status, res.Body)
	}
	var v app.MessageView
	res.JSON(t, &v)
	return v
}

// messages reads a case's conversation as token's principal: the bodies, in order.
func (w *world) messages(t *testing.T, token, caseID string) []string {
	t.Helper()
	res := w.env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + caseID + "/messages", Token: token})
	if res.Status != http.StatusOK {
		t.Fatalf("GET messages: %d %s", res.Status, res.Body)
	}
	var l app.MessageList
	res.JSON(t, &l)
	var out []string
	for i, m := range l.Items {
		if i > 0 && m.Seq <= l.Items[i-1].Seq {
			t.Errorf("messages out of order: %+v", l.Items)
		}
		out = append(out, m.Body)
	}
	return out
}

// SPEC §6 "public replies vs internal notes" and §14 "strict merchant isolation": a case's
// conversation over HTTP. The customer writes and reads public replies only; the merchant's
// staff and platform agents read both, and write both; another merchant or customer does
// not find the case; an admin reads but does not write; the shop system does neither.
func TestConversationPublicRepliesAndInternalNotes(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		order := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(order.OrderNo, "JACKET", 1))

		q := w.mustPost(t, w.customer1, c.ID, app.MessageInput{Body: "  尺码偏小,可以换吗? / too small, can I exchange?  "})
		if q.Seq != 1 || q.Author.Role != aftersale.Customer || q.Author.ID != "cust-1" || q.Internal || q.Body != "尺码偏小,可以换吗? / too small, can I exchange?" {
			t.Errorf("the customer's message: %+v (the body is trimmed)", q)
		}
		note := w.mustPost(t, w.merchantA, c.ID, app.MessageInput{Body: "老客户,优先处理 / regular, handle first", Internal: true})
		if note.Seq != 2 || note.Author.Role != aftersale.Merchant || !note.Internal {
			t.Errorf("the merchant's note: %+v", note)
		}
		reply := w.mustPost(t, w.merchantA, c.ID, app.MessageInput{Body: "可以,请申请换货 / yes, apply for an exchange"})
		if reply.Seq != 3 || reply.Internal {
			t.Errorf("the merchant's reply: %+v", reply)
		}
		w.mustPost(t, w.agent, c.ID, app.MessageInput{Body: "平台已跟进 / the platform is following up"})
		agentNote := w.mustPost(t, w.agent, c.ID, app.MessageInput{Body: "商家响应及时 / merchant answered in time", Internal: true})
		if agentNote.Author.Role != aftersale.Agent || !agentNote.Internal || agentNote.Seq != 5 {
			t.Errorf("the agent's note: %+v", agentNote)
		}

		public := []string{"尺码偏小,可以换吗? / too small, can I exchange?", "可以,请申请换货 / yes, apply for an exchange", "平台已跟进 / the platform is following up"}
		all := []string{public[0], "老客户,优先处理 / regular, handle first", public[1], public[2], "商家响应及时 / merchant answered in time"}
		if got := w.messages(t, w.customer1, c.ID); !slices.Equal(got, public) {
			t.Errorf("the customer reads %q, want the public replies only", got)
		}
		for name, token := range map[string]string{"merchant": w.merchantA, "agent": w.agent, "admin": w.admin} {
			if got := w.messages(t, token, c.ID); !slices.Equal(got, all) {
				t.Errorf("%s reads %q, want every message", name, got)
			}
		}

		rows := env.Rows(t, "case_messages")
		// The customer may not write internal notes.
		wantProblem(t, w.postMessage(t, w.customer1, c.ID, app.MessageInput{Body: "悄悄话", Internal: true}), http.StatusForbidden, app.CodeForbidden)
		// Someone else's case is not found, for reading and writing alike.
		for name, token := range map[string]string{"another merchant": w.merchantB, "another customer": w.customer2} {
			wantProblem(t, w.postMessage(t, token, c.ID, app.MessageInput{Body: "hello"}), http.StatusNotFound, app.CodeNotFound)
			res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + c.ID + "/messages", Token: token})
			if p := wantProblem(t, res, http.StatusNotFound, app.CodeNotFound); strings.Contains(string(res.Body), "JACKET") {
				t.Errorf("%s: the 404 tells about the case: %+v", name, p)
			}
		}
		// Admins configure; they do not talk to customers. The shop system does neither.
		wantProblem(t, w.postMessage(t, w.admin, c.ID, app.MessageInput{Body: "hello"}), http.StatusForbidden, app.CodeForbidden)
		wantProblem(t, w.postMessage(t, w.shop, c.ID, app.MessageInput{Body: "hello"}), http.StatusForbidden, app.CodeForbidden)
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + c.ID + "/messages", Token: w.shop}), http.StatusForbidden, app.CodeForbidden)
		// No such case.
		wantProblem(t, w.postMessage(t, w.merchantA, "0190e7a4-0000-7000-8000-000000000000", app.MessageInput{Body: "hello"}), http.StatusNotFound, app.CodeNotFound)
		wantProblem(t, w.postMessage(t, w.merchantA, "not-a-case", app.MessageInput{Body: "hello"}), http.StatusNotFound, app.CodeNotFound)
		res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + c.ID + "/messages"})
		wantProblem(t, res, http.StatusUnauthorized, app.CodeUnauthorized)
		if n := env.Rows(t, "case_messages"); n != rows {
			t.Errorf("refused messages were written: %d rows, want %d", n, rows)
		}

		// A public message tells the other side through the outbox; a note tells nobody.
		if n := env.Rows(t, "outbox WHERE topic = 'notify.case.message'"); n != 3 {
			t.Errorf("%d notify.case.message in the outbox, want one per public message (3)", n)
		}
	})
}

// Bad input to POST /cases/{id}/messages is a problem+json and writes nothing: an empty or
// blank body, more than 8000 characters, an unknown field, a wrong type, not JSON at all.
// 8000 characters of Chinese are accepted.
func TestConversationBadInputWritesNothing(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		order := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(order.OrderNo, "JACKET", 1))
		path := "/api/v1/cases/" + c.ID + "/messages"
		raw := func(body string) apitest.Request {
			return apitest.Request{Method: http.MethodPost, Path: path, Token: w.merchantA, Body: []byte(body), ContentType: "application/json"}
		}
		tests := []struct {
			name   string
			req    apitest.Request
			status int
			code   app.Code
			fields []string
		}{
			{"no body", raw(""), http.StatusBadRequest, app.CodeMalformed, nil},
			{"not JSON", raw(`{"body": "hi"`), http.StatusBadRequest, app.CodeMalformed, nil},
			{"empty message", raw(`{"body": ""}`), http.StatusUnprocessableEntity, app.CodeInvalid, []string{"body"}},
			{"blank message", raw(`{"body": " \n\t "}`), http.StatusUnprocessableEntity, app.CodeInvalid, []string{"body"}},
			{"no message field", raw(`{"internal": true}`), http.StatusUnprocessableEntity, app.CodeInvalid, []string{"body"}},
			{"too long", apitest.Request{Method: http.MethodPost, Path: path, Token: w.merchantA, JSON: app.MessageInput{Body: strings.Repeat("长", 8001)}},
				http.StatusUnprocessableEntity, app.CodeInvalid, []string{"body"}},
			{"unknown field", raw(`{"body": "hi", "public": true}`), http.StatusUnprocessableEntity, app.CodeInvalid, []string{"public"}},
			{"wrong type", raw(`{"body": "hi", "internal": "yes"}`), http.StatusUnprocessableEntity, app.CodeInvalid, []string{"internal"}},
			{"not an object", raw(`["hi"]`), http.StatusUnprocessableEntity, app.CodeInvalid, nil},
			{"form post", apitest.Request{Method: http.MethodPost, Path: path, Token: w.merchantA, Body: []byte("body=hi"), ContentType: "application/x-www-form-urlencoded"},
				http.StatusUnsupportedMediaType, app.CodeUnsupported, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := snapshot(t, env)
				messages := env.Rows(t, "case_messages")
				wantProblem(t, env.Do(t, tc.req), tc.status, tc.code, tc.fields...)
				wantUnchanged(t, env, before)
				if n := env.Rows(t, "case_messages"); n != messages {
					t.Errorf("case_messages: %d rows before, %d after", messages, n)
				}
			})
		}
		long := w.mustPost(t, w.merchantA, c.ID, app.MessageInput{Body: strings.Repeat("长", 8000)})
		if len([]rune(long.Body)) != 8000 {
			t.Errorf("an 8000-character message came back with %d characters", len([]rune(long.Body)))
		}
	})
}

// A message posted again with the same Idempotency-Key is the first answer, byte for byte,
// and is written once; the same key for another message is refused.
func TestConversationIdempotencyKey(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		order := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(order.OrderNo, "JACKET", 1))
		in := app.MessageInput{Body: "请问何时退款? / when is my refund?"}
		first := w.postMessage(t, w.customer1, c.ID, in, "Idempotency-Key", "msg-1")
		if first.Status != http.StatusCreated {
			t.Fatalf("first: %d %s", first.Status, first.Body)
		}
		outbox := env.Rows(t, "outbox")
		again := w.postMessage(t, w.customer1, c.ID, in, "Idempotency-Key", "msg-1")
		if again.Status != http.StatusCreated || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay: %d %s (Idempotent-Replayed %q), want the first answer %s", again.Status, again.Body, again.Header.Get("Idempotent-Replayed"), first.Body)
		}
		if n := env.Rows(t, "case_messages"); n != 1 {
			t.Errorf("%d messages after a replay, want 1", n)
		}
		if n := env.Rows(t, "outbox"); n != outbox {
			t.Errorf("a replay enqueued %d more outbox messages", n-outbox)
		}
		other := w.postMessage(t, w.customer1, c.ID, app.MessageInput{Body: "另一条 / another"}, "Idempotency-Key", "msg-1")
		wantProblem(t, other, http.StatusUnprocessableEntity, app.CodeInvalid, "Idempotency-Key")
		// Keys are the caller's own: the merchant may use the same one.
		if res := w.postMessage(t, w.merchantA, c.ID, app.MessageInput{Body: "明天 / tomorrow"}, "Idempotency-Key", "msg-1"); res.Status != http.StatusCreated || res.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("the merchant's message under the customer's key: %d %s", res.Status, res.Body)
		}
		if got := w.messages(t, w.merchantA, c.ID); len(got) != 2 {
			t.Errorf("conversation %q, want the customer's and the merchant's message", got)
		}
	})
}
