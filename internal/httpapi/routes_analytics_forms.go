package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/web"
)

// analyticsFormRoutes are the analytics pages' forms (SPEC §9): the scheduled reports
// (定时报表) on /reports/schedules — listed, set up, sent now, stopped — with the fields of
// POST /api/v1/report-schedules, and the scorecard rules' editor on /scorecards (admins),
// with the JSON of PUT /api/v1/scorecards/rules. Who may is the application's: a
// merchant's staff their merchant's schedules, supervisors and admins all, others 403;
// someone else's schedule is not found.
var analyticsFormRoutes = []route{
	{
		pattern: "GET /reports/schedules", id: "reportSchedulesPage", tag: "pages", auth: true, page: true,
		summary: "Scheduled reports (定时报表): each with its report, frequency, channel, target, next and last run and last error, a button that sends it now and one that stops it; and the form that sets one up (merchant staff their merchant's, supervisors and admins the platform's)",
		query:   []queryParam{langParam, {name: "done", kind: "string", description: "what was just done (a message to show)"}},
		ok:      []response{htmlOK, toLogin},
		errors:  []int{http.StatusForbidden},
		handle:  page((*web.Pages).ReportSchedules),
	},
	{
		pattern: "POST /reports/schedules", id: "reportScheduleCreateForm", tag: "pages", auth: true, page: true,
		summary: "Set up a scheduled report: by email, back to the list; by webhook, the list with the webhook's signing secret, shown this once; or the list again with the problem at the field",
		form: []formField{csrfFormField, langField,
			{name: "report", description: "report: a report name (return_rate, reasons, sla, handling_time, csat, disputes, refunds, agents, themes)"},
			{name: "group_by", description: "group_by: the rows' grouping (the report's default when empty)", optional: true},
			{name: "merchant", description: "merchant: one merchant (the platform's staff; merchant staff get their own)", optional: true},
			{name: "category", description: "category: one product category", optional: true},
			{name: "sku", description: "sku: one SKU", optional: true},
			{name: "compare", description: "compare: any value to send the period before too", optional: true},
			{name: "frequency", description: "frequency: daily (yesterday, each morning) or weekly (the seven days before, each Monday)"},
			{name: "channel", description: "channel: email or webhook"},
			{name: "target", description: "target: the email address, or the webhook's URL"},
			{name: "format", description: "format: csv or xlsx, the email's attachment (csv when empty)", optional: true},
			{name: "report_lang", description: "lang: zh or en, the language of the email and the XLSX headings (zh when empty)", optional: true},
		},
		ok: []response{formDone,
			{status: http.StatusCreated, description: "a webhook schedule: the list with its signing secret, shown once", contentType: "text/html"}, toLogin},
		errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity},
		handle: page((*web.Pages).CreateReportSchedule),
	},
	{
		pattern: "POST /reports/schedules/{id}/send", id: "reportScheduleSendForm", tag: "pages", auth: true, page: true,
		summary: "Send a scheduled report now (its next run stays as planned): back to the list, which says whether it went",
		form:    []formField{csrfFormField, langField},
		ok:      []response{formDone},
		errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound},
		handle:  page((*web.Pages).SendReportScheduleNow),
	},
	{
		pattern: "POST /reports/schedules/{id}/delete", id: "reportScheduleDeleteForm", tag: "pages", auth: true, page: true,
		summary: "Stop a scheduled report: back to the list",
		form:    []formField{csrfFormField, langField},
		ok:      []response{formDone},
		errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound},
		handle:  page((*web.Pages).DeleteReportSchedule),
	},
	{
		pattern: "POST /scorecards/rules", id: "scorecardRulesForm", tag: "pages", auth: true, page: true,
		summary: "Replace the scorecard rules (admins) with the JSON of the field rules, as PUT /api/v1/scorecards/rules takes them, at the version read: back to /scorecards; the problem is said next to the JSON with the field's path (tiers[1].min), rules changed since are a conflict",
		form: []formField{csrfFormField, langField,
			{name: "rules", description: "the rules as JSON: measures (code, weight, best, worst), tiers (code, zh, en, min), min_cases"},
			{name: "version", description: "the version of the rules the page showed (0: the defaults)"},
		},
		ok:     []response{formDone},
		errors: formRefused,
		handle: page((*web.Pages).SaveScorecardRulesForm),
	},
}
