package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// loginAttempt fetches the login form and posts it as a browser would; header is sent
// with both requests.
func loginAttempt(t *testing.T, env *apitest.Env, username, password string, header http.Header) *apitest.Response {
	t.Helper()
	form := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/login", Header: header})
	if form.Status != http.StatusOK {
		t.Fatalf("GET /login: %d %s", form.Status, form.Body)
	}
	return env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/login", Header: header,
		Cookies: []*http.Cookie{form.Cookie("as_login_csrf")},
		Form:    url.Values{"username": {username}, "password": {password}, "csrf_token": {apitest.FormToken(t, form)}}})
}

func english() http.Header { return http.Header{"Accept-Language": {"en-GB,en;q=0.9"}} }

func wantRedirect(t *testing.T, res *apitest.Response, location string) {
	t.Helper()
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != location || len(res.Body) != 0 {
		t.Fatalf("status %d to %q, want 303 to %s: %s", res.Status, res.Header.Get("Location"), location, res.Body)
	}
}

func wantPage(t *testing.T, res *apitest.Response, status int, contains ...string) {
	t.Helper()
	if res.Status != status || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d (%s), want a %d page: %s", res.Status, res.Header.Get("Content-Type"), status, res.Body)
	}
	for _, s := range contains {
		if !strings.Contains(string(res.Body), s) {
			t.Errorf("the %d page lacks %q:\n%s", status, s, res.Body)
		}
	}
}

// A staff login gives a session cookie (HttpOnly, SameSite=Lax, for SessionMax); the home
// page says who it is; the API accepts the cookie for reads, and for writes only with the
// session's CSRF token in X-CSRF-Token. A bearer token needs no CSRF token, cookie or not.
func TestCookieLoginHomePageAndTheAPI(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		order := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		c := w.mustApply(t, w.customer1, returnRefund(order.OrderNo, "JACKET", 1))
		password := env.User(t, "agent.wang", app.RoleAgent, "", "shop-a", "shop-b")

		res := loginAttempt(t, env, "agent.wang", password, english())
		wantRedirect(t, res, "/")
		cookie := res.Cookie("as_session")
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" ||
			cookie.Secure || cookie.MaxAge != int(app.SessionMax.Seconds()) || !strings.HasPrefix(cookie.Value, "ass_") {
			t.Fatalf("session cookie %+v", cookie)
		}
		if c := res.Cookie("as_login_csrf"); c == nil || c.MaxAge >= 0 {
			t.Errorf("the login form's cookie is not cleared: %+v", c)
		}
		jar := []*http.Cookie{{Name: "as_session", Value: cookie.Value}}

		// Staff land on their queue.
		wantRedirect(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/", Cookies: jar, Header: english()}), "/queue?lang=en")
		home := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/queue", Cookies: jar, Header: english()})
		wantPage(t, home, http.StatusOK, "Queue", c.Number, `action="/logout"`)
		if home.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("queue page Cache-Control %q", home.Header.Get("Cache-Control"))
		}
		zh := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/queue?lang=zh", Cookies: jar, Header: english()})
		wantPage(t, zh, http.StatusOK, "工作台", "退出登录")
		// With a session, the login page goes home.
		wantRedirect(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/login", Cookies: jar}), "/")

		sess := &apitest.Session{Cookie: jar[0], CSRF: apitest.FormToken(t, home)}
		if res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + c.ID, Cookies: jar}); res.Status != http.StatusOK {
			t.Fatalf("GET a case with the cookie: %d %s", res.Status, res.Body)
		}
		path := "/api/v1/cases/" + c.ID + "/messages"
		msg := app.MessageInput{Body: "我们已收到 / received"}
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: path, Cookies: jar, JSON: msg}),
			http.StatusForbidden, "csrf")
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: path, Cookies: jar, JSON: msg,
			Header: http.Header{"X-Csrf-Token": {sess.CSRF + "x"}}}), http.StatusForbidden, "csrf")
		if res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: path, Session: sess, JSON: msg}); res.Status != http.StatusCreated {
			t.Fatalf("POST with the CSRF token: %d %s", res.Status, res.Body)
		}
		var list app.MessageList
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: path, Session: sess}).JSON(t, &list)
		if n := len(list.Items); n != 1 || list.Items[0].Author.Role != "agent" {
			t.Errorf("the conversation after the agent's reply: %+v", list.Items)
		}
		// A bearer token is no ambient credential: no CSRF token, even beside a cookie.
		if res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: path, Token: w.agent, Cookies: jar, JSON: msg}); res.Status != http.StatusCreated {
			t.Errorf("POST with a bearer token: %d %s", res.Status, res.Body)
		}
		// No credentials at all, or a cookie that is no session.
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases"}), http.StatusUnauthorized, app.CodeUnauthorized)
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases",
			Cookies: []*http.Cookie{{Name: "as_session", Value: "ass_forged"}}}), http.StatusUnauthorized, app.CodeUnauthorized)
	})
}

