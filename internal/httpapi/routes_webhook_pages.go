package httpapi

import (
	"crypto/rand"
	"net/http"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/web"
)

// webhookPageRoutes are the pages of webhooks and of password resets. Webhooks (merchant
// staff their merchant's, admins the platform's) are listed and registered on /webhooks —
// the new webhook's secret is in the answer to the form, shown once, never in an address
// or a cookie — and each has its delivery log on /webhooks/{id}. The password-reset pages
// need no session: like the login form they carry a double-submit token (the
// as_password_csrf cookie) and count against the login limit, and their answers are the
// same whether or not an account exists.
var webhookPageRoutes = []route{
	{
		pattern: "GET /webhooks", id: "webhooksPage", tag: "pages", auth: true, page: true,
		summary: "Webhooks: those the visitor manages (merchant staff their merchant's, admins the platform's) with the form that registers one",
		query:   []queryParam{langParam, {name: "done", kind: "string", description: "what was just done"}},
		ok:      []response{htmlOK, toLogin},
		errors:  []int{http.StatusForbidden},
		handle:  page((*web.Pages).Webhooks),
	},
	{
		pattern: "POST /webhooks", id: "webhookCreateForm", tag: "pages", auth: true, page: true,
		summary: "Register a webhook: the answer is the list with the new webhook's signing secret, shown this once (and how to verify X-Aftersales-Signature); or the list again with the problem at the field",
		form: []formField{csrfFormField, langField,
			{name: "url", description: "where deliveries are POSTed: http or https, no loopback or private address"},
			{name: "events", description: "repeated: the events checked (*, case.created, case.approve, case.reject, case.refund, case.confirm, dispute.ruled)", optional: true},
			{name: "events_other", description: "more event names, separated by commas (case.<action>, dispute.<action>, case.*)", optional: true},
		},
		ok:     []response{{status: http.StatusCreated, description: "registered: the list with the secret, shown once", contentType: "text/html"}, toLogin},
		errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: page((*web.Pages).CreateWebhook),
	},
	{
		pattern: "GET /webhooks/{id}", id: "webhookPage", tag: "pages", auth: true, page: true,
		summary: "A webhook and its delivery log (event, state, attempts, last status and error, next attempt), each delivery with a button that sends it again",
		query:   []queryParam{langParam, {name: "done", kind: "string", description: "what was just done (a message to show)"}},
		ok:      []response{htmlOK, toLogin},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  page((*web.Pages).WebhookPage),
	},
	{
		pattern: "POST /webhooks/{id}/delete", id: "webhookDeleteForm", tag: "pages", auth: true, page: true,
		summary: "Delete a webhook (its delivery log is kept): to the list",
		form:    []formField{csrfFormField, langField},
		ok:      []response{formDone},
		errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound},
		handle:  page((*web.Pages).DeleteWebhook),
	},
	{
		pattern: "POST /webhooks/{id}/deliveries/{delivery}/redeliver", id: "webhookRedeliverForm", tag: "pages", auth: true, page: true,
		summary: "Send a delivery of the webhook again (a new day of retries): back to the webhook's page",
		form:    []formField{csrfFormField, langField},
		ok:      []response{formDone},
		errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound},
		handle:  page((*web.Pages).Redeliver),
	},
	{
		pattern: "GET /password/forgot", id: "passwordForgotPage", tag: "pages", page: true,
		summary: "The form that asks for a password-reset link by username or email (staff accounts; with its double-submit CSRF cookie as_password_csrf)",
		query: []queryParam{langParam,
			{name: "sent", kind: "boolean", description: "the form was sent: the page says a link was emailed if the account exists"}},
		ok:     []response{{status: http.StatusOK, description: "the form, or what was done", contentType: "text/html", headers: []string{"Set-Cookie"}}},
		handle: passwordForgotPage,
	},
	{
		pattern: "POST /password/forgot", id: "passwordForgot", tag: "pages", page: true, login: true,
		summary: "Ask for a password-reset link: the account's email gets a link that works once, for 30 minutes; the answer is the same whether or not the account exists",
		form: []formField{
			{name: "login", description: "the account's username or email address"},
			{name: csrfField, description: "the form's token: the value of the as_password_csrf cookie"},
			langField,
		},
		ok:     []response{{status: http.StatusSeeOther, description: "asked (whether or not the account exists): to /password/forgot?sent=1", headers: []string{"Location"}}},
		errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: passwordForgot,
	},
	{
		pattern: "GET /password/reset", id: "passwordResetPage", tag: "pages", page: true,
		summary: "The emailed link's form: a new password, twice (with its double-submit CSRF cookie as_password_csrf)",
		query: []queryParam{langParam,
			{name: "token", kind: "string", description: "the link's token"}},
		ok:     []response{{status: http.StatusOK, description: "the form", contentType: "text/html", headers: []string{"Set-Cookie"}}},
		handle: passwordResetPage,
	},
	{
		pattern: "POST /password/reset", id: "passwordReset", tag: "pages", page: true, login: true,
		summary: "Set a new password with the link's token (once, within 30 minutes): every session of the account ends; to /login, which says so",
		form: []formField{
			{name: "token", description: "the link's token"},
			{name: "password", description: "the new password"},
			{name: "password_confirm", description: "the new password again"},
			{name: csrfField, description: "the form's token: the value of the as_password_csrf cookie"},
			langField,
		},
		ok:     []response{{status: http.StatusSeeOther, description: "the password is set: to /login?done=password_changed", headers: []string{"Location"}}},
		errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: passwordReset,
	},
}

