package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
)

// Webhooks (/webhooks) for merchant staff (their merchant's) and admins (the platform's,
// which receive every merchant's events): the list with the form that registers one — its
// signing secret shown once, in the answer to the form, never in an address or a cookie —
// and the webhook's page (/webhooks/{id}) with its delivery log, where a delivery is sent
// again by hand and the webhook is deleted. The application decides who may (others: 403;
// someone else's webhook: 404).

// WebhookEvent is an event the form offers as a checkbox: its name and the catalogue key
// of its label.
type WebhookEvent struct {
	Name, Key string
}

// webhookEvents are the common events; others are typed in the form's free field.
var webhookEvents = []WebhookEvent{
	{"*", "webhook.event.all"},
	{"case.created", "webhook.event.case_created"},
	{"case.approve", "webhook.event.case_approve"},
	{"case.reject", "webhook.event.case_reject"},
	{"case.refund", "webhook.event.case_refund"},
	{"case.confirm", "webhook.event.case_confirm"},
	{"dispute.ruled", "webhook.event.dispute_ruled"},
}

// WebhookForm is what the registration form holds: the URL, the checked events and the
// others typed (comma separated).
type WebhookForm struct {
	URL, Other string
	Events     map[string]bool
}

// WebhooksData is the webhooks page's data.
type WebhooksData struct {
	Rows []app.WebhookView
	// Created is the webhook the form just registered, with its secret: shown this once.
	Created *app.WebhookCreated
	Form    WebhookForm
	Events  []WebhookEvent
	Errors  map[string]string
	Message string
	// Platform: the visitor manages the platform's webhooks (every merchant's events).
	Platform bool
}

// Webhooks lists the webhooks the visitor manages, with the form that registers one.
func (pg *Pages) Webhooks(w http.ResponseWriter, r *http.Request, v *Visit) error {
	return pg.renderWebhooks(w, r, v, http.StatusOK, &WebhooksData{})
}

func (pg *Pages) renderWebhooks(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *WebhooksData) error {
	rows, err := pg.app.ListWebhooks(r.Context(), v.Principal)
	if err != nil {
		return err
	}
	d.Rows, d.Events, d.Platform = rows, webhookEvents, v.Principal.Role == app.RoleAdmin
	if d.Form.Events == nil {
		d.Form.Events = map[string]bool{}
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	p := pg.page(r, v, "webhooks.title")
	p.Data = d
	pg.render(w, r, status, "webhooks", p)
	return nil
}

// formEvents are the form's events: the checked ones, then those typed in events_other
// (separated by commas, spaces or new lines), each once.
func formEvents(r *http.Request) []string {
	var out []string
	add := func(e string) {
		if e = strings.TrimSpace(e); e != "" && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	for _, e := range r.PostForm["events"] {
		add(e)
	}
	for _, e := range strings.FieldsFunc(r.PostForm.Get("events_other"), func(c rune) bool {
		return c == ',' || c == '，' || c == ' ' || c == '\n' || c == '\r' || c == '\t'
	}) {
		add(e)
	}
	return out
}

// CreateWebhook registers a webhook (url, events: checkboxes, events_other: more names,
// comma separated). The answer is the list with the new webhook's secret, shown once (201);
// a refused form is the page again with the problem at its field (422).
func (pg *Pages) CreateWebhook(w http.ResponseWriter, r *http.Request, v *Visit) error {
	in := app.WebhookInput{URL: strings.TrimSpace(r.PostForm.Get("url")), Events: formEvents(r)}
	created, err := pg.app.CreateWebhook(r.Context(), v.Principal, in)
	if err == nil {
		return pg.renderWebhooks(w, r, v, http.StatusCreated, &WebhooksData{Created: created})
	}
	problem := &FormProblem{Fields: map[string]string{}}
	if !pg.formProblem(v.Lang, err, problem) {
		return err
	}
	form := WebhookForm{URL: in.URL, Other: r.PostForm.Get("events_other"), Events: map[string]bool{}}
	for _, e := range r.PostForm["events"] {
		form.Events[e] = true
	}
	return pg.renderWebhooks(w, r, v, problemStatus(err), &WebhooksData{Form: form, Errors: problem.Fields, Message: problem.Message})
}

// webhookDeliveries is how many of the latest deliveries the webhook's page shows.
const webhookDeliveries = 100

// WebhookData is a webhook's page's data.
type WebhookData struct {
	Webhook *app.WebhookView
}

// WebhookPage shows a webhook the visitor manages, with its latest deliveries.
func (pg *Pages) WebhookPage(w http.ResponseWriter, r *http.Request, v *Visit) error {
	wh, err := pg.app.GetWebhook(r.Context(), v.Principal, r.PathValue("id"), webhookDeliveries)
	if err != nil {
		return err
	}
	p := pg.page(r, v, "webhook.title")
	p.Data = &WebhookData{Webhook: wh}
	pg.render(w, r, http.StatusOK, "webhook", p)
	return nil
}

// DeleteWebhook stops a webhook (its delivery log is kept) and goes back to the list.
func (pg *Pages) DeleteWebhook(w http.ResponseWriter, r *http.Request, v *Visit) error {
	if err := pg.app.DeleteWebhook(r.Context(), v.Principal, r.PathValue("id")); err != nil {
		return err
	}
	seeOther(w, "/webhooks?done=webhook_deleted&lang="+string(v.Lang))
	return nil
}

// Redeliver sends a delivery of the webhook again and goes back to its page, where the
// delivery shows as pending until it has been sent.
func (pg *Pages) Redeliver(w http.ResponseWriter, r *http.Request, v *Visit) error {
	id := r.PathValue("id")
	delivery, err := strconv.ParseInt(r.PathValue("delivery"), 10, 64)
	if err != nil || delivery <= 0 {
		// As the application answers for a delivery it does not have; the webhook is
		// looked up first, so that someone else's is not found either way.
		if _, err := pg.app.GetWebhook(r.Context(), v.Principal, id, 1); err != nil {
			return err
		}
		return &app.Error{Code: app.CodeNotFound, Message: app.Text{ZH: "没有这次投递", EN: "there is no such delivery"}}
	}
	if _, err := pg.app.Redeliver(r.Context(), v.Principal, id, delivery); err != nil {
		return err
	}
	seeOther(w, "/webhooks/"+id+"?done=redelivered&lang="+string(v.Lang))
	return nil
}
