package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/money"
)

// The case page (/cases/{id}) for every role: the timeline, the current step and its
// countdown, the allowed actions — exactly the API's allowed_actions — as forms, the
// evidence, its money (money.go), the conversation, and for staff the internal notes and
// the service clocks.

// ActionForm is one allowed action as a form: which of the API's fields it asks for.
type ActionForm struct {
	Action aftersale.Action
	Label  aftersale.Text
	// Fields the form shows; Note is required when NoteRequired.
	Note, NoteRequired, Parcel, Cost, Inspection, Deduction, PostageReduction, Amount, Evidence, Templates bool
	// AmountKey names what Amount means (offer, quote, price difference).
	AmountKey string
	// Danger marks actions that end or refuse (cancel, reject), styled apart.
	Danger bool
	// Open shows the form unfolded: the only action, or one that was refused.
	Open bool
	// Values and Errors are what was entered and what was wrong, after a refused form.
	Values, Errors map[string]string
	// Findings are what a failed inspection may have found (confirm_receipt).
	Findings []aftersale.Finding
	// Key is the form's idempotency key.
	Key string
}

// actionForm describes the form of action a on case c as role may take it.
func actionForm(a aftersale.Action, c *app.CaseView, role app.Role) ActionForm {
	f := ActionForm{Action: a, Label: a.Label(), Values: map[string]string{}, Errors: map[string]string{}, Key: newFormKey()}
	switch a {
	case aftersale.Approve:
		f.Note, f.NoteRequired = true, c.State == aftersale.Disputed
	case aftersale.Reject:
		f.Note, f.NoteRequired, f.Danger = true, true, true
		f.Templates = role != app.RoleCustomer
	case aftersale.RequestInfo, aftersale.RepairFailed:
		f.Note, f.NoteRequired = true, true
	case aftersale.Escalate:
		f.Note, f.NoteRequired = true, c.State != aftersale.RepairChoice
		f.Evidence = role == app.RoleCustomer
	case aftersale.ProvideInfo, aftersale.Reapply:
		f.Note, f.Evidence = true, true
	case aftersale.ShipBack:
		f.Parcel, f.Cost = true, true
	case aftersale.ConfirmReceipt:
		f.Inspection, f.Note, f.Evidence, f.Findings = true, true, true, aftersale.Findings()
		f.Deduction = c.Type == aftersale.ReturnRefund
		f.PostageReduction = c.ReturnPostage != nil && c.ReturnPostage.Claimed > 0 && c.ReturnPostage.MaxReduction > 0
	case aftersale.ShipExchange:
		f.Parcel, f.Amount, f.AmountKey = true, true, "field.price_difference"
	case aftersale.RepairDone, aftersale.ShipReship:
		f.Parcel = true
	case aftersale.Offer:
		f.Amount, f.AmountKey = true, "field.offer"
	case aftersale.Quote:
		f.Amount, f.AmountKey = true, "field.quote"
	case aftersale.Cancel, aftersale.DeclineOffer, aftersale.DeclineQuote:
		f.Danger = true
	}
	return f
}

// CaseData is the case page's data.
type CaseData struct {
	Case       *app.CaseView
	Messages   []app.MessageView
	Forms      []ActionForm
	Staff      bool
	Customer   bool
	Current    *Countdown   // the running deadline
	Templates  []string     // rejection reasons a merchant picks from
	Problem    *FormProblem // a refused action form
	MessageErr string       // a refused message
	MessageKey string       // the message form's idempotency key
	Body       string       // the refused message's text
	Money      *CaseMoney   // the case's ledger entries; nil when it moved no money
	// Disputes are the case's platform interventions (平台介入), oldest first.
	Disputes []CaseDispute
	// Complain offers the link to file a complaint about the case (customers, merchant staff).
	Complain bool
	// Parcels are the case's parcels with their timelines (logistics.go), oldest first.
	Parcels []CaseParcel
	// Tasks offers the link to the case's tasks (the desk: agents, supervisors, admins).
	Tasks bool
	// Desk is the ownership panel, the canned replies and the suggested articles (desk.go);
	// nil for customers.
	Desk *CaseDesk
	// Survey is the customer's rating (survey.go): the form once the case has ended, the
	// rating once given; nil for nothing to show.
	Survey *CaseSurvey
	// Triage is smart triage's suggestion for the application (triage.go); nil for customers.
	Triage *CaseTriage
	// Risk is the customer's abuse risk score at application (risk.go); nil for customers
	// and for staff who may not read it.
	Risk *CaseRisk
}

// FormProblem is a refused form: the action, the general message and the field messages.
type FormProblem struct {
	Action  string
	Message string
	Fields  map[string]string
}

