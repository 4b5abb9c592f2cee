package httpapi_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/store"
)

// The access matrix's webhook pages and password-reset pages. The webhook pages read the
// session only (a bearer token is no login there): merchant staff manage their merchant's
// webhooks (another merchant's is not found), other roles may not (403); admins manage
// the platform's (webhook_pages_test.go). The password-reset pages need no session: every
// visitor gets the forms, and a form with its double-submit token is answered alike.
// The rows go before the admin pages': the sessions' cells must come before the login
// rows, whose cells end the browser's session.
func init() { insertAccessRows("adminPage", webhookPageAccess...) }

var webhookPageAccess = []struct {
	op   string
	want map[string]string
}{
	{op: "webhooksPage", want: webhookPageStaff("200")},
	{op: "webhookCreateForm", want: webhookPageStaff("201")},
	{op: "webhookPage", want: webhookPageOwner("200")},
	{op: "webhookDeleteForm", want: webhookPageOwner("303")},
	{op: "webhookRedeliverForm", want: webhookPageOwner("303")},
	{op: "passwordForgotPage", want: map[string]string{"*": "200"}},
	{op: "passwordForgot", want: map[string]string{"*": "303"}},
	{op: "passwordResetPage", want: map[string]string{"*": "200"}},
	{op: "passwordReset", want: map[string]string{"*": "303"}},
}

// webhookPageStaff is a row of the webhook pages on no resource: merchant staff's session ok.
func webhookPageStaff(ok string) map[string]string {
	return map[string]string{"*": "303", "customer@shop-a": "403", "merchant (session)": ok, "agent@shop-a (session)": "403"}
}

// webhookPageOwner is a row of the pages of one webhook: merchant staff's own, not another
// merchant's.
func webhookPageOwner(ok string) map[string]string {
	return map[string]string{"*": "303 303 303", "customer@shop-a": "403 403 403", "merchant (session)": ok + " 404 " + ok,
		"agent@shop-a (session)": "403 403 403"}
}

// webhookPageRequest is the request of a cell of the webhook and password-reset pages'
// rows (false for another row).
func (aw *accessWorld) webhookPageRequest(t *testing.T, op string, p principal, tg target) (apitest.Request, bool) {
	t.Helper()
	n := aw.serial.Add(1)
	// A cell that deletes the webhook has one of its own when it may get that far.
	mine := p.session != nil && p.role == app.RoleMerchant
	var r apitest.Request
	switch op {
	case "webhooksPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/webhooks"}
	case "webhookCreateForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/webhooks", Form: p.form(url.Values{
			"url": {"https://93.184.216.34/page-hooks"}, "events": {"case.created", "dispute.ruled"}, "events_other": {"case.ship_back"}})}
	case "webhookPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/webhooks/" + aw.webhook(t, tg, false)}
	case "webhookDeleteForm":
		r = apitest.Request{Method: http.MethodPost, Path: "/webhooks/" + aw.webhook(t, tg, mine) + "/delete", Form: p.form(url.Values{})}
	case "webhookRedeliverForm":
		id, delivery := aw.webhook(t, tg, false), int64(1)
		if mine {
			delivery = aw.delivery(t, id, fmt.Sprintf("matrix-%d", n))
		}
		r = apitest.Request{Method: http.MethodPost, Path: "/webhooks/" + id + "/deliveries/" + strconv.FormatInt(delivery, 10) + "/redeliver",
			Form: p.form(url.Values{})}
	case "passwordForgotPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/password/forgot"}
	case "passwordResetPage":
		r = apitest.Request{Method: http.MethodGet, Path: "/password/reset?token=" + rand.Text()}
	case "passwordForgot":
		return preLoginForm(t, aw.env, p, "/password/forgot", url.Values{"login": {fmt.Sprintf("nobody.%d", n)}}), true
	case "passwordReset":
		token := aw.resetToken(t, fmt.Sprintf("reset.%d", n))
		return preLoginForm(t, aw.env, p, "/password/reset?token="+token, url.Values{"token": {token},
			"password": {"new password " + token}, "password_confirm": {"new password " + token}}), true
	default:
		return r, false
	}
	return p.as(r), true
}

// preLoginForm is a password-reset form as p's browser posts it: the form's page first
// (its token and the as_password_csrf cookie), then the form with every cookie it has.
func preLoginForm(t *testing.T, env *apitest.Env, p principal, page string, form url.Values) apitest.Request {
	t.Helper()
	res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: page})
	form.Set("csrf_token", apitest.FormToken(t, res))
	u, _ := url.Parse(page)
	r := p.as(apitest.Request{Method: http.MethodPost, Path: u.Path, Form: form})
	if r.Session != nil {
		r.Cookies, r.Session = []*http.Cookie{r.Session.Cookie}, nil
	}
	r.Cookies = append(r.Cookies, res.Cookie("as_password_csrf"))
	return r
}

// delivery adds a delivery of an event to webhook id's log, as the relay would, and
// returns its id.
func (aw *accessWorld) delivery(t *testing.T, id, eventID string) int64 {
	t.Helper()
	now := aw.env.Clock.Now()
	var d store.WebhookDelivery
	err := aw.env.Store.Update(t.Context(), func(tx store.Tx) error {
		var err error
		d, _, err = tx.InsertDelivery(t.Context(), store.WebhookDelivery{WebhookID: id, EventID: eventID, Event: "case.created",
			Payload: json.RawMessage(`{"id":"` + eventID + `"}`), State: store.DeliveryFailed, Attempts: 3, StatusCode: 500,
			LastError: "answered 500", NextAt: now, CreatedAt: now, UpdatedAt: now})
		return err
	})
	if err != nil {
		t.Fatalf("a delivery of %s: %v", id, err)
	}
	return d.ID
}

// resetToken makes a staff account and a password-reset link for it, as the email would
// carry, and returns the link's token.
func (aw *accessWorld) resetToken(t *testing.T, username string) string {
	t.Helper()
	aw.env.User(t, username, app.RoleAgent, "")
	token := rand.Text()
	sum := sha256.Sum256([]byte(token))
	now := aw.env.Clock.Now()
	err := aw.env.Store.Update(t.Context(), func(tx store.Tx) error {
		u, err := tx.UserByUsername(t.Context(), username)
		if err != nil {
			return err
		}
		return tx.InsertPasswordReset(t.Context(), store.PasswordReset{Hash: sum[:], UserID: u.ID, ExpiresAt: now.Add(time.Hour), CreatedAt: now})
	})
	if err != nil {
		t.Fatalf("a reset link for %s: %v", username, err)
	}
	return token
}
