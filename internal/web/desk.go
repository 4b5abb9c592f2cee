package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/desk"
)

// The service desk on the pages (SPEC §6, §11, §12): who owns a case and the handovers
// (take, assign, transfer) on the case page, canned replies next to its reply box and
// the knowledge base's suggestions, the queue's owner column and filters, a task opened
// by hand, and the assignment rules (/desk/rules). Replies and reviews have their own
// files (desk_replies.go, desk_reviews.go).

// worksDesk reports whether the role is of the platform's service desk, which owns and
// hands over work: agents, supervisors and admins (who act as supervisors).
func worksDesk(role app.Role) bool {
	return role == app.RoleAgent || role == app.RoleSupervisor || role == app.RoleAdmin
}

// usesReplies reports whether the role answers customers with canned replies.
func usesReplies(role app.Role) bool {
	return role == app.RoleMerchant || worksDesk(role)
}

// OwnerPanel is the ownership panel of a case or a complaint (partials/ownerpanel.html):
// who owns it, and the desk's forms to take, assign and transfer it.
type OwnerPanel struct {
	// Owner: the panel is shown (the desk); Me is the visitor's username.
	Owner bool
	Me    string
	// Assignee and Group own the work now; GroupName is the group's name.
	Assignee, Group string
	GroupName       aftersale.Text
	// CanTake: the work is not the visitor's; Open: it has not ended (the forms are shown);
	// CanAssign, CanTransfer: those forms are offered.
	CanTake, Open, CanAssign, CanTransfer bool
	Groups                                []desk.Group
	// Post is the address the forms go to; Version the version the page showed.
	Post    string
	Version int64
	// Keys of the panel's forms.
	TakeKey, AssignKey, TransferKey string
	// After a refused handover: its action, why, the message at each field, what was entered.
	Refused, Message string
	Errors, Values   map[string]string
}

// ownerPanel fills the panel for the desk (nil for anyone else) with the desk's groups,
// for work owned by assignee and group.
func (pg *Pages) ownerPanel(r *http.Request, v *Visit, assignee, group string) (*OwnerPanel, error) {
	if !worksDesk(v.Principal.Role) {
		return nil, nil
	}
	ctx := r.Context()
	o := &OwnerPanel{Owner: true, Me: pg.app.StaffName(ctx, v.Principal), Assignee: assignee, Group: group,
		Errors: map[string]string{}, Values: map[string]string{}}
	rules, err := pg.app.DeskRules(ctx, v.Principal)
	if err != nil {
		return nil, err
	}
	o.Groups = rules.Groups
	if g, ok := rules.Group(group); ok {
		o.GroupName = g.Name
	}
	o.TakeKey, o.AssignKey, o.TransferKey = newFormKey(), newFormKey(), newFormKey()
	return o, nil
}

// refused shows a refused handover in the panel: the form open with what was entered.
func (o *OwnerPanel) refused(r *http.Request, problem *FormProblem) {
	o.Refused, o.Message, o.Errors, o.Values = problem.Action, problem.Message, problem.Fields, formValues(r)
}

// CaseDesk is the case page's service desk: the ownership panel, the canned replies and
// the suggested articles.
type CaseDesk struct {
	OwnerPanel
	// Replies are the canned replies rendered for the case in the page's language.
	Replies []CaseReply
	// Articles are the knowledge base's suggestions for the case.
	Articles []app.ArticleView
}

// CaseReply is a canned reply as the case page offers it.
type CaseReply struct {
	ID, Title, Shortcut, Rendered string
	// Href prefills the reply box without a script.
	Href string
}

