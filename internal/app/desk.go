package app

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/desk"
	"github.com/aftersales/aftersales/internal/plan"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/text"
)

// The service desk's ownership (专人负责): the assignment rules as data, routing new work
// on creation, and the handovers — assign, transfer, take — on cases and complaints, each
// a record in the history.

// closedCaseStates and closedComplaintStates are what no longer counts as open work.
var (
	closedCaseStates      = []string{string(aftersale.Completed), string(aftersale.Closed)}
	closedComplaintStates = []string{string(complaint.Resolved)}
)

// DeskRulesView is the assignment rules with the people they name.
type DeskRulesView struct {
	desk.Rules
	// Load is each member's open cases and complaints now.
	Load map[string]int `json:"load"`
}

// mayDesk: the platform's service desk (agents, supervisors) and admins.
func mayDesk(p Principal) error {
	if p.Role != RoleAgent && p.Role != RoleSupervisor && p.Role != RoleAdmin {
		return errForbidden("只有平台客服可以查看", "only the platform's service desk may see this")
	}
	return nil
}

// deskRules reads the stored rules, or the defaults.
func deskRules(ctx context.Context, tx store.Tx) (desk.Rules, error) {
	body, version, err := tx.DeskRules(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return desk.Defaults(), nil
	} else if err != nil {
		return desk.Rules{}, err
	}
	var r desk.Rules
	if err := json.Unmarshal(body, &r); err != nil {
		return desk.Rules{}, err
	}
	r.Version = version
	return r, nil
}

// DeskRules returns the assignment rules and every member's open work.
func (a *App) DeskRules(ctx context.Context, p Principal) (*DeskRulesView, error) {
	if err := mayDesk(p); err != nil {
		return nil, err
	}
	var v DeskRulesView
	err := a.store.View(ctx, func(tx store.Tx) error {
		r, err := deskRules(ctx, tx)
		if err != nil {
			return err
		}
		var members []string
		for _, g := range r.Groups {
			members = append(members, g.Members...)
		}
		load, err := tx.OpenLoad(ctx, members, closedCaseStates, closedComplaintStates)
		v = DeskRulesView{Rules: r, Load: load}
		return err
	})
	if v.Load == nil {
		v.Load = map[string]int{}
	}
	return &v, fromCore(err)
}

// SaveDeskRules replaces the assignment rules (admins and supervisors). The version must
// be the stored one (0 before any were saved); every member must be an active agent or
// supervisor.
func (a *App) SaveDeskRules(ctx context.Context, p Principal, r desk.Rules) (*DeskRulesView, error) {
	if p.Role != RoleAdmin && p.Role != RoleSupervisor {
		return nil, errForbidden("只有管理员或主管可以修改分配规则", "only admins and supervisors change the assignment rules")
	}
	for i := range r.Groups {
		g := &r.Groups[i]
		g.Code = strings.TrimSpace(g.Code)
		g.Name = Text{ZH: text.Clean(g.Name.ZH), EN: text.Clean(g.Name.EN)}
		if g.Name.ZH == "" {
			g.Name.ZH = g.Code
		}
		if g.Name.EN == "" {
			g.Name.EN = g.Code
		}
	}
	_, err := write(ctx, a, p, nil, auditTarget{"desk.rules", "desk", "rules"}, func(tx *txn) (*struct{}, int, error) {
		cur, err := deskRules(ctx, tx)
		if err != nil {
			return nil, 0, err
		}
		if r.Version != cur.Version {
			return nil, 0, &Error{Code: CodeConflict, Message: Text{ZH: "分配规则已被他人修改,请刷新后重试", EN: "the rules have changed; reload and try again"}, Version: int64(cur.Version)}
		}
		isUser := func(name string) bool {
			u, err := tx.UserByUsername(ctx, name)
			return err == nil && u.DisabledAt.IsZero() && (u.Role == string(RoleAgent) || u.Role == string(RoleSupervisor))
		}
		if err := r.Check(isUser); err != nil {
			return nil, 0, deskErr(err)
		}
		r.Version = cur.Version + 1
		body, err := json.Marshal(r)
		if err != nil {
			return nil, 0, err
		}
		if err := tx.SaveDeskRules(ctx, body, r.Version); err != nil {
			return nil, 0, err
		}
		return &struct{}{}, 200, tx.audit(ctx, "desk.rules", "desk", "rules", map[string]any{"version": r.Version, "groups": len(r.Groups), "auto_assign": r.AutoAssign, "cap": r.Cap})
	})
	if err != nil {
		return nil, err
	}
	return a.DeskRules(ctx, p)
}

