package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/web"
)

// riskPageRoutes are the watch list's page (观察名单): supervisors and admins list it,
// put a customer on it and take one off, each with the reason (audited); other roles are
// refused (403). The risk score itself is a block of the case page (casePage).
var riskPageRoutes = []route{
	{
		pattern: "GET /risk/watchlist", id: "watchListPage", tag: "pages", auth: true, page: true,
		summary: "The watch list (观察名单), newest first — customer, reason, who, when — with the form that adds a customer and, per entry, the form that takes them off; supervisors and admins",
		query: []queryParam{langParam,
			{name: "customer", kind: "string", description: "a customer to fill the add form with (the case page's link)"},
			{name: "done", kind: "string", description: "what was just done"}},
		ok:     []response{htmlOK, toLogin},
		errors: []int{http.StatusForbidden},
		handle: page((*web.Pages).WatchList),
	},
	{
		pattern: "POST /risk/watchlist", id: "watchListAddForm", tag: "pages", auth: true, page: true,
		summary: "Put a customer on the watch list with the reason (audited): back to the list, or the list again with the problem at the field and nothing written",
		form: []formField{csrfFormField, langField,
			{name: "customer", description: "the customer's id"},
			{name: "reason", description: "why (required, at most 500 characters)"}},
		ok:     []response{formDone},
		errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusConflict, http.StatusUnprocessableEntity},
		handle: page((*web.Pages).WatchAdd),
	},
	{
		pattern: "POST /risk/watchlist/{customer}/remove", id: "watchListRemoveForm", tag: "pages", auth: true, page: true,
		summary: "Take a customer off the watch list with the reason (audited): back to the list, or the list again with the problem at the entry's reason; a customer not on the list is not found",
		form:    []formField{csrfFormField, langField, {name: "reason", description: "why (required, at most 500 characters)"}},
		ok:      []response{formDone},
		errors:  []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity},
		handle:  page((*web.Pages).WatchRemove),
	},
}
