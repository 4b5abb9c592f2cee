// Package complaint is the complaint ticket (投诉, SPEC §5): a customer or a merchant
// complains about service — an agent, a merchant, the platform — optionally about a case.
// A complaint climbs tiers (1 agent → 2 supervisor → 3 manager), each with a first-response
// and a resolution target from the policy on the business calendar; a breach moves it to
// the next tier by itself and tells the new owner.
//
// Pure: no I/O, time passed in. One table of state × action → roles drives Transition and
// Allowed.
package complaint

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
)

// Text is a user-facing string in both product languages.
type Text = aftersale.Text

// Role is who acts on complaints: the complainants, the service desk's tiers, the clock.
type Role string

// Roles.
const (
	Customer   Role = "customer"
	Merchant   Role = "merchant"
	Agent      Role = "agent"
	Supervisor Role = "supervisor"
	Admin      Role = "admin" // the manager, tier 3
	System     Role = "system"
)

// Actor is who acts.
type Actor struct {
	Role Role   `json:"role"`
	ID   string `json:"id,omitempty"`
}

// About is what a complaint is about.
type About string

// Abouts.
const (
	AboutAgent    About = "agent"
	AboutMerchant About = "merchant"
	AboutPlatform About = "platform"
)

// Abouts lists what a complaint may be about.
var Abouts = []About{AboutAgent, AboutMerchant, AboutPlatform}

// Valid reports whether a is known.
func (a About) Valid() bool { return slices.Contains(Abouts, a) }

// Label is the name for people.
func (a About) Label() Text {
	switch a {
	case AboutAgent:
		return Text{ZH: "客服人员", EN: "An agent"}
	case AboutMerchant:
		return Text{ZH: "商家", EN: "A merchant"}
	}
	return Text{ZH: "平台", EN: "The platform"}
}

// State is where a complaint stands.
type State string

// States.
const (
	Open     State = "open"
	Resolved State = "resolved"
)

// Label is the state's name for people.
func (s State) Label() Text {
	if s == Resolved {
		return Text{ZH: "已解决", EN: "Resolved"}
	}
	return Text{ZH: "处理中", EN: "Open"}
}

// Action is something someone does to a complaint.
type Action string

// Actions, as the API names them.
const (
	File     Action = "file"
	Assign   Action = "assign"
	Reply    Action = "reply"
	Escalate Action = "escalate"
	Resolve  Action = "resolve"
	Reopen   Action = "reopen"
	// Transfer hands a complaint to another person or group with a note; Take takes it
	// from a queue (the service desk's rules, package desk, decide who may).
	Transfer Action = "transfer"
	Take     Action = "take"
	// Breach is the clock's: a target of the tier passed. Below the top tier the complaint
	// moves up; at the top the breach is recorded and the manager told.
	Breach Action = "breach"
)

// Actions lists the actions someone may ask for.
var Actions = []Action{Assign, Transfer, Take, Reply, Escalate, Resolve, Reopen}

// Label is the action's name for people.
func (a Action) Label() Text {
	return map[Action]Text{
		File: {ZH: "提交投诉", EN: "Filed"}, Assign: {ZH: "指派", EN: "Assign"}, Reply: {ZH: "回复", EN: "Reply"},
		Escalate: {ZH: "升级", EN: "Escalate"}, Resolve: {ZH: "解决", EN: "Resolve"}, Reopen: {ZH: "重新打开", EN: "Reopen"},
		Breach: {ZH: "超时升级", EN: "Target missed"}, Transfer: {ZH: "转交", EN: "Transfer"}, Take: {ZH: "认领", EN: "Take"},
	}[a]
}

// TopTier is the manager's tier.
const TopTier = 3

// TierRole is the role that owns a tier.
func TierRole(tier int) Role {
	switch tier {
	case 1:
		return Agent
	case 2:
		return Supervisor
	}
	return Admin
}

// TierLabel names a tier for people.
func TierLabel(tier int) Text {
	switch tier {
	case 1:
		return Text{ZH: "一线客服", EN: "Tier 1 · agent"}
	case 2:
		return Text{ZH: "主管", EN: "Tier 2 · supervisor"}
	}
	return Text{ZH: "经理", EN: "Tier 3 · manager"}
}

// rank orders the staff roles by tier.
func rank(r Role) int {
	switch r {
	case Agent:
		return 1
	case Supervisor:
		return 2
	case Admin:
		return 3
	}
	return 0
}