// deskErr turns the desk core's errors into application errors.
func deskErr(err error) error {
	var fe *desk.FieldError
	var ce *desk.ConflictError
	switch {
	case errors.As(err, &fe):
		return errInvalid(fe.Field, fe.Message.ZH, fe.Message.EN)
	case errors.As(err, &ce):
		return &Error{Code: CodeConflict, Message: ce.Why, Err: err}
	}
	return err
}

// staffName is the username of the staff account p acts as ("" for none).
func staffName(ctx context.Context, tx store.Tx, p Principal) string {
	if p.User == "" {
		return ""
	}
	u, err := tx.User(ctx, p.User)
	if err != nil {
		return ""
	}
	return u.Username
}

// ownerFor resolves an assignee as asked ("me", a username, "" none) to a username of an
// active agent or supervisor who may serve merchant.
func ownerFor(ctx context.Context, tx store.Tx, p Principal, name, merchant string) (string, error) {
	if name == "" {
		return "", nil
	}
	name, err := assigneeName(ctx, tx, p, name)
	if err != nil {
		return "", err
	}
	u, err := tx.UserByUsername(ctx, name)
	if err != nil || !u.DisabledAt.IsZero() || (u.Role != string(RoleAgent) && u.Role != string(RoleSupervisor)) {
		return "", errInvalid("assignee", "请填写在职客服或主管的用户名", "assignee must be the username of an active agent or supervisor")
	}
	if len(u.Scope) > 0 && !slices.Contains(u.Scope, merchant) {
		return "", errInvalid("assignee", u.Username+" 不服务该商家", u.Username+" does not serve this merchant")
	}
	return u.Username, nil
}

// ownerFilter reads the queue's owner filter: "" anyone, "unassigned" nobody, "me" p's
// staff account, else a username or an account's id.
func ownerFilter(ctx context.Context, tx store.Tx, p Principal, assignee string) (owner string, unassigned bool, err error) {
	switch assignee {
	case "":
		return "", false, nil
	case "unassigned":
		return "", true, nil
	case "me":
		owner, err = assigneeName(ctx, tx, p, "me")
		return owner, false, err
	}
	if u, err := tx.User(ctx, assignee); err == nil {
		return u.Username, false, nil // an account's id names it too
	}
	return assignee, false, nil
}

// ownerCommand checks who asks for a handover and builds the desk's command: agents and
// supervisors acting as a staff account.
func ownerCommand(ctx context.Context, tx store.Tx, p Principal, action, assignee, group, note, merchant string) (desk.Command, error) {
	if p.Role != RoleAgent && p.Role != RoleSupervisor && p.Role != RoleAdmin {
		return desk.Command{}, errForbidden("只有平台客服可以分配、转交或认领", "only the platform's agents and supervisors assign, transfer or take")
	}
	me := staffName(ctx, tx, p)
	if me == "" {
		return desk.Command{}, errForbidden("请以员工账号操作(登录,或用 token create --user 生成的令牌)",
			"act as a staff account: log in, or use a token made with token create --user")
	}
	cmd := desk.Command{Action: desk.Action(action), Group: strings.TrimSpace(group), Note: note, Actor: me, Supervisor: p.Role != RoleAgent}
	if cmd.Action != desk.Take {
		name, err := ownerFor(ctx, tx, p, strings.TrimSpace(assignee), merchant)
		if err != nil {
			return cmd, err
		}
		cmd.Assignee = name
	}
	return cmd, nil
}

// handover decides a handover by the rules: the new owner's open work counts against the cap.
func handover(ctx context.Context, tx store.Tx, cur desk.Owner, cmd desk.Command) (desk.Owner, error) {
	r, err := deskRules(ctx, tx)
	if err != nil {
		return cur, err
	}
	who := cmd.Assignee
	if cmd.Action == desk.Take {
		who = cmd.Actor
	}
	load, err := tx.OpenLoad(ctx, []string{who}, closedCaseStates, closedComplaintStates)
	if err != nil {
		return cur, err
	}
	next, err := desk.Apply(&r, cur, cmd, load)
	return next, deskErr(err)
}

// actOwner records a handover of a case (assign, transfer, take) as a history event.
func (a *App) actOwner(ctx context.Context, tx *txn, p Principal, c *aftersale.Case, in *ActInput) (*aftersale.Case, error) {
	if c.State.Terminal() {
		return nil, &Error{Code: CodeConflict, Message: Text{ZH: "售后单已结束,无需分配", EN: "the case has ended: nothing to assign"}, Version: c.Version}
	}
	cmd, err := ownerCommand(ctx, tx, p, string(in.Action), in.Assignee, in.Group, in.Note, c.MerchantID)
	if err != nil {
		return nil, err
	}
	next, err := handover(ctx, tx, desk.Owner{Assignee: c.Assignee, Group: c.Group}, cmd)
	if err != nil {
		return nil, err
	}
	actor, _ := p.actor()
	return a.recordOwner(ctx, tx, c, in.Action, actor, in.Note, next)
}

