package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
)

// The abuse risk score (风险评分) on the case page, for the staff who may read the
// customer's score — never the customer — and the platform's watch list (/risk/watchlist,
// 观察名单), which supervisors and admins keep: add a customer with the reason, take one
// off with the reason, both audited by the application.

// CaseRisk is the score the case's customer had when the case was opened, with its
// reasons in the reader's language, and the watch list's entry as it is now.
type CaseRisk struct {
	Score   int
	Level   string // low, medium or high: the catalogue key and the badge's colour
	Reasons []CaseRiskReason
	// Watch is the customer's watch list entry; nil when they are not on it.
	Watch *app.WatchView
	// Keeper: the reader keeps the watch list (supervisors, admins): the block links to it.
	Keeper   bool
	Customer string
}

// CaseRiskReason is one reason of the score, in the reader's language, with its points.
type CaseRiskReason struct {
	Text   string
	Points int
}

// riskBadge is the badge class of a risk level.
func riskBadge(level string) string {
	switch level {
	case "high":
		return "bad"
	case "medium":
		return "warn"
	}
	return "ok"
}

// Badge is the class of the level's badge.
func (c *CaseRisk) Badge() string { return riskBadge(c.Level) }

// caseRisk reads the case's risk score for the visitor: nil for customers, for a case
// without a kept score and for staff who may not read the customer's score (the
// application's not found or forbidden: no block, not an error page).
func (pg *Pages) caseRisk(r *http.Request, v *Visit, c *app.CaseView) (*CaseRisk, error) {
	if v.Principal.Role == app.RoleCustomer {
		return nil, nil
	}
	rv, err := pg.app.CaseRisk(r.Context(), v.Principal, c.ID)
	switch app.ErrorCode(err) {
	case app.CodeNotFound, app.CodeForbidden:
		return nil, nil
	}
	if err != nil || rv == nil {
		return nil, err
	}
	d := &CaseRisk{Score: rv.Score, Level: rv.Level, Watch: rv.Watch, Keeper: pg.app.MayKeepWatchList(v.Principal) == nil, Customer: rv.Customer}
	for _, x := range rv.Reasons {
		d.Reasons = append(d.Reasons, CaseRiskReason{Text: v.Lang.Pick(app.Text{ZH: x.ZH, EN: x.EN}), Points: x.Points})
	}
	return d, nil
}

// WatchListData is the watch list page's data.
type WatchListData struct {
	Rows []WatchRow
	// New is the form that puts a customer on the list.
	New WatchForm
}

// WatchRow is an entry of the list with the form that takes the customer off.
type WatchRow struct {
	app.WatchView
	Remove WatchForm
}

// WatchForm is what a watch list form shows: the values, the problems, whether unfolded.
type WatchForm struct {
	Open           bool
	Message        string
	Values, Errors map[string]string
}

func newWatchForm() WatchForm {
	return WatchForm{Values: map[string]string{}, Errors: map[string]string{}}
}

// WatchList shows the watch list with its forms; ?customer= fills the add form (the case
// page's link).
func (pg *Pages) WatchList(w http.ResponseWriter, r *http.Request, v *Visit) error {
	d, err := pg.watchListData(r, v)
	if err != nil {
		return err
	}
	if c := strings.TrimSpace(r.URL.Query().Get("customer")); c != "" {
		d.New.Values["customer"], d.New.Open = c, true
	}
	pg.renderWatchList(w, r, v, http.StatusOK, d)
	return nil
}

func (pg *Pages) watchListData(r *http.Request, v *Visit) (*WatchListData, error) {
	list, err := pg.app.ListWatch(r.Context(), v.Principal)
	if err != nil {
		return nil, err
	}
	d := &WatchListData{New: newWatchForm()}
	for _, e := range list.Entries {
		d.Rows = append(d.Rows, WatchRow{WatchView: e, Remove: newWatchForm()})
	}
	return d, nil
}

func (pg *Pages) renderWatchList(w http.ResponseWriter, r *http.Request, v *Visit, status int, d *WatchListData) {
	p := pg.page(r, v, "risk.watch.title")
	p.Data = d
	pg.render(w, r, status, "risk_watchlist", p)
}

// watchProblem is the refused form of an application error a person can correct (a
// field, a customer already listed, no such customer); false for the others, which
// become error pages.
func (pg *Pages) watchProblem(l Lang, err error) (WatchForm, int, bool) {
	f := newWatchForm()
	f.Open = true
	if app.ErrorCode(err) == app.CodeNotFound {
		f.Errors["customer"], _ = pg.cat.Message(l, "risk.watch.no_customer")
		return f, http.StatusUnprocessableEntity, true
	}
	problem := &FormProblem{Fields: map[string]string{}}
	if !pg.formProblem(l, err, problem) {
		return f, 0, false
	}
	f.Errors = problem.Fields
	if len(problem.Fields) == 0 {
		f.Message = problem.Message
	}
	return f, problemStatus(err), true
}

// WatchAdd puts a customer on the watch list with the reason (customer, reason); back to
// the list, or the list again with the problem at the field and nothing written.
func (pg *Pages) WatchAdd(w http.ResponseWriter, r *http.Request, v *Visit) error {
	in := app.WatchInput{Customer: r.PostForm.Get("customer"), Reason: r.PostForm.Get("reason")}
	_, err := pg.app.AddToWatchList(r.Context(), v.Principal, in)
	if err == nil {
		seeOther(w, "/risk/watchlist?done=watch_added&lang="+string(v.Lang)+"#watch-"+url.PathEscape(strings.TrimSpace(in.Customer)))
		return nil
	}
	f, status, ok := pg.watchProblem(v.Lang, err)
	if !ok {
		return err
	}
	d, derr := pg.watchListData(r, v)
	if derr != nil {
		return derr
	}
	f.Values = formValues(r)
	d.New = f
	pg.renderWatchList(w, r, v, status, d)
	return nil
}

// WatchRemove takes the customer of the address off the watch list with the reason;
// back to the list, or the list again with the problem at the entry's reason.
func (pg *Pages) WatchRemove(w http.ResponseWriter, r *http.Request, v *Visit) error {
	customer := r.PathValue("customer")
	err := pg.app.RemoveFromWatchList(r.Context(), v.Principal, app.WatchInput{Customer: customer, Reason: r.PostForm.Get("reason")})
	if err == nil {
		seeOther(w, "/risk/watchlist?done=watch_removed&lang="+string(v.Lang))
		return nil
	}
	if app.ErrorCode(err) == app.CodeNotFound { // not on the list (any more): the 404 page
		return err
	}
	f, status, ok := pg.watchProblem(v.Lang, err)
	if !ok {
		return err
	}
	d, derr := pg.watchListData(r, v)
	if derr != nil {
		return derr
	}
	f.Values = formValues(r)
	for i := range d.Rows {
		if d.Rows[i].Customer == customer {
			d.Rows[i].Remove = f
		}
	}
	pg.renderWatchList(w, r, v, status, d)
	return nil
}