// Target is what the service desk promises at a tier.
type Target string

// Targets.
const (
	FirstResponse Target = "first_response"
	Resolution    Target = "resolution"
)

// Terms is what complaints need from the policy in force.
type Terms interface {
	// Due is when a target of tier, counted from since, falls due (on the business
	// calendar); ok is false when the policy sets no such target.
	Due(tier int, t Target, since time.Time) (time.Time, bool)
}

// Complaint is one complaint ticket.
type Complaint struct {
	ID          string               `json:"id"`
	Number      string               `json:"number"`
	Subject     string               `json:"subject"`
	About       About                `json:"about"`
	CaseID      string               `json:"case_id,omitempty"`
	CaseNumber  string               `json:"case_number,omitempty"`
	Merchant    string               `json:"merchant,omitempty"` // the merchant it concerns (its case's, the one complained about, or the complainant)
	Customer    string               `json:"customer,omitempty"` // the complaining customer
	FiledBy     Actor                `json:"filed_by"`
	Description string               `json:"description"`
	Evidence    []aftersale.Evidence `json:"evidence,omitempty"`
	// Channel is how it arrived: "" (the pages or the API) or email.
	Channel string `json:"channel,omitempty"`
	// PolicyVersion is the policy whose tier targets apply (its case's, or the one in force
	// when it was filed).
	PolicyVersion string    `json:"policy_version"`
	State         State     `json:"state"`
	Version       int64     `json:"version"`
	Tier          int       `json:"tier"`
	Owner         string    `json:"owner,omitempty"` // the staff member assigned at this tier
	Group         string    `json:"group,omitempty"` // the desk group whose queue it sits in
	TierSince     time.Time `json:"tier_since"`
	// Responded is when staff first answered at this tier (zero: not yet).
	Responded  time.Time `json:"responded_at,omitzero"`
	Resolution string    `json:"resolution,omitempty"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// Breaches already recorded at this tier ("first_response", "resolution"), so each is
	// recorded once.
	Breaches  []Target  `json:"breaches,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Event is one entry of a complaint's history.
type Event struct {
	Seq    int64             `json:"seq"`
	Action Action            `json:"action"`
	Actor  Actor             `json:"actor"`
	From   State             `json:"from,omitempty"`
	To     State             `json:"to"`
	At     time.Time         `json:"at"`
	Note   string            `json:"note,omitempty"`
	Data   map[string]string `json:"data,omitempty"`
}

// Command is what someone asks of a complaint.
type Command struct {
	Action   Action
	Actor    Actor
	Note     string // reply, resolve (the resolution), escalate, reopen
	Assignee string // assign, transfer, take: the new owner (a staff username)
	Group    string // assign, transfer: the desk group whose queue it goes to
	Target   Target // breach
}

// Effects are what the application does because of a transition.
type Effects struct {
	// CheckAt is when the complaint's next target falls due (zero: none; the clock stops).
	CheckAt time.Time
	// NotifyTier tells the owners of the tier (after an escalation), NotifyFiler the
	// complainant.
	NotifyTier  int
	NotifyFiler bool
}

// Result is a transition's outcome.
type Result struct {
	Complaint Complaint
	Event     Event
	Effects   Effects
}

// InvalidError is a command field that is wrong.
type InvalidError = aftersale.InvalidError

func invalid(field, zh, en string) error {
	return &InvalidError{Field: field, Message: Text{ZH: zh, EN: en}}
}

// NotAllowedError is an action the complaint does not offer to the actor now.
type NotAllowedError struct {
	Action  Action
	State   State
	Role    Role
	Allowed []Action
}

func (e *NotAllowedError) Error() string {
	return fmt.Sprintf("complaint: %s may not %s a complaint that is %s (allowed: %v)", e.Role, e.Action, e.State, e.Allowed)
}

// New files a complaint at tier 1.
func New(c Complaint, now time.Time, t Terms) (Result, error) {
	c.Subject, c.Description = strings.TrimSpace(c.Subject), strings.TrimSpace(c.Description)
	switch {
	case c.Subject == "":
		return Result{}, invalid("subject", "请填写投诉主题", "the subject is required")
	case len([]rune(c.Subject)) > 200:
		return Result{}, invalid("subject", "投诉主题不超过 200 字", "the subject is at most 200 characters")
	case !c.About.Valid():
		return Result{}, invalid("about", "投诉对象应为 agent、merchant 或 platform", "about must be agent, merchant or platform")
	case c.Description == "":
		return Result{}, invalid("description", "请描述投诉的问题", "describe what the complaint is about")
	}
	c.State, c.Version, c.Tier, c.TierSince, c.CreatedAt, c.UpdatedAt = Open, 1, 1, now, now, now
	ev := Event{Seq: 1, Action: File, Actor: c.FiledBy, To: Open, At: now, Note: c.Subject,
		Data: map[string]string{"about": string(c.About), "tier": "1"}}
	return Result{Complaint: c, Event: ev, Effects: Effects{CheckAt: nextCheck(&c, t), NotifyTier: 1}}, nil
}

// rule is one row of the complaint table.
type rule struct {
	from   State
	action Action
	// may says whether the actor may take the action on c (the roles and the tier).
	may   func(c *Complaint, a Actor) bool
	to    State
	apply func(c *Complaint, cmd *Command, now time.Time, fx *Effects) error
}

var table = []rule{
	{Open, Assign, atTier, Open, applyAssign},
	{Open, Transfer, atTier, Open, applyAssign},
	{Open, Take, atTier, Open, applyAssign},
	{Open, Reply, complainantOrTier, Open, applyReply},
	{Open, Escalate, atTierBelowTop, Open, applyEscalate},
	{Open, Resolve, atTier, Resolved, applyResolve},
	{Open, Breach, isSystem, Open, applyBreach},
	{Resolved, Reopen, complainantOrTier, Open, applyReopen},
	{Resolved, Reply, complainantOrTier, Resolved, applyReply},
}

// complainant reports whether a is the one who filed c: the customer, or any staff of the
// merchant whose staff filed it (the application checks the merchant).
func complainant(c *Complaint, a Actor) bool {
	switch a.Role {
	case Customer:
		return c.FiledBy.Role == Customer && a.ID == c.FiledBy.ID
	case Merchant:
		return c.FiledBy.Role == Merchant
	}
	return false
}

// atTier: staff of the complaint's tier or above.
func atTier(c *Complaint, a Actor) bool { return rank(a.Role) >= c.Tier }

func atTierBelowTop(c *Complaint, a Actor) bool { return atTier(c, a) && c.Tier < TopTier }

func complainantOrTier(c *Complaint, a Actor) bool { return complainant(c, a) || atTier(c, a) }

func isSystem(_ *Complaint, a Actor) bool { return a.Role == System }

// Allowed lists what a may do on c now.
func Allowed(c *Complaint, a Actor) []Action {
	var out []Action
	for _, r := range table {
		if r.from == c.State && r.action != Breach && r.may(c, a) && !slices.Contains(out, r.action) {
			out = append(out, r.action)
		}
	}
	return out
}

// Transition decides one command on a complaint.
func Transition(c Complaint, cmd Command, now time.Time, t Terms) (Result, error) {
	i := slices.IndexFunc(table, func(r rule) bool { return r.from == c.State && r.action == cmd.Action })
	if i < 0 || !table[i].may(&c, cmd.Actor) {
		return Result{}, &NotAllowedError{Action: cmd.Action, State: c.State, Role: cmd.Actor.Role, Allowed: Allowed(&c, cmd.Actor)}
	}
	cmd.Note = strings.TrimSpace(cmd.Note)
	next := c
	next.Breaches = slices.Clone(c.Breaches)
	var fx Effects
	from := c.Tier
	if err := table[i].apply(&next, &cmd, now, &fx); err != nil {
		return Result{}, err
	}
	next.State = table[i].to
	next.Version++
	next.UpdatedAt = now
	if next.State == Open {
		fx.CheckAt = nextCheck(&next, t)
	}
	data := map[string]string{}
	if next.Tier != from {
		data["tier"] = fmt.Sprint(next.Tier)
		fx.NotifyTier = next.Tier
	}
	if cmd.Assignee != "" {
		data["assignee"] = cmd.Assignee
	}
	if cmd.Group != "" {
		data["group"] = cmd.Group
	}
	if cmd.Target != "" {
		data["target"] = string(cmd.Target)
	}
	if len(data) == 0 {
		data = nil
	}
	ev := Event{Seq: next.Version, Action: cmd.Action, Actor: cmd.Actor, From: c.State, To: next.State, At: now, Note: cmd.Note, Data: data}
	return Result{Complaint: next, Event: ev, Effects: fx}, nil
}

func applyAssign(c *Complaint, cmd *Command, _ time.Time, _ *Effects) error {
	cmd.Assignee, cmd.Group = strings.TrimSpace(cmd.Assignee), strings.TrimSpace(cmd.Group)
	if cmd.Assignee == "" && cmd.Group == "" {
		return invalid("assignee", "请指定处理人", "name who handles the complaint")
	}
	if cmd.Action == Transfer && cmd.Note == "" {
		return invalid("note", "转交需要说明原因", "a transfer needs a note")
	}
	c.Owner = cmd.Assignee
	if cmd.Group != "" {
		c.Group = cmd.Group
	}
	return nil
}

func applyReply(c *Complaint, cmd *Command, now time.Time, fx *Effects) error {
	if cmd.Note == "" {
		return invalid("note", "请填写回复内容", "the reply is empty")
	}
	if rank(cmd.Actor.Role) > 0 {
		if c.Responded.IsZero() {
			c.Responded = now
		}
		fx.NotifyFiler = true
	}
	return nil
}

func applyEscalate(c *Complaint, cmd *Command, now time.Time, _ *Effects) error {
	if cmd.Note == "" {
		return invalid("note", "请说明升级原因", "say why the complaint goes up")
	}
	c.up(now)
	return nil
}

func applyResolve(c *Complaint, cmd *Command, now time.Time, fx *Effects) error {
	if cmd.Note == "" {
		return invalid("resolution", "请填写处理结果", "the resolution is required")
	}
	c.Resolution, c.ResolvedAt = cmd.Note, now
	if c.Responded.IsZero() {
		c.Responded = now
	}
	fx.NotifyFiler = true
	return nil
}

func applyReopen(c *Complaint, cmd *Command, now time.Time, _ *Effects) error {
	if cmd.Note == "" {
		return invalid("note", "请说明为何重新打开", "say why the complaint is reopened")
	}
	// The tier's clocks start again.
	c.Resolution, c.ResolvedAt, c.Responded, c.TierSince, c.Breaches = "", time.Time{}, time.Time{}, now, nil
	return nil
}

func applyBreach(c *Complaint, cmd *Command, now time.Time, fx *Effects) error {
	if slices.Contains(c.Breaches, cmd.Target) {
		return invalid("target", "该时限已记录超时", "that target's breach is already recorded")
	}
	if cmd.Note == "" {
		cmd.Note = TierLabel(c.Tier).ZH + "未在时限内" + map[Target]string{FirstResponse: "首次响应", Resolution: "解决"}[cmd.Target] +
			" / " + TierLabel(c.Tier).EN + " missed the " + strings.ReplaceAll(string(cmd.Target), "_", " ") + " target"
	}
	if c.Tier < TopTier {
		c.up(now)
		return nil
	}
	c.Breaches = append(c.Breaches, cmd.Target)
	fx.NotifyTier = TopTier
	return nil
}

// up moves the complaint to the next tier: unassigned there, its clocks started afresh.
func (c *Complaint) up(now time.Time) {
	c.Tier++
	c.Owner, c.Responded, c.TierSince, c.Breaches = "", time.Time{}, now, nil
}

// Check is the breach due on c at now, if any: the first response, then the resolution.
func Check(c *Complaint, now time.Time, t Terms) (Command, bool) {
	if c.State != Open {
		return Command{}, false
	}
	for _, target := range []Target{FirstResponse, Resolution} {
		if target == FirstResponse && !c.Responded.IsZero() || slices.Contains(c.Breaches, target) {
			continue
		}
		if due, ok := t.Due(c.Tier, target, c.TierSince); ok && !due.After(now) {
			return Command{Action: Breach, Actor: Actor{Role: System, ID: "system"}, Target: target}, true
		}
	}
	return Command{}, false
}

// nextCheck is when c's next target at its tier falls due (zero: none left).
func nextCheck(c *Complaint, t Terms) time.Time {
	var next time.Time
	for _, target := range []Target{FirstResponse, Resolution} {
		if target == FirstResponse && !c.Responded.IsZero() || slices.Contains(c.Breaches, target) {
			continue
		}
		if due, ok := t.Due(c.Tier, target, c.TierSince); ok && (next.IsZero() || due.Before(next)) {
			next = due
		}
	}
	return next
}
