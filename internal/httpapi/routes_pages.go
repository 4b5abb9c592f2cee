package httpapi

import (
	"net/http"
	"slices"

	"github.com/aftersales/aftersales/internal/web"
)

// The pages' routes. They are documented with the API (tag pages) because their form
// fields are a contract too: shop systems and tests outside drive the forms by these names,
// which are the API's own (type, reason, note, carrier, tracking_no …). Money in a form is a
// decimal amount of the order's currency (12.50).

var langParam = queryParam{name: "lang", kind: "string", enum: langs, description: "the page's language, remembered in the lang cookie (else the cookie, else Accept-Language)"}

// Answers of pages.
var (
	htmlOK       = response{status: http.StatusOK, description: "the page", contentType: "text/html"}
	toLogin      = response{status: http.StatusSeeOther, description: "no session, or it has ended: to /login", headers: []string{"Location"}}
	formDone     = response{status: http.StatusSeeOther, description: "done: to the page that shows the result", headers: []string{"Location"}}
	formRefused  = []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity}
	pageNotFound = []int{http.StatusNotFound}
)

// Fields every form of a page carries.
var (
	csrfFormField = formField{name: csrfField, description: "the session's CSRF token (the page's csrf-token meta)"}
	idemFormField = formField{name: web.IdempotencyField, description: "a key the form was shown with: the same form sent twice acts once", optional: true}
)

