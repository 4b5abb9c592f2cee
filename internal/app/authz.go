package app

import (
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
)

// Role is what a principal is on the platform (SPEC's role table).
type Role string

// Roles of principals.
const (
	RoleCustomer    Role = "customer"
	RoleMerchant    Role = "merchant" // merchant staff, bound to one merchant
	RoleAgent       Role = "agent"
	RoleSupervisor  Role = "supervisor"
	RoleAdmin       Role = "admin"
	RoleIntegration Role = "integration" // the shop system, a carrier, a payment gateway
)

// Roles lists every principal role.
var Roles = []Role{RoleCustomer, RoleMerchant, RoleAgent, RoleSupervisor, RoleAdmin, RoleIntegration}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Principal is who makes a request, as the token or session says.
type Principal struct {
	Role Role
	// Merchant binds merchant staff and integrations to one merchant; for a customer who
	// arrived by a merchant shop's login link, it limits the session to that shop's cases.
	Merchant string
	Customer string   // a customer
	Scope    []string // the merchants an agent or supervisor serves; empty: all
	ID       string   // the token, user or session id, for history and idempotency
	// User is the staff account behind a session ("" for tokens and customers): whose
	// inbox and channels.
	User string
	// Where the request came from, for the audit log.
	Addr   string
	Client string
}

// actor is the principal as the case life cycle sees it. Integrations act as the system
// (carrier events, the shop); admins configure and do not act on cases.
func (p Principal) actor() (aftersale.Actor, bool) {
	switch p.Role {
	case RoleCustomer:
		return aftersale.Actor{Role: aftersale.Customer, ID: p.Customer}, true
	case RoleMerchant:
		return aftersale.Actor{Role: aftersale.Merchant, ID: p.ID}, true
	case RoleAgent:
		return aftersale.Actor{Role: aftersale.Agent, ID: p.ID}, true
	case RoleSupervisor:
		return aftersale.Actor{Role: aftersale.Supervisor, ID: p.ID}, true
	case RoleIntegration:
		return aftersale.Actor{Role: aftersale.System, ID: p.ID}, true
	}
	return aftersale.Actor{}, false
}

// operation is what a principal wants to do; authorize decides it for every command and
// query in one place.
type operation int

const (
	opReadOrder operation = iota
	opUpsertOrder
	opApply
	opAct
	opReadCase
	opListCases
	opEvaluate
	opUpload
	opReadAttachment
	opManagePolicy
	opPostMessage
	opReadMessages
	opAdmin
	opWorkload // the supervisor's view of open work
	opReadLedger
	opRetryPayment
	opReadDispute
	opActDispute
	opFileComplaint
	opReadComplaint
	opActComplaint
)

// owner is whose a resource is.
type owner struct {
	merchant string
	customer string
}

// sees reports whether p may see resources of o at all. Someone else's resource is
// reported as not found, never as forbidden, so that its existence is not revealed.
func (p Principal) sees(o owner) bool {
	switch p.Role {
	case RoleCustomer:
		return p.Customer != "" && o.customer == p.Customer && (p.Merchant == "" || o.merchant == p.Merchant)
	case RoleMerchant:
		return p.Merchant != "" && o.merchant == p.Merchant
	case RoleIntegration:
		return p.Merchant == "" || o.merchant == p.Merchant
	case RoleAgent, RoleSupervisor:
		return len(p.Scope) == 0 || slices.Contains(p.Scope, o.merchant)
	case RoleAdmin:
		return true
	}
	return false
}

