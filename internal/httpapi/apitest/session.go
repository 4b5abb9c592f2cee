package apitest

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
)

// Session is a browser's login: the session cookie and the session's CSRF token.
type Session struct {
	Cookie *http.Cookie
	CSRF   string
}

// adminPrincipal is who the helpers act as when they set up accounts and secrets.
var adminPrincipal = app.Principal{Role: app.RoleAdmin, ID: "apitest", Client: "apitest"}

// Merchant makes a merchant the platform knows, as an admin setting its profile would:
// staff accounts name only known merchants, and merchants otherwise come with orders.
func (e *Env) Merchant(t testing.TB, code string) {
	t.Helper()
	if err := e.App.UpdateMerchantProfile(context.Background(), adminPrincipal, app.MerchantProfile{Code: code, Name: "Test " + code}); err != nil {
		t.Fatalf("merchant %s: %v", code, err)
	}
}

// User creates a staff account through the app and returns its (random) password.
// Merchant staff name their merchant; agents and supervisors may have a scope. The
// merchants must be known (Merchant, or an order of theirs).
func (e *Env) User(t testing.TB, username string, role app.Role, merchant string, scope ...string) (password string) {
	t.Helper()
	password = rand.Text()
	_, err := e.App.CreateUser(context.Background(), adminPrincipal, app.UserInput{Username: username, Role: role,
		Merchant: merchant, Scope: scope, Password: password, DisplayName: "Test " + username})
	if err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	return password
}

// Login logs in the way a browser does: GET /login for the form's token and its cookie,
// POST /login, then the home page for the session's CSRF token.
func (e *Env) Login(t testing.TB, username, password string) *Session {
	t.Helper()
	form := e.Do(t, Request{Method: http.MethodGet, Path: "/login"})
	token := FormToken(t, form)
	res := e.Do(t, Request{Method: http.MethodPost, Path: "/login", Cookies: []*http.Cookie{form.Cookie("as_login_csrf")},
		Form: url.Values{"username": {username}, "password": {password}, "csrf_token": {token}}})
	if res.Status != http.StatusSeeOther || res.Cookie("as_session") == nil {
		t.Fatalf("login as %s: %d %s", username, res.Status, res.Body)
	}
	return e.sessionOf(t, res.Cookie("as_session"))
}

// CustomerSession opens a customer's session by a login link that shop (a merchant code,
// or app.PlatformShop) signs with a new secret.
func (e *Env) CustomerSession(t testing.TB, shop, customer string) *Session {
	t.Helper()
	res := e.Do(t, Request{Method: http.MethodGet, Path: "/login/link?" + e.LoginLink(t, shop, customer, 10*time.Minute)})
	if res.Status != http.StatusSeeOther || res.Cookie("as_session") == nil {
		t.Fatalf("login link of %s for %s: %d %s", shop, customer, res.Status, res.Body)
	}
	return e.sessionOf(t, res.Cookie("as_session"))
}

// LoginLink sets a new secret for shop and returns the query string of a login link it
// signs for customer, valid for ttl from the clock's now.
func (e *Env) LoginLink(t testing.TB, shop, customer string, ttl time.Duration) string {
	t.Helper()
	secret, err := e.App.SetShopSecret(context.Background(), adminPrincipal, shop)
	if err != nil {
		t.Fatalf("shop secret for %s: %v", shop, err)
	}
	return app.SignLoginLink(secret, app.LoginLink{Shop: shop, Customer: customer, Expires: e.Clock.Now().Add(ttl)})
}

var (
	csrfMeta  = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)
	formToken = regexp.MustCompile(`<input type="hidden" name="csrf_token" value="([^"]+)">`)
)

// FormToken is the csrf_token hidden field of a page's form.
func FormToken(t testing.TB, page *Response) string {
	t.Helper()
	m := formToken.FindSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no csrf_token in the %d page:\n%s", page.Status, page.Body)
	}
	return string(m[1])
}

// sessionOf reads the session's CSRF token from the home page.
func (e *Env) sessionOf(t testing.TB, c *http.Cookie) *Session {
	t.Helper()
	home := e.Do(t, Request{Method: http.MethodGet, Path: "/", Cookies: []*http.Cookie{c}})
	if home.Status == http.StatusSeeOther { // staff are sent to their work
		home = e.Do(t, Request{Method: http.MethodGet, Path: home.Header.Get("Location"), Cookies: []*http.Cookie{c}})
	}
	m := csrfMeta.FindSubmatch(home.Body)
	if home.Status != http.StatusOK || m == nil {
		t.Fatalf("home page: %d %s", home.Status, home.Body)
	}
	return &Session{Cookie: &http.Cookie{Name: c.Name, Value: c.Value}, CSRF: string(m[1])}
}

// UserToken makes an API token that acts as a staff account (token create --user).
func (e *Env) UserToken(t testing.TB, username string) string {
	t.Helper()
	secret, _, err := e.App.CreateToken(context.Background(), app.TokenSpec{User: username, Name: "test " + username})
	if err != nil {
		t.Fatalf("token for %s: %v", username, err)
	}
	return secret
}