// The login form carries a double-submit token: its hidden field must equal the
// as_login_csrf cookie that came with the form, which another site cannot set.
func TestLoginFormNeedsItsCSRFToken(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		password := env.User(t, "admin.li", app.RoleAdmin, "")
		form := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/login"})
		wantPage(t, form, http.StatusOK, `name="username"`, `type="password"`)
		cookie := form.Cookie("as_login_csrf")
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Value != apitest.FormToken(t, form) {
			t.Fatalf("login form cookie %+v", cookie)
		}
		good := url.Values{"username": {"admin.li"}, "password": {password}, "csrf_token": {cookie.Value}}
		for name, req := range map[string]apitest.Request{
			"no cookie":       {Form: good},
			"no field":        {Form: url.Values{"username": {"admin.li"}, "password": {password}}, Cookies: []*http.Cookie{cookie}},
			"another value":   {Form: url.Values{"username": {"admin.li"}, "password": {password}, "csrf_token": {"x" + cookie.Value}}, Cookies: []*http.Cookie{cookie}},
			"another cookie":  {Form: good, Cookies: []*http.Cookie{{Name: "as_login_csrf", Value: "forged"}}},
			"JSON, not forms": {JSON: map[string]string{"username": "admin.li", "password": password, "csrf_token": cookie.Value}, Cookies: []*http.Cookie{cookie}},
		} {
			req.Method, req.Path, req.Header = http.MethodPost, "/login", english()
			res := env.Do(t, req)
			wantPage(t, res, http.StatusForbidden, "The login form has expired")
			if res.Cookie("as_session") != nil {
				t.Errorf("%s: a session cookie", name)
			}
			if res.Cookie("as_login_csrf") == nil {
				t.Errorf("%s: the form again without a new token", name)
			}
		}
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/login", Form: good, Cookies: []*http.Cookie{cookie}})
		wantRedirect(t, res, "/")
	})
}

// A wrong password and an unknown username answer alike (401, the form again); after
// app.MaxFailedLogins wrong passwords in a row even the right one is refused with the
// lockout said, until app.LockoutTime has passed. Neither username nor password reaches
// the log.
func TestWrongPasswordAndLockout(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		env.Merchant(t, "shop-a")
		password := env.User(t, "staff.zhao", app.RoleMerchant, "shop-a")
		wrong := "not-the-password-" + password[:4]
		for _, username := range []string{"staff.zhao", "nobody.here"} {
			res := loginAttempt(t, env, username, wrong, english())
			wantPage(t, res, http.StatusUnauthorized, "wrong username or password", `value="`+username+`"`)
			if res.Cookie("as_session") != nil {
				t.Errorf("%s: a session cookie after a failed login", username)
			}
		}
		res := loginAttempt(t, env, "staff.zhao", wrong, nil)
		wantPage(t, res, http.StatusUnauthorized, "用户名或密码错误")
		for i := 2; i < app.MaxFailedLogins; i++ { // two wrong passwords so far
			wantPage(t, loginAttempt(t, env, "staff.zhao", wrong, english()), http.StatusUnauthorized)
		}
		// Locked: the right password is refused with the answer an unknown user gets, so
		// that a lockout does not tell which usernames exist; it says what locks.
		locked := loginAttempt(t, env, "staff.zhao", password, english())
		unknown := loginAttempt(t, env, "nobody.here", password, english())
		wantPage(t, locked, http.StatusUnauthorized, "locked for 15 minutes")
		strip := func(res *apitest.Response) string { // the username typed, the form's token
			return strings.ReplaceAll(strings.ReplaceAll(string(res.Body), "staff.zhao", "nobody.here"), apitest.FormToken(t, res), "TOKEN")
		}
		if strip(locked) != strip(unknown) {
			t.Errorf("a locked account's answer differs from an unknown user's:\n%s\n%s", locked.Body, unknown.Body)
		}
		env.Clock.Advance(app.LockoutTime + time.Second)
		wantRedirect(t, loginAttempt(t, env, "staff.zhao", password, english()), "/")

		logs := env.Logs()
		for _, secret := range []string{password, wrong, "staff.zhao", "nobody.here"} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log holds %q:\n%s", secret, logs)
			}
		}
	})
}