// CasePage shows a case to anyone who may see it; someone else's case is not found.
func (pg *Pages) CasePage(w http.ResponseWriter, r *http.Request, v *Visit) error {
	d, err := pg.caseData(r, v)
	if err != nil {
		return err
	}
	d.Body = d.Desk.prefill(r.URL.Query().Get("reply"))
	pg.renderCase(w, r, v, http.StatusOK, d)
	return nil
}

func (pg *Pages) caseData(r *http.Request, v *Visit) (*CaseData, error) {
	id := r.PathValue("id")
	c, err := pg.app.GetCase(r.Context(), v.Principal, id)
	if err != nil {
		return nil, err
	}
	msgs, err := pg.app.Messages(r.Context(), v.Principal, id)
	if err != nil {
		return nil, err
	}
	d := &CaseData{Case: c, Messages: msgs.Items, Staff: v.Principal.Role != app.RoleCustomer,
		Customer: v.Principal.Role == app.RoleCustomer}
	if d.Money, err = pg.caseMoney(r, v, id); err != nil {
		return nil, err
	}
	if d.Disputes, err = pg.caseDisputes(r, v, id); err != nil {
		return nil, err
	}
	d.Complain = mayFileComplaint(v.Principal.Role)
	if d.Parcels, err = pg.caseParcels(r, v, c); err != nil {
		return nil, err
	}
	d.Tasks = seesTasks(v.Principal.Role)
	if d.Desk, err = pg.caseDesk(r, v, c); err != nil {
		return nil, err
	}
	if d.Survey, err = pg.caseSurvey(r, v, c); err != nil {
		return nil, err
	}
	if d.Triage, err = pg.caseTriage(r, v, c); err != nil {
		return nil, err
	}
	if d.Risk, err = pg.caseRisk(r, v, c); err != nil {
		return nil, err
	}
	for _, a := range c.AllowedActions {
		d.Forms = append(d.Forms, actionForm(a, c, v.Principal.Role))
	}
	if len(d.Forms) == 1 {
		d.Forms[0].Open = true
	}
	d.MessageKey = newFormKey()
	if len(c.Deadlines) > 0 {
		cd := pg.countdown(v.Lang, c.Deadlines[0].DueAt)
		d.Current = &cd
	}
	for _, k := range rejectTemplates {
		s, _ := pg.cat.Message(v.Lang, k)
		d.Templates = append(d.Templates, s)
	}
	return d, nil
}

// rejectTemplates are the catalogue keys of the reasons a merchant may pick when rejecting.
var rejectTemplates = []string{"reject.used", "reject.late", "reject.no_evidence", "reject.not_covered", "reject.damaged_by_customer"}

func (pg *Pages) renderCase(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *CaseData) {
	p := pg.page(r, v, "case.title", d.Case.Number)
	p.Data = d
	pg.render(w, r, status, "case", p)
}

// maxEvidenceFiles bounds the files one form may carry.
const maxEvidenceFiles = 9

// CaseAct takes the action of the pressed button (name="action") with the form's fields,
// named as the API's: note, carrier, tracking_no, cost, inspection, finding, deduction,
// postage_reduction, amount (money as decimals: 12.50), evidence (files). It redirects to the
// case page, or shows the page again with the problem next to the field.
func (pg *Pages) CaseAct(w http.ResponseWriter, r *http.Request, v *Visit) error {
	id := r.PathValue("id")
	c, err := pg.app.GetCase(r.Context(), v.Principal, id)
	if err != nil {
		return err
	}
	f := r.PostForm
	in := app.ActInput{Action: aftersale.Action(f.Get("action")), Note: f.Get("note"),
		Carrier: strings.TrimSpace(f.Get("carrier")), TrackingNo: strings.TrimSpace(f.Get("tracking_no")),
		Inspection: aftersale.Inspection(f.Get("inspection")), Finding: aftersale.Finding(f.Get("finding")),
		Assignee: strings.TrimSpace(f.Get("assignee")), Group: strings.TrimSpace(f.Get("group"))}
	if tmpl := f.Get("note_template"); tmpl != "" && slices.Contains(pg.templatesIn(v.Lang), tmpl) {
		in.Note = strings.TrimSpace(tmpl + " " + in.Note)
	}
	in.Version, _ = strconv.ParseInt(f.Get("version"), 10, 64)
	problem := &FormProblem{Action: string(in.Action), Fields: map[string]string{}}
	amounts := []struct {
		field string
		into  *int64
	}{{"cost", &in.Cost}, {"deduction", &in.Deduction}, {"postage_reduction", &in.PostageReduction}}
	for _, a := range amounts {
		if n, ok := pg.formAmount(v.Lang, f.Get(a.field), c.Currency, problem, a.field); ok {
			*a.into = n
		}
	}
	if s := strings.TrimSpace(f.Get("amount")); s != "" {
		if n, ok := pg.formAmount(v.Lang, s, c.Currency, problem, "amount"); ok {
			in.Amount = &n
		}
	}
	if len(problem.Fields) == 0 {
		ids, err := pg.uploadEvidence(r, v, problem)
		if err != nil {
			return err
		}
		in.Evidence = ids
	}
	if len(problem.Fields) == 0 {
		_, err = pg.app.Act(r.Context(), v.Principal, id, in, formIdempotency(r, v))
		if err == nil && ownerAction(in.Action) {
			seeOther(w, "/cases/"+id+"?done=owner&lang="+string(v.Lang)+"#owner")
			return nil
		} else if err == nil {
			seeOther(w, "/cases/"+id+"?done=action&lang="+string(v.Lang))
			return nil
		}
		if !pg.formProblem(v.Lang, err, problem) {
			return err
		}
	}
	status := problemStatus(err)
	d, err := pg.caseData(r, v)
	if err != nil {
		return err
	}
	if ownerAction(in.Action) && d.Desk != nil {
		d.Desk.refused(r, problem)
		pg.renderCase(w, r, v, status, d)
		return nil
	}
	d.Problem = problem
	for i := range d.Forms {
		if string(d.Forms[i].Action) == problem.Action {
			d.Forms[i].Open, d.Forms[i].Values, d.Forms[i].Errors = true, formValues(r), problem.Fields
		}
	}
	pg.renderCase(w, r, v, problemStatus(err), d)
	return nil
}

