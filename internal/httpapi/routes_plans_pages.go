package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/web"
)

// planPageRoutes are the emergency plans' pages (应急预案): supervisors and admins read,
// start, stop and drill the plans; admins write them. The form fields are the API's
// (plans.go): the plan document as JSON, the drill's surge field by field.
var planPageRoutes = []route{
	{
		pattern: "GET /plans", id: "plansPage", tag: "pages", auth: true, page: true,
		summary: "Emergency plans (应急预案): each with its state since when, its triggers, effects and end in words; admins have the form of a new plan",
		query:   []queryParam{langParam},
		ok:      []response{htmlOK, toLogin},
		errors:  []int{http.StatusForbidden},
		handle:  page((*web.Pages).Plans),
	},
	{
		pattern: "POST /plans", id: "planCreateForm", tag: "pages", auth: true, page: true,
		summary: "Write a plan (admins) from its JSON document, as POST /api/v1/plans takes it: to the plan, not started; or the list again with each problem at its field path, nothing written",
		form:    []formField{csrfFormField, langField, {name: "plan", description: "the plan as JSON: name, triggers, effects, end"}},
		ok:      []response{formDone},
		errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusUnprocessableEntity},
		handle:  page((*web.Pages).CreatePlanForm),
	},
	{
		pattern: "GET /plans/{id}", id: "planPage", tag: "pages", auth: true, page: true,
		summary: "An emergency plan: its state, triggers, effects and end, its history, the button that starts or ends it and the drill's form",
		query:   []queryParam{langParam, {name: "done", kind: "string", description: "what was just done (a message to show)"}},
		ok:      []response{htmlOK, toLogin},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  page((*web.Pages).PlanPage),
	},
	{
		pattern: "POST /plans/{id}/activate", id: "planActivateForm", tag: "pages", auth: true, page: true,
		summary: "Start the plan by hand: back to its page; a plan already active is its page again with the message (409)",
		form:    []formField{csrfFormField, langField},
		ok:      []response{formDone},
		errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
		handle:  page((*web.Pages).ActivatePlanForm),
	},
	{
		pattern: "POST /plans/{id}/deactivate", id: "planDeactivateForm", tag: "pages", auth: true, page: true,
		summary: "End the plan by hand: back to its page; a plan not active is its page again with the message (409)",
		form:    []formField{csrfFormField, langField},
		ok:      []response{formDone},
		errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
		handle:  page((*web.Pages).DeactivatePlanForm),
	},
	{
		pattern: "POST /plans/{id}/drill", id: "planDrillForm", tag: "pages", auth: true, page: true,
		summary: "A drill (nothing stored): the plan's page with the report of the surge replayed with and without the plan, hour by hour; or the form with the problem at the field",
		form: []formField{csrfFormField, langField,
			{name: "arrivals_per_hour", description: "the new cases in each hour of the surge, separated by commas"},
			{name: "agents", description: "how many agents handle the queue"},
			{name: "cases_per_agent_hour", description: "how many cases an agent handles in an hour"},
			{name: "low_risk_share_bp", description: "the low-risk, low-value share of the new cases, basis points"},
			{name: "target_hours", description: "the handling target without the plan, hours"},
		},
		ok:     []response{htmlOK, toLogin},
		errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity},
		handle: page((*web.Pages).DrillPlanForm),
	},
}
