package httpapi_test

// The webhook pages and the password-reset pages as people use them, through their forms,
// on both stores. A merchant registers a webhook on /webhooks and reads its secret once —
// in the answer to the form, never on the list or the webhook's page afterwards; another
// merchant's staff find nothing; a case event becomes a signed delivery that the log shows,
// and a delivery is sent again by its button; the webhook is deleted. A loopback address is
// refused at its field unless the server allows private addresses. A staff member who
// forgot the password asks for a link (the answer is the same for an account that does not
// exist, which gets no mail), opens the emailed link, sets a new password — the old
// session ends — and logs in with it; the link works once.

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/notify"
)

var (
	webhookSecret = regexp.MustCompile(`id="webhook-secret">(whsec_[A-Za-z0-9_-]+)<`)
	webhookLink   = regexp.MustCompile(`href="/webhooks/([0-9a-f-]{36})\?lang=[a-z]+"`)
	redeliverForm = regexp.MustCompile(`action="/webhooks/[0-9a-f-]{36}/deliveries/([0-9]+)/redeliver"`)
	resetLink     = regexp.MustCompile(`https://aftersales\.example/password/reset\?token=([A-Za-z0-9_%.~-]+)`)
)

// webhookLog is the webhook as the application has it, with its deliveries.
func webhookLog(t *testing.T, env *apitest.Env, id string) *app.WebhookView {
	t.Helper()
	w, err := env.App.GetWebhook(t.Context(), pagesAdmin, id, 100)
	if err != nil {
		t.Fatalf("webhook %s: %v", id, err)
	}
	return w
}