// caseDesk fills the case page's desk parts for the visitor; nil for customers.
func (pg *Pages) caseDesk(r *http.Request, v *Visit, c *app.CaseView) (*CaseDesk, error) {
	role := v.Principal.Role
	if !usesReplies(role) {
		return nil, nil
	}
	ctx := r.Context()
	d := &CaseDesk{OwnerPanel: OwnerPanel{Assignee: c.Assignee, Group: c.Group, Errors: map[string]string{}, Values: map[string]string{}}}
	o, err := pg.ownerPanel(r, v, c.Assignee, c.Group)
	if err != nil {
		return nil, err
	} else if o != nil {
		d.OwnerPanel = *o
	}
	d.Open = !c.State.Terminal()
	d.CanTake = d.Open && role != app.RoleAdmin && d.Me != "" && c.Assignee != d.Me
	d.CanAssign, d.CanTransfer = d.Open, d.Open && (c.Assignee != "" || c.Group != "")
	d.Post, d.Version = "/cases/"+url.PathEscape(c.ID)+"#owner", c.Version
	list, err := pg.app.CaseReplies(ctx, v.Principal, c.ID, string(v.Lang), "", "")
	if err != nil {
		return nil, err
	}
	for _, rp := range list.Replies {
		d.Replies = append(d.Replies, CaseReply{ID: rp.ID, Title: v.Lang.Pick(rp.Title), Shortcut: rp.Shortcut, Rendered: rp.Rendered,
			Href: "/cases/" + url.PathEscape(c.ID) + "?" + url.Values{"reply": {rp.ID}, "lang": {string(v.Lang)}}.Encode() + "#reply"})
		if len(d.Replies) == maxCaseReplies {
			break
		}
	}
	reason, _ := label(c.Reason)
	d.Articles = pg.app.SuggestArticles(ctx, strings.TrimSpace(c.Description+" "+v.Lang.Pick(reason)), string(v.Lang), 3)
	return d, nil
}

// maxCaseReplies bounds the canned replies the case page lists.
const maxCaseReplies = 50

// prefill is the rendered body of the canned reply ?reply= names, if the page offers it.
func (d *CaseDesk) prefill(id string) string {
	if d == nil || id == "" {
		return ""
	}
	for _, rp := range d.Replies {
		if rp.ID == id {
			return rp.Rendered
		}
	}
	return ""
}

// ownerAction reports whether a case action is a handover of ownership.
func ownerAction(a aftersale.Action) bool { return slices.Contains(aftersale.OwnerActions, a) }

// queueSLAs are the SLA filter's choices.
var queueSLAs = []string{"on_track", "at_risk", "breached"}

// queueGroups are the desk's groups for the queue's group filter (nil for who is not of
// the desk).
func (pg *Pages) queueGroups(r *http.Request, v *Visit) []desk.Group {
	if !worksDesk(v.Principal.Role) {
		return nil
	}
	rules, err := pg.app.DeskRules(r.Context(), v.Principal)
	if err != nil {
		return nil
	}
	return rules.Groups
}

// NewTask is the tasks page's form that opens a task by hand.
type NewTask struct {
	Key            string
	Kinds          []TaskOption
	Open           bool
	Message        string
	Errors, Values map[string]string
}

// newTaskKinds are the kinds a task opened by hand may be.
func newTaskKinds() []TaskOption {
	var out []TaskOption
	for _, k := range taskKinds() {
		switch k.Value {
		case "follow_up", "callback", "outreach", "reminder":
			out = append(out, k)
		}
	}
	return out
}

// TaskCreate opens a task by hand (kind, case_id, title, detail, assignee, due_in_hours)
// and goes to the open tasks, or shows the list again with the problem at the field.
func (pg *Pages) TaskCreate(w http.ResponseWriter, r *http.Request, v *Visit) error {
	f := r.PostForm
	in := app.TaskInput{Kind: f.Get("kind"), CaseID: strings.TrimSpace(f.Get("case_id")), Title: strings.TrimSpace(f.Get("title")),
		Detail: strings.TrimSpace(f.Get("detail")), Assignee: strings.TrimSpace(f.Get("assignee"))}
	problem := &FormProblem{Fields: map[string]string{}}
	if s := strings.TrimSpace(f.Get("due_in_hours")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			problem.Fields["due_in_hours"] = pg.say(v.Lang, "desk.task.bad_hours")
		}
		in.DueInHours = n
	}
	var err error
	if len(problem.Fields) == 0 {
		_, err = pg.app.CreateTask(r.Context(), v.Principal, in, formIdempotency(r, v))
		if err == nil {
			seeOther(w, "/tasks?done=task_created&lang="+string(v.Lang))
			return nil
		}
		if !pg.formProblem(v.Lang, err, problem) {
			return err
		}
	} else {
		problem.Message = pg.say(v.Lang, "form.check_fields")
	}
	d, _, derr := pg.tasksData(r, v)
	if derr != nil {
		return derr
	}
	d.New.Open, d.New.Message, d.New.Errors, d.New.Values = true, problem.Message, problem.Fields, formValues(r)
	pg.renderTasks(w, r, v, problemStatus(err), d)
	return nil
}

