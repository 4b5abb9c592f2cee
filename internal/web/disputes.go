package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/dispute"
)

// The dispute page (/disputes/{id}, 平台介入) for both sides and the platform: its
// deadlines, both sides' evidence side by side with the platform's findings below, the
// requests for evidence, the mediation proposal, the ruling with its basis, the history,
// and the allowed actions — exactly the application's allowed_actions — as forms. The
// disputes list (/disputes) is the desk's queue of disputes and the parties' own list.

// DisputeForm is one allowed action of a dispute as a form: which of the API's fields it
// asks for.
type DisputeForm struct {
	Action dispute.Action
	Label  aftersale.Text
	// Fields the form shows; the note is required when NoteRequired.
	Note, NoteRequired, Category, Party, DueAt, Evidence, PlatformOnly, Outcome, Liability, Standard, Amount, Basis bool
	// AmountKey names what the amount means (an award, an advance).
	AmountKey string
	// Danger marks actions that end or refuse (dismiss, reject, withdraw), styled apart.
	Danger bool
	// Open shows the form unfolded: the only action, or one that was refused.
	Open bool
	// Values and Errors are what was entered and what was wrong, after a refused form.
	Values, Errors map[string]string
	// Key is the form's idempotency key.
	Key string
}

// disputeForm describes the form of action a on dispute d.
func disputeForm(a dispute.Action, d *app.DisputeView) DisputeForm {
	f := DisputeForm{Action: a, Label: a.Label(), Values: map[string]string{}, Errors: map[string]string{}, Key: newFormKey()}
	switch a {
	case dispute.Admit:
		f.Category, f.Note = true, true
		f.Values["category"] = string(d.Category)
	case dispute.Dismiss:
		f.Category, f.Note, f.NoteRequired, f.Danger = true, true, true, true
		f.Values["category"] = string(d.Category)
	case dispute.RequestEvidence:
		f.Party, f.DueAt, f.Note = true, true, true
		f.Values["party"] = string(dispute.MerchantSide)
	case dispute.SubmitEvidence:
		f.Note, f.Evidence, f.PlatformOnly = true, true, true
	case dispute.Propose:
		f.Outcome, f.Amount, f.AmountKey, f.Note = true, true, "dispute.field.amount_award", true
	case dispute.RejectProposal:
		f.Note, f.Danger = true, true
	case dispute.Rule:
		f.Outcome, f.Liability, f.Standard, f.Amount, f.AmountKey, f.Basis = true, true, true, true, "dispute.field.amount_ruling", true
	case dispute.Advance:
		f.Amount, f.AmountKey, f.Note, f.NoteRequired = true, "dispute.field.amount_advance", true, true
	case dispute.Withdraw:
		f.Note, f.Danger = true, true
	}
	return f
}

// DisputeData is the dispute page's data.
type DisputeData struct {
	Dispute *app.DisputeView
	// Both sides' submissions, and the platform's own findings.
	Customer, Merchant, Platform []app.DisputeEvidenceView
	Forms                        []DisputeForm
	// Staff: the platform's people (agents, supervisors, admins), who see every finding.
	Staff       bool
	Categories  []dispute.Category
	Outcomes    []dispute.Outcome
	Liabilities []dispute.Liability
	Parties     []dispute.Party
	Problem     *FormProblem
}

// DisputePage shows a dispute to anyone who may see it; someone else's is not found.
func (pg *Pages) DisputePage(w http.ResponseWriter, r *http.Request, v *Visit) error {
	d, err := pg.disputeData(r, v)
	if err != nil {
		return err
	}
	pg.renderDispute(w, r, v, http.StatusOK, d)
	return nil
}

func (pg *Pages) disputeData(r *http.Request, v *Visit) (*DisputeData, error) {
	dv, err := pg.app.GetDispute(r.Context(), v.Principal, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	role := v.Principal.Role
	d := &DisputeData{Dispute: dv, Staff: role != app.RoleCustomer && role != app.RoleMerchant,
		Categories: dispute.Categories, Outcomes: dispute.Outcomes, Liabilities: dispute.Liabilities,
		Parties: []dispute.Party{dispute.CustomerSide, dispute.MerchantSide}}
	for _, e := range dv.Evidence {
		switch e.Party {
		case dispute.CustomerSide:
			d.Customer = append(d.Customer, e)
		case dispute.MerchantSide:
			d.Merchant = append(d.Merchant, e)
		default:
			d.Platform = append(d.Platform, e)
		}
	}
	for _, a := range dv.AllowedActions {
		d.Forms = append(d.Forms, disputeForm(a, dv))
	}
	if len(d.Forms) == 1 {
		d.Forms[0].Open = true
	}
	return d, nil
}

func (pg *Pages) renderDispute(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *DisputeData) {
	p := pg.page(r, v, "dispute.title", d.Dispute.Number)
	p.Data = d
	pg.render(w, r, status, "dispute", p)
}

// dueAtLayouts are what a datetime-local field sends, with or without seconds.
var dueAtLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"}

// formDueAt reads a datetime-local value as a time in the platform's time zone; a value
// that cannot be read is noted on the problem.
func (pg *Pages) formDueAt(l Lang, s string, problem *FormProblem) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	for _, layout := range dueAtLayouts {
		if t, err := time.ParseInLocation(layout, s, pg.loc); err == nil {
			return &t
		}
	}
	problem.Fields["due_at"] = pg.say(l, "dispute.bad_due_at")
	return nil
}

