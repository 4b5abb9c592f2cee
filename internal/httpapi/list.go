package httpapi

import (
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
	in.Merchant, in.Customer, in.OrderNo, in.Cursor = q.Get("merchant"), q.Get("customer"), q.Get("order_no"), q.Get("cursor")
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
	if v := q.Get("limit"); v != "" {
		if in.Limit, err = strconv.Atoi(v); err != nil || in.Limit < 1 {
			return in, errInvalidField("limit", "limit must be a whole number between 1 and 500", "limit 应为 1–500 的整数")
		}
	}
	return in, nil
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

func typeNames() []string {
	out := make([]string, len(aftersale.Types))
	for i, t := range aftersale.Types {
		out[i] = string(t)
	}
	return out
}
