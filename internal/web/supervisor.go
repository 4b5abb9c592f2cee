package web

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/aftersale"
	"github.com/aftersales/aftersales/internal/app"
)

// SupervisorData is the supervisor's view: the open work per merchant, and the open cases
// whose service clocks were breached, soonest deadline first.
type SupervisorData struct {
	Load     *app.WorkloadView
	Breached []CaseRow
	More     bool
}

// Supervisor shows the workload and the breaches of the merchants the visitor serves.
func (pg *Pages) Supervisor(w http.ResponseWriter, r *http.Request, v *Visit) error {
	load, err := pg.app.Workload(r.Context(), v.Principal)
	if err != nil {
		return err
	}
	var open []aftersale.State
	for _, s := range aftersale.States {
		if !s.Terminal() {
			open = append(open, s)
		}
	}
	list, err := pg.app.ListCases(r.Context(), v.Principal, app.ListInput{States: open, SLA: "breached", Sort: "deadline", Limit: 20})
	if err != nil {
		return err
	}
	d := &SupervisorData{Load: load, More: list.NextCursor != ""}
	for _, c := range list.Items {
		d.Breached = append(d.Breached, pg.caseRow(v, c))
	}
	p := pg.page(r, v, "supervisor.title")
	p.Data = d
	pg.render(w, r, http.StatusOK, "supervisor", p)
	return nil
}
