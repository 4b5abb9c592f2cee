package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
	"github.com/aftersales/aftersales/internal/notify"
	"github.com/aftersales/aftersales/internal/notify/smtptest"
	"github.com/aftersales/aftersales/internal/webhook"
)

// What the outbox carries reaches its people (SPEC §13): in the in-app inbox always, by
// email through a real SMTP server started here, by SMS as chosen; a customer gets what
// they must act on even with email turned off; relayed twice, nothing arrives twice.
func TestNotificationsReachPeople(t *testing.T) {
	var smtpServer *smtptest.Server
	var sms *notify.RecordingSMS
	configure := func(c *app.Config) {
		var url string
		smtpServer, url = smtptest.Start(t, nil)
		mailer, err := notify.NewSMTPMailer(url)
		if err != nil {
			t.Fatal(err)
		}
		sms = &notify.RecordingSMS{}
		c.Mailer, c.SMS, c.BaseURL = mailer, sms, "https://aftersales.example"
	}
	apitest.RunWithApp(t, configure, nil, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		ctx := t.Context()
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		if err := env.App.UpdateCustomerProfile(ctx, app.Principal{Role: app.RoleAdmin, ID: "test"},
			app.CustomerProfile{ID: "cust-1", Name: "王芳", Phone: "13800138000", Email: "wang.fang@example.com"}); err != nil {
			t.Fatal(err)
		}
		password := env.User(t, "staff.a", app.RoleMerchant, "shop-a")
		email := "staff.a@shop-a.example"
		if _, err := env.App.ChangeUser(ctx, app.Principal{Role: app.RoleAdmin, ID: "test"}, "staff.a", app.UserChange{Email: &email}); err != nil {
			t.Fatal(err)
		}
		staff := env.Login(t, "staff.a", password)

		// An application: the merchant's staff hear of it, in the inbox and by email.
		c := w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		env.DrainOutbox(t)
		mails := mailsTo(t, smtpServer, email)
		if len(mails) != 1 || !strings.Contains(mails[0].subject, c.Number) || !strings.Contains(mails[0].body, "https://aftersales.example/cases/"+c.ID) {
			t.Fatalf("mails to the merchant's staff: %+v, want one about %s with its link", mails, c.Number)
		}
		inbox := notifications(t, env, apitest.Request{Session: staff})
		if inbox.Unread != 1 || inbox.Notifications[0].Event != "case.created" || inbox.Notifications[0].Link != "/cases/"+c.ID {
			t.Fatalf("the staff's inbox: %+v", inbox)
		}

		// The approval: the customer must ship the goods back — told in the inbox and by email.
		c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version})
		env.DrainOutbox(t)
		env.DrainOutbox(t) // relayed again: nothing twice
		if got := mailsTo(t, smtpServer, "wang.fang@example.com"); len(got) != 1 || !strings.Contains(got[0].subject, c.Number) {
			t.Fatalf("mails to the customer: %+v, want one", got)
		}
		mine := notifications(t, env, apitest.Request{Token: w.customer1})
		if mine.Unread != 1 || mine.Notifications[0].Event != "case.approve" || mine.Notifications[0].Subject.ZH == "" {
			t.Fatalf("the customer's inbox: %+v", mine)
		}

		// The customer turns email off and SMS on; news they need not act on comes in-app and
		// by SMS only; what they must act on still comes by email.
		res := env.Do(t, apitest.Request{Method: http.MethodPut, Path: "/api/v1/notifications/preferences", Token: w.customer1,
			JSON: map[string]any{"email": false, "sms": true, "locale": "en"}})
		if res.Status != http.StatusOK {
			t.Fatalf("prefs: %d %s", res.Status, res.Body)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodPut, Path: "/api/v1/notifications/preferences", Token: w.customer1,
			JSON: map[string]any{"address": "not an address"}})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "address")
		c = w.mustAct(t, w.customer1, c.ID, app.ActInput{Action: aftersale.ShipBack, Version: c.Version, Carrier: "SF", TrackingNo: "SF3000000001"})
		c = w.mustAct(t, w.merchantA, c.ID, app.ActInput{Action: aftersale.ConfirmReceipt, Version: c.Version, Inspection: aftersale.InspectionPass})
		o2 := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("HAT", 1, 19900)))
		c2 := w.mustApply(t, w.customer1, returnRefund(o2.OrderNo, "HAT", 1))
		w.mustAct(t, w.merchantA, c2.ID, app.ActInput{Action: aftersale.RequestInfo, Version: c2.Version, Note: "请补充照片 / a photo please"})
		env.DrainOutbox(t)
		got := mailsTo(t, smtpServer, "wang.fang@example.com")
		if len(got) != 2 || !strings.Contains(got[1].subject, c2.Number) {
			t.Fatalf("mails to the customer after turning email off: %+v; want only the request for information", got)
		}
		if !strings.Contains(got[1].lang, "en") {
			t.Errorf("the customer chose English; the mail is %q", got[1].lang)
		}
		texts := sms.Sent()
		if len(texts) == 0 || !slices.ContainsFunc(texts, func(s notify.SMS) bool { return strings.Contains(s.Text, c.Number) }) {
			t.Errorf("SMS %+v: the customer chose SMS", texts)
		}
		mine = notifications(t, env, apitest.Request{Token: w.customer1})
		if mine.Unread < 3 {
			t.Errorf("the customer's inbox has %d unread, want the approval, the receipt and the request", mine.Unread)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/notifications/read", Token: w.customer1, JSON: map[string]any{}})
		if res.Status != http.StatusOK || notifications(t, env, apitest.Request{Token: w.customer1}).Unread != 0 {
			t.Errorf("mark all read: %d %s", res.Status, res.Body)
		}
		// Tokens that are no person have no inbox.
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/notifications", Token: w.shop})
		wantProblem(t, res, http.StatusForbidden, app.CodeForbidden)
	})
}

