package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
	"github.com/aftersales/aftersales/internal/complaint"
)

// Complaints (投诉): the list (/complaints) — the complainant's own, the desk's merchants' —
// with the form customers and merchant staff file one with; the complaint page
// (/complaints/{id}) with its tier, owner and clocks, its history and the allowed actions
// as forms. The application scopes what each sees and decides what each may do.

// ComplaintsData is the complaints list's data.
type ComplaintsData struct {
	Filter ComplaintFilter
	Rows   []app.ComplaintView
	Next   string // the address of the next page
	Staff  bool   // the desk: a merchant column and the tier filter
	// MayFile shows the form to file a complaint (customers and merchant staff).
	MayFile bool
	Form    ComplaintFileForm
	Abouts  []complaint.About
	Errors  map[string]string
	Message string
	Key     string
}

// ComplaintFilter is the list's query, as its form names it.
type ComplaintFilter struct {
	State, Tier string
}

// ComplaintFileForm is the filing form's fields, named as the API's; CaseNumber is the
// case's number when the form came from a case page.
type ComplaintFileForm struct {
	Subject, About, CaseID, CaseNumber, Description string
}

func (f ComplaintFilter) query(l Lang, cursor string) string {
	q := url.Values{"lang": {string(l)}}
	for k, v := range map[string]string{"state": f.State, "tier": f.Tier, "cursor": cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return "/complaints?" + q.Encode()
}

// complaintPageRows is how many complaints a page of the list shows.
const complaintPageRows = 50

// mayFileComplaint reports whether the visitor's role is one that complains; the
// application decides when the form is sent.
func mayFileComplaint(role app.Role) bool {
	return role == app.RoleCustomer || role == app.RoleMerchant
}

// Complaints lists the visitor's complaints, with the form to file one. ?case_id= (from a
// case page's link) fills the form's case.
func (pg *Pages) Complaints(w http.ResponseWriter, r *http.Request, v *Visit) error {
	form := ComplaintFileForm{About: string(complaint.AboutMerchant)}
	if id := strings.TrimSpace(r.URL.Query().Get("case_id")); id != "" && mayFileComplaint(v.Principal.Role) {
		// A case the visitor does not see fills nothing.
		if c, err := pg.app.GetCase(r.Context(), v.Principal, id); err == nil {
			form.CaseID, form.CaseNumber = c.ID, c.Number
		} else if app.ErrorCode(err) != app.CodeNotFound {
			return err
		}
	}
	d, status, err := pg.complaintsData(r, v, form)
	if err != nil {
		return err
	}
	pg.renderComplaints(w, r, v, status, d)
	return nil
}

func (pg *Pages) complaintsData(r *http.Request, v *Visit, form ComplaintFileForm) (*ComplaintsData, int, error) {
	q := r.URL.Query()
	f := ComplaintFilter{State: q.Get("state"), Tier: q.Get("tier")}
	role := v.Principal.Role
	d := &ComplaintsData{Filter: f, Staff: !mayFileComplaint(role), MayFile: mayFileComplaint(role), Form: form,
		Abouts: complaint.Abouts, Errors: map[string]string{}, Key: newFormKey()}
	in := app.ComplaintListInput{State: f.State, Cursor: q.Get("cursor"), Limit: complaintPageRows}
	if f.Tier != "" {
		n, err := strconv.Atoi(f.Tier)
		if err != nil || n < 1 || n > complaint.TopTier {
			d.Errors["tier"], d.Message = pg.say(v.Lang, "complaints.bad_tier"), pg.say(v.Lang, "form.check_fields")
			// Who may not read complaints learns nothing from a wrong tier either.
			if _, err := pg.app.ListComplaints(r.Context(), v.Principal, app.ComplaintListInput{Limit: 1}); err != nil {
				return nil, 0, err
			}
			return d, http.StatusUnprocessableEntity, nil
		}
		in.Tier = n
	}
	list, err := pg.app.ListComplaints(r.Context(), v.Principal, in)
	if err != nil {
		problem := &FormProblem{Fields: d.Errors}
		if !pg.formProblem(v.Lang, err, problem) {
			return nil, 0, err
		}
		d.Message = problem.Message
		return d, problemStatus(err), nil
	}
	d.Rows = list.Complaints
	if list.NextCursor != "" {
		d.Next = f.query(v.Lang, list.NextCursor)
	}
	return d, http.StatusOK, nil
}

func (pg *Pages) renderComplaints(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *ComplaintsData) {
	p := pg.page(r, v, "complaints.title")
	p.Data = d
	pg.render(w, r, status, "complaints", p)
}

// FileComplaint files the form's complaint (subject, about, case_id, description) and goes
// to its page, or shows the list again with the problem next to the field.
func (pg *Pages) FileComplaint(w http.ResponseWriter, r *http.Request, v *Visit) error {
	f := r.PostForm
	form := ComplaintFileForm{Subject: f.Get("subject"), About: f.Get("about"), CaseID: strings.TrimSpace(f.Get("case_id")),
		Description: f.Get("description")}
	rep, err := pg.app.FileComplaint(r.Context(), v.Principal, app.ComplaintInput{Subject: form.Subject,
		About: complaint.About(form.About), CaseID: form.CaseID, Description: form.Description}, formIdempotency(r, v))
	if err == nil {
		seeOther(w, "/complaints/"+rep.Value.ID+"?done=complaint&lang="+string(v.Lang))
		return nil
	}
	problem := &FormProblem{Fields: map[string]string{}}
	if !pg.formProblem(v.Lang, err, problem) {
		return err
	}
	if form.CaseID != "" {
		if c, cerr := pg.app.GetCase(r.Context(), v.Principal, form.CaseID); cerr == nil {
			form.CaseNumber = c.Number
		}
	}
	d, _, derr := pg.complaintsData(r, v, form)
	if derr != nil {
		return derr
	}
	d.Errors, d.Message = problem.Fields, problem.Message
	pg.renderComplaints(w, r, v, problemStatus(err), d)
	return nil
}

// ComplaintForm is one allowed action of a complaint as a form.
type ComplaintForm struct {
	Action complaint.Action
	Label  aftersale.Text
	// Field is the form's one text field (note, resolution or assignee), FieldKey its label.
	Field, FieldKey string
	Required, Open  bool
	Value, Error    string
	Key             string
}

func complaintForm(a complaint.Action, v *Visit) ComplaintForm {
	f := ComplaintForm{Action: a, Label: a.Label(), Field: "note", FieldKey: "field.note", Key: newFormKey()}
	switch a {
	case complaint.Assign:
		f.Field, f.FieldKey, f.Required, f.Value = "assignee", "complaint.field.assignee", true, v.Principal.ID
	case complaint.Reply:
		f.FieldKey, f.Required = "complaint.field.reply", true
	case complaint.Resolve:
		f.Field, f.FieldKey, f.Required = "resolution", "complaint.field.resolution", true
	}
	return f
}

// ComplaintData is the complaint page's data.
type ComplaintData struct {
	Complaint *app.ComplaintView
	Forms     []ComplaintForm
	Staff     bool
	Problem   *FormProblem
	// Owner is the desk's ownership panel (desk.go): who owns the complaint, and take,
	// assign and transfer as the complaint allows them; nil for anyone else.
	Owner *OwnerPanel
}

// complaintOwnerActions are the handovers the ownership panel offers, not the action forms.
var complaintOwnerActions = []complaint.Action{complaint.Take, complaint.Assign, complaint.Transfer}

// ComplaintPage shows a complaint to its complainant and the desk; anyone else's is not
// found.
func (pg *Pages) ComplaintPage(w http.ResponseWriter, r *http.Request, v *Visit) error {
	d, err := pg.complaintData(r, v)
	if err != nil {
		return err
	}
	pg.renderComplaint(w, r, v, http.StatusOK, d)
	return nil
}

func (pg *Pages) complaintData(r *http.Request, v *Visit) (*ComplaintData, error) {
	c, err := pg.app.GetComplaint(r.Context(), v.Principal, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	d := &ComplaintData{Complaint: c, Staff: !mayFileComplaint(v.Principal.Role)}
	if d.Owner, err = pg.ownerPanel(r, v, c.Assignee, c.Group); err != nil {
		return nil, err
	}
	for _, a := range c.AllowedActions {
		if slices.Contains(complaintOwnerActions, a) {
			continue
		}
		d.Forms = append(d.Forms, complaintForm(a, v))
	}
	if o := d.Owner; o != nil {
		allowed := func(a complaint.Action) bool { return slices.Contains(c.AllowedActions, a) }
		o.Open = c.State == complaint.Open
		o.CanTake = allowed(complaint.Take) && v.Principal.Role != app.RoleAdmin && o.Me != "" && c.Assignee != o.Me
		o.CanAssign = allowed(complaint.Assign)
		o.CanTransfer = allowed(complaint.Transfer) && (c.Assignee != "" || c.Group != "")
		o.Post, o.Version = "/complaints/"+url.PathEscape(c.ID)+"/actions#owner", c.Version
	}
	if len(d.Forms) == 1 {
		d.Forms[0].Open = true
	}
	return d, nil
}

func (pg *Pages) renderComplaint(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *ComplaintData) {
	p := pg.page(r, v, "complaint.title", d.Complaint.Number)
	p.Data = d
	pg.render(w, r, status, "complaint", p)
}

// ComplaintAct takes the action of the pressed button (name="action") with its field
// (note, resolution or assignee) at the version the page showed, and goes back to the
// complaint, or shows the page again with the problem next to the field.
func (pg *Pages) ComplaintAct(w http.ResponseWriter, r *http.Request, v *Visit) error {
	id := r.PathValue("id")
	f := r.PostForm
	in := app.ComplaintActInput{Action: complaint.Action(f.Get("action")), Note: f.Get("note"), Resolution: f.Get("resolution"),
		Assignee: strings.TrimSpace(f.Get("assignee")), Group: strings.TrimSpace(f.Get("group"))}
	in.Version, _ = strconv.ParseInt(f.Get("version"), 10, 64)
	handover := slices.Contains(complaintOwnerActions, in.Action)
	_, err := pg.app.ComplaintAct(r.Context(), v.Principal, id, in, formIdempotency(r, v))
	if err == nil && handover {
		seeOther(w, "/complaints/"+id+"?done=complaint_owner&lang="+string(v.Lang)+"#owner")
		return nil
	} else if err == nil {
		seeOther(w, "/complaints/"+id+"?done=complaint_action&lang="+string(v.Lang))
		return nil
	}
	problem := &FormProblem{Action: string(in.Action), Fields: map[string]string{}}
	if !pg.formProblem(v.Lang, err, problem) {
		return err
	}
	d, derr := pg.complaintData(r, v)
	if derr != nil {
		return derr
	}
	if handover && d.Owner != nil {
		d.Owner.refused(r, problem)
		pg.renderComplaint(w, r, v, problemStatus(err), d)
		return nil
	}
	d.Problem = problem
	for i := range d.Forms {
		fm := &d.Forms[i]
		if string(fm.Action) == problem.Action {
			fm.Open, fm.Value, fm.Error = true, f.Get(fm.Field), problem.Fields[fm.Field]
		}
	}
	pg.renderComplaint(w, r, v, problemStatus(err), d)
	return nil
}
