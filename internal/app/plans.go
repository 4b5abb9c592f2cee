package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/plan"
	"github.com/aftersales/aftersales/internal/policy"
	"github.com/aftersales/aftersales/internal/risk"
	"github.com/aftersales/aftersales/internal/store"
)

// Emergency plans (应急预案): admins write them; supervisors and admins start, stop and
// drill them; CheckPlans (every minute in serve) starts a plan whose trigger holds and
// ends it by its end rule. While a plan is active its effects apply to new cases
// (applyPlans, called by Apply before the case is stored).

// PlanView is a plan as the API shows it.
type PlanView struct {
	plan.Plan
	State       plan.State `json:"state"`
	Version     int        `json:"version"`
	ActivatedAt time.Time  `json:"activated_at,omitzero"`
	ActivatedBy string     `json:"activated_by,omitempty"`
	EndsAt      time.Time  `json:"ends_at,omitzero"`
	EndedAt     time.Time  `json:"ended_at,omitzero"`
	CreatedAt   time.Time  `json:"created_at"`
}

// PlanEventView is one entry of a plan's history.
type PlanEventView struct {
	Kind   string          `json:"kind"`
	Actor  string          `json:"actor"`
	Detail json.RawMessage `json:"detail,omitempty"`
	At     time.Time       `json:"at"`
}

// PlanDetail is a plan with its history.
type PlanDetail struct {
	PlanView
	History []PlanEventView `json:"history"`
}

func planView(r store.PlanRecord) (PlanView, error) {
	var p plan.Plan
	if err := json.Unmarshal(r.Doc, &p); err != nil {
		return PlanView{}, fmt.Errorf("stored plan %s: %w", r.ID, err)
	}
	p.ID = r.ID
	return PlanView{Plan: p, State: plan.State(r.State), Version: r.Version, ActivatedAt: r.ActivatedAt,
		ActivatedBy: r.ActivatedBy, EndsAt: r.EndsAt, EndedAt: r.EndedAt, CreatedAt: r.CreatedAt}, nil
}

func mayManagePlans(p Principal) error {
	if p.Role != RoleAdmin {
		return errForbidden("只有管理员可以编写应急预案", "only admins write emergency plans")
	}
	return nil
}

func mayRunPlans(p Principal) error {
	if p.Role != RoleAdmin && p.Role != RoleSupervisor {
		return errForbidden("只有主管和管理员可以启动或停止应急预案", "only supervisors and admins run emergency plans")
	}
	return nil
}

// planInvalid turns the core's field errors into a 422.
func planInvalid(prefix string, fes []plan.FieldError) error {
	e := &Error{Code: CodeInvalid, Message: Text{ZH: "请求内容有误", EN: "the request has invalid fields"}}
	for _, fe := range fes {
		e.Fields = append(e.Fields, FieldError{Field: prefix + fe.Field, Message: Text{ZH: fe.ZH, EN: fe.Message}})
	}
	return e
}