func TestWebhooksThroughThePages(t *testing.T) {
	apitest.RunWithApp(t, func(c *app.Config) { c.WebhooksAllowPrivate = true }, nil, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		env.Merchant(t, "shop-a")
		env.Merchant(t, "shop-b")
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))
		other := env.Login(t, "staff.b", env.User(t, "staff.b", app.RoleMerchant, "shop-b"))
		admin := env.Login(t, "admin.wu", env.User(t, "admin.wu", app.RoleAdmin, ""))
		customer := env.CustomerSession(t, "shop-a", "cust-1")
		rec := newReceiver(t)

		// The list is empty; the form offers the common events as boxes and a field for more.
		page := getPageIn(t, env, staff, "/webhooks", "en")
		wantPage(t, page, http.StatusOK, "Register a webhook", "No webhook is registered yet.", `name="url"`,
			`name="events" value="*"`, `name="events" value="case.created"`, `name="events" value="dispute.ruled"`, `name="events_other"`)
		wantPage(t, getPageIn(t, env, staff, "/webhooks", "zh"), http.StatusOK, "登记 Webhook", "全部事件")
		// Customers and agents manage no webhooks.
		wantPage(t, getPageIn(t, env, customer, "/webhooks", "en"), http.StatusForbidden)

		// A form without its CSRF token registers nothing.
		form := url.Values{"url": {rec.srv.URL + "/hooks"}, "events": {"case.created", "case.approve"}, "events_other": {"case.ship_back, dispute.*, case.created"}}
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/webhooks", Cookies: []*http.Cookie{staff.Cookie}, Header: english(), Form: form})
		wantPage(t, res, http.StatusForbidden)
		if ws, _ := env.App.ListWebhooks(t.Context(), pagesAdmin); len(ws) != 0 {
			t.Fatalf("a form without its CSRF token registered %v", ws)
		}

		// The merchant registers it: the answer shows the secret once, how to verify it,
		// and the events checked and typed (each once).
		res = postPageIn(t, env, staff, "/webhooks", "en", form)
		wantPage(t, res, http.StatusCreated, "The webhook is registered", "shown once only", "X-Aftersales-Signature", "sha256=",
			"HMAC-SHA256", rec.srv.URL+"/hooks")
		m := webhookSecret.FindSubmatch(res.Body)
		if m == nil {
			t.Fatalf("the answer shows no secret:\n%s", res.Body)
		}
		secret := string(m[1])
		rec.mu.Lock()
		rec.secret = secret
		rec.mu.Unlock()
		m = webhookLink.FindSubmatch(res.Body)
		if m == nil {
			t.Fatalf("the answer links no webhook:\n%s", res.Body)
		}
		id := string(m[1])
		path := "/webhooks/" + id
		hook := webhookLog(t, env, id)
		if want := []string{"case.created", "case.approve", "case.ship_back", "dispute.*"}; !slices.Equal(hook.Events, want) || hook.Merchant != "shop-a" {
			t.Fatalf("the webhook's events %v of %q, want %v of shop-a", hook.Events, hook.Merchant, want)
		}

		// Afterwards neither the list nor the webhook's page shows the secret.
		for _, lang := range []string{"en", "zh"} {
			for _, p := range []string{"/webhooks", path} {
				page := getPageIn(t, env, staff, p, lang)
				wantPage(t, page, http.StatusOK, rec.srv.URL+"/hooks")
				if strings.Contains(string(page.Body), secret) || strings.Contains(string(page.Body), "whsec_") {
					t.Errorf("%s (%s) shows the secret:\n%s", p, lang, page.Body)
				}
			}
		}
		wantPage(t, getPageIn(t, env, staff, path, "en"), http.StatusOK, "Nothing has been delivered yet.")

		// Another merchant's staff find nothing, and their forms do nothing; the admin sees
		// it (the platform's admins manage every webhook).
		wantPage(t, getPageIn(t, env, other, path, "en"), http.StatusNotFound)
		wantPage(t, postPageIn(t, env, other, path+"/delete", "en", url.Values{}), http.StatusNotFound)
		if list := getPageIn(t, env, other, "/webhooks", "en"); strings.Contains(string(list.Body), rec.srv.URL) {
			t.Error("another merchant's list shows the webhook")
		}
		wantPage(t, getPageIn(t, env, customer, path, "en"), http.StatusForbidden)
		wantPage(t, getPageIn(t, env, admin, "/webhooks", "en"), http.StatusOK, "Platform webhooks receive the events of every merchant", "shop-a")
		wantPage(t, getPageIn(t, env, admin, path, "en"), http.StatusOK, rec.srv.URL+"/hooks")

		// A case is opened: the relay makes the delivery and POSTs it, signed.
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		env.DrainOutbox(t)
		got, names, bad := rec.received()
		if len(got) != 1 || bad != 0 {
			t.Fatalf("the receiver got %v (%d badly signed), want one case.created", got, bad)
		}
		var eventID string
		for k := range got {
			eventID = k
		}
		if names[eventID] != "case.created" {
			t.Fatalf("the event is %q, want case.created", names[eventID])
		}
		page = getPageIn(t, env, staff, path, "en")
		wantPage(t, page, http.StatusOK, "<code>case.created</code>", `class="badge ok">delivered<`, eventID, "Redeliver")
		m = redeliverForm.FindSubmatch(page.Body)
		if m == nil {
			t.Fatalf("the log has no redeliver button:\n%s", page.Body)
		}
		delivery := string(m[1])
		wantPage(t, getPageIn(t, env, staff, path, "zh"), http.StatusOK, "已送达", "重新投递")

		// Sent again by its button: pending until the relay sends it, then delivered twice.
		redeliver := path + "/deliveries/" + delivery + "/redeliver"
		wantPage(t, postPageIn(t, env, other, redeliver, "en", url.Values{}), http.StatusNotFound)
		wantRedirect(t, postPageIn(t, env, staff, redeliver, "en", url.Values{}), path+"?done=redelivered&lang=en")
		wantPage(t, getPageIn(t, env, staff, path+"?done=redelivered", "en"), http.StatusOK, "The delivery will be sent again", `class="badge warn">pending<`)
		env.DrainOutbox(t)
		if got, _, bad := rec.received(); got[eventID] != 2 || bad != 0 {
			t.Fatalf("after the redelivery the receiver got %v (%d badly signed), want the event twice", got, bad)
		}
		log := webhookLog(t, env, id)
		if len(log.Deliveries) != 1 || log.Deliveries[0].State != "delivered" || log.Deliveries[0].Attempts != 2 || log.Deliveries[0].StatusCode != http.StatusOK {
			t.Fatalf("the log after the redelivery: %+v", log.Deliveries)
		}
		wantPage(t, getPageIn(t, env, staff, path, "en"), http.StatusOK, `class="badge ok">delivered<`, "<dd>2</dd>", "<dd>200</dd>")
		// No such delivery: not found.
		wantPage(t, postPageIn(t, env, staff, path+"/deliveries/999999/redeliver", "en", url.Values{}), http.StatusNotFound)
		wantPage(t, postPageIn(t, env, staff, path+"/deliveries/abc/redeliver", "en", url.Values{}), http.StatusNotFound)

		// Deleted: gone from the list and not found; nothing more is sent.
		wantPage(t, getPageIn(t, env, staff, path, "en"), http.StatusOK, `action="`+path+`/delete"`, "Delete the webhook for good")
		wantRedirect(t, postPageIn(t, env, staff, path+"/delete", "en", url.Values{}), "/webhooks?done=webhook_deleted&lang=en")
		wantPage(t, getPageIn(t, env, staff, "/webhooks?done=webhook_deleted", "en"), http.StatusOK, "The webhook was deleted", "No webhook is registered yet.")
		wantPage(t, getPageIn(t, env, staff, path, "en"), http.StatusNotFound)
		o = w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		env.DrainOutbox(t)
		if got, _, _ := rec.received(); len(got) != 1 {
			t.Errorf("a deleted webhook received %v", got)
		}
	})
}