// Logout needs the session's CSRF token, ends the session in the store (the old cookie
// is refused afterwards, by the API and by the pages) and clears the cookie.
func TestLogoutEndsTheSessionServerSide(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		sess := env.Login(t, "sup.chen", env.User(t, "sup.chen", app.RoleSupervisor, ""))
		jar := []*http.Cookie{sess.Cookie}

		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/logout", Cookies: jar, Form: url.Values{"csrf_token": {"wrong"}}, Header: english()})
		wantPage(t, res, http.StatusForbidden, "CSRF token")
		if res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Cookies: jar}); res.Status != http.StatusOK {
			t.Fatalf("a refused logout ended the session: %d", res.Status)
		}

		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/logout", Cookies: jar, Form: url.Values{"csrf_token": {sess.CSRF}}})
		wantRedirect(t, res, "/login")
		if c := res.Cookie("as_session"); c == nil || c.MaxAge >= 0 || c.Value != "" {
			t.Errorf("logout does not clear the cookie: %+v", c)
		}
		// The browser kept the cookie: it is worthless now.
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Cookies: jar}), http.StatusUnauthorized, app.CodeUnauthorized)
		wantRedirect(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/", Cookies: jar}), "/login")
		// Logging out again, or without a session, just goes to the login page.
		wantRedirect(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/logout", Cookies: jar, Form: url.Values{}}), "/login")
		wantRedirect(t, env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/logout", Form: url.Values{}}), "/login")

		page, err := env.App.Audit(t.Context(), app.Principal{Role: app.RoleAdmin, ID: "test"}, app.AuditInput{Action: "logout"})
		if err != nil || len(page.Items) != 1 || page.Items[0].Outcome != "ok" {
			t.Errorf("audit of the logout: %v %+v", err, page)
		}
	})
}

// A session unused for app.SessionIdle has ended, and so has any session app.SessionMax
// after its login however busy: the home page sends to the login page, the API says 401.
func TestExpiredSessionGoesToTheLoginPage(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		password := env.User(t, "agent.sun", app.RoleAgent, "")
		idle := env.Login(t, "agent.sun", password)
		env.Clock.Advance(app.SessionIdle + time.Second)
		res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/", Session: idle})
		wantRedirect(t, res, "/login")
		if c := res.Cookie("as_session"); c == nil || c.MaxAge >= 0 {
			t.Errorf("the ended session's cookie is not cleared: %+v", c)
		}
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Session: idle}), http.StatusUnauthorized, app.CodeUnauthorized)

		busy := env.Login(t, "agent.sun", password)
		start := env.Clock.Now()
		step := app.SessionIdle - 5*time.Minute
		for env.Clock.Now().Sub(start) < app.SessionMax-step {
			env.Clock.Advance(step)
			if res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/queue", Session: busy}); res.Status != http.StatusOK {
				t.Fatalf("a busy session ended %v after its login: %d", env.Clock.Now().Sub(start), res.Status)
			}
		}
		env.Clock.Advance(step)
		wantRedirect(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/", Session: busy}), "/login")
	})
}

// A login link the shop signed opens a customer session (a merchant shop's for its own
// cases only); an expired, tampered or overlong link is a 401 page.
func TestLoginLinks(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		a := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		b := w.mustOrder(t, w.orderInput("shop-b", "cust-1", line("SHOES", 1, 39900)))
		ca := w.mustApply(t, w.customer1, returnRefund(a.OrderNo, "JACKET", 1))
		cb := w.mustApply(t, w.customer1, returnRefund(b.OrderNo, "SHOES", 1))

		res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/login/link?" + env.LoginLink(t, app.PlatformShop, "cust-1", 10*time.Minute)})
		wantRedirect(t, res, "/")
		jar := []*http.Cookie{res.Cookie("as_session")}
		wantPage(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/", Cookies: jar, Header: english()}), http.StatusOK, "My after-sales", ca.Number, cb.Number, a.OrderNo, b.OrderNo)
		var list app.CaseList
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Cookies: jar}).JSON(t, &list)
		if len(list.Items) != 2 {
			t.Errorf("the platform's link sees %d cases, want both", len(list.Items))
		}

		shopA := env.CustomerSession(t, "shop-a", "cust-1")
		home := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/", Session: shopA, Header: english()})
		wantPage(t, home, http.StatusOK, ca.Number, a.OrderNo)
		if strings.Contains(string(home.Body), cb.Number) || strings.Contains(string(home.Body), b.OrderNo) {
			t.Errorf("shop-a's link shows the customer's case or order of shop-b")
		}
		env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases", Session: shopA}).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != ca.ID {
			t.Errorf("shop-a's link sees %+v, want only its case", list.Items)
		}
		wantProblem(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/cases/" + cb.ID, Session: shopA}), http.StatusNotFound, app.CodeNotFound)

		link := env.LoginLink(t, app.PlatformShop, "cust-1", 10*time.Minute)
		q, _ := url.ParseQuery(link)
		tampered := func(k, v string) string {
			t := url.Values{}
			for key := range q {
				t.Set(key, q.Get(key))
			}
			t.Set(k, v)
			return t.Encode()
		}
		for name, query := range map[string]string{
			"another customer": tampered("customer", "cust-2"),
			"another shop":     tampered("shop", "shop-a"),
			"a later expiry":   tampered("exp", q.Get("exp")+"0"),
			"a bad signature":  tampered("sig", strings.Repeat("0", 64)),
			"no signature":     tampered("sig", ""),
			"a shop unknown":   tampered("shop", "shop-z"),
			"an extra field":   link + "&lang=en",
			"nothing":          "",
			"too long":         env.LoginLink(t, "shop-b", "cust-1", app.LoginLinkMaxAge+time.Minute),
		} {
			res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/login/link?" + query, Header: english()})
			wantPage(t, res, http.StatusUnauthorized, "the login link is invalid or has expired")
			if res.Cookie("as_session") != nil {
				t.Errorf("%s: a session cookie", name)
			}
		}
		link = env.LoginLink(t, app.PlatformShop, "cust-2", 10*time.Minute)
		env.Clock.Advance(10*time.Minute + time.Second)
		wantPage(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/login/link?" + link}), http.StatusUnauthorized, "登录链接无效或已过期")
	})
}

