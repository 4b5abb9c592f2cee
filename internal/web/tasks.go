package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/logistics"
	"github.com/aftersales/aftersales/internal/task"
)

// The service desk's tasks (/tasks, 任务): work no case action covers — a parcel gone
// wrong, a follow-up call — newest first, filtered by kind (or exception rule), state and
// assignee. Agents and supervisors take a task, assign it to a colleague, or mark it done
// with a note (POST /tasks/{id}/actions); admins read the list. The application scopes the
// list to the visitor's merchants and refuses everyone else.

// seesTasks reports whether the visitor's role reads the tasks (the nav and the case
// page link there); the application decides.
func seesTasks(role app.Role) bool {
	return role == app.RoleAgent || role == app.RoleSupervisor || role == app.RoleAdmin
}

// TaskFilter is the tasks list's query, as its form names it. State "all" is every
// state; no state at all is the open tasks.
type TaskFilter struct {
	Kind, State, Assignee, CaseID string
}

func readTaskFilter(q url.Values) TaskFilter {
	f := TaskFilter{Kind: q.Get("kind"), State: q.Get("state"), Assignee: q.Get("assignee"), CaseID: q.Get("case_id")}
	if f.State == "" {
		f.State = string(task.Open)
	}
	return f
}

// values is the filter as a query (with the language).
func (f TaskFilter) values(l Lang) url.Values {
	q := url.Values{"lang": {string(l)}}
	for k, v := range map[string]string{"kind": f.Kind, "state": f.State, "assignee": f.Assignee, "case_id": f.CaseID} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// Query is the filter as the query of the form's address (to come back to the same list).
func (f TaskFilter) Query(l Lang) string { return f.values(l).Encode() }

// TaskOption is a choice of the kind filter: a kind or an exception rule.
type TaskOption struct {
	Value string
	Label aftersale.Text
}

// taskKinds are the kind filter's choices: the task kinds, then the exception rules.
func taskKinds() []TaskOption {
	var out []TaskOption
	for _, k := range task.Kinds {
		out = append(out, TaskOption{string(k), k.Label()})
	}
	for _, r := range logistics.Rules {
		out = append(out, TaskOption{string(r), r.Label()})
	}
	return out
}

// TaskRow is one task of the list, with its forms.
type TaskRow struct {
	app.TaskView
	Due *Countdown
	// Action is where the task's forms post (with the list's filters, to come back to).
	Action string
	// Keys of the task's forms: take it, assign it, done.
	TakeKey, AssignKey, DoneKey string
	// After a refused form of this task: its action, why, the message at each field, and
	// what was entered.
	Refused, Message string
	Errors, Values   map[string]string
}

// TasksData is the tasks page's data.
type TasksData struct {
	Filter TaskFilter
	Rows   []TaskRow
	Next   string // the address of the next page
	Kinds  []TaskOption
	States []string
	// Works: the visitor works tasks (agents, supervisors); admins only read them.
	Works bool
	// New is the form that opens a task by hand (desk.go); nil when the visitor does not work tasks.
	New     *NewTask
	Errors  map[string]string
	Message string
}

// taskPageRows is how many tasks a page of the list shows.
const taskPageRows = 50

// Tasks lists the tasks the visitor may see with their forms; a role that may not see
// them is refused (403).
func (pg *Pages) Tasks(w http.ResponseWriter, r *http.Request, v *Visit) error {
	d, status, err := pg.tasksData(r, v)
	if err != nil {
		return err
	}
	pg.renderTasks(w, r, v, status, d)
	return nil
}

func (pg *Pages) tasksData(r *http.Request, v *Visit) (*TasksData, int, error) {
	q := r.URL.Query()
	f := readTaskFilter(q)
	role := v.Principal.Role
	d := &TasksData{Filter: f, Kinds: taskKinds(), States: []string{string(task.Open), string(task.Done), "all"},
		Works: role == app.RoleAgent || role == app.RoleSupervisor, Errors: map[string]string{}}
	if d.Works {
		d.New = &NewTask{Key: newFormKey(), Kinds: newTaskKinds(), Errors: map[string]string{}, Values: map[string]string{"case_id": f.CaseID}}
	}
	in := app.TaskListQuery{Kind: f.Kind, State: f.State, Assignee: f.Assignee, CaseID: f.CaseID, Cursor: q.Get("cursor"), Limit: taskPageRows}
	if in.State == "all" {
		in.State = ""
	}
	if f.Kind != "" && !knownTaskKind(f.Kind) {
		d.Errors["kind"], d.Message = pg.say(v.Lang, "tasks.bad_kind"), pg.say(v.Lang, "form.check_fields")
		// Who may not read tasks learns nothing from a wrong kind either.
		if _, err := pg.app.ListTasks(r.Context(), v.Principal, app.TaskListQuery{Limit: 1}); err != nil {
			return nil, 0, err
		}
		return d, http.StatusUnprocessableEntity, nil
	}
	list, err := pg.app.ListTasks(r.Context(), v.Principal, in)
	if err != nil {
		problem := &FormProblem{Fields: d.Errors}
		if !pg.formProblem(v.Lang, err, problem) {
			return nil, 0, err
		}
		d.Message = problem.Message
		return d, problemStatus(err), nil
	}
	for _, t := range list.Tasks {
		row := TaskRow{TaskView: t, Action: "/tasks/" + url.PathEscape(t.ID) + "/actions?" + f.Query(v.Lang),
			TakeKey: newFormKey(), AssignKey: newFormKey(), DoneKey: newFormKey(), Errors: map[string]string{}, Values: map[string]string{}}
		if t.DueAt != nil && t.State == string(task.Open) {
			cd := pg.countdown(v.Lang, *t.DueAt)
			row.Due = &cd
		}
		d.Rows = append(d.Rows, row)
	}
	if list.Next != "" {
		q := f.values(v.Lang)
		q.Set("cursor", list.Next)
		d.Next = "/tasks?" + q.Encode()
	}
	return d, http.StatusOK, nil
}

// knownTaskKind reports whether s is a task kind or an exception rule.
func knownTaskKind(s string) bool {
	return task.Kind(s).Valid() || logistics.Rule(s).Valid()
}

func (pg *Pages) renderTasks(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *TasksData) {
	p := pg.page(r, v, "tasks.title")
	p.Data = d
	pg.render(w, r, status, "tasks", p)
}

// TaskAct takes the pressed button's action on a task — assign (assignee: a username,
// "me", or empty for the queue) or done (with a note) — at the version the page showed,
// and goes back to the list with the same filters (the form address's query), or shows
// the list again with the problem at the task's field.
func (pg *Pages) TaskAct(w http.ResponseWriter, r *http.Request, v *Visit) error {
	id := r.PathValue("id")
	f := r.PostForm
	in := app.TaskActInput{Action: f.Get("action"), Assignee: strings.TrimSpace(f.Get("assignee")), Note: f.Get("note")}
	in.Version, _ = strconv.Atoi(f.Get("version"))
	_, err := pg.app.TaskAct(r.Context(), v.Principal, id, in, formIdempotency(r, v))
	if err == nil {
		q := readTaskFilter(r.URL.Query()).values(v.Lang)
		q.Set("done", "task")
		seeOther(w, "/tasks?"+q.Encode())
		return nil
	}
	problem := &FormProblem{Action: in.Action, Fields: map[string]string{}}
	if !pg.formProblem(v.Lang, err, problem) {
		return err
	}
	d, _, derr := pg.tasksData(r, v)
	if derr != nil {
		return derr
	}
	found := false
	for i := range d.Rows {
		if d.Rows[i].ID == id {
			row := &d.Rows[i]
			row.Refused, row.Message, row.Errors, row.Values, found = problem.Action, problem.Message, problem.Fields, formValues(r), true
		}
	}
	if !found {
		// The task is not on the list as filtered (done meanwhile, another page): the
		// problem above the list.
		d.Message = problem.Message
		for _, m := range problem.Fields {
			d.Message += " " + m
		}
	}
	pg.renderTasks(w, r, v, problemStatus(err), d)
	return nil
}
