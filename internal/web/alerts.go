package web

import (
	"cmp"
	"fmt"
	"net/http"

	"github.com/aftersales/aftersales/internal/app"
)

// Early warning (/alerts, 预警): the open and recent alerts of the merchants the reader
// may see, with the figures and the top reasons.

// AlertsData is the alerts page's data.
type AlertsData struct {
	State  string
	Open   []AlertRow
	Recent []AlertRow
}

// AlertRow is an alert, formatted.
type AlertRow struct {
	app.AlertView
	Rate, Baseline string
	Reasons        []string // the top reasons (or themes) by name in the reader's language, with their numbers
}

func percent(f float64) string { return fmt.Sprintf("%.1f%%", f*100) }

// Alerts shows the open alerts, then the closed ones, newest first.
func (pg *Pages) Alerts(w http.ResponseWriter, r *http.Request, v *Visit) error {
	list, err := pg.app.Alerts(r.Context(), v.Principal, app.AlertFilter{Merchant: r.URL.Query().Get("merchant")})
	if err != nil {
		return err
	}
	d := &AlertsData{}
	p := pg.page(r, v, "alerts.title")
	for _, a := range list.Alerts {
		row := AlertRow{AlertView: a, Rate: percent(a.Rate), Baseline: percent(a.Baseline)}
		for _, t := range a.TopReasons {
			name := cmp.Or(t.ZH, t.Reason)
			if v.Lang == EN {
				name = cmp.Or(t.EN, t.Reason)
			}
			row.Reasons = append(row.Reasons, fmt.Sprintf("%s (%d)", name, t.Cases))
		}
		if a.State == "open" {
			d.Open = append(d.Open, row)
		} else {
			d.Recent = append(d.Recent, row)
		}
	}
	p.Data = d
	pg.render(w, r, http.StatusOK, "alerts", p)
	return nil
}
