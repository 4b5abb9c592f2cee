package httpapi_test

// The pages as people use them, through their forms, on both stores: a customer applies
// for a no-reason return with a photo, the merchant approves it in the queue, the customer
// enters the tracking number, the merchant confirms receipt and refunds, and the refund
// shows on the customer's case page. Forms without their CSRF token, wrong fields and
// another merchant's case are refused as they must be.

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// file is a file input's content.
type file struct {
	field, name, contentType string
	content                  []byte
}

// multipartForm is a page's form with files, as a browser posts it.
func multipartForm(t *testing.T, values url.Values, files ...file) (body []byte, contentType string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range values {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f.field, f.name))
		h.Set("Content-Type", f.contentType)
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.content)
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

var caseLocation = regexp.MustCompile(`^/cases/([0-9a-f-]{36})\?`)

// postPage posts a page's form as the session's browser: the CSRF token in the form.
func postPage(t *testing.T, env *apitest.Env, s *apitest.Session, path string, form url.Values) *apitest.Response {
	t.Helper()
	form.Set("csrf_token", s.CSRF)
	return env.Do(t, apitest.Request{Method: http.MethodPost, Path: path, Form: form, Cookies: []*http.Cookie{s.Cookie}, Header: english()})
}

func getPage(t *testing.T, env *apitest.Env, s *apitest.Session, path string) *apitest.Response {
	t.Helper()
	return env.Do(t, apitest.Request{Method: http.MethodGet, Path: path, Cookies: []*http.Cookie{s.Cookie}, Header: english()})
}

func TestPortalReturnFlowThroughThePages(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))

		// The order page offers a return; the form shows the estimate in money.
		wantPage(t, getPage(t, env, customer, "/orders/"+o.OrderNo), http.StatusOK,
			`/orders/`+o.OrderNo+`/apply?sku=JACKET&amp;type=return_refund`)
		form := getPage(t, env, customer, "/orders/"+o.OrderNo+"/apply?sku=JACKET&type=return_refund&reason=no_reason")
		wantPage(t, form, http.StatusOK, "¥299.00", `name="evidence"`, `name="reason"`, `value="no_reason" selected`)

		// Applying with a photo lands on the new case, which has the photo.
		key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindSubmatch(form.Body)
		values := url.Values{"csrf_token": {customer.CSRF}, "idempotency_key": {string(key[1])}, "sku": {"JACKET"}, "quantity": {"1"},
			"type": {"return_refund"}, "reason": {"no_reason"}, "description": {"不合身 / does not fit"}, "refund_method": {"original"}}
		body, ct := multipartForm(t, values, file{"evidence", "jacket.png", "image/png", pngBytes()})
		apply := func() *apitest.Response {
			return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/orders/" + o.OrderNo + "/apply", Body: body, ContentType: ct,
				Cookies: []*http.Cookie{customer.Cookie}, Header: english()})
		}
		res := apply()
		m := caseLocation.FindStringSubmatch(res.Header.Get("Location"))
		if res.Status != http.StatusSeeOther || m == nil {
			t.Fatalf("apply: %d to %q: %s", res.Status, res.Header.Get("Location"), res.Body)
		}
		id := m[1]
		// The same form sent again (a double click) opens no second case.
		if again := apply(); again.Status != http.StatusSeeOther || caseLocation.FindStringSubmatch(again.Header.Get("Location"))[1] != id {
			t.Errorf("the form sent twice: %d to %q, want the same case", again.Status, again.Header.Get("Location"))
		}
		var list app.CaseList
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Token: w.customer1}).JSON(t, &list)
		if len(list.Items) != 1 {
			t.Fatalf("%d cases after the form was sent twice, want 1", len(list.Items))
		}
		c := w.getCase(t, w.customer1, id)
		if len(c.Evidence) != 1 {
			t.Errorf("the case has evidence %v", c.Evidence)
		}
		wantPage(t, getPage(t, env, customer, "/cases/"+id), http.StatusOK, c.Number, "/api/v1/attachments/"+c.Evidence[0])

		// The merchant approves it from the queue, several at once.
		queue := getPage(t, env, staff, "/queue")
		wantPage(t, queue, http.StatusOK, c.Number, fmt.Sprintf(`value="%s:%d"`, id, c.Version))
		res = postPage(t, env, staff, "/queue", url.Values{"action": {"approve"}, "case": {fmt.Sprintf("%s:%d", id, c.Version)}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("bulk approve: %d %s", res.Status, res.Body)
		}
		c = w.getCase(t, w.customer1, id)
		if c.State != aftersale.Approved {
			t.Fatalf("after the bulk approval: %s", c.State)
		}

		// A form without its CSRF token does nothing; a wrong tracking number is shown at its field.
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/cases/" + id, Cookies: []*http.Cookie{customer.Cookie}, Header: english(),
			Form: url.Values{"action": {"ship_back"}, "version": {fmt.Sprint(c.Version)}, "carrier": {"SF"}, "tracking_no": {"SF1234567890"}}})
		wantPage(t, res, http.StatusForbidden)
		res = postPage(t, env, customer, "/cases/"+id, url.Values{"action": {"ship_back"}, "version": {fmt.Sprint(c.Version)},
			"carrier": {"SF"}, "tracking_no": {"x"}})
		wantPage(t, res, http.StatusUnprocessableEntity, `class="field-error"`, `name="tracking_no" value="x"`)
		if got := w.getCase(t, w.customer1, id); got.Version != c.Version {
			t.Fatalf("refused forms changed the case to version %d", got.Version)
		}

		// The customer ships it back, the merchant confirms receipt and refunds.
		steps := []struct {
			who  *apitest.Session
			form url.Values
			want aftersale.State
		}{
			{customer, url.Values{"action": {"ship_back"}, "carrier": {"顺丰"}, "tracking_no": {"SF1234567890"}, "cost": {"12.00"}}, aftersale.Returning},
			{staff, url.Values{"action": {"confirm_receipt"}, "inspection": {"pass"}}, aftersale.Refunding},
			{staff, url.Values{"action": {"refund"}}, aftersale.Resolved},
		}
		for _, s := range steps {
			s.form.Set("version", fmt.Sprint(c.Version))
			res := postPage(t, env, s.who, "/cases/"+id, s.form)
			if res.Status != http.StatusSeeOther {
				t.Fatalf("%s: %d %s", s.form.Get("action"), res.Status, res.Body)
			}
			if c = w.getCase(t, w.customer1, id); c.State != s.want {
				t.Fatalf("after %s: %s, want %s", s.form.Get("action"), c.State, s.want)
			}
		}
		env.SettlePayments(t) // the relay's work: the refund paid, the case may complete
		page := getPage(t, env, customer, "/cases/"+id)
		wantPage(t, page, http.StatusOK, "Refunded", "¥299.00", `value="confirm"`)

		// Another merchant's staff find nothing there.
		other := env.Login(t, "staff.b", env.User(t, "staff.b", app.RoleMerchant, "shop-b"))
		for _, path := range []string{"/cases/" + id, "/orders/" + o.OrderNo, "/orders/" + o.OrderNo + "/apply?sku=JACKET"} {
			res := getPage(t, env, other, path)
			wantPage(t, res, http.StatusNotFound)
			if strings.Contains(string(res.Body), c.Number) {
				t.Errorf("%s shows the case to another merchant", path)
			}
		}
	})
}

