package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/web"
)

// alertPageRoutes are the early warning's page (预警): the open and recently closed
// alerts of the merchants the reader may see.
var alertPageRoutes = []route{
	{
		pattern: "GET /alerts", id: "alertsPage", tag: "pages", auth: true, page: true,
		summary: "Early warning alerts (预警): open and recently closed, with the rate against the baseline, the items, the cases and the top reasons; a merchant's staff see their own, another merchant is not found",
		query:   []queryParam{langParam, {name: "merchant", kind: "string", description: "one merchant (the platform's staff)"}},
		ok:      []response{htmlOK, toLogin},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  page((*web.Pages).Alerts),
	},
}
