package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/money"
	"github.com/aftersales/aftersales/internal/plan"
)

// Emergency plans (/plans, 应急预案): the plans with their state and what they do, said in
// words; a plan's page with its history, the buttons that start and stop it and the drill
// (a dry run of a synthetic surge, nothing stored); admins write a new plan as JSON.
// Supervisors and admins read, start, stop and drill; the application refuses the rest.

// PlansData is the plans page's data.
type PlansData struct {
	Plans []PlanRow
	// Create: the visitor writes plans (admins); Form is the new plan's form.
	Create bool
	Form   PlanDocForm
}

// PlanDocForm is the form of a new plan: its JSON document and the problems found in it.
type PlanDocForm struct {
	JSON    string
	Message string
	Errors  []PlanFieldError
}

// PlanFieldError is a problem of the plan document at its JSON path.
type PlanFieldError struct{ Field, Message string }

// PlanRow is a plan as the pages say it.
type PlanRow struct {
	ID, Name string
	State    plan.State
	Since    time.Time // when it entered its state
	EndsAt   time.Time // when an active plan ends by itself (zero: by its rule or by hand)
	// Triggers, Effects and End are said in words, each a list joined in the language.
	Triggers, Effects, End string
}

// PlanData is a plan's page: the plan, its history, the switch and the drill.
type PlanData struct {
	PlanRow
	ActivatedBy string
	History     []PlanEventRow
	// Message is why a start or stop was refused (the plan changed meanwhile).
	Message string
	Drill   DrillForm
	Report  *DrillReport
}

// PlanEventRow is an entry of a plan's history, said in words.
type PlanEventRow struct {
	Kind string
	What string
	At   time.Time
}

// DrillForm is the drill's form: the surge as typed and its problems by field.
type DrillForm struct {
	Values  map[string]string
	Errors  map[string]string
	Message string
}

// DrillReport is a drill's report with what the plan would change, in words.
type DrillReport struct {
	plan.Report
	// Target is the handling target the drill was given (without the plan).
	Target  int
	Changes []string
}

// planTemplate is the new plan's form as it first shows: a manual plan to fill in.
const planTemplate = `{
  "name": {"zh": "", "en": ""},
  "triggers": [{"kind": "manual"}],
  "effects": {
    "extend_deadlines_wd": 2,
    "banner": {"zh": "", "en": ""}
  },
  "end": {"after": "48h"}
}
`

// drillDefaults fill the drill's form at first: a six-hour surge on twenty agents.
var drillDefaults = map[string]string{"arrivals_per_hour": "120, 240, 360, 300, 180, 60", "agents": "20",
	"cases_per_agent_hour": "6", "low_risk_share_bp": "3000", "target_hours": "4"}

// maxPlanJSON bounds the plan document a form may carry.
const maxPlanJSON = 64 << 10

// Plans lists the plans with their state, triggers, effects and end.
func (pg *Pages) Plans(w http.ResponseWriter, r *http.Request, v *Visit) error {
	d, err := pg.plansData(r, v)
	if err != nil {
		return err
	}
	d.Form.JSON = planTemplate
	pg.renderPlans(w, r, v, http.StatusOK, d)
	return nil
}

func (pg *Pages) plansData(r *http.Request, v *Visit) (*PlansData, error) {
	list, err := pg.app.Plans(r.Context(), v.Principal)
	if err != nil {
		return nil, err
	}
	d := &PlansData{Create: v.Principal.Role == app.RoleAdmin}
	for _, p := range list {
		d.Plans = append(d.Plans, pg.planRow(v.Lang, p))
	}
	return d, nil
}

func (pg *Pages) renderPlans(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *PlansData) {
	p := pg.page(r, v, "plans.title")
	p.Data = d
	pg.render(w, r, status, "plans", p)
}

