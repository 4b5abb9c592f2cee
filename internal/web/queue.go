package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/desk"
)

// The queue (/queue): a merchant's cases, or an agent's and a supervisor's across the
// merchants they serve, with their deadlines and service clocks; filters, search, sort by
// deadline, and approving several at once.

// QueueData is the queue page's data.
type QueueData struct {
	Filter   QueueFilter
	Rows     []CaseRow
	Next     string // the address of the next page
	Agents   bool   // the viewer works across merchants: merchant and SLA columns and filters
	Bulk     bool   // some listed case may be approved
	States   []aftersale.State
	Types    []aftersale.Type
	Reasons  []aftersale.ReasonInfo
	Problems []string // cases a bulk approval could not approve, and why
	Key      string
	// Desk: the visitor is of the service desk: the owner filters (desk.go) and column.
	Desk   bool
	Groups []desk.Group
	SLAs   []string
}

// QueueFilter is the queue's query, as the form names it.
type QueueFilter struct {
	State, Type, Reason, Merchant, SLA, Q, Sort string
	// Assignee is me, unassigned or a username; Group a desk group's queue.
	Assignee, Group string
	Overdue         bool
}

func readQueueFilter(q url.Values) QueueFilter {
	f := QueueFilter{State: q.Get("state"), Type: q.Get("type"), Reason: q.Get("reason"), Merchant: strings.TrimSpace(q.Get("merchant")),
		SLA: q.Get("sla"), Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort"), Overdue: q.Get("overdue") != "",
		Assignee: strings.TrimSpace(q.Get("assignee")), Group: strings.TrimSpace(q.Get("group"))}
	if f.Sort == "" {
		f.Sort = "deadline"
	}
	return f
}

// query is the filter as the address of a page of the queue.
func (f QueueFilter) query(l Lang, cursor string) string {
	q := url.Values{}
	for k, v := range map[string]string{"state": f.State, "type": f.Type, "reason": f.Reason, "merchant": f.Merchant,
		"sla": f.SLA, "q": f.Q, "sort": f.Sort, "cursor": cursor, "lang": string(l), "assignee": f.Assignee, "group": f.Group} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Overdue {
		q.Set("overdue", "1")
	}
	return "/queue?" + q.Encode()
}

func (f QueueFilter) input(cursor string) app.ListInput {
	in := app.ListInput{Merchant: f.Merchant, Search: f.Q, Sort: f.Sort, SLA: f.SLA, Overdue: f.Overdue, Cursor: cursor, Limit: 50,
		Assignee: f.Assignee, Group: f.Group}
	if f.State != "" {
		in.States = []aftersale.State{aftersale.State(f.State)}
	}
	if f.Type != "" {
		in.Types = []aftersale.Type{aftersale.Type(f.Type)}
	}
	if f.Reason != "" {
		in.Reasons = []aftersale.Reason{aftersale.Reason(f.Reason)}
	}
	return in
}

// Queue lists the cases the visitor works on.
func (pg *Pages) Queue(w http.ResponseWriter, r *http.Request, v *Visit) error {
	if v.Principal.Role == app.RoleCustomer {
		seeOther(w, "/?lang="+string(v.Lang))
		return nil
	}
	f := readQueueFilter(r.URL.Query())
	d, status, err := pg.queueData(r, v, f, r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	p := pg.page(r, v, "queue.title")
	if r.URL.Query().Get("done") == "bulk" {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		p.Flash, _ = pg.cat.Message(v.Lang, "done.bulk", n)
	}
	p.Data = d
	pg.render(w, r, status, "queue", p)
	return nil
}

func (pg *Pages) queueData(r *http.Request, v *Visit, f QueueFilter, cursor string) (*QueueData, int, error) {
	d := &QueueData{Filter: f, Agents: v.Principal.Role != app.RoleMerchant, States: aftersale.States,
		Types: aftersale.Types, Reasons: aftersale.Reasons(), Key: newFormKey(), Desk: worksDesk(v.Principal.Role), SLAs: queueSLAs}
	d.Groups = pg.queueGroups(r, v)
	status := http.StatusOK
	list, err := pg.app.ListCases(r.Context(), v.Principal, f.input(cursor))
	if err != nil {
		problem := &FormProblem{Fields: map[string]string{}}
		if !pg.formProblem(v.Lang, err, problem) {
			return nil, 0, err
		}
		for _, m := range problem.Fields {
			d.Problems = append(d.Problems, m)
		}
		return d, http.StatusUnprocessableEntity, nil
	}
	for _, c := range list.Items {
		row := pg.caseRow(v, c)
		d.Rows = append(d.Rows, row)
		if canApprove(c) {
			d.Bulk = true
		}
	}
	if list.NextCursor != "" {
		d.Next = f.query(v.Lang, list.NextCursor)
	}
	return d, status, nil
}

func canApprove(c app.CaseSummary) bool {
	for _, a := range c.AllowedActions {
		if a == aftersale.Approve && c.State == aftersale.Requested {
			return true
		}
	}
	return false
}

// QueueBulk approves the checked cases (case=<id>:<version>), each as its own command —
// one that changed since the page was shown is left as it is and named.
func (pg *Pages) QueueBulk(w http.ResponseWriter, r *http.Request, v *Visit) error {
	if r.PostForm.Get("action") != string(aftersale.Approve) {
		return &app.Error{Code: app.CodeInvalid, Message: pg.cat.Text("queue.bulk_only_approve")}
	}
	approved := 0
	var problems []string
	for _, item := range r.PostForm["case"] {
		id, ver, _ := strings.Cut(item, ":")
		version, _ := strconv.ParseInt(ver, 10, 64)
		_, err := pg.app.Act(r.Context(), v.Principal, id, app.ActInput{Action: aftersale.Approve, Version: version}, nil)
		if err != nil {
			problem := &FormProblem{Fields: map[string]string{}}
			if !pg.formProblem(v.Lang, err, problem) && app.ErrorCode(err) != app.CodeNotFound {
				return err
			}
			problems = append(problems, fmt.Sprintf("%s: %s", id, v.Lang.Pick(pg.appMessage(err))))
			continue
		}
		approved++
	}
	f := readQueueFilter(r.URL.Query())
	if len(problems) == 0 {
		seeOther(w, f.query(v.Lang, "")+"&done=bulk&n="+strconv.Itoa(approved))
		return nil
	}
	d, _, err := pg.queueData(r, v, f, "")
	if err != nil {
		return err
	}
	d.Problems = problems
	p := pg.page(r, v, "queue.title")
	p.Flash, _ = pg.cat.Message(v.Lang, "done.bulk", approved)
	p.Data = d
	pg.render(w, r, http.StatusConflict, "queue", p)
	return nil
}

// appMessage is the message of an application error.
func (pg *Pages) appMessage(err error) aftersale.Text {
	var ae *app.Error
	if errors.As(err, &ae) {
		return ae.Message
	}
	return pg.cat.Text("error.title")
}
