package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/invopop/jsonschema"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/logistics"
	"github.com/aftersales/aftersales/internal/task"
)

// logisticsRoutes are the platform's edges (SPEC §7, §13): carriers' events in, tasks for
// the desk, notifications, webhooks out.
var logisticsRoutes = []route{
	{
		pattern: "POST /api/v1/shipments/events", id: "recordShipmentEvents", tag: "logistics", auth: true,
		summary: "Carrier events, one object or an array of up to 500 (integration tokens): idempotent by carrier and event_id, " +
			"placed by their time; a delivered return starts the merchant's inspection clock, a delivered outbound parcel the customer's confirmation clock",
		request: ShipmentEventsBody{},
		ok:      []response{{status: http.StatusOK, description: "what became of each event, in order", body: app.ShipmentEventsReply{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound),
		handle:  recordShipmentEvents,
	},
	{
		pattern: "GET /api/v1/shipments/{carrier}/{tracking_no}", id: "getShipment", tag: "logistics", auth: true,
		summary: "A parcel's status and its timeline of carrier events (to those who may see its case)",
		ok:      []response{{status: http.StatusOK, description: "the parcel", body: app.ParcelView{}}},
		errors:  []int{http.StatusNotFound},
		handle:  getShipment,
	},
	{
		pattern: "POST /api/v1/shipments/{carrier}/{tracking_no}/not-received", id: "reportNotReceived", tag: "logistics", auth: true,
		summary: "The customer says a parcel the carrier reports delivered never came: the not-received rule opens a task (once)",
		ok:      []response{{status: http.StatusOK, description: "the parcel", body: app.ParcelView{}}},
		errors:  []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		handle:  reportNotReceived,
	},
	{
		pattern: "GET /api/v1/tasks", id: "listTasks", tag: "tasks", auth: true,
		summary: "The service desk's tasks, newest first (agents and supervisors: their merchants'; admins: all)",
		query: []queryParam{
			{name: "kind", kind: "string", description: "a task kind (shipment_exception, follow_up) or an exception rule (stale, not_received, wrong_address, lost)"},
			{name: "state", kind: "string", enum: func() []string { return []string{string(task.Open), string(task.Done)} }, description: "open or done"},
			{name: "assignee", kind: "string", description: "a username, or me"},
			{name: "case_id", kind: "string", description: "the tasks of one case"},
			{name: "cursor", kind: "string", description: "next of the previous page"},
			{name: "limit", kind: "integer", max: 200, description: "page size, 1–200 (50 when empty)"},
		},
		ok:     []response{{status: http.StatusOK, description: "one page of tasks", body: app.TaskList{}}},
		errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: listTasks,
	},
	{
		pattern: "POST /api/v1/tasks/{id}/actions", id: "actOnTask", tag: "tasks", auth: true,
		summary: "assign (assignee: a staff username, me, or empty for the queue) or done (with a note)",
		request: app.TaskActInput{},
		ok:      []response{{status: http.StatusOK, description: "the task", body: app.TaskView{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound, http.StatusConflict),
		handle:  actOnTask,
	},
	{
		pattern: "GET /api/v1/notifications", id: "listNotifications", tag: "notifications", auth: true,
		summary: "Your in-app notifications, newest first, with the unread count",
		query: []queryParam{
			{name: "unread", kind: "boolean", description: "only unread ones"},
			{name: "cursor", kind: "string", description: "next of the previous page"},
			{name: "limit", kind: "integer", max: 200, description: "page size, 1–200 (50 when empty)"},
		},
		ok:     []response{{status: http.StatusOK, description: "one page of notifications", body: app.NotificationList{}}},
		errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: listNotifications,
	},
	{
		pattern: "POST /api/v1/notifications/read", id: "markNotificationsRead", tag: "notifications", auth: true,
		summary: "Mark notifications read: these ids, or all when ids is empty",
		request: app.MarkReadInput{}, idempotencyNote: "marking read twice changes nothing",
		ok:     []response{{status: http.StatusOK, description: "how many changed", body: MarkedRead{}}},
		errors: with(jsonBodyErrors, http.StatusForbidden),
		handle: markNotificationsRead,
	},
	{
		pattern: "GET /api/v1/notifications/preferences", id: "getNotificationPrefs", tag: "notifications", auth: true,
		summary: "Your channels: in-app always; email and SMS as you choose (customers get what they must act on regardless)",
		ok:      []response{{status: http.StatusOK, description: "your channels", body: app.PrefsView{}}},
		errors:  []int{http.StatusForbidden},
		handle:  getNotificationPrefs,
	},
	{
		pattern: "PUT /api/v1/notifications/preferences", id: "setNotificationPrefs", tag: "notifications", auth: true,
		summary: "Choose your channels (fields left out stay as they are)",
		request: app.PrefsInput{},
		ok:      []response{{status: http.StatusOK, description: "your channels", body: app.PrefsView{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden),
		handle:  setNotificationPrefs,
	},
	{
		pattern: "POST /api/v1/webhooks", id: "createWebhook", tag: "webhooks", auth: true,
		summary: "Register a webhook (merchants: their own events; admins and platform integrations: every merchant's); the secret is answered this once",
		request: app.WebhookInput{}, idempotencyNote: "each call registers a new webhook with a new secret",
		ok:     []response{{status: http.StatusCreated, description: "the webhook and its signing secret", body: app.WebhookCreated{}}},
		errors: with(jsonBodyErrors, http.StatusForbidden),
		handle: createWebhook,
	},
	{
		pattern: "GET /api/v1/webhooks", id: "listWebhooks", tag: "webhooks", auth: true,
		summary: "Your webhooks (never their secrets)",
		ok:      []response{{status: http.StatusOK, description: "the webhooks", body: WebhookList{}}},
		errors:  []int{http.StatusForbidden},
		handle:  listWebhooks,
	},
	{
		pattern: "GET /api/v1/webhooks/{id}", id: "getWebhook", tag: "webhooks", auth: true,
		summary: "A webhook with its latest deliveries",
		ok:      []response{{status: http.StatusOK, description: "the webhook", body: app.WebhookView{}}},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  getWebhook,
	},
	{
		pattern: "DELETE /api/v1/webhooks/{id}", id: "deleteWebhook", tag: "webhooks", auth: true,
		summary: "Stop a webhook (its delivery log is kept)",
		ok:      []response{{status: http.StatusNoContent, description: "deleted"}},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  deleteWebhook,
	},
	{
		pattern: "GET /api/v1/webhooks/{id}/deliveries", id: "listDeliveries", tag: "webhooks", auth: true,
		summary: "A webhook's delivery log, newest first: event, state (pending, delivered, failed), attempts, the last status code",
		query:   []queryParam{{name: "limit", kind: "integer", max: 500, description: "how many, 1–500 (100 when empty)"}},
		ok:      []response{{status: http.StatusOK, description: "the deliveries", body: DeliveryList{}}},
		errors:  []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity},
		handle:  listDeliveries,
	},
	{
		pattern: "POST /api/v1/webhooks/{id}/deliveries/{delivery}/redeliver", id: "redeliver", tag: "webhooks", auth: true,
		summary:         "Send a delivery again, with a new day of retries",
		idempotencyNote: "each call sends the delivery once more",
		ok:              []response{{status: http.StatusAccepted, description: "the delivery, pending", body: app.DeliveryView{}}},
		errors:          []int{http.StatusForbidden, http.StatusNotFound},
		handle:          redeliver,
	},
}

// ShipmentEventsBody is one carrier event, or an array of them.
type ShipmentEventsBody []app.ShipmentEventInput

// JSONSchema says: an event object, or an array of 1–500 of them.
func (ShipmentEventsBody) JSONSchema() *jsonschema.Schema {
	r := jsonschema.Reflector{DoNotReference: true, Anonymous: true}
	one := r.Reflect(app.ShipmentEventInput{})
	one.Version, one.ID = "", ""
	one.Required = []string{"carrier", "tracking_no", "event_id", "status", "at"}
	if st, ok := one.Properties.Get("status"); ok {
		for _, s := range logistics.Statuses {
			st.Enum = append(st.Enum, string(s))
		}
	}
	maxItems := uint64(app.MaxShipmentEvents)
	minItems := uint64(1)
	return &jsonschema.Schema{OneOf: []*jsonschema.Schema{one, {Type: "array", Items: one, MinItems: &minItems, MaxItems: &maxItems}}}
}

// MarkedRead answers POST /api/v1/notifications/read.
type MarkedRead struct {
	Marked int `json:"marked"`
	Unread int `json:"unread"`
}

// WebhookList answers GET /api/v1/webhooks.
type WebhookList struct {
	Webhooks []app.WebhookView `json:"webhooks"`
}

// DeliveryList answers GET /api/v1/webhooks/{id}/deliveries.
type DeliveryList struct {
	Deliveries []app.DeliveryView `json:"deliveries"`
}

// recordShipmentEvents is POST /api/v1/shipments/events.
func recordShipmentEvents(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	raw, body, err := decodeJSON[json.RawMessage](w, r)
	if err != nil && len(bytes.TrimSpace(body)) > 0 && bytes.TrimLeft(body, " \t\r\n")[0] == '[' {
		err = nil
		raw = body
	}
	if err != nil {
		return err
	}
	var in []app.ShipmentEventInput
	if t := bytes.TrimLeft(raw, " \t\r\n"); t[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return errInvalidField("", "the request body must be an event object or an array of them", "请求内容应为事件对象或事件数组")
		}
		in = make([]app.ShipmentEventInput, len(items))
		for i, it := range items {
			if err := unmarshalStrict(it, &in[i]); err != nil {
				return prefixField(err, fmt.Sprintf("events[%d]", i))
			}
		}
	} else {
		in = make([]app.ShipmentEventInput, 1)
		if err := unmarshalStrict(raw, &in[0]); err != nil {
			return err
		}
	}
	rep, err := s.app.RecordShipmentEvents(r.Context(), p, in, idempotency(r, body))
	if err != nil {
		return err
	}
	return writeReply(w, rep)
}

// prefixField puts a path before the fields of an invalid-field error.
func prefixField(err error, prefix string) error {
	ae, ok := err.(*app.Error)
	if !ok {
		return err
	}
	for i := range ae.Fields {
		if ae.Fields[i].Field == "" {
			ae.Fields[i].Field = prefix
		} else {
			ae.Fields[i].Field = prefix + "." + ae.Fields[i].Field
		}
	}
	return ae
}

// getShipment is GET /api/v1/shipments/{carrier}/{tracking_no}.
func getShipment(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.GetShipment(r.Context(), p, r.PathValue("carrier"), r.PathValue("tracking_no"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// reportNotReceived is POST /api/v1/shipments/{carrier}/{tracking_no}/not-received.
func reportNotReceived(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	rep, err := s.app.ReportNotReceived(r.Context(), p, r.PathValue("carrier"), r.PathValue("tracking_no"), idempotency(r, nil))
	if err != nil {
		return err
	}
	return writeReply(w, rep)
}

// listTasks is GET /api/v1/tasks.
func listTasks(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	q := r.URL.Query()
	in := app.TaskListQuery{Kind: q.Get("kind"), State: q.Get("state"), Assignee: q.Get("assignee"), CaseID: q.Get("case_id"), Cursor: q.Get("cursor")}
	var err error
	if in.Limit, err = queryLimit(q); err != nil {
		return err
	}
	v, err := s.app.ListTasks(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// actOnTask is POST /api/v1/tasks/{id}/actions.
func actOnTask(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, body, err := decodeJSON[app.TaskActInput](w, r)
	if err != nil {
		return err
	}
	rep, err := s.app.TaskAct(r.Context(), p, r.PathValue("id"), in, idempotency(r, body))
	if err != nil {
		return err
	}
	return writeReply(w, rep)
}

// listNotifications is GET /api/v1/notifications.
func listNotifications(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	q := r.URL.Query()
	unread := false
	if v := q.Get("unread"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errInvalidField("unread", "unread must be true or false", "unread 应为 true 或 false")
		}
		unread = b
	}
	limit, err := queryLimit(q)
	if err != nil {
		return err
	}
	v, err := s.app.Notifications(r.Context(), p, unread, q.Get("cursor"), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// markNotificationsRead is POST /api/v1/notifications/read.
func markNotificationsRead(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[app.MarkReadInput](w, r)
	if err != nil {
		return err
	}
	n, err := s.app.MarkRead(r.Context(), p, in)
	if err != nil {
		return err
	}
	unread, err := s.app.UnreadCount(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, MarkedRead{Marked: n, Unread: unread})
}

// getNotificationPrefs is GET /api/v1/notifications/preferences.
func getNotificationPrefs(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.NotificationPrefs(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// setNotificationPrefs is PUT /api/v1/notifications/preferences.
func setNotificationPrefs(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[app.PrefsInput](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.SetNotificationPrefs(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// createWebhook is POST /api/v1/webhooks.
func createWebhook(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[app.WebhookInput](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.CreateWebhook(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, v)
}

// listWebhooks is GET /api/v1/webhooks.
func listWebhooks(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.ListWebhooks(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, WebhookList{Webhooks: v})
}

// getWebhook is GET /api/v1/webhooks/{id}.
func getWebhook(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.GetWebhook(r.Context(), p, r.PathValue("id"), 20)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// deleteWebhook is DELETE /api/v1/webhooks/{id}.
func deleteWebhook(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	if err := s.app.DeleteWebhook(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listDeliveries is GET /api/v1/webhooks/{id}/deliveries.
func listDeliveries(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return errInvalidField("limit", "limit must be 1–500", "limit 应为 1–500")
		}
		limit = n
	}
	v, err := s.app.GetWebhook(r.Context(), p, r.PathValue("id"), limit)
	if err != nil {
		return err
	}
	ds := v.Deliveries
	if ds == nil {
		ds = []app.DeliveryView{}
	}
	return writeJSON(w, http.StatusOK, DeliveryList{Deliveries: ds})
}

// redeliver is POST /api/v1/webhooks/{id}/deliveries/{delivery}/redeliver.
func redeliver(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	id, err := strconv.ParseInt(r.PathValue("delivery"), 10, 64)
	if err != nil {
		return &app.Error{Code: app.CodeNotFound, Message: app.Text{EN: "no such delivery", ZH: "没有这条投递记录"}}
	}
	v, err := s.app.Redeliver(r.Context(), p, r.PathValue("id"), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, v)
}
