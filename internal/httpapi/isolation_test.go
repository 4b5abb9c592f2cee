package httpapi_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// Each party sees only its own (SPEC's role table; app/authz.go): someone else's case,
// order or attachment is not found — never forbidden, so that its existence is not
// revealed; lists are scoped to the caller; no or a bad token is 401; an admin configures
// and does not act on cases (403).
func TestPartiesSeeOnlyTheirOwn(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		orderA := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		orderB := w.mustOrder(t, w.orderInput("shop-b", "cust-2", line("KETTLE", 1, 19900)))
		caseA := w.mustApply(t, w.customer1, returnRefund(orderA.OrderNo, "JACKET", 1))

		// cust-2 uploads a photo and applies with it: the photo becomes evidence of case B.
		png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 300)...)
		body, ct := apitest.Multipart("file", "kettle.png", "image/png", png)
		res := env.Do(t, apitest.Request{Method: "POST", Path: "/api/v1/attachments", Token: w.customer2, Body: body, ContentType: ct})
		if res.Status != http.StatusCreated {
			t.Fatalf("upload: %d %s", res.Status, res.Body)
		}
		var photo app.AttachmentView
		res.JSON(t, &photo)
		get := func(token, path string) *apitest.Response {
			return env.Do(t, apitest.Request{Method: http.MethodGet, Path: path, Token: token})
		}
		// Before it is linked, only the uploader reads it.
		wantProblem(t, get(w.merchantB, "/api/v1/attachments/"+photo.ID), http.StatusNotFound, app.CodeNotFound)
		in := returnRefund(orderB.OrderNo, "KETTLE", 1)
		in.Evidence = []string{photo.ID}
		caseB := w.mustApply(t, w.customer2, in)

		notFound := []struct {
			who, token, path string
		}{
			{"merchant A, case B", w.merchantA, "/api/v1/cases/" + caseB.ID},
			{"merchant A, order B", w.merchantA, "/api/v1/orders/" + orderB.OrderNo},
			{"merchant B, case A", w.merchantB, "/api/v1/cases/" + caseA.ID},
			{"cust-1, case B", w.customer1, "/api/v1/cases/" + caseB.ID},
			{"cust-1, order B", w.customer1, "/api/v1/orders/" + orderB.OrderNo},
			{"cust-1, cust-2's photo", w.customer1, "/api/v1/attachments/" + photo.ID},
			{"merchant A, cust-2's photo", w.merchantA, "/api/v1/attachments/" + photo.ID},
			{"a case that does not exist", w.agent, "/api/v1/cases/00000000-0000-7000-8000-000000000000"},
			{"a case id that is no id", w.agent, "/api/v1/cases/not-a-uuid"},
		}
		for _, tt := range notFound {
			t.Run("404 "+tt.who, func(t *testing.T) {
				wantProblem(t, get(tt.token, tt.path), http.StatusNotFound, app.CodeNotFound)
			})
		}
		// Nor can merchant A act on case B: not found, not "not allowed".
		wantProblem(t, w.act(t, w.merchantA, caseB.ID, app.ActInput{Action: aftersale.Approve, Version: 1}), http.StatusNotFound, app.CodeNotFound)

		// The parties of case B read the photo: the bytes as stored, as a download that is
		// never sniffed or rendered inline.
		for _, token := range []string{w.customer2, w.merchantB, w.agent} {
			r := get(token, "/api/v1/attachments/"+photo.ID)
			if r.Status != http.StatusOK || !bytes.Equal(r.Body, png) {
				t.Fatalf("attachment read by a party: %d, %d bytes", r.Status, len(r.Body))
			}
			if r.Header.Get("Content-Type") != "image/png" || r.Header.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(r.Header.Get("Content-Disposition"), "kettle.png") {
				t.Errorf("attachment headers: %v", r.Header)
			}
		}

		// Lists: each party's own cases only, whatever filter it asks for.
		list := func(token, query string) app.CaseList {
			t.Helper()
			r := get(token, "/api/v1/cases"+query)
			if r.Status != http.StatusOK {
				t.Fatalf("list %s: %d %s", query, r.Status, r.Body)
			}
			var l app.CaseList
			r.JSON(t, &l)
			return l
		}
		ids := func(l app.CaseList) []string {
			var out []string
			for _, c := range l.Items {
				out = append(out, c.ID)
			}
			return out
		}
		for _, tt := range []struct {
			who, token, query string
			want              []string
		}{
			{"cust-1", w.customer1, "", []string{caseA.ID}},
			{"cust-1 asking for cust-2's", w.customer1, "?customer=cust-2", nil},
			{"cust-1 asking for shop-b's", w.customer1, "?merchant=shop-b", nil},
			{"cust-2", w.customer2, "", []string{caseB.ID}},
			{"merchant A", w.merchantA, "", []string{caseA.ID}},
			{"merchant A asking for shop-b's", w.merchantA, "?merchant=shop-b", nil},
			{"merchant B by state and type", w.merchantB, "?state=requested,approved&type=return_refund", []string{caseB.ID}},
			{"agent, everything, newest first", w.agent, "", []string{caseB.ID, caseA.ID}},
			{"agent, by order", w.agent, "?order_no=" + orderA.OrderNo, []string{caseA.ID}},
			{"agent, by repeated state", w.agent, "?state=completed&state=closed", nil},
		} {
			t.Run("list "+tt.who, func(t *testing.T) {
				got := ids(list(tt.token, tt.query))
				if strings.Join(got, ",") != strings.Join(tt.want, ",") {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}
		wantProblem(t, get(w.agent, "/api/v1/cases?state=lost"), http.StatusUnprocessableEntity, app.CodeInvalid, "state")
		wantProblem(t, get(w.agent, "/api/v1/cases?created_from=yesterday"), http.StatusUnprocessableEntity, app.CodeInvalid, "created_from")
		wantProblem(t, get(w.agent, "/api/v1/cases?limit=0"), http.StatusUnprocessableEntity, app.CodeInvalid, "limit")

		// Paging: one case a page, then the next, then the end.
		page1 := list(w.agent, "?limit=1")
		if len(page1.Items) != 1 || page1.NextCursor == "" {
			t.Fatalf("page 1: %+v", page1)
		}
		page2 := list(w.agent, "?limit=1&cursor="+page1.NextCursor)
		if len(page2.Items) != 1 || page2.Items[0].ID == page1.Items[0].ID {
			t.Errorf("page 2: %+v", page2)
		}

		// No token, a bad token, a token of the wrong shape: 401 with a Bearer challenge.
		for _, tt := range []struct {
			name, header string
		}{
			{"no token", ""},
			{"unknown token", "Bearer ast_" + strings.Repeat("A", 43)},
			{"garbage token", "Bearer hunter2"},
			{"basic auth", "Basic dXNlcjpwYXNz"},
		} {
			t.Run("401 "+tt.name, func(t *testing.T) {
				h := http.Header{}
				if tt.header != "" {
					h.Set("Authorization", tt.header)
				}
				r := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + caseA.ID, Header: h})
				wantProblem(t, r, http.StatusUnauthorized, app.CodeUnauthorized)
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate %q", r.Header.Get("WWW-Authenticate"))
				}
			})
		}
		// Even a write without a token is refused before its body is read.
		r := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/cases", JSON: returnRefund(orderA.OrderNo, "JACKET", 1)})
		wantProblem(t, r, http.StatusUnauthorized, app.CodeUnauthorized)

		// An admin configures the platform; it does not take actions on cases.
		wantProblem(t, w.act(t, w.admin, caseA.ID, app.ActInput{Action: aftersale.Approve, Version: 1}), http.StatusForbidden, app.CodeForbidden)
		if got := w.getCase(t, w.merchantA, caseA.ID); got.Version != 1 || got.State != aftersale.Requested {
			t.Errorf("case A changed: %s v%d", got.State, got.Version)
		}

		// Nothing secret reaches the log: no token, no Authorization header.
		logs := env.Logs()
		for _, secret := range w.tokens() {
			if strings.Contains(logs, secret) {
				t.Fatal("a token was logged")
			}
		}
		if strings.Contains(strings.ToLower(logs), "authorization") || strings.Contains(logs, "dXNlcjpwYXNz") {
			t.Error("an Authorization header was logged")
		}
	})
}