// recordOwner writes a case's new owner as a record of its history.
func (a *App) recordOwner(ctx context.Context, tx *txn, c *aftersale.Case, action aftersale.Action, actor aftersale.Actor, note string, o desk.Owner) (*aftersale.Case, error) {
	data := map[string]string{}
	if o.Assignee != "" {
		data["assignee"] = o.Assignee
	}
	if o.Group != "" {
		data["group"] = o.Group
	}
	if c.Assignee != "" && c.Assignee != o.Assignee {
		data["from_assignee"] = c.Assignee
	}
	res, err := aftersale.Record(*c, action, actor, note, data, tx.Now(), func(n *aftersale.Case) {
		n.Assignee, n.Group = o.Assignee, o.Group
	})
	if err != nil {
		return nil, err
	}
	if o.Assignee != "" && o.Assignee != c.Assignee && o.Assignee != staffName(ctx, tx, tx.p) {
		// The new owner hears of it (not the one who took it).
		res.Effects.Messages = append(res.Effects.Messages, aftersale.Message{Template: "case.assigned", To: []aftersale.Role{aftersale.Role("user:" + o.Assignee)}})
	}
	if err := a.persist(ctx, tx, c, &res, nil); err != nil {
		return nil, err
	}
	return &res.Case, nil
}

// routeItem routes new work by the rules when they assign on creation: ok is false when
// they do not (or no group takes it).
func (a *App) routeItem(ctx context.Context, tx store.Tx, it desk.Item) (desk.Decision, bool, error) {
	r, err := deskRules(ctx, tx)
	if err != nil || !r.AutoAssign {
		return desk.Decision{}, false, err
	}
	return a.routeWith(ctx, tx, r, it)
}

// routeWith is routeItem under rules r, which assign automatically.
func (a *App) routeWith(ctx context.Context, tx store.Tx, r desk.Rules, it desk.Item) (desk.Decision, bool, error) {
	gi := slices.IndexFunc(r.Groups, func(g desk.Group) bool { return g.Takes(it) })
	if gi < 0 {
		return desk.Decision{}, false, nil
	}
	g := r.Groups[gi]
	d, err := routeIn(ctx, tx, &r, g, it)
	if err != nil || !d.Full {
		return d, err == nil, err
	}
	// An active emergency plan's overflow: the work of a full group goes to the first of the
	// plan's groups with room (or to its queue, when it is taken by hand).
	ps, err := activePlans(ctx, tx)
	if err != nil {
		return d, false, err
	}
	for _, code := range plan.OverflowTo(planEffects(ps), g.Code) {
		og, ok := r.Group(code)
		if !ok {
			continue
		}
		od, err := routeIn(ctx, tx, &r, og, it)
		if err != nil {
			return d, false, err
		}
		if !od.Full {
			od.Why = desk.Text{ZH: "应急预案溢出:" + g.Name.ZH + "已满," + od.Why.ZH, EN: "emergency plan overflow: " + g.Name.EN + " is full; " + od.Why.EN}
			return od, true, nil
		}
	}
	return d, true, nil
}

// routeIn picks a member of group g for it by the group's strategy (desk.RouteIn), with
// the members' open work, the round robin's cursor (moved when it picks someone) and who
// may own work of the item's merchant.
func routeIn(ctx context.Context, tx store.Tx, r *desk.Rules, g desk.Group, it desk.Item) (desk.Decision, error) {
	load, err := tx.OpenLoad(ctx, g.Members, closedCaseStates, closedComplaintStates)
	if err != nil {
		return desk.Decision{}, err
	}
	last, err := tx.DeskCursor(ctx, g.Code)
	if err != nil {
		return desk.Decision{}, err
	}
	users := map[string]store.User{}
	for _, m := range g.Members {
		if u, err := tx.UserByUsername(ctx, m); err == nil {
			users[m] = u
		}
	}
	eligible := func(m string) bool {
		u, ok := users[m]
		return ok && u.DisabledAt.IsZero() && (u.Role == string(RoleAgent) || u.Role == string(RoleSupervisor)) &&
			(len(u.Scope) == 0 || slices.Contains(u.Scope, it.Merchant))
	}
	d := desk.RouteIn(r, g, load, last, eligible)
	if d.Assignee != "" && g.Strategy == desk.RoundRobin {
		if err := tx.SetDeskCursor(ctx, g.Code, d.Assignee); err != nil {
			return d, err
		}
	}
	return d, nil
}

