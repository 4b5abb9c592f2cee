package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
)

// listInput reads the case list's query string. Unknown states and types are the app's to
// refuse; here only the syntax of times, booleans and numbers is checked.
func listInput(q url.Values) (app.ListInput, error) {
	var in app.ListInput
	for _, s := range multi(q, "state") {
		in.States = append(in.States, aftersale.State(s))
	}
	for _, t := range multi(q, "type") {
		in.Types = append(in.Types, aftersale.Type(t))
	}
	for _, r := range multi(q, "reason") {
		in.Reasons = append(in.Reasons, aftersale.Reason(r))
	}
	for _, p := range multi(q, "priority") {
		in.Priorities = append(in.Priorities, aftersale.Priority(p))
	}
	in.Merchant, in.Customer, in.OrderNo, in.Cursor = q.Get("merchant"), q.Get("customer"), q.Get("order_no"), q.Get("cursor")
	in.Search, in.SLA, in.Sort = strings.TrimSpace(q.Get("q")), q.Get("sla"), q.Get("sort")
	in.Assignee, in.Group = q.Get("assignee"), q.Get("group")
	var err error
	if in.CreatedFrom, err = queryTime(q, "created_from"); err != nil {
		return in, err
	}
	if in.CreatedTo, err = queryTime(q, "created_to"); err != nil {
		return in, err
	}
	if v := q.Get("overdue"); v != "" {
		if in.Overdue, err = strconv.ParseBool(v); err != nil {
			return in, errInvalidField("overdue", "overdue must be true or false", "overdue 应为 true 或 false")
		}
	}
	if in.Limit, err = queryLimit(q); err != nil {
		return in, err
	}
	return in, nil
}

// queryLimit reads a list's page size; the app checks the upper bound.
func queryLimit(q url.Values) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return 0, nil
	}
	limit, err := strconv.Atoi(v)
	if err != nil || limit < 1 {
		return 0, errInvalidField("limit", "limit must be a whole number between 1 and 500", "limit 应为 1–500 的整数")
	}
	return limit, nil
}

// listOrders is GET /api/v1/orders.
func listOrders(s *Server, w http.ResponseWriter, r *http.Request, p app.Principal) error {
	q := r.URL.Query()
	in := app.OrderListInput{Customer: q.Get("customer"), Merchant: q.Get("merchant"), Cursor: q.Get("cursor")}
	var err error
	if in.Limit, err = queryLimit(q); err != nil {
		return err
	}
	v, err := s.app.ListOrders(r.Context(), p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// multi reads a parameter that may repeat or hold comma-separated values.
func multi(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func queryTime(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, errInvalidField(name, name+" must be an RFC 3339 time, like 2026-01-02T15:04:05+08:00",
			name+" 应为 RFC 3339 时间,例如 2026-01-02T15:04:05+08:00")
	}
	return t, nil
}

func stateNames() []string {
	out := make([]string, len(aftersale.States))
	for i, s := range aftersale.States {
		out[i] = string(s)
	}
	return out
}

func typeNames() []string { return names(aftersale.Types) }

func priorityNames() []string { return names(aftersale.Priorities) }

func slaNames() []string { return append([]string{"on_track"}, names(aftersale.SLAFlags)...) }

func sortNames() []string { return []string{"created", "deadline"} }

func names[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}