// DisputeAct takes the action of the pressed button (name="action") with the form's
// fields, named as the API's: version, note, category, party, due_at (a local date and
// time), platform_only, outcome, liability, standard, amount (yuan: 12.50), basis_zh,
// basis_en, evidence (files). It redirects to the dispute page, or shows the page again
// with the problem next to the field.
func (pg *Pages) DisputeAct(w http.ResponseWriter, r *http.Request, v *Visit) error {
	id := r.PathValue("id")
	dv, err := pg.app.GetDispute(r.Context(), v.Principal, id)
	if err != nil {
		return err
	}
	f := r.PostForm
	in := app.DisputeActInput{Action: dispute.Action(f.Get("action")), Note: f.Get("note"),
		Category: dispute.Category(f.Get("category")), Party: dispute.Party(f.Get("party")),
		PlatformOnly: f.Get("platform_only") != "", Outcome: dispute.Outcome(f.Get("outcome")),
		Liability: dispute.Liability(f.Get("liability")), Standard: strings.TrimSpace(f.Get("standard")),
		Basis: app.Text{ZH: f.Get("basis_zh"), EN: f.Get("basis_en")}}
	in.Version, _ = strconv.ParseInt(f.Get("version"), 10, 64)
	problem := &FormProblem{Action: string(in.Action), Fields: map[string]string{}}
	if s := strings.TrimSpace(f.Get("amount")); s != "" {
		if n, ok := pg.formAmount(v.Lang, s, dv.Currency, problem, "amount"); ok {
			in.Amount = &n
		}
	}
	in.DueAt = pg.formDueAt(v.Lang, f.Get("due_at"), problem)
	if len(problem.Fields) == 0 {
		ids, err := pg.uploadEvidence(r, v, problem)
		if err != nil {
			return err
		}
		in.Evidence = ids
	}
	if len(problem.Fields) == 0 {
		_, err = pg.app.DisputeAct(r.Context(), v.Principal, id, in, formIdempotency(r, v))
		if err == nil {
			seeOther(w, "/disputes/"+id+"?done=dispute&lang="+string(v.Lang))
			return nil
		}
		if !pg.formProblem(v.Lang, err, problem) {
			return err
		}
	} else {
		problem.Message = pg.say(v.Lang, "form.check_fields")
	}
	d, derr := pg.disputeData(r, v)
	if derr != nil {
		return derr
	}
	d.Problem = problem
	for i := range d.Forms {
		if string(d.Forms[i].Action) == problem.Action {
			d.Forms[i].Open, d.Forms[i].Values, d.Forms[i].Errors = true, formValues(r), problem.Fields
		}
	}
	pg.renderDispute(w, r, v, problemStatus(err), d)
	return nil
}

// DisputesData is the disputes list's data.
type DisputesData struct {
	Filter     DisputeFilter
	Rows       []app.DisputeView
	Next       string // the address of the next page
	Staff      bool   // the viewer works across merchants: a merchant column
	States     []dispute.State
	Categories []dispute.Category
	Errors     map[string]string
	Message    string
}

// DisputeFilter is the disputes list's query, as its form names it.
type DisputeFilter struct {
	State, Category string
	Open            bool
}

// query is the filter as the address of a page of the list.
func (f DisputeFilter) query(l Lang, cursor string) string {
	q := url.Values{"lang": {string(l)}}
	for k, v := range map[string]string{"state": f.State, "category": f.Category, "cursor": cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Open {
		q.Set("open", "1")
	}
	return "/disputes?" + q.Encode()
}

// disputePageRows is how many disputes a page of the list shows.
const disputePageRows = 50

// Disputes lists the disputes the visitor may see — the application scopes the list: a
// customer's own, a merchant's, the desk's merchants' — with filters and the next page.
func (pg *Pages) Disputes(w http.ResponseWriter, r *http.Request, v *Visit) error {
	q := r.URL.Query()
	f := DisputeFilter{State: q.Get("state"), Category: q.Get("category"), Open: q.Get("open") != ""}
	role := v.Principal.Role
	d := &DisputesData{Filter: f, Staff: role != app.RoleCustomer && role != app.RoleMerchant, States: dispute.States,
		Categories: dispute.Categories, Errors: map[string]string{}}
	status := http.StatusOK
	list, err := pg.app.ListDisputes(r.Context(), v.Principal, app.DisputeListInput{State: f.State, Category: f.Category,
		Open: f.Open, Cursor: q.Get("cursor"), Limit: disputePageRows})
	if err != nil {
		problem := &FormProblem{Fields: d.Errors}
		if !pg.formProblem(v.Lang, err, problem) {
			return err
		}
		d.Message, status = problem.Message, problemStatus(err)
	} else {
		d.Rows = list.Disputes
		if list.NextCursor != "" {
			d.Next = f.query(v.Lang, list.NextCursor)
		}
	}
	p := pg.page(r, v, "disputes.title")
	p.Data = d
	pg.render(w, r, status, "disputes", p)
	return nil
}

// CaseDispute is a dispute of a case as the case page lists it: with its next deadline.
type CaseDispute struct {
	Dispute app.DisputeView
	Next    *app.DeadlineView
}

// caseDisputes are the case's disputes for the case page's platform intervention section
// (none: the case was never escalated).
func (pg *Pages) caseDisputes(r *http.Request, v *Visit, caseID string) ([]CaseDispute, error) {
	ds, err := pg.app.CaseDisputes(r.Context(), v.Principal, caseID)
	if err != nil {
		return nil, err
	}
	out := make([]CaseDispute, 0, len(ds))
	for _, d := range ds {
		cd := CaseDispute{Dispute: d}
		for i := range d.Deadlines {
			if cd.Next == nil || d.Deadlines[i].DueAt.Before(cd.Next.DueAt) {
				cd.Next = &d.Deadlines[i]
			}
		}
		out = append(out, cd)
	}
	return out, nil
}