// RulesData is the assignment rules page's data.
type RulesData struct {
	Rules *app.DeskRulesView
	// Groups are the groups with their members by open load.
	Groups []RulesGroup
	// Edit: the visitor may change the rules (admins, supervisors); JSON is the textarea.
	Edit    bool
	JSON    string
	Error   string
	Message string
	Key     string
}

// RulesGroup is a group of the rules as the page shows it.
type RulesGroup struct {
	desk.Group
	Members []RulesMember
}

// RulesMember is a member of a group and its open work.
type RulesMember struct {
	Name string
	Load int
}

// DeskRulesPage shows the assignment rules and each member's open work; admins and
// supervisors edit them as JSON.
func (pg *Pages) DeskRulesPage(w http.ResponseWriter, r *http.Request, v *Visit) error {
	d, err := pg.rulesData(r, v)
	if err != nil {
		return err
	}
	pg.renderRules(w, r, v, http.StatusOK, d)
	return nil
}

func (pg *Pages) rulesData(r *http.Request, v *Visit) (*RulesData, error) {
	rules, err := pg.app.DeskRules(r.Context(), v.Principal)
	if err != nil {
		return nil, err
	}
	d := &RulesData{Rules: rules, Edit: v.Principal.Role == app.RoleAdmin || v.Principal.Role == app.RoleSupervisor, Key: newFormKey()}
	for _, g := range rules.Groups {
		rg := RulesGroup{Group: g}
		for _, m := range desk.LeastLoaded(g.Members, rules.Load) {
			rg.Members = append(rg.Members, RulesMember{Name: m, Load: rules.Load[m]})
		}
		d.Groups = append(d.Groups, rg)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rules.Rules); err != nil {
		return nil, err
	}
	d.JSON = buf.String()
	return d, nil
}

func (pg *Pages) renderRules(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *RulesData) {
	p := pg.page(r, v, "desk.rules.title")
	p.Data = d
	pg.render(w, r, status, "desk_rules", p)
}

// maxRulesJSON bounds the rules' JSON a form may carry.
const maxRulesJSON = 256 << 10

// SaveDeskRulesForm replaces the assignment rules with the JSON of the field rules; a
// problem — JSON that does not read, a member who is no agent — is said next to it.
func (pg *Pages) SaveDeskRulesForm(w http.ResponseWriter, r *http.Request, v *Visit) error {
	src := r.PostForm.Get("rules")
	problem := &FormProblem{Fields: map[string]string{}}
	var rules desk.Rules
	var err error
	dec := json.NewDecoder(strings.NewReader(src))
	dec.DisallowUnknownFields()
	if len(src) > maxRulesJSON {
		problem.Fields["rules"] = pg.say(v.Lang, "desk.rules.too_long")
	} else if derr := dec.Decode(&rules); derr != nil {
		problem.Fields["rules"] = pg.say(v.Lang, "desk.rules.bad_json", derr.Error())
	}
	if len(problem.Fields) == 0 {
		_, err = pg.app.SaveDeskRules(r.Context(), v.Principal, rules)
		if err == nil {
			seeOther(w, "/desk/rules?done=rules&lang="+string(v.Lang))
			return nil
		}
		if !pg.formProblem(v.Lang, err, problem) {
			return err
		}
	}
	d, derr := pg.rulesData(r, v)
	if derr != nil {
		return derr
	}
	d.JSON, d.Message = src, problem.Message
	var msgs []string
	for _, m := range problem.Fields {
		msgs = append(msgs, m)
	}
	slices.Sort(msgs)
	d.Error = strings.Join(msgs, " ")
	if d.Error == "" {
		d.Error = problem.Message
	}
	if d.Message == "" {
		d.Message = pg.say(v.Lang, "form.check_fields")
	}
	status := http.StatusUnprocessableEntity
	if err != nil {
		status = problemStatus(err)
	}
	pg.renderRules(w, r, v, status, d)
	return nil
}
