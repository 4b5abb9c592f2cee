package web

import (
	"net/http"
	"strings"

	"github.com/aftersales/aftersales/internal/app"
)

// HomeData is a customer's start page: their cases, those waiting on them first, and their
// orders.
type HomeData struct {
	Waiting []CaseRow // the customer must act, soonest deadline first
	Others  []CaseRow
	Orders  []app.OrderView
	More    string // cursor of more orders
}

// CaseRow is a case in a list with its running deadline.
type CaseRow struct {
	Case  app.CaseSummary
	Due   *Countdown
	Yours bool // the running clock is the viewer's to beat
}

func (pg *Pages) customerHome(w http.ResponseWriter, r *http.Request, v *Visit) error {
	cases, err := pg.app.ListCases(r.Context(), v.Principal, app.ListInput{Customer: v.Principal.Customer, Limit: 50})
	if err != nil {
		return err
	}
	orders, err := pg.app.ListOrders(r.Context(), v.Principal, app.OrderListInput{Customer: v.Principal.Customer,
		Cursor: r.URL.Query().Get("orders"), Limit: 20})
	if err != nil {
		return err
	}
	d := &HomeData{Orders: orders.Items, More: orders.NextCursor}
	for _, c := range cases.Items {
		row := pg.caseRow(v, c)
		if row.Yours {
			d.Waiting = append(d.Waiting, row)
		} else {
			d.Others = append(d.Others, row)
		}
	}
	p := pg.page(r, v, "home.title")
	p.Data = d
	pg.render(w, r, http.StatusOK, "home", p)
	return nil
}

// caseRow is a listed case with its deadline; the clock is the viewer's when its kind is
// the viewer's side (customer_… for customers, merchant_… for staff).
func (pg *Pages) caseRow(v *Visit, c app.CaseSummary) CaseRow {
	row := CaseRow{Case: c}
	if len(c.Deadlines) > 0 {
		cd := pg.countdown(v.Lang, c.Deadlines[0].DueAt)
		row.Due = &cd
		side := "merchant_"
		if v.Principal.Role == app.RoleCustomer {
			side = "customer_"
		}
		row.Yours = strings.HasPrefix(string(c.Deadlines[0].Kind), side) && len(c.AllowedActions) > 0
	}
	return row
}