// What the policy does not allow shows why, in the policy's own words, in both languages:
// on the order page when nothing may be applied for on an item (its windows have closed),
// and on the form for the reasons of a type that are not available (a custom-made item
// has no 7-day no-reason return).
func TestPagesShowThePolicysRefusals(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		custom := line("PORTRAIT", 1, 59900)
		custom.Tags = []string{"custom_made"}
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", custom))
		old := w.orderInput("shop-a", "cust-1", line("LAMP", 1, 19900))
		paid, shipped, delivered := old.PaidAt.AddDate(-2, 0, 0), old.ShippedAt.AddDate(-2, 0, 0), old.DeliveredAt.AddDate(-2, 0, 0)
		old.PaidAt, old.ShippedAt, old.DeliveredAt = paid, &shipped, &delivered
		w.mustOrder(t, old)
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		refusal := func(orderNo, sku string) app.Text {
			var d app.DecisionView
			w.env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/policy/evaluate", Token: w.customer1,
				JSON: app.EvaluateInput{ApplyInput: returnRefund(orderNo, sku, 1)}}).JSON(t, &d)
			if d.Eligible || len(d.Refusals) == 0 {
				t.Fatalf("a no-reason return of %s: %+v", sku, d)
			}
			return d.Refusals[0].Text
		}
		late, noReason := refusal(old.OrderNo, "LAMP"), refusal(o.OrderNo, "PORTRAIT")
		for _, lang := range []string{"en", "zh"} {
			pick := func(x app.Text) string {
				if lang == "en" {
					return htmlEscape(x.EN)
				}
				return htmlEscape(x.ZH)
			}
			wantPage(t, getPage(t, env, customer, "/orders/"+old.OrderNo+"?lang="+lang), http.StatusOK, pick(late))
			wantPage(t, getPage(t, env, customer, "/orders/"+o.OrderNo+"/apply?sku=PORTRAIT&type=return_refund&lang="+lang), http.StatusOK, pick(noReason))
		}
	})
}

func htmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