// pageRoutes are the pages: sessions (login, logout, login links), the customer portal,
// the case page, and their files.
var pageRoutes = []route{
	{
		pattern: "GET /{$}", id: "homePage", tag: "pages", auth: true, page: true,
		summary: "Home: a customer's cases (those waiting on them first) and orders; staff go to /queue, admins to /admin",
		query:   []queryParam{langParam, {name: "orders", kind: "string", description: "cursor of older orders"}},
		ok: []response{htmlOK,
			{status: http.StatusSeeOther, description: "no session: to /login; staff: to /queue; admins: to /admin", headers: []string{"Location"}}},
		handle: page((*web.Pages).Home),
	},
	{
		pattern: "GET /login", id: "loginPage", tag: "pages", page: true,
		summary: "The staff login form (with its double-submit CSRF cookie as_login_csrf)",
		query:   []queryParam{langParam, {name: "done", kind: "string", description: "what was just done (password_changed: a message to show)"}},
		ok: []response{
			{status: http.StatusOK, description: "the login form", contentType: "text/html", headers: []string{"Set-Cookie"}},
			{status: http.StatusSeeOther, description: "the browser has a session: to /", headers: []string{"Location"}},
		},
		handle: loginPage,
	},
	{
		pattern: "POST /login", id: "login", tag: "pages", page: true, login: true,
		summary: "Log in with a username and password: the session cookie as_session, then to /",
		form: []formField{
			{name: "username", description: "the account's username"},
			{name: "password", description: "its password"},
			{name: csrfField, description: "the login form's token: the value of the as_login_csrf cookie"},
			langField,
		},
		ok:     []response{{status: http.StatusSeeOther, description: "logged in: the session cookie is set; to /", headers: []string{"Location", "Set-Cookie"}}},
		errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden},
		handle: login,
	},
	{
		pattern: "POST /logout", id: "logout", tag: "pages", auth: true, page: true,
		summary: "Log out: the session ends in the store, the cookie is cleared; to /login",
		form:    []formField{{name: csrfField, description: "the session's CSRF token"}, langField},
		ok: []response{{status: http.StatusSeeOther, headers: []string{"Location"},
			description: "logged out: to /login; the session cookie is cleared (Set-Cookie) when the request carried one"}},
		errors: []int{http.StatusBadRequest, http.StatusForbidden},
		handle: logout,
	},
	{
		pattern: "GET /login/link", id: "loginLink", tag: "pages", page: true, login: true,
		summary: "A customer's login link, signed by the shop system (aftersales shop link): a session, then to /",
		query: []queryParam{
			{name: "shop", kind: "string", description: "the shop that vouches for the customer: a merchant code, or platform"},
			{name: "customer", kind: "string", description: "the customer's id"},
			{name: "exp", kind: "integer", max: 1 << 40, description: "when the link expires, in Unix seconds (at most 15 minutes ahead)"},
			{name: "sig", kind: "string", description: "HMAC-SHA256 of the link with the shop's secret, in hex"},
		},
		ok:     []response{{status: http.StatusSeeOther, description: "logged in: the session cookie is set; to /", headers: []string{"Location", "Set-Cookie"}}},
		errors: []int{http.StatusUnauthorized},
		handle: loginLink,
	},
	{
		pattern: "GET /orders/{order_no}", id: "orderPage", tag: "pages", auth: true, page: true,
		summary: "An order: for each line, the after-sales types and reasons the policy allows now (links to the form), and why the others are not",
		query:   []queryParam{langParam},
		ok:      []response{htmlOK, toLogin},
		errors:  pageNotFound,
		handle:  page((*web.Pages).OrderPage),
	},
	{
		pattern: "GET /orders/{order_no}/apply", id: "applyPage", tag: "pages", auth: true, page: true,
		summary: "The application form for one line, with the refund estimate and who pays the return postage",
		query: []queryParam{langParam,
			{name: "sku", kind: "string", description: "the line"},
			{name: "type", kind: "string", enum: typeNames, description: "the type chosen on the order page"},
			{name: "reason", kind: "string", description: "the reason chosen on the order page"},
			{name: "quantity", kind: "integer", max: 100000, description: "units (1 when empty)"},
		},
		ok:     []response{htmlOK, toLogin},
		errors: pageNotFound,
		handle: page((*web.Pages).ApplyPage),
	},
	{
		pattern: "GET /orders/{order_no}/estimate", id: "estimateFragment", tag: "pages", auth: true, page: true,
		summary: "The estimate box of the application form for its fields (the form's script asks as the form changes)",
		query: []queryParam{langParam,
			{name: "sku", kind: "string", description: "the line"},
			{name: "type", kind: "string", enum: typeNames, description: "case type"},
			{name: "reason", kind: "string", description: "reason"},
			{name: "quantity", kind: "integer", max: 100000, description: "units"},
			{name: "refund_method", kind: "string", description: "original, balance or bank_card"},
		},
		ok:     []response{{status: http.StatusOK, description: "an HTML fragment", contentType: "text/html"}, toLogin},
		errors: pageNotFound,
		handle: page((*web.Pages).Estimate),
	},
	{
		pattern: "POST /orders/{order_no}/apply", id: "applyForm", tag: "pages", auth: true, page: true,
		summary: "Apply for after-sales: the evidence files are uploaded, the policy decides, and the case page follows",
		form: []formField{csrfFormField, idemFormField, langField,
			{name: "sku", description: "the line"},
			{name: "quantity", description: "units"},
			{name: "type", description: "refund_only, return_refund, exchange, repair, reship or compensation"},
			{name: "reason", description: "a reason code"},
			{name: "description", description: "what is wrong", optional: true},
			{name: "refund_method", description: "original, balance or bank_card", optional: true},
			{name: "amount", description: "compensation asked for, a decimal amount", optional: true},
			{name: "evidence", description: "photos or videos (up to 9)", optional: true, files: true},
		},
		ok:     []response{{status: http.StatusSeeOther, description: "the case was opened: to its page", headers: []string{"Location"}}},
		errors: formRefused,
		handle: page((*web.Pages).Apply),
	},
	{
		pattern: "GET /cases/{id}", id: "casePage", tag: "pages", auth: true, page: true,
		summary: "A case for any party: timeline, current step and deadline, the allowed actions as forms, evidence, conversation; staff see internal notes and the service clocks",
		query: []queryParam{langParam, {name: "done", kind: "string", description: "what was just done (a message to show)"},
			{name: "reply", kind: "string", description: "a canned reply's id: the reply box filled with it, rendered for the case"}},
		ok:     []response{htmlOK, toLogin},
		errors: pageNotFound,
		handle: page((*web.Pages).CasePage),
	},
	{
		pattern: "POST /cases/{id}", id: "caseAction", tag: "pages", auth: true, page: true,
		summary: "Take an action on a case: the pressed button's name=action value=… is the API's action, with the API's fields; the desk also assign, transfer (with a note) and take",
		form: []formField{csrfFormField, idemFormField, langField,
			{name: "action", description: "the action (the submit button's value): approve, reject, ship_back, confirm_receipt, refund …"},
			{name: "version", description: "the case version the page showed"},
			{name: "note", description: "why (required for some actions)", optional: true},
			{name: "note_template", description: "a common rejection reason, put before the note", optional: true},
			{name: "carrier", description: "ship_back, ship_exchange, repair_done, reship", optional: true},
			{name: "tracking_no", description: "idem", optional: true},
			{name: "cost", description: "ship_back: postage paid, a decimal amount", optional: true},
			{name: "inspection", description: "confirm_receipt: pass or fail", optional: true},
			{name: "deduction", description: "confirm_receipt: a decimal amount", optional: true},
			{name: "postage_reduction", description: "confirm_receipt: taken off the postage claim, a decimal amount", optional: true},
			{name: "amount", description: "offer, quote or price difference, a decimal amount", optional: true},
			{name: "evidence", description: "photos or videos", optional: true, files: true},
			{name: "assignee", description: "assign, transfer (the desk): the staff username who will own the case, or me", optional: true},
			{name: "group", description: "assign, transfer: the desk group whose queue the case goes to", optional: true},
		},
		ok:     []response{formDone},
		errors: formRefused,
		handle: page((*web.Pages).CaseAct),
	},
	{
		pattern: "POST /cases/{id}/messages", id: "caseMessageForm", tag: "pages", auth: true, page: true,
		summary: "Post a public reply, or an internal note (staff)",
		form: []formField{csrfFormField, idemFormField, langField,
			{name: "body", description: "the message"},
			{name: "internal", description: "1 for an internal note (staff only)", optional: true},
		},
		ok:     []response{formDone},
		errors: formRefused,
		handle: page((*web.Pages).CaseMessage),
	},
	{
		pattern: "GET /queue", id: "queuePage", tag: "pages", auth: true, page: true,
		summary: "The queue: a merchant's cases, or an agent's and supervisor's across their merchants, with deadlines and service clocks; filters, search, sort",
		query: []queryParam{langParam,
			{name: "q", kind: "string", description: "a case number, an order number, or the last 4 digits of the customer's phone"},
			{name: "state", kind: "string", enum: stateNames, description: "state"},
			{name: "type", kind: "string", enum: typeNames, description: "case type"},
			{name: "reason", kind: "string", description: "reason code"},
			{name: "merchant", kind: "string", description: "merchant code (agents and supervisors)"},
			{name: "sla", kind: "string", enum: func() []string { return []string{"on_track", "at_risk", "breached"} }, description: "service clocks on track, at risk or breached"},
			{name: "assignee", kind: "string", description: "the desk's owner: me, unassigned, or a staff username"},
			{name: "group", kind: "string", description: "a desk group's queue"},
			{name: "sort", kind: "string", enum: func() []string { return []string{"deadline", "created"} }, description: "deadline (soonest first, the default) or created (newest first)"},
			{name: "overdue", kind: "boolean", description: "only cases whose deadline has passed"},
			{name: "cursor", kind: "string", description: "the next page"},
			{name: "done", kind: "string", description: "what was just done"},
			{name: "n", kind: "integer", description: "how many were approved"},
		},
		ok:     []response{htmlOK, {status: http.StatusSeeOther, description: "no session: to /login; a customer: to /", headers: []string{"Location"}}},
		errors: []int{http.StatusUnprocessableEntity},
		handle: page((*web.Pages).Queue),
	},
	{
		pattern: "POST /queue", id: "queueBulk", tag: "pages", auth: true, page: true,
		summary: "Approve several cases at once: each checked case=<id>:<version> is approved as its own command",
		query:   []queryParam{langParam, {name: "sort", kind: "string", description: "the queue's sort, kept"}},
		form: []formField{csrfFormField, langField,
			{name: "action", description: "approve (the button's value)"},
			{name: "case", description: "repeated: id:version of each case to approve", optional: true},
		},
		ok:     []response{formDone},
		errors: formRefused,
		handle: page((*web.Pages).QueueBulk),
	},
	{
		pattern: "GET /supervisor", id: "supervisorPage", tag: "pages", auth: true, page: true,
		summary: "The supervisor's view: open work per merchant of the scope (overdue, at risk, breached, urgent) and the breached cases",
		query:   []queryParam{langParam},
		ok:      []response{htmlOK, toLogin},
		errors:  []int{http.StatusForbidden},
		handle:  page((*web.Pages).Supervisor),
	},
	{
		pattern: "GET /assets/{name}", id: "asset", tag: "pages", page: true, file: true,
		summary: "The pages' files: style.css, app.js, favicon.svg, and the dashboard's dashboard.js and echarts.min.js (Apache ECharts, echarts.LICENSE.txt)",
		ok:      []response{{status: http.StatusOK, description: "the file", contentType: "*/*"}},
		errors:  pageNotFound,
		handle:  asset,
	},
	{
		pattern: "GET /favicon.ico", id: "favicon", tag: "pages", page: true, file: true,
		summary: "The pages' icon (SVG)",
		ok:      []response{{status: http.StatusOK, description: "the icon", contentType: "image/svg+xml"}},
		handle:  favicon,
	},
}

// routes are the API's and the pages'.
var routes = slices.Concat(apiRoutes, moneyRoutes, disputeRoutes, logisticsRoutes, deskRoutes, analyticsRoutes, triageRoutes, assistantRoutes, alertRoutes, planRoutes, riskRoutes, pageRoutes, moneyPageRoutes, disputePageRoutes, logisticsPageRoutes, webhookPageRoutes, deskPageRoutes, helpPageRoutes, analyticsPageRoutes, alertPageRoutes, planPageRoutes, riskPageRoutes, analyticsFormRoutes, assistantPageRoutes, adminPageRoutes)