// autoAssign routes a new case by the rules (when they assign on creation), recorded by
// the system in the history.
func (a *App) autoAssign(ctx context.Context, tx *txn, c *aftersale.Case, categories []string) (*aftersale.Case, bool, error) {
	r, err := deskRules(ctx, tx)
	if err != nil || !r.AutoAssign {
		return c, false, err
	}
	it := desk.Item{Kind: "case", Merchant: c.MerchantID, Categories: categories}
	// The customer's language is read only when a group takes by language.
	if slices.ContainsFunc(r.Groups, func(g desk.Group) bool { return len(g.Languages) > 0 }) {
		it.Language = customerLanguage(ctx, tx, c.CustomerID)
	}
	d, ok, err := a.routeWith(ctx, tx, r, it)
	if err != nil || !ok {
		return c, false, err
	}
	next, err := a.recordOwner(ctx, tx, c, aftersale.AssignOwner, aftersale.SystemActor, d.Why.ZH+" / "+d.Why.EN, desk.Owner{Assignee: d.Assignee, Group: d.Group})
	return next, err == nil, err
}

// customerLanguage is the language a customer chose for messages ("" unknown).
func customerLanguage(ctx context.Context, tx store.Tx, customer string) string {
	prefs, err := tx.NotificationPrefs(ctx, "customer:"+customer)
	if err != nil {
		return ""
	}
	return prefs.Locale
}

// complaintOwner decides a handover of a complaint: the desk's rules first (who may,
// the cap), then the complaint's own table (the tier).
func (a *App) complaintOwner(ctx context.Context, tx *txn, p Principal, c *complaint.Complaint, in *ComplaintActInput, cmd *complaint.Command) error {
	dc, err := ownerCommand(ctx, tx, p, string(in.Action), in.Assignee, in.Group, cmd.Note, c.Merchant)
	if err != nil {
		return err
	}
	next, err := handover(ctx, tx, desk.Owner{Assignee: c.Owner, Group: c.Group}, dc)
	if err != nil {
		return err
	}
	cmd.Assignee, cmd.Group = next.Assignee, next.Group
	if cmd.Assignee == "" && cmd.Group == "" {
		cmd.Group = c.Group
	}
	return nil
}

// QueueInput selects the service desk's queue (GET /api/v1/queue).
type QueueInput struct {
	Assignee string // me, unassigned, a username
	Group    string
	SLA      string // on_track, at_risk, breached
	Cursor   string
	Limit    int
}

// QueueView is the desk's queue: open cases soonest deadline first, and open complaints.
type QueueView struct {
	Items      []CaseSummary   `json:"items"`
	NextCursor string          `json:"next_cursor,omitempty"`
	Complaints []ComplaintView `json:"complaints" jsonschema:"description=open complaints with the same owner or group (first page only)"`
}

// openCaseStates are the states of open work.
func openCaseStates() []aftersale.State {
	var out []aftersale.State
	for _, s := range aftersale.States {
		if !s.Terminal() {
			out = append(out, s)
		}
	}
	return out
}

// Queue is the service desk's queue: the open cases p's filters select, by deadline, and
// on the first page the open complaints of the same owner or group.
func (a *App) Queue(ctx context.Context, p Principal, in QueueInput) (*QueueView, error) {
	if err := mayDesk(p); err != nil {
		return nil, err
	}
	cases, err := a.ListCases(ctx, p, ListInput{States: openCaseStates(), Assignee: in.Assignee, Group: in.Group, SLA: in.SLA,
		Sort: string(store.SortDeadline), Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	v := &QueueView{Items: cases.Items, NextCursor: cases.NextCursor, Complaints: []ComplaintView{}}
	if in.Cursor != "" || in.SLA != "" {
		return v, nil
	}
	q := store.ComplaintQuery{State: complaint.Open, Group: in.Group, Limit: 50}
	if len(p.Scope) > 0 {
		q.Merchants = p.Scope
	}
	err = a.store.View(ctx, func(tx store.Tx) error {
		var err error
		if q.Owner, q.Unassigned, err = ownerFilter(ctx, tx, p, in.Assignee); err != nil {
			return err
		}
		cs, _, err := tx.ListComplaints(ctx, q)
		if err != nil {
			return err
		}
		for i := range cs {
			cv, err := a.complaintView(ctx, tx, p, &cs[i], false)
			if err != nil {
				return err
			}
			v.Complaints = append(v.Complaints, *cv)
		}
		return nil
	})
	return v, fromCore(err)
}
