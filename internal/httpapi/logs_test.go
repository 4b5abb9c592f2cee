package httpapi_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// logsLoginAttempt posts the login form as a browser would and returns the answer and the
// form's CSRF token (session_test.go's loginAttempt, which also hands back the token).
func logsLoginAttempt(t *testing.T, env *apitest.Env, username, password string) (*apitest.Response, string) {
	t.Helper()
	form := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/login"})
	if form.Status != http.StatusOK {
		t.Fatalf("GET /login: %d %s", form.Status, form.Body)
	}
	token := apitest.FormToken(t, form)
	return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/login",
		Cookies: []*http.Cookie{form.Cookie("as_login_csrf")},
		Form:    url.Values{"username": {username}, "password": {password}, "csrf_token": {token}}}), token
}

// logsCase posts an action or reads a case with a browser session.
func logsCase(t *testing.T, env *apitest.Env, sess *apitest.Session, method, path string, body any, status int) app.CaseView {
	t.Helper()
	res := env.Do(t, apitest.Request{Method: method, Path: path, Session: sess, JSON: body})
	if res.Status != status {
		t.Fatalf("%s %s: %d %s", method, path, res.Status, res.Body)
	}
	var v app.CaseView
	res.JSON(t, &v)
	return v
}

// SPEC §14 and docs/SECURITY.md: logs hold no secrets and no personal data. One whole
// scenario runs with the server logging at Debug — staff logins (one with a wrong
// password), a customer's login link, API tokens, accounts created and changed over the
// admin API, an order, a case from application to refund, messages, the case read in full
// and masked, the audit export, forged credentials, logout — and then no password, token,
// session cookie, CSRF token, link signature, shop secret, phone number, name or address
// of the customer is in the log, nor in any audit entry.
func TestLogsHoldNoSecretsOrPersonalData(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		ctx := t.Context()
		admin := app.Principal{Role: app.RoleAdmin, ID: "test"}
		w := newWorld(t, env)
		const (
			phone   = "+86 138-1234-5678"
			name    = "王小明"
			address = "浙江省杭州市西湖区文三路 90 号东部软件园 3 幢 501 室"
		)
		if err := env.App.UpdateCustomerProfile(ctx, admin, app.CustomerProfile{ID: "cust-1", Name: name, Phone: phone, Address: address}); err != nil {
			t.Fatal(err)
		}
		secrets := map[string]string{} // what → value; none may be logged
		for i, tok := range w.tokens() {
			secrets["API token "+strconv.Itoa(i)] = tok
		}

		// Staff: a wrong password, then three logins.
		staffPW := env.User(t, "staff.logs", app.RoleMerchant, "shop-a")
		agentPW := env.User(t, "agent.logs", app.RoleAgent, "")
		adminPW := env.User(t, "admin.logs", app.RoleAdmin, "")
		wrongPW := "not-the-password-" + rand.Text()
		res, formToken := logsLoginAttempt(t, env, "staff.logs", wrongPW)
		if res.Status != http.StatusUnauthorized || res.Cookie("as_session") != nil {
			t.Fatalf("a wrong password: %d %s", res.Status, res.Body)
		}
		staff := env.Login(t, "staff.logs", staffPW)
		agent := env.Login(t, "agent.logs", agentPW)
		adminSess := env.Login(t, "admin.logs", adminPW)
		secrets["merchant's password"], secrets["agent's password"], secrets["admin's password"] = staffPW, agentPW, adminPW
		secrets["wrong password"], secrets["login form CSRF token"] = wrongPW, formToken

		// Accounts created and changed over the admin API: passwords in request bodies.
		newPW, changedPW := "new "+rand.Text(), "changed "+rand.Text()
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/admin/users", Session: adminSess,
			JSON: app.UserInput{Username: "agent.new", Role: app.RoleAgent, Password: newPW}})
		if res.Status != http.StatusCreated {
			t.Fatalf("create a user: %d %s", res.Status, res.Body)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/admin/users/agent.new", Token: w.admin,
			JSON: app.UserChange{Password: &changedPW}})
		if res.Status != http.StatusOK {
			t.Fatalf("change a password: %d %s", res.Status, res.Body)
		}
		env.Login(t, "agent.new", changedPW)
		secrets["created password"], secrets["changed password"] = newPW, changedPW

		// The customer arrives by shop-a's login link; a tampered copy is refused.
		shopSecret, err := env.App.SetShopSecret(ctx, admin, "shop-a")
		if err != nil {
			t.Fatal(err)
		}
		link := app.SignLoginLink(shopSecret, app.LoginLink{Shop: "shop-a", Customer: "cust-1", Expires: env.Clock.Now().Add(10 * time.Minute)})
		q, _ := url.ParseQuery(link)
		sig := q.Get("sig")
		rawSig, _ := hex.DecodeString(sig)
		if res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/login/link?" + strings.Replace(link, "cust-1", "cust-2", 1)}); res.Status != http.StatusUnauthorized {
			t.Fatalf("a tampered link: %d", res.Status)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/login/link?" + link})
		if res.Status != http.StatusSeeOther || res.Cookie("as_session") == nil {
			t.Fatalf("the login link: %d %s", res.Status, res.Body)
		}
		home := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/", Cookies: []*http.Cookie{res.Cookie("as_session")}})
		customer := &apitest.Session{Cookie: &http.Cookie{Name: "as_session", Value: res.Cookie("as_session").Value}, CSRF: apitest.FormToken(t, home)}
		platform := env.CustomerSession(t, app.PlatformShop, "cust-1")
		secrets["link signature"], secrets["link signature (raw)"] = sig, string(rawSig)
		secrets["shop secret (raw)"], secrets["shop secret (hex)"] = string(shopSecret), hex.EncodeToString(shopSecret)
		secrets["shop secret (base64)"], secrets["shop secret (base64url)"] = base64.StdEncoding.EncodeToString(shopSecret), base64.RawURLEncoding.EncodeToString(shopSecret)
		for who, s := range map[string]*apitest.Session{"merchant": staff, "agent": agent, "admin": adminSess, "customer": customer, "platform customer": platform} {
			secrets[who+"'s session cookie"], secrets[who+"'s CSRF token"] = s.Cookie.Value, s.CSRF
		}

		// The shop pushes an order; the customer applies; the case goes to a refund.
		order := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := logsCase(t, env, customer, http.MethodPost, "/api/v1/cases", returnRefund(order.OrderNo, "JACKET", 1), http.StatusCreated)
		act := "/api/v1/cases/" + c.ID + "/actions"
		c = logsCase(t, env, staff, http.MethodPost, act, app.ActInput{Action: aftersale.Approve, Version: c.Version}, http.StatusOK)
		c = logsCase(t, env, customer, http.MethodPost, act,
			app.ActInput{Action: aftersale.ShipBack, Carrier: "SF Express", TrackingNo: "SF1234567890", Version: c.Version}, http.StatusOK)
		c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.ConfirmReceipt, Inspection: aftersale.InspectionPass, Version: c.Version})
		c = logsCase(t, env, staff, http.MethodPost, act, app.ActInput{Action: aftersale.Refund, Version: c.Version}, http.StatusOK)
		if c.State != aftersale.Resolved {
			t.Fatalf("the case ended %s", c.State)
		}
		messages := "/api/v1/cases/" + c.ID + "/messages"
		for _, m := range []struct {
			sess *apitest.Session
			in   app.MessageInput
		}{
			{customer, app.MessageInput{Body: "退款收到了吗? / has the refund gone out?"}},
			{staff, app.MessageInput{Body: "已退款 / refunded"}},
			{agent, app.MessageInput{Body: "核对过了 / checked", Internal: true}},
		} {
			if res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: messages, Session: m.sess, JSON: m.in}); res.Status != http.StatusCreated {
				t.Fatalf("POST a message: %d %s", res.Status, res.Body)
			}
		}
		w.mustPost(t, w.customer1, c.ID, app.MessageInput{Body: "好的 / fine"})

		// The merchant sees the contact in full, the agent masked: the personal data did
		// go through the server.
		full := logsCase(t, env, staff, http.MethodGet, "/api/v1/cases/"+c.ID, nil, http.StatusOK)
		masked := logsCase(t, env, agent, http.MethodGet, "/api/v1/cases/"+c.ID, nil, http.StatusOK)
		if full.Contact == nil || full.Contact.Phone != phone || full.Contact.Address != address || full.Contact.Masked {
			t.Fatalf("the merchant's contact %+v", full.Contact)
		}
		if masked.Contact == nil || !masked.Contact.Masked || strings.Contains(masked.Contact.Phone, "1234") {
			t.Fatalf("the agent's contact %+v", masked.Contact)
		}
		if res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/admin/audit?format=csv", Session: adminSess}); res.Status != http.StatusOK {
			t.Fatalf("audit export: %d", res.Status)
		}

		// Forged credentials: a well-formed unknown token, Basic credentials, a cookie that
		// is no session.
		forged := "ast_" + base64.RawURLEncoding.EncodeToString([]byte(rand.Text() + rand.Text())[:32])
		basic := base64.StdEncoding.EncodeToString([]byte("staff.logs:" + staffPW))
		for _, r := range []apitest.Request{
			{Token: forged},
			{Header: http.Header{"Authorization": {"Basic " + basic}}},
			{Cookies: []*http.Cookie{{Name: "as_session", Value: "ass_forged" + rand.Text()}}},
		} {
			r.Method, r.Path = http.MethodGet, "/api/v1/cases"
			if res := env.Do(t, r); res.Status != http.StatusUnauthorized {
				t.Fatalf("forged credentials: %d", res.Status)
			}
			if len(r.Cookies) > 0 {
				secrets["forged cookie"] = r.Cookies[0].Value
			}
		}
		secrets["forged token"], secrets["Basic credentials"] = forged, basic

		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/logout", Cookies: []*http.Cookie{staff.Cookie}, Form: url.Values{"csrf_token": {staff.CSRF}}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.Status)
		}

		personal := map[string]string{
			"phone number":            phone,
			"phone number (national)": "138-1234-5678",
			"phone digits":            "13812345678",
			"phone digits (+86)":      "8613812345678",
			"name":                    name,
			"address":                 address,
			"street and door":         "文三路 90 号",
		}
		logs := env.Logs()
		// The log must hold the scenario, or it proves nothing.
		for _, line := range []string{
			"method=GET route=/login status=200",
			"method=POST route=/login status=401",
			"method=POST route=/login status=303",
			"method=GET route=/login/link status=401",
			"method=GET route=/login/link status=303",
			"method=POST route=/api/v1/admin/users status=201",
			"method=POST route=/api/v1/orders status=201",
			"method=POST route=/api/v1/cases status=201",
			"method=POST route=/api/v1/cases/{id}/actions status=200",
			"method=POST route=/api/v1/cases/{id}/messages status=201",
			"method=GET route=/api/v1/cases/{id} status=200",
			"method=GET route=/api/v1/admin/audit status=200",
			"method=GET route=/api/v1/cases status=401",
			"method=POST route=/logout status=303",
		} {
			if !strings.Contains(logs, line) {
				t.Errorf("the log has no %q: it does not record the scenario", line)
			}
		}
		for _, set := range []map[string]string{secrets, personal} {
			for what, v := range set {
				if v == "" {
					t.Fatalf("%s is empty", what)
				}
				if strings.Contains(logs, v) {
					t.Errorf("the log holds the %s", what)
				}
			}
		}
		lower := strings.ToLower(logs)
		for _, header := range []string{"authorization", "bearer ", "basic ", "cookie:", "cookie=", "as_session=", "as_login_csrf=", "x-csrf-token"} {
			if strings.Contains(lower, header) {
				t.Errorf("the log holds %q: a credential header", header)
			}
		}

		// The audit log says who did what, with neither secrets nor personal data.
		page, err := env.App.Audit(ctx, admin, app.AuditInput{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) < 10 || page.NextCursor != "" {
			t.Fatalf("%d audit entries (next %q)", len(page.Items), page.NextCursor)
		}
		for _, e := range page.Items {
			var detail any
			if err := json.Unmarshal(e.Detail, &detail); err != nil {
				t.Fatalf("audit detail %s: %v", e.Detail, err)
			}
			// Every field, and the detail decoded too: JSON may escape what it holds.
			text := strings.Join([]string{e.ActorRole, e.ActorID, e.Action, e.Resource, e.ResourceID, e.Outcome,
				e.Addr, e.Client, string(e.Detail), fmt.Sprint(detail)}, "\n")
			for _, set := range []map[string]string{secrets, personal} {
				for what, v := range set {
					if strings.Contains(text, v) {
						t.Errorf("audit entry %s %s holds the %s", e.Action, e.ResourceID, what)
					}
				}
			}
		}
	})
}
