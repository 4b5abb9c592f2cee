// Package desk is the service desk's own law: who owns a case or a complaint (专人负责),
// the assignment rules that route new work to a group and a person (round robin, least
// open load, by skill, by merchant; a cap per agent), the handovers (assign, transfer,
// take), the satisfaction survey (满意度) and the quality review's rubric and sampling
// (质检).
//
// Pure: no I/O, time passed in.
package desk

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/aftersales/aftersales/internal/aftersale"
)

// Text is a user-facing string in both product languages.
type Text = aftersale.Text

// FieldError is a problem with one field of a command or a document.
type FieldError struct {
	Field   string
	Message Text
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message.EN }

// ConflictError says the command does not fit the present owner.
type ConflictError struct{ Why Text }

func (e *ConflictError) Error() string { return e.Why.EN }

func fieldErr(field, zh, en string) *FieldError {
	return &FieldError{Field: field, Message: Text{ZH: zh, EN: en}}
}

// Strategy is how a group picks one of its members.
type Strategy string

// Strategies.
const (
	// RoundRobin takes the members in turn, after the one last given work.
	RoundRobin Strategy = "round_robin"
	// LeastLoad takes the member with the fewest open cases and complaints (ties: the
	// member listed first).
	LeastLoad Strategy = "least_load"
	// Manual gives work to nobody: it waits in the group's queue to be taken.
	Manual Strategy = "manual"
)

// Valid reports whether s is known.
func (s Strategy) Valid() bool { return s == RoundRobin || s == LeastLoad || s == Manual }

// Group is a team with a queue: what it serves (merchants, product categories, languages:
// its skills) and who is in it.
type Group struct {
	Code     string   `json:"code"`
	Name     Text     `json:"name"`
	Strategy Strategy `json:"strategy"`
	// Members are staff usernames, in the order the strategy walks them.
	Members []string `json:"members"`
	// Merchants, Categories and Languages narrow what the group takes; empty: any.
	Merchants  []string `json:"merchants,omitempty"`
	Categories []string `json:"categories,omitempty"`
	Languages  []string `json:"languages,omitempty"`
	// Kinds is "case", "complaint" or both; empty: both.
	Kinds []string `json:"kinds,omitempty"`
	// Cap is the most open work a member of this group holds (0: the rules' cap).
	Cap int `json:"cap,omitempty"`
}

// Rules are the desk's assignment rules as data: the groups in the order they are tried,
// the cap per agent, and whether new work is assigned on creation.
type Rules struct {
	Version int     `json:"version"`
	Groups  []Group `json:"groups"`
	// Cap is the most open cases and complaints one person owns (0: no cap).
	Cap int `json:"cap"`
	// AutoAssign routes every new case and complaint when it is created.
	AutoAssign bool `json:"auto_assign"`
	// Rubric is what quality reviews score.
	Rubric Rubric `json:"rubric"`
	// LongHandlingHours is the handling time above which a closed case is "long" for the
	// quality review's sampling (0: 72).
	LongHandlingHours int `json:"long_handling_hours,omitempty"`
}

// Defaults are the rules before an admin saves any: one queue for everyone, no
// automatic assignment, a cap of 30 and the standard rubric.
func Defaults() Rules {
	return Rules{Version: 0, Cap: 30, Groups: []Group{{Code: "general", Name: Text{ZH: "综合组", EN: "General"}, Strategy: Manual, Members: []string{}}},
		Rubric: DefaultRubric(), LongHandlingHours: 72}
}

// Group returns the group with this code.
func (r *Rules) Group(code string) (Group, bool) {
	for _, g := range r.Groups {
		if g.Code == code {
			return g, true
		}
	}
	return Group{}, false
}

// CapOf is the cap of a member of group (the group's, or the rules').
func (r *Rules) CapOf(group string) int {
	if g, ok := r.Group(group); ok && g.Cap > 0 {
		return g.Cap
	}
	return r.Cap
}

const maxCode = 40