type gotMail struct{ subject, body, lang string }

func mailsTo(t *testing.T, s *smtptest.Server, addr string) []gotMail {
	t.Helper()
	var out []gotMail
	for _, m := range s.Messages() {
		if !slices.Contains(m.To, addr) {
			continue
		}
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		body, _ := io.ReadAll(msg.Body)
		out = append(out, gotMail{subject: subject, body: strings.ReplaceAll(string(body), "=\r\n", ""), lang: msg.Header.Get("Content-Language")})
	}
	return out
}

func notifications(t *testing.T, env *apitest.Env, r apitest.Request) app.NotificationList {
	t.Helper()
	r.Method, r.Path = http.MethodGet, "/api/v1/notifications"
	res := env.Do(t, r)
	if res.Status != http.StatusOK {
		t.Fatalf("GET notifications: %d %s", res.Status, res.Body)
	}
	var v app.NotificationList
	res.JSON(t, &v)
	return v
}

// receiver is a merchant system's webhook endpoint that can be down for a while.
type receiver struct {
	srv    *httptest.Server
	down   atomic.Bool
	secret string
	mu     sync.Mutex
	got    map[string]int // event id → deliveries received
	names  map[string]string
	bad    int // requests whose signature did not verify
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{got: map[string]int{}, names: map[string]string{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.down.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(req.Body)
		var ev struct {
			ID    string `json:"id"`
			Event string `json:"event"`
		}
		_ = json.Unmarshal(body, &ev)
		r.mu.Lock()
		defer r.mu.Unlock()
		if !webhook.Verify(r.secret, body, req.Header.Get("X-Aftersales-Signature")) || req.Header.Get("X-Aftersales-Event") != ev.Event ||
			req.Header.Get("X-Aftersales-Delivery") == "" {
			r.bad++
		}
		r.got[ev.ID]++
		r.names[ev.ID] = ev.Event
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) received() (map[string]int, map[string]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.got), maps.Clone(r.names), r.bad
}

func createWebhook(t *testing.T, env *apitest.Env, token string, in app.WebhookInput) app.WebhookCreated {
	t.Helper()
	res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/webhooks", Token: token, JSON: in})
	if res.Status != http.StatusCreated {
		t.Fatalf("POST /api/v1/webhooks: %d %s", res.Status, res.Body)
	}
	var v app.WebhookCreated
	res.JSON(t, &v)
	return v
}

// A webhook receiver that is down for a while gets every delivery, once each, after it
// comes back, with valid signatures; a merchant's webhook never receives another
// merchant's events; a platform webhook receives what it subscribed to of all.
func TestWebhooksDeliverEveryEventOnceAfterAnOutage(t *testing.T) {
	apitest.RunWithApp(t, func(c *app.Config) { c.WebhooksAllowPrivate = true }, nil, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		recA, recB, recP := newReceiver(t), newReceiver(t), newReceiver(t)
		hookA := createWebhook(t, env, w.merchantA, app.WebhookInput{URL: recA.srv.URL + "/hooks?x=1", Events: []string{"*"}})
		recA.secret = hookA.Secret
		recB.secret = createWebhook(t, env, w.merchantB, app.WebhookInput{URL: recB.srv.URL, Events: []string{"case.*"}}).Secret
		recP.secret = createWebhook(t, env, w.admin, app.WebhookInput{URL: recP.srv.URL, Events: []string{"case.created"}}).Secret
		if !strings.HasPrefix(hookA.Secret, "whsec_") || hookA.Merchant != "shop-a" {
			t.Fatalf("the new webhook: %+v", hookA)
		}
		// The secret is answered once: never in a list.
		res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/webhooks", Token: w.merchantA})
		if res.Status != http.StatusOK || bytes.Contains(res.Body, []byte(hookA.Secret)) || bytes.Contains(res.Body, []byte(recB.srv.URL)) {
			t.Fatalf("GET /api/v1/webhooks: %d %s (no secret, no other merchant's webhook)", res.Status, res.Body)
		}

		recA.down.Store(true)
		oA := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		cA := w.mustApply(t, w.customer1, returnRefund(oA.OrderNo, "JACKET", 1))
		cA = w.mustAct(t, w.merchantA, cA.ID, app.ActInput{Action: aftersale.Approve, Version: cA.Version})
		oB := w.mustOrder(t, w.orderInput("shop-b", "cust-2", line("HAT", 1, 19900)))
		cB := w.mustApply(t, w.customer2, returnRefund(oB.OrderNo, "HAT", 1))
		env.DrainOutbox(t)
		if got, _, _ := recA.received(); len(got) != 0 {
			t.Fatalf("a receiver that is down received %v", got)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/webhooks/" + hookA.ID + "/deliveries", Token: w.merchantA})
		var log struct{ Deliveries []app.DeliveryView }
		res.JSON(t, &log)
		if len(log.Deliveries) != 2 || log.Deliveries[0].State != "pending" || log.Deliveries[0].StatusCode != 503 || log.Deliveries[0].NextAt == nil {
			t.Fatalf("the delivery log while down: %+v", log.Deliveries)
		}

		// Back up; the retries come in their time (backoff), and only once each.
		recA.down.Store(false)
		for i := range 4 {
			env.Clock.Set(time.Now().Add(time.Duration(i+1) * 10 * time.Minute))
			env.DrainOutbox(t)
		}
		gotA, namesA, badA := recA.received()
		wantA := map[string]int{"case-" + cA.ID + "-1": 1, "case-" + cA.ID + "-2": 1}
		if !equalCounts(gotA, wantA) || badA != 0 || namesA["case-"+cA.ID+"-1"] != "case.created" || namesA["case-"+cA.ID+"-2"] != "case.approve" {
			t.Fatalf("merchant A's receiver got %v %v (%d bad signatures), want %v", gotA, namesA, badA, wantA)
		}
		gotB, _, badB := recB.received()
		if !equalCounts(gotB, map[string]int{"case-" + cB.ID + "-1": 1}) || badB != 0 {
			t.Errorf("merchant B's receiver got %v, want only its own case's creation", gotB)
		}
		gotP, _, _ := recP.received()
		if !equalCounts(gotP, map[string]int{"case-" + cA.ID + "-1": 1, "case-" + cB.ID + "-1": 1}) {
			t.Errorf("the platform's receiver got %v, want both creations only", gotP)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/webhooks/" + hookA.ID + "/deliveries", Token: w.merchantA})
		res.JSON(t, &log)
		for _, d := range log.Deliveries {
			if d.State != "delivered" || d.StatusCode != 200 || d.Attempts != 2 {
				t.Errorf("delivery %+v, want delivered on the second attempt", d)
			}
		}
		// By hand, once more.
		res = env.Do(t, apitest.Request{Method: http.MethodPost, Token: w.merchantA,
			Path: "/api/v1/webhooks/" + hookA.ID + "/deliveries/" + itoa(log.Deliveries[0].ID) + "/redeliver"})
		if res.Status != http.StatusAccepted {
			t.Fatalf("redeliver: %d %s", res.Status, res.Body)
		}
		env.DrainOutbox(t)
		if got, _, _ := recA.received(); got[log.Deliveries[0].EventID] != 2 {
			t.Errorf("after redelivery %v", got)
		}
		// Another merchant's webhook is not found, to read, redeliver or delete.
		for _, r := range []apitest.Request{
			{Method: http.MethodGet, Path: "/api/v1/webhooks/" + hookA.ID},
			{Method: http.MethodDelete, Path: "/api/v1/webhooks/" + hookA.ID},
			{Method: http.MethodPost, Path: "/api/v1/webhooks/" + hookA.ID + "/deliveries/" + itoa(log.Deliveries[0].ID) + "/redeliver"},
		} {
			r.Token = w.merchantB
			wantProblem(t, env.Do(t, r), http.StatusNotFound, app.CodeNotFound)
		}
		res = env.Do(t, apitest.Request{Method: http.MethodDelete, Path: "/api/v1/webhooks/" + hookA.ID, Token: w.merchantA})
		if res.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", res.Status, res.Body)
		}
		w.mustAct(t, w.customer1, cA.ID, app.ActInput{Action: aftersale.Cancel, Version: cA.Version})
		env.DrainOutbox(t)
		if got, _, _ := recA.received(); len(got) != 2 {
			t.Errorf("a deleted webhook received %v", got)
		}
	})
}

// A receiver that never answers: after a day of retries the delivery is failed, and the
// merchant is told.
func TestWebhookFailsAfterADayOfRetries(t *testing.T) {
	apitest.RunWithApp(t, func(c *app.Config) { c.WebhooksAllowPrivate = true }, nil, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		rec := newReceiver(t)
		rec.down.Store(true)
		rec.secret = createWebhook(t, env, w.merchantA, app.WebhookInput{URL: rec.srv.URL, Events: []string{"case.created"}}).Secret
		o := w.mustOrder(t, w.orderInput("shop-a", "cust-1", line("JACKET", 1, 29900)))
		staff := env.Login(t, "staff.a", env.User(t, "staff.a", app.RoleMerchant, "shop-a"))
		w.mustApply(t, w.customer1, returnRefund(o.OrderNo, "JACKET", 1))
		env.DrainOutbox(t)
		start := time.Now()
		for h := 1; h <= 26; h++ {
			env.Clock.Set(start.Add(time.Duration(h) * time.Hour))
			env.DrainOutbox(t)
		}
		res := env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/webhooks", Token: w.merchantA})
		var list struct{ Webhooks []app.WebhookView }
		res.JSON(t, &list)
		res = env.Do(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/webhooks/" + list.Webhooks[0].ID + "/deliveries", Token: w.merchantA})
		var log struct{ Deliveries []app.DeliveryView }
		res.JSON(t, &log)
		if len(log.Deliveries) != 1 || log.Deliveries[0].State != "failed" || log.Deliveries[0].Attempts < 10 {
			t.Fatalf("after 26 hours down: %+v, want failed after many attempts", log.Deliveries)
		}
		t.Logf("failed after %d attempts", log.Deliveries[0].Attempts)
		// The merchant's staff are told, in their inbox.
		env.Clock.Reset()
		inbox := notifications(t, env, apitest.Request{Session: staff})
		if !slices.ContainsFunc(inbox.Notifications, func(n app.NotificationView) bool { return n.Event == "webhook.failed" }) {
			t.Errorf("the staff's inbox %+v has no webhook.failed", inbox.Notifications)
		}
	})
}

// Webhooks may not reach into the operator's network unless the server allows it.
func TestWebhookURLsOnPrivateAddressesAreRefused(t *testing.T) {
	apitest.Run(t, func(t *testing.T, env *apitest.Env) {
		w := newWorld(t, env)
		for _, u := range []string{"http://127.0.0.1:9/x", "http://localhost/x", "http://10.0.0.8/x", "http://169.254.169.254/latest", "ftp://example.com/x", "http://[::1]/"} {
			res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/webhooks", Token: w.merchantA, JSON: app.WebhookInput{URL: u, Events: []string{"*"}}})
			wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "url")
		}
		res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/webhooks", Token: w.merchantA, JSON: app.WebhookInput{URL: "https://93.184.216.34/hook", Events: []string{"case.nonsense thing"}}})
		wantProblem(t, res, http.StatusUnprocessableEntity, app.CodeInvalid, "events")
		for _, tok := range []string{w.customer1, w.agent} {
			res := env.Do(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/webhooks", Token: tok, JSON: app.WebhookInput{URL: "https://93.184.216.34/hook", Events: []string{"*"}}})
			wantProblem(t, res, http.StatusForbidden, app.CodeForbidden)
		}
	})
}

func equalCounts(a, b map[string]int) bool { return maps.Equal(a, b) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