// Without the server's allowance a loopback or private address is refused next to the URL
// field, with what was typed kept; no events is refused next to the events.
func TestWebhookPageRefusesALoopbackAddress(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		env.Merchant(t, "shop-a")
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))
		res := postPageIn(t, env, staff, "/webhooks", "en", url.Values{"url": {"http://127.0.0.1:9/hooks"}, "events": {"*"}})
		wantPage(t, res, http.StatusUnprocessableEntity, `aria-invalid="true"`, `class="field-error"`, `value="http://127.0.0.1:9/hooks"`,
			`name="events" value="*" checked`)
		if strings.Contains(string(res.Body), "whsec_") {
			t.Errorf("a refused form shows a secret:\n%s", res.Body)
		}
		res = postPageIn(t, env, staff, "/webhooks", "zh", url.Values{"url": {"http://10.0.0.8/hooks"}, "events": {"*"}})
		wantPage(t, res, http.StatusUnprocessableEntity, `class="field-error"`)
		res = postPageIn(t, env, staff, "/webhooks", "en", url.Values{"url": {"https://93.184.216.34/hooks"}})
		wantPage(t, res, http.StatusUnprocessableEntity, `class="field-error"`, "subscribe to at least one event")
		res = postPageIn(t, env, staff, "/webhooks", "en", url.Values{"url": {"https://93.184.216.34/hooks"}, "events_other": {"case.nothing-like-it!"}})
		wantPage(t, res, http.StatusUnprocessableEntity, `class="field-error"`, `value="case.nothing-like-it!"`)
		if ws, err := env.App.ListWebhooks(t.Context(), pagesAdmin); err != nil || len(ws) != 0 {
			t.Fatalf("refused forms registered %v (%v)", ws, err)
		}
	})
}

// resetForm fetches a password-reset page as a browser would and posts its form: the
// form's token with the as_password_csrf cookie, and lang.
func resetForm(t *testing.T, env *apitest.Env, page, action, lang string, form url.Values) *apitest.Response {
	t.Helper()
	res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: page})
	if res.Status != http.StatusOK || res.Cookie("as_password_csrf") == nil {
		t.Fatalf("GET %s: %d %s", page, res.Status, res.Body)
	}
	form.Set("csrf_token", apitest.FormToken(t, res))
	form.Set("lang", lang)
	return env.Do(t, apitest.Request{Method: http.MethodPost, Path: action, Form: form, Cookies: []*http.Cookie{res.Cookie("as_password_csrf")}})
}

