package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/desk"
	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/text"
)

// Complaints (SPEC §5, package complaint): tickets about service, climbing tiers 1 agent →
// 2 supervisor → 3 manager. Each complaint row carries when its next target falls due;
// CheckComplaints — run on every replica, every half minute — escalates the due ones, each
// in its own versioned write, so a breach is recorded once however many replicas look.

// ComplaintInput files a complaint (POST /api/v1/complaints).
type ComplaintInput struct {
	Subject     string          `json:"subject"`
	About       complaint.About `json:"about" jsonschema:"description=agent, merchant or platform"`
	CaseID      string          `json:"case_id,omitempty"`
	Merchant    string          `json:"merchant,omitempty" jsonschema:"description=the merchant complained about, when there is no case"`
	Description string          `json:"description"`
	Evidence    []string        `json:"evidence,omitempty" jsonschema:"description=uploaded attachment ids"`
}

// ComplaintActInput is an action on a complaint.
type ComplaintActInput struct {
	Action     complaint.Action `json:"action"`
	Version    int64            `json:"version"`
	Note       string           `json:"note,omitempty" jsonschema:"description=reply, escalate, reopen"`
	Resolution string           `json:"resolution,omitempty" jsonschema:"description=resolve: what was done (required)"`
	Assignee   string           `json:"assignee,omitempty" jsonschema:"description=assign\\, transfer: the staff username who handles it at this tier (me: oneself)"`
	Group      string           `json:"group,omitempty" jsonschema:"description=assign\\, transfer: the desk group whose queue it goes to"`
}

// ComplaintView is a complaint as its complainant or the desk sees it.
type ComplaintView struct {
	ID          string          `json:"id"`
	Number      string          `json:"number"`
	Subject     string          `json:"subject"`
	About       complaint.About `json:"about"`
	AboutLabel  Text            `json:"about_label"`
	CaseID      string          `json:"case_id,omitempty"`
	CaseNumber  string          `json:"case_number,omitempty"`
	Merchant    string          `json:"merchant,omitempty"`
	Customer    string          `json:"customer,omitempty"`
	FiledBy     ActorView       `json:"filed_by"`
	Description string          `json:"description"`
	Evidence    []string        `json:"evidence"`
	State       complaint.State `json:"state"`
	StateLabel  Text            `json:"state_label"`
	Version     int64           `json:"version"`
	Tier        int             `json:"tier"`
	TierLabel   Text            `json:"tier_label"`
	Owner       string          `json:"owner,omitempty"`
	// Assignee is the owner again, named as on cases; Group the desk group's queue.
	Assignee         string               `json:"assignee,omitempty"`
	Group            string               `json:"group,omitempty"`
	TierSince        time.Time            `json:"tier_since"`
	RespondedAt      *time.Time           `json:"responded_at,omitempty"`
	FirstResponseDue *time.Time           `json:"first_response_due,omitempty"`
	ResolutionDue    *time.Time           `json:"resolution_due,omitempty"`
	Resolution       string               `json:"resolution,omitempty"`
	ResolvedAt       *time.Time           `json:"resolved_at,omitempty"`
	Breaches         []complaint.Target   `json:"breaches"`
	AllowedActions   []complaint.Action   `json:"allowed_actions"`
	History          []ComplaintEventView `json:"history"`
	CreatedAt        time.Time            `json:"created_at"`
	UpdatedAt        time.Time            `json:"updated_at"`
}

// ComplaintEventView is one history entry of a complaint.
type ComplaintEventView struct {
	Seq         int64             `json:"seq"`
	Action      complaint.Action  `json:"action"`
	ActionLabel Text              `json:"action_label"`
	Actor       ActorView         `json:"actor"`
	From        complaint.State   `json:"from,omitempty"`
	To          complaint.State   `json:"to"`
	At          time.Time         `json:"at"`
	Note        string            `json:"note,omitempty"`
	Data        map[string]string `json:"data,omitempty"`
}

// ComplaintListInput filters the complaints list.
type ComplaintListInput struct {
	State  string
	Tier   int
	About  string
	CaseID string
	Cursor string
	Limit  int
}