// CreatePlanForm stores the plan of the field plan (admins) and shows it; a document that
// does not read, or a plan the application refuses, is shown again with each problem at
// its path, and nothing is written.
func (pg *Pages) CreatePlanForm(w http.ResponseWriter, r *http.Request, v *Visit) error {
	src := r.PostForm.Get("plan")
	form := PlanDocForm{JSON: src}
	var in plan.Plan
	dec := json.NewDecoder(strings.NewReader(src))
	dec.DisallowUnknownFields()
	status := http.StatusUnprocessableEntity
	if len(src) > maxPlanJSON {
		form.Errors = []PlanFieldError{{Field: "plan", Message: pg.say(v.Lang, "plans.form.too_long")}}
	} else if err := dec.Decode(&in); err != nil {
		form.Errors = []PlanFieldError{{Field: "plan", Message: pg.say(v.Lang, "plans.form.bad_json", err.Error())}}
	} else {
		created, err := pg.app.CreatePlan(r.Context(), v.Principal, in)
		if err == nil {
			seeOther(w, "/plans/"+url.PathEscape(created.ID)+"?done=plan_created&lang="+string(v.Lang))
			return nil
		}
		var ae *app.Error
		if !errors.As(err, &ae) || ae.Code != app.CodeInvalid {
			return err
		}
		form.Message = v.Lang.Pick(ae.Message)
		for _, fe := range ae.Fields {
			form.Errors = append(form.Errors, PlanFieldError{Field: fe.Field, Message: v.Lang.Pick(fe.Message)})
		}
	}
	if form.Message == "" {
		form.Message = pg.say(v.Lang, "form.check_fields")
	}
	d, err := pg.plansData(r, v)
	if err != nil {
		return err
	}
	d.Form = form
	pg.renderPlans(w, r, v, status, d)
	return nil
}

// PlanPage shows a plan with its history, its switch and the drill's form.
func (pg *Pages) PlanPage(w http.ResponseWriter, r *http.Request, v *Visit) error {
	d, err := pg.planData(r, v)
	if err != nil {
		return err
	}
	pg.renderPlan(w, r, v, http.StatusOK, d)
	return nil
}

