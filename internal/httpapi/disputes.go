package httpapi

import (
	"net/http"
	"strconv"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/dispute"
)

// disputeRoutes are the platform's intervention (disputes) and the complaint tickets
// (SPEC §5).
var disputeRoutes = []route{
	{
		pattern: "GET /api/v1/disputes", id: "listDisputes", tag: "disputes", auth: true,
		summary: "Disputes, most recently changed first (customers: their own; merchant staff: their merchant's; the desk: its merchants')",
		query: []queryParam{
			{name: "state", kind: "string", enum: disputeStates, description: "the dispute's state"},
			{name: "category", kind: "string", enum: disputeCategories, description: "the dispute's category"},
			{name: "case_id", kind: "string", description: "the disputes of one case"},
			{name: "open", kind: "boolean", description: "only disputes that have not ended"},
			{name: "cursor", kind: "string", description: "next_cursor of the previous page"},
			{name: "limit", kind: "integer", max: 200, description: "page size, 1–200 (50 when empty)"},
		},
		ok:     []response{{status: http.StatusOK, description: "one page of disputes", body: app.DisputeList{}}},
		errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: listDisputes,
	},
	{
		pattern: "GET /api/v1/disputes/{id}", id: "getDispute", tag: "disputes", auth: true,
		summary: "A dispute: both sides' evidence (less what the other side marked platform-only), deadlines, proposal, ruling, history and allowed_actions",
		ok:      []response{{status: http.StatusOK, description: "the dispute", body: app.DisputeView{}}},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  getDispute,
	},
	{
		pattern: "POST /api/v1/disputes/{id}/actions", id: "actOnDispute", tag: "disputes", auth: true,
		summary: "Take an action on a dispute at the version you saw: admit, dismiss, request_evidence, submit_evidence, propose, accept_proposal, reject_proposal, rule, advance, withdraw",
		request: app.DisputeActInput{},
		ok:      []response{{status: http.StatusOK, description: "the dispute after the action", body: app.DisputeView{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound, http.StatusConflict),
		handle:  actOnDispute,
	},
	{
		pattern: "POST /api/v1/complaints", id: "fileComplaint", tag: "complaints", auth: true,
		summary: "File a complaint about an agent, a merchant or the platform (customers and merchant staff)",
		request: app.ComplaintInput{},
		ok:      []response{{status: http.StatusCreated, description: "the complaint, at tier 1", body: app.ComplaintView{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden, http.StatusConflict),
		handle:  fileComplaint,
	},
	{
		pattern: "GET /api/v1/complaints", id: "listComplaints", tag: "complaints", auth: true,
		summary: "Complaints, most recently changed first (complainants: their own; the desk: its merchants')",
		query: []queryParam{
			{name: "state", kind: "string", enum: func() []string { return []string{"open", "resolved"} }, description: "open or resolved"},
			{name: "tier", kind: "integer", max: 3, description: "1 agent, 2 supervisor, 3 manager"},
			{name: "about", kind: "string", enum: complaintAbouts, description: "what the complaint is about"},
			{name: "case_id", kind: "string", description: "the complaints about one case"},
			{name: "cursor", kind: "string", description: "next_cursor of the previous page"},
			{name: "limit", kind: "integer", max: 200, description: "page size, 1–200 (50 when empty)"},
		},
		ok:     []response{{status: http.StatusOK, description: "one page of complaints", body: app.ComplaintList{}}},
		errors: []int{http.StatusForbidden, http.StatusUnprocessableEntity},
		handle: listComplaints,
	},
	{
		pattern: "GET /api/v1/complaints/{id}", id: "getComplaint", tag: "complaints", auth: true,
		summary: "A complaint with its tier, its clocks, its history and allowed_actions",
		ok:      []response{{status: http.StatusOK, description: "the complaint", body: app.ComplaintView{}}},
		errors:  []int{http.StatusForbidden, http.StatusNotFound},
		handle:  getComplaint,
	},
	{
		pattern: "POST /api/v1/complaints/{id}/actions", id: "actOnComplaint", tag: "complaints", auth: true,
		summary: "Take an action on a complaint at the version you saw: assign, reply, escalate, resolve (with resolution), reopen",
		request: app.ComplaintActInput{},
		ok:      []response{{status: http.StatusOK, description: "the complaint after the action", body: app.ComplaintView{}}},
		errors:  with(jsonBodyErrors, http.StatusForbidden, http.StatusNotFound, http.StatusConflict),
		handle:  actOnComplaint,
	},
}

func disputeStates() []string {
	out := make([]string, len(dispute.States))
	for i, s := range dispute.States {
		out[i] = string(s)
	}
	return out
}

func disputeCategories() []string {
	out := make([]string, len(dispute.Categories))
	for i, c := range dispute.Categories {
		out[i] = string(c)
	}
	return out
}

func complaintAbouts() []string {
	out := make([]string, len(complaint.Abouts))
	for i, a := range complaint.Abouts {
		out[i] = string(a)
	}
	return out
}

// listDisputes is GET /api/v1/disputes.
func listDisputes(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	q := r.URL.Query()
	in := app.DisputeListInput{State: q.Get("state"), Category: q.Get("category"), CaseID: q.Get("case_id"), Cursor: q.Get("cursor")}
	var err error
	if v := q.Get("open"); v != "" {
		if in.Open, err = strconv.ParseBool(v); err != nil {
			return errInvalidField("open", "open must be true or false", "open 应为 true 或 false")
		}
	}
	if in.Limit, err = queryLimit(q); err != nil {
		return err
	}
	v, err := s.app.ListDisputes(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// getDispute is GET /api/v1/disputes/{id}.
func getDispute(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.GetDispute(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// actOnDispute is POST /api/v1/disputes/{id}/actions.
func actOnDispute(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, body, err := decodeJSON[app.DisputeActInput](w, r)
	if err != nil {
		return err
	}
	rep, err := s.app.DisputeAct(r.Context(), p, r.PathValue("id"), in, idempotency(r, body))
	if err != nil {
		return err
	}
	return writeReply(w, rep)
}

// fileComplaint is POST /api/v1/complaints.
func fileComplaint(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, body, err := decodeJSON[app.ComplaintInput](w, r)
	if err != nil {
		return err
	}
	rep, err := s.app.FileComplaint(r.Context(), p, in, idempotency(r, body))
	if err != nil {
		return err
	}
	return writeReply(w, rep)
}

// listComplaints is GET /api/v1/complaints.
func listComplaints(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	q := r.URL.Query()
	in := app.ComplaintListInput{State: q.Get("state"), About: q.Get("about"), CaseID: q.Get("case_id"), Cursor: q.Get("cursor")}
	if t := q.Get("tier"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 3 {
			return errInvalidField("tier", "tier must be 1, 2 or 3", "层级应为 1、2 或 3")
		}
		in.Tier = n
	}
	var err error
	if in.Limit, err = queryLimit(q); err != nil {
		return err
	}
	v, err := s.app.ListComplaints(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// getComplaint is GET /api/v1/complaints/{id}.
func getComplaint(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	v, err := s.app.GetComplaint(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// actOnComplaint is POST /api/v1/complaints/{id}/actions.
func actOnComplaint(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	in, body, err := decodeJSON[app.ComplaintActInput](w, r)
	if err != nil {
		return err
	}
	rep, err := s.app.ComplaintAct(r.Context(), p, r.PathValue("id"), in, idempotency(r, body))
	if err != nil {
		return err
	}
	return writeReply(w, rep)
}
