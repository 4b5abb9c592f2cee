package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/web"
)

// riskAPIView is a customer's risk score as the API answers it: each reason's message in
// the request's language beside both.
type riskAPIView struct {
	Customer    string          `json:"customer"`
	Score       int             `json:"score" jsonschema:"description=0–100"`
	Level       string          `json:"level" jsonschema:"enum=low,enum=medium,enum=high"`
	Reasons     []riskAPIReason `json:"reasons"`
	WatchListed bool            `json:"watch_listed"`
	Watch       *app.WatchView  `json:"watch,omitempty"`
}

type riskAPIReason struct {
	Code    string `json:"code"`
	Points  int    `json:"points"`
	Message string `json:"message" jsonschema:"description=in the request's language"`
	ZH      string `json:"zh"`
	EN      string `json:"en"`
}

// riskRoutes are the abuse risk score (风险评分) and the watch list (观察名单).
var riskRoutes = []route{
	{
		pattern: "GET /api/v1/risk/customers/{id}", id: "getCustomerRisk", tag: "risk", auth: true,
		summary: "A customer's abuse risk score (0–100) with its reasons and the watch list: the platform's staff any customer, a merchant's staff only customers who ordered from it (else 404); customers never (404)",
		ok:      []response{{status: http.StatusOK, description: "the score", body: riskAPIView{}}},
		errors:  []int{http.StatusNotFound},
		handle:  getCustomerRisk,
	},
	{
		pattern: "GET /api/v1/risk/watchlist", id: "listWatchList", tag: "risk", auth: true,
		summary: "Supervisors and admins: the watch list, newest first",
		ok:      []response{{status: http.StatusOK, description: "the watch list", body: app.WatchList{}}},
		errors:  []int{http.StatusForbidden},
		handle:  listWatchList,
	},
	{
		pattern: "POST /api/v1/risk/watchlist", id: "addToWatchList", tag: "risk", auth: true,
		summary: "Supervisors and admins: put a customer on the watch list with the reason (audited); one-click return no longer applies to them",
		request: app.WatchInput{},
		ok:      []response{{status: http.StatusCreated, description: "the entry", body: app.WatchView{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound, http.StatusConflict),
		handle:  addToWatchList,
	},
	{
		pattern: "DELETE /api/v1/risk/watchlist/{customer}", id: "removeFromWatchList", tag: "risk", auth: true,
		summary: "Supervisors and admins: take a customer off the watch list with the reason (?reason=, required; audited)",
		query:   []queryParam{{name: "reason", kind: "string", description: "why (required)"}},
		ok:      []response{{status: http.StatusNoContent, description: "taken off"}},
		errors:  []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity},
		handle:  removeFromWatchList,
	},
}

func getCustomerRisk(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.CustomerRisk(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	lang := web.RequestLang(r)
	out := riskAPIView{Customer: v.Customer, Score: v.Score, Level: v.Level, Reasons: []riskAPIReason{}, WatchListed: v.WatchListed, Watch: v.Watch}
	for _, x := range v.Reasons {
		out.Reasons = append(out.Reasons, riskAPIReason{Code: x.Code, Points: x.Points, Message: lang.Pick(app.Text{ZH: x.ZH, EN: x.EN}), ZH: x.ZH, EN: x.EN})
	}
	return writeJSON(w, http.StatusOK, out)
}

func listWatchList(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.ListWatch(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func addToWatchList(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[app.WatchInput](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.AddToWatchList(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, v.Value)
}

func removeFromWatchList(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in := app.WatchInput{Customer: r.PathValue("customer"), Reason: r.URL.Query().Get("reason")}
	if err := s.app.RemoveFromWatchList(r.Context(), p, in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
