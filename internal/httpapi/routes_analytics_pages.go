package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/web"
)

// analyticsPageRoutes are the analytics pages (SPEC §9): the dashboard of the reports,
// drawn as charts and always as tables, with each report's exports (the API's
// GET /api/v1/reports/{name}?format=csv|xlsx), and the merchants' scorecards. Who reads
// what is the application's: a merchant's staff their own merchant, agents their scope.
var analyticsPageRoutes = []route{
	{
		pattern: "GET /dashboard", id: "dashboardPage", tag: "pages", auth: true, page: true,
		summary: "The dashboard (数据看板): cases per day against the period before, reasons, SLA attainment, return rate by category, the top SKUs, satisfaction, the agents (supervisors and admins), complaint themes — each a chart and a table, with CSV and XLSX exports; a merchant's staff see their own, another merchant is not found",
		query: []queryParam{langParam,
			{name: "from", kind: "string", description: "the first day, 2026-12-01 (29 days before to when empty)"},
			{name: "to", kind: "string", description: "the last day, inclusive (today when empty)"},
			{name: "merchant", kind: "string", description: "one merchant (the platform's staff)"},
			{name: "category", kind: "string", description: "one product category"},
			{name: "compare", kind: "string", description: "previous: draw the period before too (the default when neither from nor to is given)"},
		},
		ok:     []response{htmlOK, toLogin},
		errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity},
		handle: page((*web.Pages).Dashboard),
	},
	{
		pattern: "GET /scorecards", id: "scorecardsPage", tag: "pages", auth: true, page: true,
		summary: "Merchant scorecards (商家评分) of a month: score, tier and the figures behind them (value, points, weight of each measure); a merchant's staff see their own; the month in progress is provisional",
		query:   []queryParam{langParam, {name: "month", kind: "string", description: "YYYY-MM (last month when empty)"}},
		ok:      []response{htmlOK, toLogin},
		errors:  []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle:  page((*web.Pages).Scorecards),
	},
}