func (pg *Pages) planData(r *http.Request, v *Visit) (*PlanData, error) {
	p, err := pg.app.Plan(r.Context(), v.Principal, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	d := &PlanData{PlanRow: pg.planRow(v.Lang, p.PlanView), ActivatedBy: p.ActivatedBy,
		Drill: DrillForm{Values: drillDefaults, Errors: map[string]string{}}}
	for _, e := range p.History {
		d.History = append(d.History, PlanEventRow{Kind: e.Kind, What: pg.planEvent(v.Lang, e), At: e.At})
	}
	return d, nil
}

func (pg *Pages) renderPlan(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *PlanData) {
	p := pg.page(r, v, "plan.title", d.Name)
	p.Data = d
	pg.render(w, r, status, "plan", p)
}

// ActivatePlanForm starts the plan by hand and goes back to its page.
func (pg *Pages) ActivatePlanForm(w http.ResponseWriter, r *http.Request, v *Visit) error {
	return pg.switchPlan(w, r, v, true)
}

// DeactivatePlanForm ends the plan by hand and goes back to its page.
func (pg *Pages) DeactivatePlanForm(w http.ResponseWriter, r *http.Request, v *Visit) error {
	return pg.switchPlan(w, r, v, false)
}

// switchPlan starts or ends a plan; a plan already in that state (another supervisor, or
// its trigger, was first) is its page again with the application's message.
func (pg *Pages) switchPlan(w http.ResponseWriter, r *http.Request, v *Visit, on bool) error {
	id := r.PathValue("id")
	switchIt, done := pg.app.DeactivatePlan, "plan_deactivated"
	if on {
		switchIt, done = pg.app.ActivatePlan, "plan_activated"
	}
	_, err := switchIt(r.Context(), v.Principal, id)
	if err == nil {
		seeOther(w, "/plans/"+url.PathEscape(id)+"?done="+done+"&lang="+string(v.Lang))
		return nil
	}
	var ae *app.Error
	if !errors.As(err, &ae) || ae.Code != app.CodeConflict {
		return err
	}
	d, derr := pg.planData(r, v)
	if derr != nil {
		return derr
	}
	d.Message = v.Lang.Pick(ae.Message)
	pg.renderPlan(w, r, v, http.StatusConflict, d)
	return nil
}

// maxDrillField bounds a field of the drill's form.
const maxDrillField = 4000

// DrillPlanForm replays the surge of the form against the plan and shows the report on
// its page; nothing is stored. A problem is said at its field.
func (pg *Pages) DrillPlanForm(w http.ResponseWriter, r *http.Request, v *Visit) error {
	d, err := pg.planData(r, v)
	if err != nil {
		return err
	}
	f := DrillForm{Values: map[string]string{}, Errors: map[string]string{}}
	for k := range drillDefaults {
		f.Values[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	var in app.DrillInput
	for _, n := range strings.FieldsFunc(f.Values["arrivals_per_hour"], func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}) {
		k, err := strconv.Atoi(n)
		if err != nil || len(f.Values["arrivals_per_hour"]) > maxDrillField {
			f.Errors["arrivals_per_hour"] = pg.say(v.Lang, "plans.drill.bad_hours")
			break
		}
		in.ArrivalsPerHour = append(in.ArrivalsPerHour, k)
	}
	for field, to := range map[string]*int{"agents": &in.Agents, "cases_per_agent_hour": &in.CasesPerAgentHr,
		"low_risk_share_bp": &in.LowRiskShareBP, "target_hours": &in.TargetHours} {
		k, err := strconv.Atoi(f.Values[field])
		if err != nil {
			f.Errors[field] = pg.say(v.Lang, "plans.drill.bad_number")
			continue
		}
		*to = k
	}
	if len(f.Errors) == 0 {
		rep, err := pg.app.DrillPlan(r.Context(), v.Principal, r.PathValue("id"), in)
		if err == nil {
			d.Drill = f
			d.Report = pg.drillReport(v.Lang, *rep, in.TargetHours)
			pg.renderPlan(w, r, v, http.StatusOK, d)
			return nil
		}
		var ae *app.Error
		if !errors.As(err, &ae) || ae.Code != app.CodeInvalid {
			return err
		}
		f.Message = v.Lang.Pick(ae.Message)
		for _, fe := range ae.Fields {
			name, _, _ := strings.Cut(fe.Field, "[")
			f.Errors[name] = v.Lang.Pick(fe.Message)
		}
	}
	if f.Message == "" {
		f.Message = pg.say(v.Lang, "form.check_fields")
	}
	d.Drill = f
	pg.renderPlan(w, r, v, http.StatusUnprocessableEntity, d)
	return nil
}

// drillReport says what the plan would change in the drill.
func (pg *Pages) drillReport(l Lang, r plan.Report, target int) *DrillReport {
	d := &DrillReport{Report: r, Target: target}
	if r.AutoApproved > 0 {
		d.Changes = append(d.Changes, pg.say(l, "plans.change.auto_approved", r.AutoApproved, r.Arrivals))
	}
	if r.DeadlinesExtended > 0 {
		d.Changes = append(d.Changes, pg.say(l, "plans.change.deadlines", r.DeadlinesExtended, r.ExtendWorkingDays))
	}
	if r.TargetHours != target {
		d.Changes = append(d.Changes, pg.say(l, "plans.change.target", r.TargetHours, target))
	}
	d.Changes = append(d.Changes, pg.say(l, "plans.change.peak", r.PeakQueue, r.PeakQueueWithout),
		pg.say(l, "plans.change.breaches", r.Breaches, r.BreachesWithout))
	return d
}

// planRow says a plan in words: its state since when, its triggers, effects and end.
func (pg *Pages) planRow(l Lang, p app.PlanView) PlanRow {
	row := PlanRow{ID: p.ID, Name: p.Name.In(string(l)), State: p.State, Since: p.CreatedAt}
	var triggers, effects, ends []string
	switch p.State {
	case plan.Active:
		row.Since, row.EndsAt = p.ActivatedAt, p.EndsAt
	case plan.Ended:
		row.Since = p.EndedAt
	}
	for _, t := range p.Triggers {
		switch t.Kind {
		case plan.IntakePerHour:
			triggers = append(triggers, pg.say(l, "plans.trigger.intake_per_hour", t.Above))
		case plan.CarrierOutage:
			triggers = append(triggers, pg.say(l, "plans.trigger.carrier_outage", t.Carrier))
		case plan.Recall:
			triggers = append(triggers, pg.say(l, "plans.trigger.recall", strings.Join(t.SKUs, ", ")))
		case plan.Manual:
			triggers = append(triggers, pg.say(l, "plans.trigger.manual"))
		default:
			triggers = append(triggers, string(t.Kind))
		}
	}
	e := p.Effects
	if e.ExtendDeadlinesWD > 0 {
		effects = append(effects, pg.say(l, "plans.effect.extend", e.ExtendDeadlinesWD))
	}
	if a := e.AutoApprove; a != nil {
		effects = append(effects, pg.say(l, "plans.effect.auto_approve", a.MaxRisk, FormatMoney(l, a.MaxAmount, money.CNY)))
	}
	if o := e.Overflow; o != nil {
		effects = append(effects, pg.say(l, "plans.effect.overflow", o.From, strings.Join(o.To, ", ")))
	}
	if b := e.Banner; b != nil {
		effects = append(effects, pg.say(l, "plans.effect.banner", b.In(string(l))))
	}
	if e.SLAFactorBP != 0 && e.SLAFactorBP != 10000 {
		effects = append(effects, pg.say(l, "plans.effect.sla", strconv.FormatFloat(float64(e.SLAFactorBP)/100, 'f', -1, 64)))
	}
	if skus := p.RecalledSKUs(); len(skus) > 0 {
		effects = append(effects, pg.say(l, "plans.effect.recall", strings.Join(skus, ", ")))
	}
	end := p.End
	if end.After > 0 {
		ends = append(ends, pg.say(l, "plans.end.after", FormatSpan(l, time.Duration(end.After))))
	}
	if end.At != nil {
		ends = append(ends, pg.say(l, "plans.end.at", FormatTime(l, *end.At, pg.loc)))
	}
	if end.WhenClearFor > 0 {
		ends = append(ends, pg.say(l, "plans.end.when_clear", FormatSpan(l, time.Duration(end.WhenClearFor))))
	}
	if len(ends) == 0 {
		ends = append(ends, pg.say(l, "plans.end.by_hand"))
	}
	sep := "；"
	if l == EN {
		sep = "; "
	}
	row.Triggers, row.Effects, row.End = strings.Join(triggers, sep), strings.Join(effects, sep), strings.Join(ends, sep)
	return row
}

// planEvent says an entry of a plan's history: by hand (by whom: the staff account's
// username, or a token's id), by its trigger or by its end rule.
func (pg *Pages) planEvent(l Lang, e app.PlanEventView) string {
	var detail struct {
		By     string   `json:"by"`
		Intake int      `json:"intake_last_hour"`
		SKUs   []string `json:"skus"`
	}
	if len(e.Detail) > 0 {
		_ = json.NewDecoder(bytes.NewReader(e.Detail)).Decode(&detail)
	}
	switch {
	case e.Kind == "activated" && detail.By == "trigger":
		return pg.say(l, "plans.event.activated_trigger", detail.Intake)
	case e.Kind == "activated":
		return pg.say(l, "plans.event.activated", e.Actor)
	case e.Kind == "deactivated" && detail.By == "end_rule":
		return pg.say(l, "plans.event.deactivated_end")
	case e.Kind == "deactivated":
		return pg.say(l, "plans.event.deactivated", e.Actor)
	case e.Kind == "recall":
		return pg.say(l, "plans.event.recall", strings.Join(detail.SKUs, ", "))
	}
	return fmt.Sprintf("%s (%s)", e.Kind, e.Actor)
}
