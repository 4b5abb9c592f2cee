package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/web"
)

// taskFilterParams are the tasks list's filters, which its forms' addresses keep to come
// back to the same list.
var taskFilterParams = []queryParam{
	{name: "kind", kind: "string", description: "a task kind (shipment_exception, follow_up) or an exception rule (stale, not_received, wrong_address, lost)"},
	{name: "state", kind: "string", enum: func() []string { return []string{"open", "done", "all"} }, description: "open (the default), done or all"},
	{name: "assignee", kind: "string", description: "me, or a username; empty: anyone"},
	{name: "case_id", kind: "string", description: "the tasks of one case (the case page's link)"},
}

// logisticsPageRoutes are the pages of parcels, tasks and notifications (SPEC §7, §13): the
// customer's "not received" on the case page (which lists a case's parcels and their
// timelines: casePage), the desk's tasks with their forms, the inbox behind every page's
// bell, and the channels form. The form fields are the JSON API's (logistics.go).
var logisticsPageRoutes = []route{
	{
		pattern: "POST /cases/{id}/shipments/{carrier}/{tracking_no}/not-received", id: "notReceivedForm", tag: "pages", auth: true, page: true,
		summary: "The customer (or an agent for them) says a parcel of the case that the carrier reports delivered never came: a task for the desk, and the offer of a reship or a refund; back to the case page, or the page again with the problem at the parcel",
		form:    []formField{csrfFormField, idemFormField, langField},
		ok:      []response{formDone},
		errors:  formRefused,
		handle:  page((*web.Pages).ReportNotReceived),
	},
	{
		pattern: "GET /tasks", id: "tasksPage", tag: "pages", auth: true, page: true,
		summary: "The service desk's tasks, newest first, with their forms (agents and supervisors; admins read them): exception rules of parcels and follow-ups, each with its case, parcel, due time and assignee",
		query: append([]queryParam{langParam}, append(taskFilterParams,
			queryParam{name: "cursor", kind: "string", description: "the next page"},
			queryParam{name: "done", kind: "string", description: "what was just done"})...),
		ok:     []response{htmlOK, toLogin},
		errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: page((*web.Pages).Tasks),
	},
	{
		pattern: "POST /tasks/{id}/actions", id: "taskActionForm", tag: "pages", auth: true, page: true,
		summary: "Take an action on a task: assign (to me, a username, or back to the queue) or done with a note; back to the list as filtered (the address's query), or the list again with the problem at the field",
		query:   append([]queryParam{langParam}, taskFilterParams...),
		form: []formField{csrfFormField, idemFormField, langField,
			{name: "action", description: "assign or done (the submit button's value)"},
			{name: "assignee", description: "assign: a staff username, me, or empty for the queue", optional: true},
			{name: "note", description: "done: what was done", optional: true},
			{name: "version", description: "the task version the page showed (a stale one is a conflict)", optional: true},
		},
		ok:     []response{formDone},
		errors: formRefused,
		handle: page((*web.Pages).TaskAct),
	},
	{
		pattern: "GET /notifications", id: "notificationsPage", tag: "pages", auth: true, page: true,
		summary: "The visitor's inbox (customers and staff accounts), newest first, the unread marked, each linked to its page; the header's bell counts the unread",
		query: []queryParam{langParam,
			{name: "unread", kind: "boolean", description: "only the unread ones"},
			{name: "cursor", kind: "string", description: "the next page"},
			{name: "done", kind: "string", description: "what was just done"},
		},
		ok:     []response{htmlOK, toLogin},
		errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: page((*web.Pages).Notifications),
	},
	{
		pattern: "POST /notifications/read", id: "markReadForm", tag: "pages", auth: true, page: true,
		summary: "Mark one notification read (id), or all of them (no id); back to the inbox as it was shown (the address's query)",
		query: []queryParam{langParam,
			{name: "unread", kind: "boolean", description: "the inbox showed the unread ones only"},
			{name: "cursor", kind: "string", description: "the inbox's page"},
		},
		form:   []formField{csrfFormField, langField, {name: "id", description: "the notification; all of them when empty", optional: true}},
		ok:     []response{formDone},
		errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: page((*web.Pages).MarkRead),
	},
	{
		pattern: "GET /settings/notifications", id: "notificationPrefsPage", tag: "pages", auth: true, page: true,
		summary: "The visitor's notification channels: in-app always; email and SMS as chosen, in Chinese or English (customers get what they must act on regardless)",
		query:   []queryParam{langParam, {name: "done", kind: "string", description: "what was just done"}},
		ok:      []response{htmlOK, toLogin},
		errors:  []int{http.StatusForbidden},
		handle:  page((*web.Pages).NotificationPrefs),
	},
	{
		pattern: "POST /settings/notifications", id: "notificationPrefsForm", tag: "pages", auth: true, page: true,
		summary: "Save the channels: back to the form, or the form again with the problem at the field",
		form: []formField{csrfFormField, langField,
			{name: "email", description: "1: send emails (unticked: none)", optional: true},
			{name: "address", description: "the email address; empty: the account's", optional: true},
			{name: "sms", description: "1: send text messages (unticked: none)", optional: true},
			{name: "phone", description: "the mobile number (digits, an optional leading +)", optional: true},
			{name: "locale", description: "zh or en: the language of emails and text messages", optional: true},
		},
		ok:     []response{formDone},
		errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: page((*web.Pages).SetNotificationPrefs),
	},
}