// Cookies are Secure on a request that came over TLS, and on plain HTTP with
// Options.SecureCookies (a server behind a proxy that terminates TLS).
func TestCookiesAreSecureBehindTLS(t *testing.T) {
	secureCookies := func(t *testing.T, env *apitest.Env, base string, client *http.Client) {
		t.Helper()
		password := env.User(t, "agent.tls", app.RoleAgent, "")
		res, err := client.Get(base + "/login")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var form *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "as_login_csrf" {
				form = c
			}
		}
		if form == nil || !form.Secure || !form.HttpOnly {
			t.Fatalf("the login form's cookie: %+v", form)
		}
		req, _ := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(url.Values{
			"username": {"agent.tls"}, "password": {password}, "csrf_token": {form.Value}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(form)
		res, err = client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var session *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "as_session" {
				session = c
			}
		}
		if res.StatusCode != http.StatusSeeOther || session == nil || !session.Secure || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
			t.Errorf("login: %d, the session cookie %+v", res.StatusCode, session)
		}
	}
	noRedirects := func(c *http.Client) *http.Client {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		return c
	}
	t.Run("TLS", func(t *testing.T) {
		apitest.Run(t, func(t *testing.T, env *apitest.Env) {
			srv := httptest.NewTLSServer(env.API.Handler())
			defer srv.Close()
			secureCookies(t, env, srv.URL, noRedirects(srv.Client()))
		})
	})
	t.Run("behind a proxy", func(t *testing.T) {
		apitest.RunWith(t, func(o *httpapi.Options) { o.SecureCookies = true }, func(t *testing.T, env *apitest.Env) {
			secureCookies(t, env, env.Server.URL, noRedirects(env.Server.Client()))
		})
	})
}

// A logout without the session cookie — as another site's form arrives, SameSite=Lax
// keeping the cookie back — ends nothing and clears nothing: clearing the cookie in the
// answer would log the browser out all the same.
func TestLogoutWithoutTheCookieClearsNothing(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/logout", Form: url.Values{"lang": {"en"}}})
		wantRedirect(t, res, "/login")
		if c := res.Cookie("as_session"); c != nil {
			t.Errorf("a logout without the cookie set %+v", c)
		}
	})
}

// A login link opens one session: the same link again — from the browser's history, a
// forwarded message, a proxy's log — is refused, and the refusal is audited.
func TestALoginLinkIsUsedOnce(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		link := "/login/link?" + env.LoginLink(t, "platform", "cust-1", 10*time.Minute)
		first := env.Do(t, apitest.Request{Method: http.MethodGet, Path: link})
		if first.Status != http.StatusSeeOther || first.Cookie("as_session") == nil {
			t.Fatalf("first use: %d %s", first.Status, first.Body)
		}
		again := env.Do(t, apitest.Request{Method: http.MethodGet, Path: link, Header: english()})
		wantPage(t, again, http.StatusUnauthorized, "used already")
		if again.Cookie("as_session") != nil {
			t.Error("the second use set a session cookie")
		}
		page, err := env.App.Audit(t.Context(), app.Principal{Role: app.RoleAdmin, ID: "test"}, app.AuditInput{Action: "login"})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].Outcome != "failed" || !strings.Contains(string(page.Items[0].Detail), "used before") {
			t.Errorf("audit of the second use: %+v", page.Items)
		}
	})
}