// may reports whether p's role may perform op at all, whatever the resource.
func (p Principal) may(op operation) bool {
	switch op {
	case opReadOrder, opReadCase, opEvaluate:
		return p.Role.Valid()
	case opListCases:
		// Integrations (the shop system, carriers) have their own endpoints: orders, the
		// case they act on, the policy dry run — not the queue.
		return p.Role.Valid() && p.Role != RoleIntegration
	case opUpsertOrder:
		return p.Role == RoleIntegration || p.Role == RoleAdmin || p.Role == RoleMerchant
	case opApply:
		return p.Role == RoleCustomer || p.Role == RoleAgent || p.Role == RoleSupervisor
	case opAct:
		_, ok := p.actor()
		return ok
	case opUpload:
		return p.Role == RoleCustomer || p.Role == RoleMerchant || p.Role == RoleAgent || p.Role == RoleSupervisor
	case opReadAttachment:
		return p.Role != RoleIntegration && p.Role.Valid()
	case opManagePolicy, opAdmin:
		return p.Role == RoleAdmin
	case opWorkload:
		return p.Role == RoleSupervisor || p.Role == RoleAdmin
	case opReadLedger:
		// The money of many cases: the merchant's own, the platform's staff who answer for
		// it. Agents see a case's entries on the case.
		return p.Role == RoleMerchant || p.Role == RoleSupervisor || p.Role == RoleAdmin
	case opRetryPayment:
		return p.Role == RoleAgent || p.Role == RoleSupervisor
	case opReadDispute:
		return p.Role != RoleIntegration && p.Role.Valid()
	case opActDispute:
		// The parties and the platform's desk; admins configure, the clock acts by itself.
		return p.Role == RoleCustomer || p.Role == RoleMerchant || p.Role == RoleAgent || p.Role == RoleSupervisor
	case opFileComplaint:
		return p.Role == RoleCustomer || p.Role == RoleMerchant
	case opReadComplaint, opActComplaint:
		return p.Role == RoleCustomer || p.Role == RoleMerchant || p.Role == RoleAgent || p.Role == RoleSupervisor || p.Role == RoleAdmin
	case opPostMessage:
		return p.Role == RoleCustomer || p.Role == RoleMerchant || p.Role == RoleAgent || p.Role == RoleSupervisor
	case opReadMessages:
		return p.Role != RoleIntegration && p.Role.Valid()
	}
	return false
}

// authorize is the one check every command and query makes: the role may do op, and the
// resource (if any) is the principal's to see. Forbidden when the role may never do it,
// not found when the resource is someone else's.
func authorize(p Principal, op operation, o *owner, what string) error {
	if !p.may(op) {
		return errForbidden("你的角色不能执行此操作", "your role may not do this")
	}
	if o != nil && !p.sees(*o) {
		return errNotFound(what)
	}
	return nil
}

// allowedActions lists the actions p may take on c at now: the transition table's, less,
// for an integration, the clock's actions before the case's deadline has passed.
func allowedActions(p Principal, c *aftersale.Case, pol aftersale.Policy, now time.Time) []aftersale.Action {
	actor, ok := p.actor()
	if !ok {
		return nil
	}
	allowed := aftersale.Allowed(c, actor.Role, pol)
	if c.State == aftersale.Disputed {
		// The dispute decides a disputed case (its own allowed actions).
		allowed = slices.DeleteFunc(allowed, func(a aftersale.Action) bool { return slices.Contains(disputeOwned, a) })
	}
	if p.Role == RoleIntegration {
		allowed = slices.DeleteFunc(allowed, func(a aftersale.Action) bool { return beforeItsTime(c, a, now) })
	}
	return allowed
}

// beforeItsTime reports whether action is the clock's (aftersale.ClockAction) and the
// deadline of c's state has not passed at now. Integrations act as the system for what
// they report (a carrier's delivery), and an external scheduler may take the clock's
// actions once a deadline has passed; before, a shop system would answer for the merchant
// while the merchant's time still runs.
func beforeItsTime(c *aftersale.Case, action aftersale.Action, now time.Time) bool {
	if !aftersale.ClockAction(c.State, action, c.Type) {
		return false
	}
	kind, ok := aftersale.DeadlineKindOf(c.State)
	return !ok || !deadlineDue(c, kind, now)
}
