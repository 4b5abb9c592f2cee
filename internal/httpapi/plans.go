package httpapi

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/plan"
)

// PlanList is the emergency plans.
type PlanList struct {
	Plans []app.PlanView `json:"plans"`
}

// planRoutes are the emergency plans (应急预案): admins write them, supervisors and admins
// start, stop and drill them.
var planRoutes = []route{
	{
		pattern: "GET /api/v1/plans", id: "listPlans", tag: "plans", auth: true,
		summary: "Emergency plans with their state (supervisors and admins)",
		ok:      []response{{status: http.StatusOK, description: "the plans, oldest first", body: PlanList{}}},
		errors:  []int{http.StatusForbidden},
		handle:  listPlans,
	},
	{
		pattern: "POST /api/v1/plans", id: "createPlan", tag: "plans", auth: true,
		summary: "Admins: write an emergency plan (triggers, effects, end), stored as a draft; a bad plan is 422 with each field's path",
		request: plan.Plan{}, idempotencyNote: "each call writes another plan",
		ok:     []response{{status: http.StatusCreated, description: "the plan", body: app.PlanView{}}},
		errors: with(jsonBodyErrors, http.StatusForbidden),
		handle: createPlan,
	},
	{
		pattern: "GET /api/v1/plans/{id}", id: "getPlan", tag: "plans", auth: true,
		summary: "An emergency plan with its history (activations, ends)",
		ok:      []response{{status: http.StatusOK, description: "the plan", body: app.PlanDetail{}}},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  getPlan,
	},
	{
		pattern: "POST /api/v1/plans/{id}/activate", id: "activatePlan", tag: "plans", auth: true,
		summary:         "Start a plan by hand: its effects apply to new cases until it ends",
		idempotencyNote: "an active plan answers 409",
		ok:              []response{{status: http.StatusOK, description: "the plan", body: app.PlanView{}}},
		errors:          []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
		handle:          activatePlan,
	},
	{
		pattern: "POST /api/v1/plans/{id}/deactivate", id: "deactivatePlan", tag: "plans", auth: true,
		summary:         "End a plan by hand",
		idempotencyNote: "a plan not active answers 409",
		ok:              []response{{status: http.StatusOK, description: "the plan", body: app.PlanView{}}},
		errors:          []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
		handle:          deactivatePlan,
	},
	{
		pattern: "POST /api/v1/plans/{id}/drill", id: "drillPlan", tag: "plans", auth: true,
		summary: "A dry run: replay a synthetic surge against the plan's effects and report what it would change and whether the queue would hold (nothing is stored)",
		request: plan.Surge{}, idempotencyNote: "nothing is stored",
		ok:     []response{{status: http.StatusOK, description: "the drill's report", body: plan.Report{}}},
		errors: with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound),
		handle: drillPlan,
	},
}

func listPlans(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.Plans(r.Context(), p)
	if err != nil {
		return err
	}
	if v == nil {
		v = []app.PlanView{}
	}
	return writeJSON(w, http.StatusOK, PlanList{Plans: v})
}

func createPlan(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[plan.Plan](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.CreatePlan(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, v)
}

func getPlan(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.Plan(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func activatePlan(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.ActivatePlan(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func deactivatePlan(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.DeactivatePlan(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func drillPlan(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, _, err := decodeJSON[plan.Surge](w, r)
	if err != nil {
		return err
	}
	v, err := s.app.DrillPlan(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}
