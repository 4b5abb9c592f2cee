package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/web"
)

// disputePageRoutes are the pages of disputes and complaints (SPEC §5): the dispute page
// with its forms, the disputes list, the complaints list with the filing form, and the
// complaint page with its forms. The form fields are the JSON API's (disputes.go), money in
// yuan as the other forms take it. The case page lists a case's disputes (casePage).
var disputePageRoutes = []route{
	{
		pattern: "GET /disputes", id: "disputesPage", tag: "pages", auth: true, page: true,
		summary: "Disputes, most recently changed first, each linked to its page: the desk's across its merchants, a merchant's and a customer's own",
		query: []queryParam{langParam,
			{name: "state", kind: "string", enum: disputeStates, description: "the dispute's state"},
			{name: "category", kind: "string", enum: disputeCategories, description: "the dispute's category"},
			{name: "open", kind: "boolean", description: "only disputes that have not ended"},
			{name: "cursor", kind: "string", description: "the next page"},
			{name: "done", kind: "string", description: "what was just done"},
		},
		ok:     []response{htmlOK, toLogin},
		errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: page((*web.Pages).Disputes),
	},
	{
		pattern: "GET /disputes/{id}", id: "disputePage", tag: "pages", auth: true, page: true,
		summary: "A dispute for both sides and the platform: deadlines, both sides' evidence side by side and the platform's findings, requests, proposal, ruling with its basis, history, and the allowed actions as forms",
		query:   []queryParam{langParam, {name: "done", kind: "string", description: "what was just done (a message to show)"}},
		ok:      []response{htmlOK, toLogin},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  page((*web.Pages).DisputePage),
	},
	{
		pattern: "POST /disputes/{id}/actions", id: "disputeActionForm", tag: "pages", auth: true, page: true,
		summary: "Take an action on a dispute: the pressed button's name=action value=… is the API's action, with the API's fields; back to the dispute page, or the page again with the problem at the field",
		form: []formField{csrfFormField, idemFormField, langField,
			{name: "action", description: "admit, dismiss, request_evidence, submit_evidence, propose, accept_proposal, reject_proposal, rule, advance or withdraw (the submit button's value)"},
			{name: "version", description: "the dispute version the page showed"},
			{name: "note", description: "why, or the statement (required for dismiss and advance)", optional: true},
			{name: "category", description: "admit, dismiss: the category", optional: true},
			{name: "party", description: "request_evidence: customer or merchant", optional: true},
			{name: "due_at", description: "request_evidence: the deadline, a local date and time (2026-01-31T18:00, the platform's time zone); the policy's when empty", optional: true},
			{name: "platform_only", description: "submit_evidence: 1 to hide it from the other side", optional: true},
			{name: "outcome", description: "propose, rule: customer, merchant or split", optional: true},
			{name: "liability", description: "rule: merchant, platform, carrier or customer", optional: true},
			{name: "standard", description: "rule: the code of the compensation standard applied", optional: true},
			{name: "amount", description: "propose, rule, advance: a decimal amount in yuan (12.50)", optional: true},
			{name: "basis_zh", description: "rule: the basis in Chinese", optional: true},
			{name: "basis_en", description: "rule: the basis in English", optional: true},
			{name: "evidence", description: "submit_evidence: photos, videos or PDFs (up to 9)", optional: true, files: true},
		},
		ok:     []response{formDone},
		errors: formRefused,
		handle: page((*web.Pages).DisputeAct),
	},
	{
		pattern: "GET /complaints", id: "complaintsPage", tag: "pages", auth: true, page: true,
		summary: "Complaints, most recently changed first (complainants their own, the desk its merchants'), and for customers and merchant staff the form to file one",
		query: []queryParam{langParam,
			{name: "state", kind: "string", enum: func() []string { return []string{"open", "resolved"} }, description: "open or resolved"},
			{name: "tier", kind: "integer", max: 3, description: "1 agent, 2 supervisor, 3 manager (the desk)"},
			{name: "case_id", kind: "string", description: "fills the form's case (the case page's link)"},
			{name: "cursor", kind: "string", description: "the next page"},
		},
		ok:     []response{htmlOK, toLogin},
		errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: page((*web.Pages).Complaints),
	},
	{
		pattern: "POST /complaints", id: "complaintFileForm", tag: "pages", auth: true, page: true,
		summary: "Customers and merchant staff file a complaint: to its page, or the list again with the problem at the field",
		form: []formField{csrfFormField, idemFormField, langField,
			{name: "subject", description: "what it is about, in a line"},
			{name: "about", description: "agent, merchant or platform"},
			{name: "case_id", description: "the case it is about", optional: true},
			{name: "description", description: "what happened"},
		},
		ok:     []response{{status: http.StatusSeeOther, description: "filed: to its page", headers: []string{"Location"}}},
		errors: formRefused,
		handle: page((*web.Pages).FileComplaint),
	},
	{
		pattern: "GET /complaints/{id}", id: "complaintPage", tag: "pages", auth: true, page: true,
		summary: "A complaint for its complainant and the desk: tier, owner, the first-answer and resolution deadlines, history, and the allowed actions as forms",
		query:   []queryParam{langParam, {name: "done", kind: "string", description: "what was just done (a message to show)"}},
		ok:      []response{htmlOK, toLogin},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  page((*web.Pages).ComplaintPage),
	},
	{
		pattern: "POST /complaints/{id}/actions", id: "complaintActionForm", tag: "pages", auth: true, page: true,
		summary: "Take an action on a complaint: reply, escalate, resolve or reopen, or the desk's take, assign and transfer (the button's value) with its fields; back to the complaint, or the page again with the problem at the field",
		form: []formField{csrfFormField, idemFormField, langField,
			{name: "action", description: "take, assign, transfer, reply, escalate, resolve or reopen (the submit button's value)"},
			{name: "version", description: "the complaint version the page showed"},
			{name: "note", description: "reply and transfer (required), escalate, reopen", optional: true},
			{name: "resolution", description: "resolve: what was done (required)", optional: true},
			{name: "assignee", description: "assign, transfer: who handles it at this tier (a staff username, or me)", optional: true},
			{name: "group", description: "assign, transfer: the desk group whose queue it goes to", optional: true},
		},
		ok:     []response{formDone},
		errors: formRefused,
		handle: page((*web.Pages).ComplaintAct),
	},
}