func validCode(s string) bool {
	if s == "" || len(s) > maxCode {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Check validates the rules; isUser reports whether a username is a staff account that
// may own work (an agent or a supervisor).
func (r *Rules) Check(isUser func(string) bool) error {
	if r.Cap < 0 || r.Cap > 10000 {
		return fieldErr("cap", "上限应为 0–10000(0 表示不限)", "cap must be 0–10000 (0: none)")
	}
	if len(r.Groups) == 0 {
		return fieldErr("groups", "至少需要一个组", "at least one group is needed")
	}
	if len(r.Groups) > 200 {
		return fieldErr("groups", "组不能超过 200 个", "at most 200 groups")
	}
	seen := map[string]bool{}
	for i, g := range r.Groups {
		at := func(f string) string { return fmt.Sprintf("groups[%d].%s", i, f) }
		switch {
		case !validCode(g.Code):
			return fieldErr(at("code"), "组代码应为 1–40 个小写字母、数字、- 或 _", "a group code is 1–40 lower-case letters, digits, - or _")
		case seen[g.Code]:
			return fieldErr(at("code"), "组代码重复:"+g.Code, "the group code is used twice: "+g.Code)
		case !g.Strategy.Valid():
			return fieldErr(at("strategy"), "分配方式应为 round_robin、least_load 或 manual", "strategy must be round_robin, least_load or manual")
		case g.Cap < 0 || g.Cap > 10000:
			return fieldErr(at("cap"), "上限应为 0–10000", "cap must be 0–10000")
		case len(g.Members) > 500:
			return fieldErr(at("members"), "成员不能超过 500 人", "at most 500 members")
		}
		seen[g.Code] = true
		members := map[string]bool{}
		for j, m := range g.Members {
			if members[m] {
				return fieldErr(fmt.Sprintf("groups[%d].members[%d]", i, j), "成员重复:"+m, "a member is listed twice: "+m)
			}
			if isUser != nil && !isUser(m) {
				return fieldErr(fmt.Sprintf("groups[%d].members[%d]", i, j), "不是客服或主管账号:"+m, "not an agent or supervisor account: "+m)
			}
			members[m] = true
		}
		for j, k := range g.Kinds {
			if k != "case" && k != "complaint" {
				return fieldErr(fmt.Sprintf("groups[%d].kinds[%d]", i, j), "应为 case 或 complaint", "case or complaint")
			}
		}
		for j, l := range g.Languages {
			if l != "zh" && l != "en" {
				return fieldErr(fmt.Sprintf("groups[%d].languages[%d]", i, j), "语言应为 zh 或 en", "a language is zh or en")
			}
		}
	}
	if r.LongHandlingHours < 0 {
		return fieldErr("long_handling_hours", "不能为负", "must not be negative")
	}
	return r.Rubric.Check()
}

// Item is a piece of work to route: a new case or complaint.
type Item struct {
	Kind       string // case | complaint
	Merchant   string
	Categories []string // of the order lines it is about
	Language   string   // the customer's: zh | en ("" unknown)
}

// Takes reports whether g serves it (its skills).
func (g *Group) Takes(it Item) bool {
	if len(g.Kinds) > 0 && !slices.Contains(g.Kinds, it.Kind) {
		return false
	}
	if len(g.Merchants) > 0 && !slices.Contains(g.Merchants, it.Merchant) {
		return false
	}
	if len(g.Categories) > 0 && !slices.ContainsFunc(it.Categories, func(c string) bool { return slices.Contains(g.Categories, c) }) {
		return false
	}
	// A language skill takes the customers known to speak it (an unknown language goes
	// to the groups without one).
	if len(g.Languages) > 0 && !slices.Contains(g.Languages, it.Language) {
		return false
	}
	return true
}

// Decision is where routing sends a piece of work: a group, and a member when one is free.
type Decision struct {
	Group    string `json:"group"`
	Assignee string `json:"assignee,omitempty"`
	Why      Text   `json:"why"`
	// Full says everyone in the group is at the cap, so the work waits in its queue (an
	// emergency plan may overflow it to other groups: RouteIn).
	Full bool `json:"full,omitempty"`
}

// Route picks the group of the first group (in order) whose skills fit it, and a member
// by the group's strategy: load holds each person's open work, last the member the
// group's round robin gave work to last, eligible reports whether a member may own this
// item (an active account whose scope covers its merchant). Members at the cap are
// passed over; when all are, the work waits in the group's queue.
func Route(r *Rules, it Item, load map[string]int, last string, eligible func(string) bool) Decision {
	gi := slices.IndexFunc(r.Groups, func(g Group) bool { return g.Takes(it) })
	if gi < 0 {
		return Decision{Why: Text{ZH: "没有适合的组", EN: "no group takes it"}}
	}
	return RouteIn(r, r.Groups[gi], load, last, eligible)
}

// RouteIn picks a member of group g by its strategy, as Route does for the group that
// takes the item.
func RouteIn(r *Rules, g Group, load map[string]int, last string, eligible func(string) bool) Decision {
	d := Decision{Group: g.Code}
	limit := r.CapOf(g.Code)
	free := func(m string) bool {
		return (eligible == nil || eligible(m)) && (limit == 0 || load[m] < limit)
	}
	switch g.Strategy {
	case Manual:
		d.Why = Text{ZH: "进入" + g.Name.ZH + "队列,等待认领", EN: "in the " + g.Name.EN + " queue, to be taken"}
		return d
	case RoundRobin:
		start := slices.Index(g.Members, last) + 1 // 0 when last is not a member
		for i := range g.Members {
			m := g.Members[(start+i)%len(g.Members)]
			if free(m) {
				d.Assignee = m
				d.Why = Text{ZH: g.Name.ZH + "轮流分配", EN: "round robin in " + g.Name.EN}
				return d
			}
		}
	case LeastLoad:
		best := ""
		for _, m := range g.Members {
			if free(m) && (best == "" || load[m] < load[best]) {
				best = m
			}
		}
		if best != "" {
			d.Assignee = best
			d.Why = Text{ZH: fmt.Sprintf("%s中在办最少(%d 件)", g.Name.ZH, load[best]),
				EN: fmt.Sprintf("fewest open in %s (%d)", g.Name.EN, load[best])}
			return d
		}
	}
	d.Why = Text{ZH: g.Name.ZH + "成员均已达上限,进入队列", EN: "everyone in " + g.Name.EN + " is at the cap: queued"}
	d.Full = true
	return d
}

// Action is a handover of ownership.
type Action string

// Actions (POST /api/v1/cases/{id}/actions and the same on complaints).
const (
	Assign   Action = "assign"   // to a person (assignee) or a group's queue (group)
	Transfer Action = "transfer" // hand over one's own work, with a note
	Take     Action = "take"     // take work from a queue for oneself
)

// Actions lists the ownership actions.
var Actions = []Action{Assign, Transfer, Take}

// IsAction reports whether s is an ownership action.
func IsAction(s string) bool { return slices.Contains(Actions, Action(s)) }

// Owner is who holds a piece of work: a person, a group's queue, or both (a person of
// the group).
type Owner struct {
	Assignee string `json:"assignee,omitempty"`
	Group    string `json:"group,omitempty"`
}

// Command is an ownership action by a staff member.
type Command struct {
	Action   Action
	Assignee string // assign, transfer: the new owner (a username)
	Group    string // assign, transfer: the new queue
	Note     string
	// Actor is the acting staff member's username; Supervisor says they may hand over
	// anyone's work.
	Actor      string
	Supervisor bool
}

// Apply returns the owner after cmd: load is the open work of the new assignee (before
// this item), for the cap. The caller checks that the new assignee is a staff account
// that may own the item.
func Apply(r *Rules, o Owner, cmd Command, load map[string]int) (Owner, error) {
	next := o
	switch cmd.Action {
	case Take:
		if cmd.Actor == "" {
			return o, &ConflictError{Why: Text{ZH: "只有员工账号可以认领", EN: "only a staff account can take work"}}
		}
		if o.Assignee == cmd.Actor {
			return o, &ConflictError{Why: Text{ZH: "已由你负责", EN: "you own it already"}}
		}
		if o.Assignee != "" && !cmd.Supervisor {
			return o, &ConflictError{Why: Text{ZH: "已由 " + o.Assignee + " 负责", EN: "owned by " + o.Assignee + " already"}}
		}
		next.Assignee = cmd.Actor
	case Assign, Transfer:
		if cmd.Assignee == "" && cmd.Group == "" {
			return o, fieldErr("assignee", "请指定负责人(assignee)或组(group)", "name an assignee or a group")
		}
		if cmd.Action == Transfer && strings.TrimSpace(cmd.Note) == "" {
			return o, fieldErr("note", "转交需要说明原因", "a transfer needs a note")
		}
		if !cmd.Supervisor && o.Assignee != "" && o.Assignee != cmd.Actor {
			return o, &ConflictError{Why: Text{ZH: "由 " + o.Assignee + " 负责:只有负责人或主管可以转交", EN: "owned by " + o.Assignee + ": only the owner or a supervisor hands it over"}}
		}
		if cmd.Action == Transfer && o.Assignee == "" && o.Group == "" {
			return o, &ConflictError{Why: Text{ZH: "尚无负责人,请使用分配", EN: "nobody owns it yet: assign it"}}
		}
		if cmd.Group != "" {
			if _, ok := r.Group(cmd.Group); !ok {
				return o, fieldErr("group", "未知的组:"+cmd.Group, "unknown group: "+cmd.Group)
			}
			next.Group = cmd.Group
		}
		next.Assignee = cmd.Assignee // a group alone puts it back in that queue
		if next == o {
			return o, &ConflictError{Why: Text{ZH: "负责人没有变化", EN: "the owner is the same"}}
		}
	default:
		return o, fieldErr("action", "未知的操作:可用 assign、transfer、take", "unknown action: use assign, transfer or take")
	}
	if next.Assignee != "" && next.Assignee != o.Assignee {
		if limit := r.CapOf(next.Group); limit > 0 && load[next.Assignee] >= limit {
			return o, &ConflictError{Why: Text{
				ZH: fmt.Sprintf("%s 在办 %d 件,已达上限 %d", next.Assignee, load[next.Assignee], limit),
				EN: fmt.Sprintf("%s holds %d open, the cap is %d", next.Assignee, load[next.Assignee], limit)}}
		}
	}
	return next, nil
}

// LeastLoaded is the members sorted by load then name, for pages that suggest who to pick.
func LeastLoaded(members []string, load map[string]int) []string {
	out := slices.Clone(members)
	slices.SortStableFunc(out, func(a, b string) int { return cmp.Compare(load[a], load[b]) })
	return out
}