// CreatePlan stores a new plan as a draft (admins).
func (a *App) CreatePlan(ctx context.Context, p Principal, in plan.Plan) (*PlanView, error) {
	if err := mayManagePlans(p); err != nil {
		a.auditDenied(ctx, p, auditTarget{"plan.create", "plan", ""}, err)
		return nil, err
	}
	if fes := in.Validate(); len(fes) > 0 {
		return nil, planInvalid("", fes)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	in.ID = ""
	doc, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	r, err := write(ctx, a, p, nil, auditTarget{"plan.create", "plan", id.String()}, func(tx *txn) (*PlanView, int, error) {
		rec := store.PlanRecord{ID: id.String(), Doc: doc, State: string(plan.Draft), Version: 1, CreatedAt: tx.Now()}
		if err := tx.InsertPlan(ctx, rec); err != nil {
			return nil, 0, err
		}
		v, err := planView(rec)
		if err != nil {
			return nil, 0, err
		}
		return &v, 201, tx.audit(ctx, "plan.create", "plan", rec.ID, map[string]any{"name": in.Name.EN})
	})
	if err != nil {
		return nil, err
	}
	return r.Value, nil
}

// Plans lists every plan (supervisors and admins).
func (a *App) Plans(ctx context.Context, p Principal) ([]PlanView, error) {
	if err := mayRunPlans(p); err != nil {
		return nil, err
	}
	var out []PlanView
	err := a.store.View(ctx, func(tx store.Tx) error {
		rs, err := tx.ListPlans(ctx, "")
		if err != nil {
			return err
		}
		for _, r := range rs {
			v, err := planView(r)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// Plan returns one plan with its history (supervisors and admins).
func (a *App) Plan(ctx context.Context, p Principal, id string) (*PlanDetail, error) {
	if err := mayRunPlans(p); err != nil {
		return nil, err
	}
	var d PlanDetail
	err := a.store.View(ctx, func(tx store.Tx) error {
		r, err := tx.Plan(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound("plan")
		} else if err != nil {
			return err
		}
		if d.PlanView, err = planView(r); err != nil {
			return err
		}
		es, err := tx.PlanEvents(ctx, id)
		if err != nil {
			return err
		}
		d.History = []PlanEventView{}
		for _, e := range es {
			d.History = append(d.History, PlanEventView{Kind: e.Kind, Actor: e.Actor, Detail: e.Detail, At: e.At})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// ActivatePlan starts a plan by hand (supervisors and admins).
func (a *App) ActivatePlan(ctx context.Context, p Principal, id string) (*PlanView, error) {
	return a.switchPlan(ctx, p, id, true)
}

// DeactivatePlan ends a plan by hand (supervisors and admins).
func (a *App) DeactivatePlan(ctx context.Context, p Principal, id string) (*PlanView, error) {
	return a.switchPlan(ctx, p, id, false)
}

func (a *App) switchPlan(ctx context.Context, p Principal, id string, on bool) (*PlanView, error) {
	action := "plan.deactivate"
	if on {
		action = "plan.activate"
	}
	if err := mayRunPlans(p); err != nil {
		a.auditDenied(ctx, p, auditTarget{action, "plan", id}, err)
		return nil, err
	}
	r, err := write(ctx, a, p, nil, auditTarget{action, "plan", id}, func(tx *txn) (*PlanView, int, error) {
		rec, err := tx.Plan(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, 0, errNotFound("plan")
		} else if err != nil {
			return nil, 0, err
		}
		if (plan.State(rec.State) == plan.Active) == on {
			return nil, 0, &Error{Code: CodeConflict, Message: Text{ZH: "预案已处于该状态", EN: "the plan is already " + rec.State}}
		}
		by := cmp.Or(staffName(ctx, tx, p), p.ID) // a person reads the history: the username
		v, err := a.setPlanState(ctx, tx, rec, on, by, map[string]any{"by": "hand"})
		return v, 200, err
	})
	if err != nil {
		return nil, err
	}
	return r.Value, nil
}

// setPlanState starts or ends a plan, with its history and audit entry; a started recall
// plan opens its cases.
func (a *App) setPlanState(ctx context.Context, tx *txn, rec store.PlanRecord, on bool, actor string, detail map[string]any) (*PlanView, error) {
	v, err := planView(rec)
	if err != nil {
		return nil, err
	}
	now := tx.Now()
	kind := "deactivated"
	if on {
		kind = "activated"
		rec.State, rec.ActivatedAt, rec.ActivatedBy, rec.EndedAt, rec.ClearSince = string(plan.Active), now, actor, time.Time{}, time.Time{}
		rec.EndsAt = time.Time{}
		if v.End.After > 0 {
			rec.EndsAt = now.Add(time.Duration(v.End.After))
		}
		if v.End.At != nil && (rec.EndsAt.IsZero() || v.End.At.Before(rec.EndsAt)) {
			rec.EndsAt = *v.End.At
		}
	} else {
		rec.State, rec.EndedAt = string(plan.Ended), now
	}
	rec.Version++
	if err := tx.UpdatePlan(ctx, rec); err != nil {
		return nil, err
	}
	tx.plansChanged = true
	d, _ := json.Marshal(detail)
	if err := tx.AppendPlanEvent(ctx, store.PlanEvent{PlanID: rec.ID, Kind: kind, Actor: actor, Detail: d}); err != nil {
		return nil, err
	}
	if err := tx.AppendAudit(ctx, entry(tx.p, "plan."+kind, "plan", rec.ID, "ok", detail)); err != nil {
		return nil, err
	}
	if on {
		if err := a.recall(ctx, tx, rec.ID, v.Plan); err != nil {
			return nil, err
		}
	}
	out, err := planView(rec)
	return &out, err
}

// CheckPlans starts the plans whose trigger holds and ends the active ones by their end
// rule (serve runs it every minute, on every replica: a plan changes only at the version
// read, so a replica that lost the race skips it), and goes on with the started recall
// plans' lines (continueRecalls). It returns how many plans started or ended.
func (a *App) CheckPlans(ctx context.Context) (int, error) {
	sys := Principal{Role: RoleAdmin, ID: "system"}
	var recs []store.PlanRecord
	var m plan.Metrics
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		if recs, err = tx.ListPlans(ctx, ""); err != nil {
			return err
		}
		m.IntakeLastHour, err = tx.CountCasesSince(ctx, tx.Now().Add(-time.Hour))
		return err
	})
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, rec := range recs {
		var done *txn
		err := a.store.Update(ctx, func(stx store.Tx) error {
			tx := &txn{Tx: stx, p: sys}
			done = tx
			cur, err := tx.Plan(ctx, rec.ID)
			if err != nil {
				return err
			}
			v, err := planView(cur)
			if err != nil {
				return err
			}
			now := tx.Now()
			d, clear := plan.Decide(v.Plan, plan.Status{State: v.State, ActivatedAt: cur.ActivatedAt, ClearSince: cur.ClearSince}, m, now)
			switch d {
			case plan.Activate:
				changed++
				_, err = a.setPlanState(ctx, tx, cur, true, "system", map[string]any{"by": "trigger", "intake_last_hour": m.IntakeLastHour})
			case plan.Deactivate:
				changed++
				_, err = a.setPlanState(ctx, tx, cur, false, "system", map[string]any{"by": "end_rule"})
			default:
				if v.State == plan.Active && !clear.Equal(cur.ClearSince) {
					cur.ClearSince = clear
					cur.Version++
					err = tx.UpdatePlan(ctx, cur)
				}
			}
			return err
		})
		if errors.Is(err, store.ErrConflict) {
			continue // another replica changed it first
		} else if err != nil {
			return changed, fmt.Errorf("check plan %s: %w", rec.ID, err)
		}
		a.committed(done) // a started recall plan's cases: their timers and outbox
	}
	return changed, a.continueRecalls(ctx, recs)
}

// DrillInput is a drill: the surge to replay against a plan's effects.
type DrillInput = plan.Surge

// DrillPlan replays a synthetic surge against the plan's effects (supervisors and admins);
// nothing is stored.
func (a *App) DrillPlan(ctx context.Context, p Principal, id string, in DrillInput) (*plan.Report, error) {
	d, err := a.Plan(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if fes := in.Validate(); len(fes) > 0 {
		return nil, planInvalid("", fes)
	}
	r := plan.Simulate(in, d.Effects)
	return &r, nil
}

// recentActivePlans are the active plans as this replica read them within replicaTTL (an
// application reads them: a plan started or ended here is seen at once, elsewhere within
// replicaTTL). Callers must not change the slice.
func (a *App) recentActivePlans(ctx context.Context, tx store.Tx) ([]PlanView, error) {
	if t, ok := tx.(*txn); ok && t.plansChanged {
		return activePlans(ctx, tx) // this transaction started or ended one (a recall opens its cases)
	}
	return a.activePlans.get(struct{}{}, replicaTTL, func() ([]PlanView, error) { return activePlans(ctx, tx) })
}

// activePlans returns the plans active now, in the transaction.
func activePlans(ctx context.Context, tx store.Tx) ([]PlanView, error) {
	rs, err := tx.ListPlans(ctx, string(plan.Active))
	if err != nil {
		return nil, err
	}
	out := make([]PlanView, 0, len(rs))
	for _, r := range rs {
		v, err := planView(r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// ActiveBanners returns the banners of the plans active now (the customer pages show them).
func (a *App) ActiveBanners(ctx context.Context) ([]plan.Text, error) {
	var out []plan.Text
	err := a.store.View(ctx, func(tx store.Tx) error {
		ps, err := activePlans(ctx, tx)
		for _, p := range ps {
			if p.Effects.Banner != nil {
				out = append(out, *p.Effects.Banner)
			}
		}
		return err
	})
	return out, err
}

// applyPlans applies the active plans' effects to a case being opened: its deadlines are
// extended by the plans' working days on the business calendar (the longest extension of
// the active plans counts, not their sum) and its SLA targets scaled by their factor (the
// loosest). decide applies the approval and the recall's rule, routeItem the overflow.
func (a *App) applyPlans(ps []PlanView, res *aftersale.Result) {
	if len(ps) == 0 {
		return
	}
	effects := planEffects(ps)
	res.Case.SLAFactorBP = plan.SLAFactorOf(effects)
	days := 0
	for _, e := range effects {
		days = max(days, e.ExtendDeadlinesWD)
	}
	if days == 0 {
		return
	}
	cal := a.engine.Calendar()
	for i := range res.Case.Deadlines {
		res.Case.Deadlines[i].Due = cal.AddWorkingDays(res.Case.Deadlines[i].Due, days)
	}
	for i := range res.Effects.SetDeadlines {
		res.Effects.SetDeadlines[i].Due = cal.AddWorkingDays(res.Effects.SetDeadlines[i].Due, days)
	}
}

func planEffects(ps []PlanView) []plan.Effects {
	out := make([]plan.Effects, len(ps))
	for i, p := range ps {
		out[i] = p.Effects
	}
	return out
}

// planApprove approves an eligible application the moment it is submitted while an active
// plan's auto_approve covers it (the refund at most max_amount, the customer's risk score
// at most max_risk, not on the watch list), naming the plan in the decision and its
// explanation. The policy's own instant approval needs nothing more.
func planApprove(d *policy.Decision, ps []PlanView, s risk.Score, watched bool) {
	if d.AutoApprove || !d.Eligible || watched {
		return
	}
	for _, p := range ps {
		aa := p.Effects.AutoApprove
		if !aa.Covers(d.RefundAmount.Minor, s.Value) {
			continue
		}
		limit := money.New(aa.MaxAmount, d.RefundAmount.Currency)
		d.AutoApprove = true
		d.Rules = append(d.Rules, policy.Hit{ID: "plan:" + p.ID, Kind: "plan", Outcome: "apply"})
		d.Explanation.ZH += fmt.Sprintf("应急预案“%s”期间,低风险且不超过 %s 的申请自动同意。", p.Name.In("zh"), limit.Format("zh"))
		d.Explanation.EN += fmt.Sprintf(" Approved at once under the emergency plan %s: low risk and at most %s.", p.Name.In("en"), limit.Format("en"))
		return
	}
}