func TestPasswordResetThroughThePages(t *testing.T) {
	var mailer *notify.RecordingMailer
	apitest.RunWithApp(t, func(c *app.Config) {
		mailer = &notify.RecordingMailer{}
		c.Mailer, c.BaseURL = mailer, "https://aftersales.example/"
	}, nil, func(t *testing.T, env *apitest.Env) {
		env.Merchant(t, "shop-a")
		password := env.User(t, "staff.reset", app.RoleMerchant, "shop-a")
		addr := "staff.reset@shop-a.example"
		if _, err := env.App.ChangeUser(t.Context(), pagesAdmin, "staff.reset", app.UserChange{Email: &addr}); err != nil {
			t.Fatal(err)
		}
		old := env.Login(t, "staff.reset", password)

		// The login page links the form; the form asks for a username or an email.
		wantPage(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/login?lang=en"}), http.StatusOK,
			`href="/password/forgot?lang=en"`, "Forgot your password?")
		wantPage(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/password/forgot?lang=zh"}), http.StatusOK,
			"忘记密码", "用户名或邮箱", `name="login"`)

		// An account that does not exist: the same answer, and no mail. A form without its
		// token: refused, and no mail either.
		res := resetForm(t, env, "/password/forgot", "/password/forgot", "en", url.Values{"login": {"nobody.here"}})
		wantRedirect(t, res, "/password/forgot?sent=1&lang=en")
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/password/forgot", Form: url.Values{"login": {"staff.reset"}, "lang": {"en"}}})
		wantPage(t, res, http.StatusForbidden, "has expired", `value="staff.reset"`)
		res = resetForm(t, env, "/password/forgot", "/password/forgot", "en", url.Values{"login": {"  "}})
		wantPage(t, res, http.StatusUnprocessableEntity, `class="field-error"`, "give your username or email address")
		env.DrainOutbox(t)
		if n := len(mailer.Mails()); n != 0 {
			t.Fatalf("%d mails for an account that does not exist", n)
		}

		// The account asks: the same answer, and a mail with the link.
		res = resetForm(t, env, "/password/forgot", "/password/forgot", "en", url.Values{"login": {"staff.reset"}})
		wantRedirect(t, res, "/password/forgot?sent=1&lang=en")
		wantPage(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/password/forgot?sent=1&lang=en"}), http.StatusOK,
			"If an account with that username or email exists")
		env.DrainOutbox(t)
		mails := mailer.Mails()
		if len(mails) != 1 || mails[0].To != addr {
			t.Fatalf("mails %+v, want one to %s", mails, addr)
		}
		m := resetLink.FindStringSubmatch(mails[0].Text)
		if m == nil {
			t.Fatalf("the mail has no reset link:\n%s", mails[0].Text)
		}
		token, err := url.QueryUnescape(m[1])
		if err != nil {
			t.Fatal(err)
		}
		link := "/password/reset?token=" + url.QueryEscape(token)

		// The link's form: the token rides in the form (and in the language switch).
		page := env.Do(t, apitest.Request{Method: http.MethodGet, Path: link + "&lang=en"})
		wantPage(t, page, http.StatusOK, "Set a new password", `name="password"`, `name="password_confirm"`, `autocomplete="new-password"`,
			`name="token" value="`+token+`"`, `href="/password/reset?lang=zh&amp;token=`+url.QueryEscape(token)+`"`)
		wantPage(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: link + "&lang=zh"}), http.StatusOK, "设置新密码", "再次输入新密码")

		// Two passwords that differ, or one too short: at the field, and the link still works.
		newPassword := "a new password " + strings.Repeat("x", 4)
		res = resetForm(t, env, link, "/password/reset", "en", url.Values{"token": {token}, "password": {newPassword}, "password_confirm": {newPassword + "!"}})
		wantPage(t, res, http.StatusUnprocessableEntity, "The two passwords differ", `name="password_confirm" type="password" autocomplete="new-password" required minlength="10" maxlength="200" aria-invalid="true"`)
		res = resetForm(t, env, link, "/password/reset", "en", url.Values{"token": {token}, "password": {"short"}, "password_confirm": {"short"}})
		wantPage(t, res, http.StatusUnprocessableEntity, `class="field-error"`, "10–200 characters")
		// Without the form's token: refused.
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/password/reset", Form: url.Values{"token": {token},
			"password": {newPassword}, "password_confirm": {newPassword}, "lang": {"en"}}})
		wantPage(t, res, http.StatusForbidden)

		// The new password is set: to the login page, which says so; the old session ended.
		res = resetForm(t, env, link, "/password/reset", "en", url.Values{"token": {token}, "password": {newPassword}, "password_confirm": {newPassword}})
		wantRedirect(t, res, "/login?done=password_changed&lang=en")
		wantPage(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/login?done=password_changed&lang=en"}), http.StatusOK,
			"Your password was changed")
		wantRedirect(t, getPage(t, env, old, "/queue"), "/login")
		wantPage(t, loginAttempt(t, env, "staff.reset", password, english()), http.StatusUnauthorized)
		if res := loginAttempt(t, env, "staff.reset", newPassword, english()); res.Status != http.StatusSeeOther || res.Cookie("as_session") == nil {
			t.Fatalf("login with the new password: %d %s", res.Status, res.Body)
		}

		// The link works once: the second time the form says so at the token.
		another := "yet another password"
		res = resetForm(t, env, link, "/password/reset", "en", url.Values{"token": {token}, "password": {another}, "password_confirm": {another}})
		wantPage(t, res, http.StatusUnprocessableEntity, `id="token-error"`, "invalid, used or expired", `href="/password/forgot?lang=en"`)
		res = resetForm(t, env, "/password/reset?token=nonsense", "/password/reset", "zh", url.Values{"token": {"nonsense"}, "password": {another}, "password_confirm": {another}})
		wantPage(t, res, http.StatusUnprocessableEntity, `id="token-error"`, "重置链接无效")
		// A link without its token says so.
		wantPage(t, env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/password/reset?lang=en"}), http.StatusOK, "This link is incomplete")
		if res := loginAttempt(t, env, "staff.reset", another, english()); res.Status != http.StatusUnauthorized {
			t.Errorf("a used link set a password: %d", res.Status)
		}
		if n := len(mailer.Mails()); n != 1 {
			t.Errorf("%d mails, want the one", n)
		}
	})
}

// Asking for reset links is limited per address with the logins: past the limit, 429 pages.
func TestPasswordResetFormsAreRateLimited(t *testing.T) {
	limits := &httpapi.Limits{Login: httpapi.Rate{Events: 1, Per: time.Hour, Burst: 2}}
	apitest.RunWith(t, func(o *httpapi.Options) { o.Limits = limits }, func(t *testing.T, env *apitest.Env) {
		for range 2 {
			wantRedirect(t, resetForm(t, env, "/password/forgot", "/password/forgot", "en", url.Values{"login": {"nobody.here"}}), "/password/forgot?sent=1&lang=en")
		}
		wantLimited(t, resetForm(t, env, "/password/forgot", "/password/forgot", "en", url.Values{"login": {"nobody.here"}}), true)
		wantLimited(t, resetForm(t, env, "/password/reset?token=x", "/password/reset", "en", url.Values{"token": {"x"}, "password": {"long enough password"},
			"password_confirm": {"long enough password"}}), true)
		wantLimited(t, loginAttempt(t, env, "nobody.here", "a-password-123", nil), true)
	})
}