// passwordCSRFCookie is the password-reset forms' double-submit token, as the login form's
// (loginCSRFCookie): the form's hidden csrf_token must equal it.
const passwordCSRFCookie = "as_password_csrf"

// passwordFormToken is a new double-submit token for a password-reset form, set in the
// as_password_csrf cookie of /password.
func (s *Server) passwordFormToken(w http.ResponseWriter, r *http.Request) string {
	token := rand.Text()
	c := s.cookie(r, passwordCSRFCookie, token, "/password", 3600)
	c.SameSite = http.SameSiteStrictMode
	http.SetCookie(w, c)
	return token
}

// passwordFormOK reads a posted password-reset form and reports whether it carries its
// double-submit token (the as_password_csrf cookie's value).
func passwordFormOK(w http.ResponseWriter, r *http.Request) (ok bool, err error) {
	if err := readForm(w, r); err != nil {
		return false, err
	}
	c, cerr := r.Cookie(passwordCSRFCookie)
	return cerr == nil && sameToken(r.PostForm.Get(csrfField), c.Value), nil
}

// passwordFormExpired is what a password-reset form without its token says: the login
// form's words.
func (s *Server) passwordFormExpired(v *web.Visit) string {
	return v.Lang.Pick(s.web.Catalogue().Text("login.expired"))
}

// passwordForgotPage shows the form that asks for a reset link, or (?sent=1) that it was
// sent — the same page whether or not the account exists.
func passwordForgotPage(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
	v := s.visit(w, r, app.Principal{}, "")
	d := &web.PasswordForgotData{Sent: r.URL.Query().Get("sent") != "", FormToken: s.passwordFormToken(w, r)}
	s.web.PasswordForgot(w, r, v, http.StatusOK, d)
	return nil
}

// passwordForgot asks for a reset link (web.(*Pages).RequestPasswordReset); a form without
// its token is shown again (403) with a new one. Neither the login nor whether its account
// exists is logged.
func passwordForgot(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
	ok, err := passwordFormOK(w, r)
	if err != nil {
		return err
	}
	v := s.visit(w, r, app.Principal{}, "")
	if !ok {
		s.web.PasswordForgot(w, r, v, http.StatusForbidden, &web.PasswordForgotData{FormToken: s.passwordFormToken(w, r),
			Login: cleanText(r.PostForm.Get("login"), maxResetLoginLen), Message: s.passwordFormExpired(v)})
		return nil
	}
	return s.web.RequestPasswordReset(w, r, v, r.PostForm.Get(csrfField))
}

// maxResetLoginLen bounds the login a refused form shows again (an email address has at
// most 254 characters).
const maxResetLoginLen = 254

// passwordResetPage shows the form the emailed link opens.
func passwordResetPage(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
	v := s.visit(w, r, app.Principal{}, "")
	s.web.PasswordReset(w, r, v, http.StatusOK, &web.PasswordResetData{FormToken: s.passwordFormToken(w, r), Token: r.URL.Query().Get("token")})
	return nil
}

// passwordReset sets the new password (web.(*Pages).ResetPassword) and goes to the login;
// a form without its token is shown again (403) with a new one.
func passwordReset(s *Server, w http.ResponseWriter, r *http.Request, _ app.Principal) error {
	ok, err := passwordFormOK(w, r)
	if err != nil {
		return err
	}
	v := s.visit(w, r, app.Principal{}, "")
	if !ok {
		s.web.PasswordReset(w, r, v, http.StatusForbidden, &web.PasswordResetData{FormToken: s.passwordFormToken(w, r),
			Token: r.PostForm.Get("token"), Message: s.passwordFormExpired(v)})
		return nil
	}
	return s.web.ResetPassword(w, r, v, r.PostForm.Get(csrfField))
}
