package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

var shownOnce = regexp.MustCompile(`<code class="secret">([^<]+)</code>`)

// secret is the password or token secret a page shows once.
func secret(t *testing.T, res *apitest.Response) string {
	t.Helper()
	m := shownOnce.FindSubmatch(res.Body)
	if m == nil {
		t.Fatalf("no secret on the %d page:\n%s", res.Status, res.Body)
	}
	return string(m[1])
}

// tryLogin logs in as a browser does and returns the answer's status (303 logged in).
func tryLogin(t *testing.T, env *apitest.Env, username, password string) int {
	t.Helper()
	form := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/login"})
	res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/login", Cookies: []*http.Cookie{form.Cookie("as_login_csrf")},
		Form: url.Values{"username": {username}, "password": {password}, "csrf_token": {apitest.FormToken(t, form)}}})
	return res.Status
}

// An account made on the page logs in with the password the page showed once; a wrong
// form is shown again with the problem beside its field; disabling, a new password,
// unlocking and enabling do what they say.
func TestAdminPagesManageStaffAccounts(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		env.Merchant(t, "shop-a")
		a := newAdmin(t, env, "root")

		res := a.post(t, "/admin/users", url.Values{"username": {"Zhou Jie!"}, "role": {"agent"}, "lang": {"en"}})
		wantStatus(t, "a bad username", res, http.StatusUnprocessableEntity)
		wantBody(t, "the refused form", res, `value="Zhou Jie!" required`, `aria-invalid="true"`,
			`<span class="field-error" role="alert">the username must be 3–64 lower-case letters, digits or . _ -</span>`)
		if strings.Contains(string(res.Body), `class="secret"`) {
			t.Error("a refused form shows a password")
		}
		res = a.post(t, "/admin/users", url.Values{"username": {"zhou.jie"}, "role": {"merchant"}, "merchant": {"shop-x"}, "lang": {"zh"}})
		wantStatus(t, "an unknown merchant", res, http.StatusUnprocessableEntity)
		wantBody(t, "an unknown merchant", res, `<span class="field-error" role="alert">未知商家 &#34;shop-x&#34;`)

		res = a.post(t, "/admin/users", url.Values{"username": {"zhou.jie"}, "role": {"agent"}, "display_name": {"周杰"},
			"scope": {"shop-a"}, "lang": {"zh"}})
		wantStatus(t, "a new account", res, http.StatusOK)
		password := secret(t, res)
		wantBody(t, "the new account", res, "zhou.jie 的密码:", "仅显示这一次", `<tr id="user-zhou.jie"><td><code>zhou.jie</code></td><td>周杰</td><td>客服</td>`)
		if again := a.get(t, "/admin/users"); strings.Contains(string(again.Body), password) {
			t.Error("the accounts page shows the password again")
		}
		s := env.Login(t, "zhou.jie", password)
		if res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/queue", Session: s}); res.Status != http.StatusOK {
			t.Errorf("the new agent's queue: %d", res.Status)
		}

		res = a.post(t, "/admin/users/zhou.jie", url.Values{"action": {"disable"}, "lang": {"en"}})
		wantStatus(t, "disable", res, http.StatusSeeOther)
		if got := tryLogin(t, env, "zhou.jie", password); got != http.StatusUnauthorized {
			t.Errorf("a disabled account logs in: %d", got)
		}
		if res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/queue", Session: s}); res.Status != http.StatusSeeOther {
			t.Errorf("the session of a disabled account: %d", res.Status)
		}
		wantBody(t, "after disabling", a.get(t, res.Header.Get("Location")), "The account was changed.", `<span class="badge bad">disabled</span>`)
		wantStatus(t, "enable", a.post(t, "/admin/users/zhou.jie", url.Values{"action": {"enable"}}), http.StatusSeeOther)

		res = a.post(t, "/admin/users/zhou.jie", url.Values{"action": {"password"}, "lang": {"en"}})
		wantStatus(t, "a new password", res, http.StatusOK)
		fresh := secret(t, res)
		if fresh == password || tryLogin(t, env, "zhou.jie", password) != http.StatusUnauthorized {
			t.Error("the old password still works")
		}
		for range app.MaxFailedLogins {
			tryLogin(t, env, "zhou.jie", "wrong password")
		}
		if got := tryLogin(t, env, "zhou.jie", fresh); got != http.StatusUnauthorized {
			t.Fatalf("a locked account logs in: %d", got)
		}
		wantBody(t, "a locked account", a.get(t, "/admin/users?lang=en"), `<span class="badge warn">locked</span>`, `value="unlock"`)
		wantStatus(t, "unlock", a.post(t, "/admin/users/zhou.jie", url.Values{"action": {"unlock"}}), http.StatusSeeOther)
		if got := tryLogin(t, env, "zhou.jie", fresh); got != http.StatusSeeOther {
			t.Errorf("after unlocking: %d", got)
		}
		wantStatus(t, "no such account", a.post(t, "/admin/users/nobody", url.Values{"action": {"unlock"}}), http.StatusNotFound)
		wantStatus(t, "no such action", a.post(t, "/admin/users/zhou.jie", url.Values{"action": {"promote"}}), http.StatusUnprocessableEntity)
	})
}

