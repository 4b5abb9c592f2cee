package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/app"
)

// alertRoutes are the early warning's alerts (预警) and their rules.
var alertRoutes = []route{
	{
		pattern: "GET /api/v1/alerts", id: "listAlerts", tag: "alerts", auth: true,
		summary: "Early warning alerts: a SKU's, category's or merchant's return rate above its own baseline, one per episode, with the figures and the top reasons, newest first (merchants: their own; the platform's staff: the merchants they serve)",
		query: []queryParam{
			{name: "state", kind: "string", enum: func() []string { return []string{"open", "closed", "all"} }, description: "open, closed or all (all when empty)"},
			{name: "kind", kind: "string", enum: func() []string { return []string{"sku", "category", "merchant"} }, description: "the kind of subject"},
			{name: "merchant", kind: "string", description: "one merchant (merchants: their own only)"},
		},
		ok:     []response{{status: http.StatusOK, description: "the alerts", body: app.AlertList{}}},
		errors: []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity},
		handle: listAlerts,
	},
	{
		pattern: "GET /api/v1/alerts/rules", id: "getAlertRules", tag: "alerts", auth: true,
		summary: "The early warning's rules in force: the baseline's EWMA weight and warm-up, the window, the threshold and close ratio, the quiet days, the minimum volume and cases (version 0: the defaults)",
		ok:      []response{{status: http.StatusOK, description: "the rules", body: app.AlertRulesView{}}},
		errors:  []int{http.StatusForbidden},
		handle:  getAlertRules,
	},
	{
		pattern: "PUT /api/v1/alerts/rules", id: "putAlertRules", tag: "alerts", auth: true,
		summary: "Admins: replace the early warning's rules at the version read, checked field by field",
		request: app.AlertRulesInput{},
		ok:      []response{{status: http.StatusOK, description: "the rules as saved", body: app.AlertRulesView{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden, http.StatusConflict),
		handle:  putAlertRules,
	},
}

func listAlerts(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	q := r.URL.Query()
	v, err := s.app.Alerts(r.Context(), p, app.AlertFilter{State: q.Get("state"), Kind: q.Get("kind"), Merchant: q.Get("merchant")})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func getAlertRules(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.GetAlertRules(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func putAlertRules(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[app.AlertRulesInput](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.SaveAlertRules(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}