// ComplaintList is a page of complaints.
type ComplaintList struct {
	Complaints []ComplaintView `json:"complaints"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

// complaintActor is the principal as complaints see it.
func complaintActor(p Principal) (complaint.Actor, bool) {
	switch p.Role {
	case RoleCustomer:
		return complaint.Actor{Role: complaint.Customer, ID: p.Customer}, true
	case RoleMerchant:
		return complaint.Actor{Role: complaint.Merchant, ID: p.ID}, true
	case RoleAgent:
		return complaint.Actor{Role: complaint.Agent, ID: p.ID}, true
	case RoleSupervisor:
		return complaint.Actor{Role: complaint.Supervisor, ID: p.ID}, true
	case RoleAdmin:
		return complaint.Actor{Role: complaint.Admin, ID: p.ID}, true
	}
	return complaint.Actor{}, false
}

// seesComplaint reports whether p may see c: its complainant, the merchant it is about or
// whose staff filed it, the desk (an agent within its merchants), admins.
func (p Principal) seesComplaint(c *complaint.Complaint) bool {
	switch p.Role {
	case RoleCustomer:
		// A customer who came by a shop's login link sees that shop's complaints only, as
		// with cases and disputes.
		return c.FiledBy.Role == complaint.Customer && c.Customer != "" && c.Customer == p.Customer &&
			(p.Merchant == "" || c.Merchant == p.Merchant)
	case RoleMerchant:
		return p.Merchant != "" && c.Merchant == p.Merchant && (c.FiledBy.Role == complaint.Merchant || c.About == complaint.AboutMerchant)
	case RoleAgent, RoleSupervisor:
		return len(p.Scope) == 0 || slices.Contains(p.Scope, c.Merchant)
	case RoleAdmin:
		return true
	}
	return false
}

// FileComplaint files a complaint at tier 1, its first clocks running.
func (a *App) FileComplaint(ctx context.Context, p Principal, in ComplaintInput, idem *Idempotency) (Reply[ComplaintView], error) {
	if err := authorize(p, opFileComplaint, nil, ""); err != nil {
		return Reply[ComplaintView]{}, err
	}
	in.Subject, in.Description, in.Merchant = text.Clean(in.Subject), text.Clean(in.Description), strings.TrimSpace(in.Merchant)
	if len([]rune(in.Description)) > 4000 {
		return Reply[ComplaintView]{}, errInvalid("description", "描述不超过 4000 字", "the description is at most 4000 characters")
	}
	actor, _ := complaintActor(p)
	return write(ctx, a, p, idem, auditTarget{"complaint.file", "complaint", ""}, func(tx *txn) (*ComplaintView, int, error) {
		c := complaint.Complaint{ID: uuid.NewString(), Subject: in.Subject, About: in.About, Description: in.Description, FiledBy: actor}
		if p.Role == RoleCustomer {
			c.Customer = p.Customer
		} else {
			c.Merchant = p.Merchant
		}
		if in.About == complaint.AboutMerchant && in.Merchant != "" && p.Role == RoleCustomer {
			if _, err := tx.Merchant(ctx, in.Merchant); errors.Is(err, store.ErrNotFound) {
				return nil, 0, errInvalid("merchant", "没有这个商家", "no such merchant")
			} else if err != nil {
				return nil, 0, err
			}
			c.Merchant = in.Merchant
		}
		policyMerchant := c.Merchant
		var version string
		if in.CaseID != "" {
			rec, err := a.loadCase(ctx, tx, p, opReadCase, in.CaseID)
			if ErrorCode(err) == CodeNotFound {
				return nil, 0, errInvalid("case_id", "找不到该售后单,或它不属于你", "no such case of yours")
			} else if err != nil {
				return nil, 0, err
			}
			c.CaseID, c.CaseNumber, c.Merchant = rec.Case.ID, rec.Case.Number, rec.Case.MerchantID
			version = rec.Case.PolicyVersion
		}
		if version == "" {
			pol, err := a.engine.Resolve(policyMerchant, "", tx.Now())
			if err != nil {
				return nil, 0, err
			}
			version = pol.Version()
		}
		c.PolicyVersion = version
		evidence, err := a.ownEvidence(ctx, tx, p, c.CaseID, in.Evidence)
		if err != nil {
			return nil, 0, err
		}
		c.Evidence = evidence
		filed, err := a.insertComplaint(ctx, tx, &c)
		if err != nil {
			return nil, 0, err
		}
		if c.CaseID != "" {
			if err := tx.LinkAttachments(ctx, c.CaseID, in.Evidence); err != nil {
				return nil, 0, err
			}
		}
		v, err := a.complaintView(ctx, tx, p, filed, true)
		return v, http.StatusCreated, err
	})
}

// insertComplaint numbers and stores a new complaint, routed by the desk's rules, with
// its filing event.
func (a *App) insertComplaint(ctx context.Context, tx *txn, c *complaint.Complaint) (*complaint.Complaint, error) {
	pol, err := a.engine.ResolveVersion(c.PolicyVersion)
	if err != nil {
		return nil, err
	}
	// CP, the local date and the id's first eight hex digits (the store keeps numbers
	// unique).
	c.Number = "CP" + tx.Now().In(a.engine.Calendar().Location()).Format("060102") + strings.ToUpper(c.ID[:8])
	res, err := complaint.New(*c, tx.Now(), pol.ComplaintTerms())
	if err != nil {
		return nil, fromCore(err)
	}
	// The desk's rules route it on creation (when they assign then): the filing event
	// names the owner.
	if d, ok, err := a.routeItem(ctx, tx, desk.Item{Kind: "complaint", Merchant: c.Merchant}); err != nil {
		return nil, err
	} else if ok {
		res.Complaint.Owner, res.Complaint.Group = d.Assignee, d.Group
		if d.Assignee != "" {
			res.Event.Data["assignee"] = d.Assignee
		}
		res.Event.Data["group"] = d.Group
	}
	if err := tx.InsertComplaint(ctx, &res.Complaint, res.Effects.CheckAt); err != nil {
		return nil, err
	}
	return &res.Complaint, a.recordComplaint(ctx, tx, &res)
}

// recordComplaint writes a transition's event, audit entry and messages.
func (a *App) recordComplaint(ctx context.Context, tx *txn, res *complaint.Result) error {
	c, ev := &res.Complaint, &res.Event
	if err := tx.AppendComplaintEvent(ctx, c.ID, *ev); err != nil {
		return err
	}
	if err := tx.audit(ctx, "complaint."+string(ev.Action), "complaint", c.ID, map[string]any{
		"number": c.Number, "seq": ev.Seq, "tier": c.Tier, "actor_role": ev.Actor.Role,
	}); err != nil {
		return err
	}
	msg := func(topic string, to any) store.OutboxMessage {
		b, _ := json.Marshal(map[string]any{"complaint_id": c.ID, "number": c.Number, "tier": c.Tier, "to": to,
			"merchant": c.Merchant, "customer": c.Customer, "seq": ev.Seq, "action": ev.Action})
		return store.OutboxMessage{Topic: topic, Key: c.ID, Payload: b}
	}
	var msgs []store.OutboxMessage
	if t := res.Effects.NotifyTier; t > 0 {
		// The new owner: the tier's role (and the assignee once there is one).
		msgs = append(msgs, msg("notify.complaint."+string(ev.Action), []string{string(complaint.TierRole(t))}))
	}
	if res.Effects.NotifyFiler {
		msgs = append(msgs, msg("notify.complaint."+string(ev.Action), []string{string(c.FiledBy.Role)}))
	}
	if !res.Effects.CheckAt.IsZero() {
		tx.timers = append(tx.timers, res.Effects.CheckAt)
	}
	return tx.Enqueue(ctx, msgs...)
}

func (a *App) loadComplaint(ctx context.Context, tx store.Tx, p Principal, id string) (complaint.Complaint, error) {
	if _, err := uuid.Parse(id); err != nil {
		return complaint.Complaint{}, errNotFound("complaint")
	}
	c, err := tx.Complaint(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !p.seesComplaint(&c) {
		return c, errNotFound("complaint")
	}
	return c, err
}

// GetComplaint returns a complaint with its history and the principal's allowed actions.
func (a *App) GetComplaint(ctx context.Context, p Principal, id string) (*ComplaintView, error) {
	if err := authorize(p, opReadComplaint, nil, ""); err != nil {
		return nil, err
	}
	var v *ComplaintView
	err := a.store.View(ctx, func(tx store.Tx) error {
		c, err := a.loadComplaint(ctx, tx, p, id)
		if err != nil {
			return err
		}
		v, err = a.complaintView(ctx, tx, p, &c, true)
		return err
	})
	return v, fromCore(err)
}

// ListComplaints lists the complaints the principal may see, most recently updated first.
func (a *App) ListComplaints(ctx context.Context, p Principal, in ComplaintListInput) (*ComplaintList, error) {
	if err := authorize(p, opReadComplaint, nil, ""); err != nil {
		return nil, err
	}
	q := store.ComplaintQuery{State: complaint.State(in.State), Tier: in.Tier, About: complaint.About(in.About), CaseID: in.CaseID,
		Cursor: in.Cursor, Limit: in.Limit}
	switch {
	case in.State != "" && q.State != complaint.Open && q.State != complaint.Resolved:
		return nil, errInvalid("state", "状态应为 open 或 resolved", "state must be open or resolved")
	case in.Tier < 0 || in.Tier > complaint.TopTier:
		return nil, errInvalid("tier", "层级应为 1、2 或 3", "tier must be 1, 2 or 3")
	case in.About != "" && !q.About.Valid():
		return nil, errInvalid("about", "投诉对象应为 agent、merchant 或 platform", "about must be agent, merchant or platform")
	case in.Limit < 0 || in.Limit > 200:
		return nil, errInvalid("limit", "每页 1–200 条", "limit must be 1–200")
	}
	switch p.Role {
	case RoleCustomer:
		q.Customer = p.Customer
	case RoleMerchant:
		q.Merchant = p.Merchant
	case RoleAgent, RoleSupervisor:
		if len(p.Scope) > 0 {
			q.Merchants = p.Scope
		}
	}
	out := &ComplaintList{Complaints: []ComplaintView{}}
	err := a.store.View(ctx, func(tx store.Tx) error {
		cs, next, err := tx.ListComplaints(ctx, q)
		if errors.Is(err, store.ErrBadCursor) {
			return errInvalid("cursor", "分页游标无效", "the cursor is not valid")
		} else if err != nil {
			return err
		}
		out.NextCursor = next
		for i := range cs {
			if !p.seesComplaint(&cs[i]) {
				continue
			}
			v, err := a.complaintView(ctx, tx, p, &cs[i], false)
			if err != nil {
				return err
			}
			out.Complaints = append(out.Complaints, *v)
		}
		return nil
	})
	return out, fromCore(err)
}

// ComplaintAct takes an action on a complaint.
func (a *App) ComplaintAct(ctx context.Context, p Principal, id string, in ComplaintActInput, idem *Idempotency) (Reply[ComplaintView], error) {
	if err := authorize(p, opActComplaint, nil, ""); err != nil {
		return Reply[ComplaintView]{}, err
	}
	if in.Version <= 0 {
		return Reply[ComplaintView]{}, errInvalid("version", "请提供投诉版本号", "the complaint version is required")
	}
	if !slices.Contains(complaint.Actions, in.Action) {
		return Reply[ComplaintView]{}, errInvalid("action", "未知的投诉操作", "unknown complaint action")
	}
	note := text.Clean(in.Note)
	if in.Action == complaint.Resolve {
		note = text.Clean(in.Resolution)
		if note == "" {
			return Reply[ComplaintView]{}, errInvalid("resolution", "请填写处理结果", "the resolution is required")
		}
	}
	actor, _ := complaintActor(p)
	return write(ctx, a, p, idem, auditTarget{"complaint." + string(in.Action), "complaint", id}, func(tx *txn) (*ComplaintView, int, error) {
		c, err := a.loadComplaint(ctx, tx, p, id)
		if err != nil {
			return nil, 0, err
		}
		if in.Version != c.Version {
			return nil, 0, &Error{Code: CodeConflict, Message: Text{
				ZH: fmt.Sprintf("投诉已更新(当前版本 %d),请刷新后重试", c.Version),
				EN: fmt.Sprintf("the complaint has changed (now version %d); reload and try again", c.Version),
			}, Allowed: asActions(complaint.Allowed(&c, actor)), Version: c.Version}
		}
		cmd := complaint.Command{Action: in.Action, Actor: actor, Note: note, Assignee: text.Clean(in.Assignee)}
		if in.Action == complaint.Assign || in.Action == complaint.Transfer || in.Action == complaint.Take {
			if c.State != complaint.Open {
				return nil, 0, fromCore(&complaint.NotAllowedError{Action: in.Action, State: c.State, Role: actor.Role, Allowed: complaint.Allowed(&c, actor)})
			}
			if err := a.complaintOwner(ctx, tx, p, &c, &in, &cmd); err != nil {
				return nil, 0, err
			}
		}
		res, err := a.decideComplaint(ctx, tx, &c, cmd)
		if err != nil {
			return nil, 0, err
		}
		v, err := a.complaintView(ctx, tx, p, &res.Complaint, true)
		return v, http.StatusOK, err
	})
}

func (a *App) decideComplaint(ctx context.Context, tx *txn, c *complaint.Complaint, cmd complaint.Command) (*complaint.Result, error) {
	pol, err := a.engine.ResolveVersion(c.PolicyVersion)
	if err != nil {
		return nil, err
	}
	res, err := complaint.Transition(*c, cmd, tx.Now(), pol.ComplaintTerms())
	if err != nil {
		return nil, fromCore(err)
	}
	if err := tx.UpdateComplaint(ctx, &res.Complaint, res.Effects.CheckAt); err != nil {
		return nil, err
	}
	return &res, a.recordComplaint(ctx, tx, &res)
}

// CheckComplaints is the complaints' clock: every open complaint whose target at its tier
// has passed is handed up (or, at the top tier, its breach recorded and the manager told),
// each in its own write. It returns how many it escalated.
func (a *App) CheckComplaints(ctx context.Context) (int, error) {
	var due []complaint.Complaint
	if err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		due, err = tx.DueComplaints(ctx, 200)
		return err
	}); err != nil {
		return 0, err
	}
	sys := Principal{Role: RoleIntegration, ID: "complaint-clock"}
	n := 0
	for _, d := range due {
		var acted bool
		_, err := write(ctx, a, sys, nil, auditTarget{"complaint.breach", "complaint", d.ID}, func(tx *txn) (*struct{}, int, error) {
			acted = false
			c, err := tx.Complaint(ctx, d.ID)
			if err != nil {
				return nil, 0, err
			}
			pol, err := a.engine.ResolveVersion(c.PolicyVersion)
			if err != nil {
				return nil, 0, err
			}
			cmd, ok := complaint.Check(&c, tx.Now(), pol.ComplaintTerms())
			if !ok {
				// Nothing due (another replica was first, or the clocks moved): keep the
				// next check right.
				return &struct{}{}, 0, nil
			}
			_, err = a.decideComplaint(ctx, tx, &c, cmd)
			acted = err == nil
			return &struct{}{}, 0, err
		})
		if err != nil {
			if ErrorCode(err) == CodeConflict {
				continue // another replica escalated it first
			}
			return n, err
		}
		if acted {
			n++
		}
	}
	return n, nil
}

// complaintView shows a complaint to p.
func (a *App) complaintView(ctx context.Context, tx store.Tx, p Principal, c *complaint.Complaint, full bool) (*ComplaintView, error) {
	actor, _ := complaintActor(p)
	ev := make([]string, len(c.Evidence))
	for i, e := range c.Evidence {
		ev[i] = e.ID
	}
	v := &ComplaintView{
		ID: c.ID, Number: c.Number, Subject: c.Subject, About: c.About, AboutLabel: c.About.Label(), CaseID: c.CaseID,
		CaseNumber: c.CaseNumber, Merchant: c.Merchant, Customer: c.Customer,
		FiledBy: ActorView{Role: aftersale.Role(c.FiledBy.Role), ID: c.FiledBy.ID}, Description: c.Description, Evidence: ev,
		State: c.State, StateLabel: c.State.Label(), Version: c.Version, Tier: c.Tier, TierLabel: complaint.TierLabel(c.Tier),
		Owner: c.Owner, Assignee: c.Owner, Group: c.Group, TierSince: c.TierSince, Resolution: c.Resolution, Breaches: append([]complaint.Target{}, c.Breaches...),
		AllowedActions: complaint.Allowed(c, actor), History: []ComplaintEventView{}, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
	if v.AllowedActions == nil {
		v.AllowedActions = []complaint.Action{}
	}
	at := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	v.RespondedAt, v.ResolvedAt = at(c.Responded), at(c.ResolvedAt)
	if pol, err := a.engine.ResolveVersion(c.PolicyVersion); err == nil && c.State == complaint.Open {
		t := pol.ComplaintTerms()
		if due, ok := t.Due(c.Tier, complaint.FirstResponse, c.TierSince); ok && c.Responded.IsZero() {
			v.FirstResponseDue = &due
		}
		if due, ok := t.Due(c.Tier, complaint.Resolution, c.TierSince); ok {
			v.ResolutionDue = &due
		}
	}
	if !full {
		return v, nil
	}
	events, err := tx.ComplaintEvents(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		v.History = append(v.History, ComplaintEventView{Seq: e.Seq, Action: e.Action, ActionLabel: e.Action.Label(),
			Actor: ActorView{Role: aftersale.Role(e.Actor.Role), ID: e.Actor.ID}, From: e.From, To: e.To, At: e.At, Note: e.Note, Data: e.Data})
	}
	return v, nil
}