// A token made on the page works on the API with its role and merchant, and is refused
// once revoked on the page; its secret is shown once and never listed.
func TestAdminPagesManageAPITokens(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		order := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		a := newAdmin(t, env, "root")

		res := a.post(t, "/admin/tokens", url.Values{"role": {"merchant"}, "merchant": {"shop-a"}, "ttl": {"forever"}, "lang": {"en"}})
		wantStatus(t, "a bad ttl", res, http.StatusUnprocessableEntity)
		wantBody(t, "a bad ttl", res, `value="forever"`, `<span class="field-error" role="alert">Enter a length`)
		res = a.post(t, "/admin/tokens", url.Values{"role": {"merchant"}, "lang": {"en"}})
		wantStatus(t, "a merchant token without its merchant", res, http.StatusUnprocessableEntity)
		wantBody(t, "a merchant token without its merchant", res, `<span class="field-error" role="alert">a merchant token needs`)

		res = a.post(t, "/admin/tokens", url.Values{"role": {"merchant"}, "merchant": {"shop-a"}, "name": {"ERP of shop-a"}, "ttl": {"30d"}, "lang": {"en"}})
		wantStatus(t, "a new token", res, http.StatusOK)
		token := secret(t, res)
		wantBody(t, "the new token", res, "The secret of token ERP of shop-a:", "<td>ERP of shop-a</td><td>merchant</td><td>shop-a</td>",
			`<span class="badge ok">in use</span>`)
		got := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/orders/" + order.OrderNo, Token: token})
		wantStatus(t, "the token on the API", got, http.StatusOK)
		p, err := env.App.Authenticate(t.Context(), token)
		if err != nil || p.Role != app.RoleMerchant || p.Merchant != "shop-a" {
			t.Fatalf("the token is %+v, %v", p, err)
		}
		list := a.get(t, "/admin/tokens")
		if strings.Contains(string(list.Body), token) {
			t.Error("the tokens page lists the secret")
		}

		res = a.post(t, "/admin/tokens/"+p.ID+"/revoke", url.Values{"lang": {"en"}})
		wantStatus(t, "revoke", res, http.StatusSeeOther)
		got = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/orders/" + order.OrderNo, Token: token})
		wantStatus(t, "a revoked token on the API", got, http.StatusUnauthorized)
		wantBody(t, "after revoking", a.get(t, res.Header.Get("Location")), "The token was revoked.", `<span class="badge bad">revoked</span>`)
		wantStatus(t, "no such token", a.post(t, "/admin/tokens/nothing/revoke", url.Values{}), http.StatusNotFound)

		// The audit log names the admin who made and revoked it.
		entries, err := env.App.Audit(t.Context(), app.Principal{Role: app.RoleAdmin, ID: "test"}, app.AuditInput{Resource: "token", ResourceID: p.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries.Items) != 2 || entries.Items[1].Action != "token.create" || entries.Items[1].ActorRole != "admin" || entries.Items[1].ActorID == "cli" {
			t.Errorf("audit of the token: %+v", entries.Items)
		}
	})
}

// The audit log filters, pages by keyset, selects by outcome, refuses a wrong date beside
// its field, and links the CSV export of the same selection, which an admin's session
// downloads.
func TestAdminPagesReadTheAuditLog(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		a := newAdmin(t, env, "root")
		for i := range 55 {
			env.User(t, fmt.Sprintf("staff.%d", i), app.RoleAgent, "")
		}
		res := a.get(t, "/admin/audit?action=user.create&lang=en")
		wantStatus(t, "the log", res, http.StatusOK)
		rows := strings.Count(string(res.Body), "<code>user.create</code>")
		if rows != 50 {
			t.Errorf("%d rows on the first page", rows)
		}
		next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindSubmatch(res.Body)
		if next == nil {
			t.Fatalf("no next page:\n%s", res.Body)
		}
		page2 := a.get(t, strings.ReplaceAll(string(next[1]), "&amp;", "&"))
		if n := strings.Count(string(page2.Body), "<code>user.create</code>"); n+rows != 56 { // and root
			t.Errorf("%d rows on the second page", n)
		}
		wantBody(t, "the second page", page2, "staff.0")

		csv := regexp.MustCompile(`<a class="button secondary" href="([^"]+)" download>`).FindSubmatch(res.Body)
		if csv == nil {
			t.Fatal("no export link")
		}
		file := env.Do(t, apitest.Request{Method: http.MethodGet, Path: strings.ReplaceAll(string(csv[1]), "&amp;", "&"), Session: a.s})
		wantStatus(t, "the export", file, http.StatusOK)
		if lines := strings.Count(string(file.Body), "\n"); lines != 57 || !strings.Contains(file.Header.Get("Content-Type"), "text/csv") {
			t.Errorf("the export: %d lines, %s", lines, file.Header.Get("Content-Type"))
		}

		denied := a.get(t, "/admin/audit?outcome=denied&lang=en")
		wantBody(t, "no denied entries", denied, "No entries match.", "(the export has every outcome)")
		today := env.App.Now().In(env.App.Engine().Calendar().Location()).Format("2006-01-02")
		wantBody(t, "today's", a.get(t, "/admin/audit?action=user.&outcome=ok&from="+today+"&to="+today), "staff.54")
		bad := a.get(t, "/admin/audit?from=yesterday&lang=en")
		wantStatus(t, "a wrong date", bad, http.StatusUnprocessableEntity)
		wantBody(t, "a wrong date", bad, `value="yesterday" aria-invalid="true"><span class="field-error" role="alert">Enter a date`)
	})
}
