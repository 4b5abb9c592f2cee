package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/httpapi/apitest"
)

// The access matrix's parcels, tasks, notifications and webhooks (SPEC §7, §13): one
// return parcel per target (its case approved and shipped back), the task of its lost
// event, and one webhook of the target's merchant — each made when a row first needs it.
//
// The rows go before the pages' (whose logout cells end the customer's sessions).
func init() { insertAccessRows("homePage", logisticsAccess...) }

var logisticsAccess = []struct {
	op   string
	want map[string]string
}{
	// Carriers and the shop system report events; a merchant's integration only for its
	// merchant's parcels.
	{op: "recordShipmentEvents", want: map[string]string{"*": "403 403 403", "anonymous": "401 401 401",
		"admin": "200 200 200", "integration": "200 200 200", "integration@shop-a": "200 404 200"}},
	// Whoever sees the case sees its parcel.
	{op: "getShipment", want: map[string]string{
		"anonymous": "401 401 401", "customer": "200 200 404", "customer@shop-a": "200 404 404",
		"merchant": "200 404 200", "merchant (session)": "200 404 200",
		"agent": "200 200 200", "agent@shop-a (session)": "200 404 200", "supervisor": "200 200 200",
		"admin": "200 200 200", "integration": "200 200 200", "integration@shop-a": "200 404 200"}},
	// The customer (or the desk for them) says an outbound parcel never came; these are
	// return parcels, so those who may say it are refused with a conflict.
	{op: "reportNotReceived", want: map[string]string{"*": "403 403 403", "anonymous": "401 401 401",
		"customer": "409 409 404", "customer@shop-a": "409 404 404",
		"agent": "409 409 409", "agent@shop-a (session)": "409 404 409", "supervisor": "409 409 409"}},
	// The desk works tasks; admins read them.
	{op: "listTasks", want: map[string]string{"*": "403", "anonymous": "401",
		"agent": "200", "agent@shop-a (session)": "200", "supervisor": "200", "admin": "200"}},
	{op: "actOnTask", want: map[string]string{"*": "403 403 403", "anonymous": "401 401 401",
		"agent": "200 200 200", "agent@shop-a (session)": "200 404 200", "supervisor": "200 200 200"}},
	// An inbox is a person's: customers and staff accounts (sessions), not tokens of staff.
	{op: "listNotifications", want: personal},
	{op: "markNotificationsRead", want: personal},
	{op: "getNotificationPrefs", want: personal},
	{op: "setNotificationPrefs", want: personal},
	// Merchants manage their webhooks; admins and integrations the platform's (or their
	// merchant's).
	{op: "createWebhook", want: webhookManagers("201")},
	{op: "listWebhooks", want: webhookManagers("200")},
	{op: "getWebhook", want: webhookOwners("200")},
	{op: "listDeliveries", want: webhookOwners("200")},
	{op: "deleteWebhook", want: webhookOwners("204")},
	// No such delivery: found the webhook, then not the delivery.
	{op: "redeliver", want: webhookOwners("404")},
}

var personal = map[string]string{"*": "403", "anonymous": "401", "customer": "200", "customer@shop-a": "200",
	"merchant (session)": "200", "agent@shop-a (session)": "200"}

func webhookManagers(ok string) map[string]string {
	return map[string]string{"*": "403", "anonymous": "401", "merchant": ok, "merchant (session)": ok,
		"admin": ok, "integration": ok, "integration@shop-a": ok}
}

func webhookOwners(ok string) map[string]string {
	all, own := ok+" "+ok+" "+ok, ok+" 404 "+ok
	return map[string]string{"*": "403 403 403", "anonymous": "401 401 401", "merchant": own, "merchant (session)": own,
		"admin": all, "integration": all, "integration@shop-a": own}
}

