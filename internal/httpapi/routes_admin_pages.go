package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/web"
)

// adminPageRoutes are the admin pages (/admin): policies, users and tokens, the business
// calendar, the audit log and the order import. Admins only, as the admin API: another
// role's session gets 403, no session the login page. The forms that make a password or
// an API token answer with the page that shows it once (200), not with a redirect: a
// secret never travels in an address.
var adminPageRoutes = []route{
	{
		pattern: "GET /admin", id: "adminPage", tag: "pages", auth: true, page: true,
		summary: "Admins' overview: policies in force, staff accounts, API tokens, the calendar, the audit log, imports",
		query:   []queryParam{langParam},
		ok:      []response{htmlOK, toLogin},
		errors:  adminPageErrors,
		handle:  page((*web.Pages).Admin),
	},
	{
		pattern: "GET /admin/policies", id: "adminPoliciesPage", tag: "pages", auth: true, page: true,
		summary: "Every stored policy version (layer, scope, effective from, loaded at), the chains in force now for the platform and each merchant or category with a layer, and the form that installs a version",
		query:   []queryParam{langParam, doneParam},
		ok:      []response{htmlOK, toLogin},
		errors:  adminPageErrors,
		handle:  page((*web.Pages).AdminPolicies),
	},
	{
		pattern: "POST /admin/policies", id: "adminPolicyInstall", tag: "pages", auth: true, page: true,
		summary: "Install a policy version: checked against the statutory floor; a refused document comes back (422) with the problem beside its line",
		form: []formField{csrfFormField, langField,
			{name: "policy", description: "the YAML document: the text area's text, or a file chosen in the file input of the same name (the file wins)", files: true},
		},
		ok:     []response{{status: http.StatusSeeOther, description: "installed: to /admin/policies", headers: []string{"Location"}}},
		errors: formRefused,
		handle: page((*web.Pages).AdminPolicyInstall),
	},
	{
		pattern: "GET /admin/policies/{id}/diff", id: "adminPolicyDiff", tag: "pages", auth: true, page: true,
		summary: "The line diff between two versions of a policy: added and removed lines marked, with both versions' line numbers",
		query: []queryParam{langParam,
			{name: "from", kind: "integer", max: 1 << 30, description: "the older version (default: the one before to)"},
			{name: "to", kind: "integer", max: 1 << 30, description: "the newer version (default: the latest)"},
		},
		ok:     []response{htmlOK, toLogin},
		errors: with(adminPageErrors, http.StatusNotFound),
		handle: page((*web.Pages).AdminPolicyDiff),
	},
	{
		pattern: "GET /admin/users", id: "adminUsersPage", tag: "pages", auth: true, page: true,
		summary: "The staff accounts (role, merchant or scope, disabled, locked) with their actions, and the form that makes one",
		query:   []queryParam{langParam, doneParam},
		ok:      []response{htmlOK, toLogin},
		errors:  adminPageErrors,
		handle:  page((*web.Pages).AdminUsers),
	},
	{
		pattern: "POST /admin/users", id: "adminUserCreateForm", tag: "pages", auth: true, page: true,
		summary: "Make a staff account with a generated password, which the answer shows once",
		form: []formField{csrfFormField, langField,
			{name: "username", description: "3–64 lower-case letters, digits or . _ -"},
			{name: "role", description: "merchant, agent, supervisor or admin"},
			{name: "display_name", description: "the name shown", optional: true},
			{name: "merchant", description: "merchant staff: their merchant's code", optional: true},
			{name: "scope", description: "agents and supervisors: the merchant codes they serve, separated by commas (empty: all)", optional: true},
		},
		ok:     []response{{status: http.StatusOK, description: "made: the accounts page with the password, shown once", contentType: "text/html"}, toLogin},
		errors: formRefused,
		handle: page((*web.Pages).AdminUserCreate),
	},
	{
		pattern: "POST /admin/users/{username}", id: "adminUserChangeForm", tag: "pages", auth: true, page: true,
		summary: "Disable, enable or unlock an account, or give it a new generated password (shown once); a new password or disabling ends its sessions",
		form: []formField{csrfFormField, langField,
			{name: "action", description: "disable, enable, unlock or password (the pressed button's value)"},
		},
		ok: []response{
			{status: http.StatusSeeOther, description: "changed: to /admin/users", headers: []string{"Location"}},
			{status: http.StatusOK, description: "action password: the accounts page with the new password, shown once", contentType: "text/html"},
		},
		errors: formRefused,
		handle: page((*web.Pages).AdminUserChange),
	},
	{
		pattern: "GET /admin/tokens", id: "adminTokensPage", tag: "pages", auth: true, page: true,
		summary: "The API tokens (role, merchant or customer, expiry, revoked; never their secrets) and the form that makes one",
		query:   []queryParam{langParam, doneParam},
		ok:      []response{htmlOK, toLogin},
		errors:  adminPageErrors,
		handle:  page((*web.Pages).AdminTokens),
	},
	{
		pattern: "POST /admin/tokens", id: "adminTokenCreateForm", tag: "pages", auth: true, page: true,
		summary: "Make an API token; the answer shows its secret once (only its hash is stored)",
		form: []formField{csrfFormField, langField,
			{name: "role", description: "integration, merchant, customer, agent, supervisor or admin"},
			{name: "name", description: "what the token is for", optional: true},
			{name: "merchant", description: "a merchant token's merchant; an integration token's, to limit it to one", optional: true},
			{name: "customer", description: "a customer token's customer", optional: true},
			{name: "ttl", description: "how long it works: days (30d) or a duration (12h); empty: until revoked", optional: true},
		},
		ok:     []response{{status: http.StatusOK, description: "made: the tokens page with the secret, shown once", contentType: "text/html"}, toLogin},
		errors: formRefused,
		handle: page((*web.Pages).AdminTokenCreate),
	},
	{
		pattern: "POST /admin/tokens/{id}/revoke", id: "adminTokenRevokeForm", tag: "pages", auth: true, page: true,
		summary: "Revoke an API token: refused from the next request on",
		form:    []formField{csrfFormField, langField},
		ok:      []response{{status: http.StatusSeeOther, description: "revoked: to /admin/tokens", headers: []string{"Location"}}},
		errors:  formRefused,
		handle:  page((*web.Pages).AdminTokenRevoke),
	},
	{
		pattern: "GET /admin/calendar", id: "adminCalendarPage", tag: "pages", auth: true, page: true,
		summary: "The business calendar deadlines count on: a year's public holidays and make-up working days, the weekend, the working hours",
		query:   []queryParam{langParam, {name: "year", kind: "integer", max: 9998, description: "the year (default: this year)"}},
		ok:      []response{htmlOK, toLogin},
		errors:  adminPageErrors,
		handle:  page((*web.Pages).AdminCalendar),
	},
	{
		pattern: "GET /admin/audit", id: "adminAuditPage", tag: "pages", auth: true, page: true,
		summary: "The audit log, newest first, filtered, page by page, with a link to its CSV export (GET /api/v1/admin/audit?format=csv)",
		query: []queryParam{langParam,
			{name: "actor", kind: "string", description: "the actor's id"},
			{name: "action", kind: "string", description: "an action (case.approve), or a prefix ending in a dot (case.)"},
			{name: "resource", kind: "string", description: "case, order, attachment, policy, token, user, session …"},
			{name: "resource_id", kind: "string", description: "the resource's id"},
			{name: "outcome", kind: "string", enum: func() []string { return []string{"ok", "denied", "failed"} }, description: "the outcome"},
			{name: "from", kind: "string", description: "a date (YYYY-MM-DD, the platform's time zone): entries from its start"},
			{name: "to", kind: "string", description: "a date: entries to its end"},
			{name: "cursor", kind: "string", description: "the next page"},
		},
		ok:     []response{htmlOK, toLogin},
		errors: with(adminPageErrors, http.StatusUnprocessableEntity),
		handle: page((*web.Pages).AdminAudit),
	},
	{
		pattern: "GET /admin/import", id: "adminImportPage", tag: "pages", auth: true, page: true,
		summary: "The order import form (CSV or XLSX) and the admin's imports on this replica",
		query:   []queryParam{langParam},
		ok:      []response{htmlOK, toLogin},
		errors:  adminPageErrors,
		handle:  page((*web.Pages).AdminImport),
	},
	{
		pattern: "POST /admin/import", id: "adminImportStart", tag: "pages", auth: true, page: true,
		summary: "Start importing an order file in the background, as the command line's import orders does; to the import's page. A file whose header cannot be read is refused at once (422)",
		form: []formField{csrfFormField, idemFormField, langField,
			{name: "file", description: "the CSV or XLSX file", files: true},
			{name: "merchant", description: "import as this merchant's shop system: other merchants' orders are refused", optional: true},
			{name: "sheet", description: "XLSX: the sheet to read (default: the first)", optional: true},
		},
		ok:     []response{{status: http.StatusSeeOther, description: "started (or, for the same idempotency_key, started before): to /admin/import/{id}", headers: []string{"Location"}}},
		errors: formRefused,
		handle: page((*web.Pages).AdminImportStart),
	},
	{
		pattern: "GET /admin/import/{id}", id: "adminImportJobPage", tag: "pages", auth: true, page: true,
		summary: "An import: a progress bar while it runs, then the summary and the rows not imported with why. Imports live in the memory of the replica that runs them: elsewhere, 404",
		query:   []queryParam{langParam},
		ok:      []response{htmlOK, toLogin},
		errors:  with(adminPageErrors, http.StatusNotFound),
		handle:  page((*web.Pages).AdminImportJob),
	},
	{
		pattern: "GET /admin/import/{id}/progress", id: "adminImportProgress", tag: "pages", auth: true, page: true,
		summary: "An import's progress for the page's script: the part of the file read (done of total; total 0 when unknown), the rows read, finished",
		ok:      []response{{status: http.StatusOK, description: "the progress", body: web.ImportProgress{}}, toLogin},
		errors:  with(adminPageErrors, http.StatusNotFound),
		handle:  page((*web.Pages).AdminImportProgress),
	},
}

// adminPageErrors are the answers of an admin page to another role.
var adminPageErrors = []int{http.StatusForbidden}

// doneParam is what was just done, for the page's message.
var doneParam = queryParam{name: "done", kind: "string", description: "what was just done (a message to show)"}