// CaseMessage posts a public reply, or an internal note (internal=1, staff only).
func (pg *Pages) CaseMessage(w http.ResponseWriter, r *http.Request, v *Visit) error {
	id := r.PathValue("id")
	in := app.MessageInput{Body: r.PostForm.Get("body"), Internal: r.PostForm.Get("internal") != ""}
	_, err := pg.app.PostMessage(r.Context(), v.Principal, id, in, formIdempotency(r, v))
	if err == nil {
		seeOther(w, "/cases/"+id+"?done=message&lang="+string(v.Lang)+"#conversation")
		return nil
	}
	problem := &FormProblem{Fields: map[string]string{}}
	if !pg.formProblem(v.Lang, err, problem) {
		return err
	}
	d, derr := pg.caseData(r, v)
	if derr != nil {
		return derr
	}
	d.MessageErr = problem.Fields["body"]
	if d.MessageErr == "" {
		d.MessageErr = problem.Message
	}
	d.Body = in.Body
	pg.renderCase(w, r, v, problemStatus(err), d)
	return nil
}

func (pg *Pages) templatesIn(l Lang) []string {
	var out []string
	for _, k := range rejectTemplates {
		s, _ := pg.cat.Message(l, k)
		out = append(out, s)
	}
	return out
}

// formAmount reads a decimal amount of the case's currency ("12.50"); "" is zero. A bad
// amount is noted on the problem.
func (pg *Pages) formAmount(l Lang, s string, cur money.Currency, problem *FormProblem, field string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "¥"))
	if s == "" {
		return 0, true
	}
	a, err := money.Parse(strings.ReplaceAll(s, ",", ""), cur)
	if err != nil || !a.InRange() {
		problem.Fields[field], _ = pg.cat.Message(l, "form.bad_amount")
		return 0, false
	}
	return a.Minor, true
}

// formProblem fills problem from an application error a person can correct (a field, a
// state that changed, a refusal); false for other errors, which become error pages.
func (pg *Pages) formProblem(l Lang, err error, problem *FormProblem) bool {
	var ae *app.Error
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Code {
	case app.CodeInvalid, app.CodeConflict, app.CodeRefused, app.CodeTooLarge, app.CodeUnsupported:
	default:
		return false
	}
	problem.Message = l.Pick(ae.Message)
	for _, fe := range ae.Fields {
		name := fe.Field
		if i := strings.IndexByte(name, '['); i > 0 {
			name = name[:i]
		}
		problem.Fields[name] = l.Pick(fe.Message)
	}
	return true
}

// problemStatus is the status of a page shown again after a refused form.
func problemStatus(err error) int {
	switch app.ErrorCode(err) {
	case app.CodeConflict:
		return http.StatusConflict
	case app.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case app.CodeUnsupported:
		return http.StatusUnsupportedMediaType
	}
	return http.StatusUnprocessableEntity
}

// formValues keeps what the person typed, to fill the form again.
func formValues(r *http.Request) map[string]string {
	out := map[string]string{}
	for k, vs := range r.PostForm {
		if k != "csrf_token" && len(vs) > 0 {
			out[k] = vs[0]
		}
	}
	return out
}

// seeOther redirects after a form (303: the browser then GETs the page).
func seeOther(w http.ResponseWriter, location string) {
	w.Header().Set("Location", location)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusSeeOther)
}