// parcel is the tracking number of the target's shipped-back parcel.
func (aw *accessWorld) parcel(t *testing.T, tg target) string {
	t.Helper()
	if aw.parcels == nil {
		aw.parcels, aw.tasks, aw.webhooks = map[target]string{}, map[target]string{}, map[target]string{}
	}
	if no, ok := aw.parcels[tg]; ok {
		return no
	}
	c := aw.freshCase(t, tg)
	c = aw.mustAct(t, aw.merchantToken(tg), c.ID, app.ActInput{Action: aftersale.Approve, Version: c.Version})
	no := fmt.Sprintf("AW%08d", aw.serial.Add(1))
	aw.mustAct(t, aw.customerToken(tg), c.ID, app.ActInput{Action: aftersale.ShipBack, Version: c.Version, Carrier: "SF", TrackingNo: no})
	aw.parcels[tg] = no
	return no
}

// task is the target's task: its parcel reported lost.
func (aw *accessWorld) task(t *testing.T, tg target) string {
	t.Helper()
	no := aw.parcel(t, tg)
	if id, ok := aw.tasks[tg]; ok {
		return id
	}
	mustPostEvents(t, aw.env, aw.shop, app.ShipmentEventInput{Carrier: "SF", TrackingNo: no, EventID: no + "-lost", Status: "lost", At: time.Now().UTC()})
	ts := listTasks(t, aw.env, aw.agent, "?kind=lost")
	for _, x := range ts {
		if x.TrackingNo == no {
			aw.tasks[tg] = x.ID
			return x.ID
		}
	}
	t.Fatalf("no task for the lost parcel %s", no)
	return ""
}

// webhook is a webhook of the target's merchant (fresh, for a cell that deletes it).
func (aw *accessWorld) webhook(t *testing.T, tg target, fresh bool) string {
	t.Helper()
	aw.parcel(t, tg)
	if id, ok := aw.webhooks[tg]; ok && !fresh {
		return id
	}
	w := createWebhook(t, aw.env, aw.merchantToken(tg), app.WebhookInput{URL: "https://93.184.216.34/hooks", Events: []string{"*"}})
	if !fresh {
		aw.webhooks[tg] = w.ID
	}
	return w.ID
}

// logisticsRequest is the request of a cell of the parcel, task, notification and webhook
// API rows (false for another row).
func (aw *accessWorld) logisticsRequest(t *testing.T, op string, p principal, tg target) (apitest.Request, bool) {
	t.Helper()
	var r apitest.Request
	switch op {
	case "recordShipmentEvents":
		no := aw.parcel(t, tg)
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/shipments/events", JSON: app.ShipmentEventInput{
			Carrier: "SF", TrackingNo: no, EventID: fmt.Sprintf("m%d", aw.serial.Add(1)), Status: "in_transit", At: time.Now().UTC()}}
	case "getShipment":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/shipments/SF/" + aw.parcel(t, tg)}
	case "reportNotReceived":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/shipments/SF/" + aw.parcel(t, tg) + "/not-received"}
	case "listTasks":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/tasks"}
	case "actOnTask":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/tasks/" + aw.task(t, tg) + "/actions", JSON: app.TaskActInput{Action: "assign"}}
	case "listNotifications":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/notifications"}
	case "markNotificationsRead":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/notifications/read", JSON: app.MarkReadInput{}}
	case "getNotificationPrefs":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/notifications/preferences"}
	case "setNotificationPrefs":
		r = apitest.Request{Method: http.MethodPut, Path: "/api/v1/notifications/preferences", JSON: map[string]any{"locale": "en"}}
	case "createWebhook":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/webhooks", JSON: app.WebhookInput{URL: "https://93.184.216.34/hooks", Events: []string{"case.created"}}}
	case "listWebhooks":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/webhooks"}
	case "getWebhook":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/webhooks/" + aw.webhook(t, tg, false)}
	case "listDeliveries":
		r = apitest.Request{Method: http.MethodGet, Path: "/api/v1/webhooks/" + aw.webhook(t, tg, false) + "/deliveries"}
	case "deleteWebhook":
		r = apitest.Request{Method: http.MethodDelete, Path: "/api/v1/webhooks/" + aw.webhook(t, tg, true)}
	case "redeliver":
		r = apitest.Request{Method: http.MethodPost, Path: "/api/v1/webhooks/" + aw.webhook(t, tg, false) + "/deliveries/999999/redeliver"}
	default:
		return r, false
	}
	return p.as(r), true
}
